"""The Slack bot over real HTTP: signed requests to the running service on loopback, and the
bot's Web API calls answered by a fake Slack (a small uvicorn app, also on loopback) that
records every call. Nothing of newsrag is replaced."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, PlainTextResponse

from api.settings import Settings
from api.slack import DB_NAME, EVENTS_PATH, answer_blocks, feedback_rows, question_text
from index.embedding import Embedder
from index.ingest import Ingestor, delete_article
from index.loaders import load_paths
from rag.schema import Answer, Citation
from tests.api.server import running, serving
from tests.conftest import ARMS_RACE_QUOTE, ROOT, XI_ARTICLE

BOT_TOKEN = "xoxb-test-bot-token-4f1d"
SIGNING_SECRET = "test-signing-secret-8e2a"
APP_TOKEN = "xapp-test-app-token-77c0"
BOT_USER = "UBOT0001"
XI = "What did Xi say about arms races?"
XI_URL = "https://cointelegraph.com/news/xi-jinping-calls-for-unity-on-ai-challenges"


# ---- a fake Slack Web API ------------------------------------------------------------------


@dataclass
class Call:
    method: str
    payload: dict[str, Any]
    authorization: str
    at: float
    status: int = 200


@dataclass
class FakeSlack:
    """Speaks enough of Slack's Web API for the bot: auth.test, chat.postMessage,
    chat.postEphemeral (anything else answers ok and is recorded), plus response_url."""

    calls: list[Call] = field(default_factory=list)
    rate_limited: dict[str, int] = field(default_factory=dict)  # method -> 429s to send
    envelopes: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)  # Socket Mode
    url: str = ""
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _ts: int = 0

    def app(self) -> FastAPI:
        fake = FastAPI()

        @fake.post("/api/{method}")
        async def api(method: str, request: Request) -> JSONResponse:
            if request.headers.get("content-type", "").startswith("application/json"):
                payload = await request.json()
            else:
                payload = dict(await request.form())
            call = Call(method, payload, request.headers.get("authorization", ""), time.time())
            if self.rate_limited.get(method, 0) > 0:
                self.rate_limited[method] -= 1
                call.status = 429
                self._record(call)
                return JSONResponse(
                    {"ok": False, "error": "ratelimited"}, 429, headers={"Retry-After": "1"}
                )
            self._record(call)
            if method == "auth.test":
                return JSONResponse(
                    {
                        "ok": True,
                        "url": "https://newsrag-test.slack.com/",
                        "team": "newsrag test",
                        "user": "newsrag",
                        "team_id": "T0001",
                        "user_id": BOT_USER,
                        "bot_id": "B0001",
                        "is_enterprise_install": False,
                    }
                )
            if method == "chat.postMessage":
                self._ts += 1
                ts = f"1800000000.{self._ts:06d}"
                return JSONResponse(
                    {"ok": True, "channel": payload.get("channel"), "ts": ts, "message": payload}
                )
            if method == "chat.postEphemeral":
                return JSONResponse({"ok": True, "message_ts": "1800000000.999999"})
            if method == "apps.connections.open":
                socket_url = self.url.replace("http://", "ws://") + "/socket"
                return JSONResponse({"ok": True, "url": socket_url})
            return JSONResponse({"ok": True})

        @fake.websocket("/socket")
        async def socket_mode(websocket: WebSocket) -> None:
            """Slack's Socket Mode side: hello, then each queued envelope; acks are recorded."""
            await websocket.accept()
            await websocket.send_json({"type": "hello", "num_connections": 1})

            async def acks() -> None:
                while True:
                    ack = json.loads(await websocket.receive_text())
                    self._record(Call("socket_mode.ack", ack, "", time.time()))

            receiving = asyncio.create_task(acks())
            try:
                while not receiving.done():
                    try:
                        await websocket.send_json(self.envelopes.get_nowait())
                    except queue.Empty:
                        await asyncio.sleep(0.05)
            finally:
                receiving.cancel()

        @fake.post("/response/{key}")
        async def response_url(key: str, request: Request) -> PlainTextResponse:
            self._record(Call(f"response_url/{key}", await request.json(), "", time.time()))
            return PlainTextResponse("ok")

        return fake

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def wait_for(
        self, pick: Callable[[Call], bool], count: int = 1, timeout: float = 60
    ) -> list[Call]:
        """The first ``count`` recorded calls that ``pick`` chooses, waiting for them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                chosen = [c for c in self.calls if pick(c)]
                if len(chosen) >= count:
                    return chosen
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"waited {timeout} s for {count} call(s); got {chosen}")
                self._changed.wait(left)

    def posts(self, channel: str) -> list[Call]:
        with self._changed:
            return [
                c
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.status == 200
                and c.payload.get("channel") == channel
            ]


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    with serving(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture(scope="module")
def slack_index(
    tmp_path_factory: pytest.TempPathFactory, sample_index: Path, embedder: Embedder
) -> Path:
    """A copy of the sample index whose Xi article carries the URL, outlet and date that the
    sample file lacks, so the citation block has a link to show."""
    target = tmp_path_factory.mktemp("slack") / "index"
    shutil.copytree(sample_index, target)
    [article] = load_paths([XI_ARTICLE]).articles
    ingestor = Ingestor(Settings(index_dir=target), embedder)
    assert delete_article(ingestor.store, article.article_id)
    article.url, article.source, article.published = XI_URL, "Cointelegraph", "2023-11-09"
    assert ingestor.run([article]).added == 1
    return target


@pytest.fixture(scope="module")
def slack_settings(slack_index: Path, slack: FakeSlack) -> Settings:
    return Settings(
        index_dir=slack_index,
        rate_limit_per_minute=0,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token=APP_TOKEN,
        slack_api_url=slack.url + "/api/",
    )


@pytest.fixture(scope="module")
def service(slack_settings: Settings, embedder: Embedder) -> Iterator[str]:
    with running(slack_settings, embedder) as url:
        yield url


# ---- signed requests, as Slack sends them ---------------------------------------------------


def signed(
    body: bytes, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def new_ts() -> str:
    return f"{time.time():.6f}"


def event_body(event: dict[str, Any], event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "token": "unused-verification-token",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0001", "user_id": BOT_USER, "is_bot": True}],
        }
    ).encode()


def mention(channel: str, text: str, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": "U0USER1",
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def post_event(
    url: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[httpx.Response, float]:
    """Send a signed JSON body; returns the response and when it came back."""
    response = httpx.post(
        url + "/slack/events",
        content=body,
        headers={"Content-Type": "application/json", **signed(body), **(headers or {})},
        timeout=30,
    )
    return response, time.time()


def post_form(url: str, fields: dict[str, str]) -> tuple[httpx.Response, float]:
    body = urlencode(fields).encode()
    response = httpx.post(
        url + "/slack/events",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **signed(body)},
        timeout=30,
    )
    return response, time.time()


def blocks_text(payload: dict[str, Any]) -> str:
    """Every piece of text in a message's blocks, in order."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                parts.append(value["text"])
            for item in value.values():
                if isinstance(item, dict | list):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    blocks = payload.get("blocks")
    walk(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return "\n".join(parts)


def blocks_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = payload.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks or [])


def unique_channel() -> str:
    return "C" + uuid.uuid4().hex[:9].upper()


# ---- the tests -------------------------------------------------------------------------------


def test_url_verification_answers_the_challenge(service: str) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"}).encode()
    response, _ = post_event(service, body)
    assert response.status_code == 200
    assert response.json() == {"challenge": "c-123"}


def test_mention_is_answered_in_its_thread_with_quote_and_link(
    service: str, slack: FakeSlack
) -> None:
    channel, ts = unique_channel(), new_ts()
    response, acked_at = post_event(service, event_body(mention(channel, XI, ts)))
    assert response.status_code == 200

    [reply] = slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel
    )
    assert reply.at > acked_at, "the event was answered before it was acknowledged"
    assert reply.payload["thread_ts"] == ts
    assert reply.authorization == f"Bearer {BOT_TOKEN}"
    text = blocks_text(reply.payload)
    assert ARMS_RACE_QUOTE in text
    assert f"<@{BOT_USER}>" not in text
    blocks = blocks_of(reply.payload)
    answer_section, citation = blocks[0]["text"]["text"], blocks[1]["text"]["text"]
    assert answer_section.endswith("[1]") and ARMS_RACE_QUOTE in answer_section
    assert citation.startswith(
        f"*[1]* <{XI_URL}|Chinese president calls for unity on AI challenges and cyber "
        "development> · Cointelegraph · 2023-11-09\n> “"
    )
    assert f"“{ARMS_RACE_QUOTE}”" in citation
    assert blocks[-1]["type"] == "actions"
    assert {e["action_id"] for e in blocks[-1]["elements"]} == {
        "newsrag_helpful",
        "newsrag_not_helpful",
    }
    fallback = reply.payload["text"]
    assert ARMS_RACE_QUOTE in fallback and "Sources:" in fallback
    assert reply.payload.get("unfurl_links") is False


def test_direct_message_is_answered_and_bot_posts_are_not(service: str, slack: FakeSlack) -> None:
    channel, ts = "D" + uuid.uuid4().hex[:9].upper(), new_ts()
    bot_echo = {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": BOT_USER,
        "bot_id": "B0001",
        "text": "an earlier answer",
        "ts": new_ts(),
    }
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel_type": "im",
        "channel": channel,
        "ts": new_ts(),
        "message": {"text": XI},
    }
    for ignored in (bot_echo, edit):
        assert post_event(service, event_body(ignored))[0].status_code == 200
    question = {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": "U0USER1",
        "text": XI,
        "ts": ts,
        "event_ts": ts,
    }
    assert post_event(service, event_body(question))[0].status_code == 200
    [reply] = slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel
    )
    assert reply.payload["thread_ts"] == ts
    assert ARMS_RACE_QUOTE in blocks_text(reply.payload)
    time.sleep(1.0)  # the ignored events had their chance to post
    assert len(slack.posts(channel)) == 1


def test_a_retried_event_gets_one_answer_even_after_a_restart(
    service: str, slack: FakeSlack, slack_settings: Settings, embedder: Embedder
) -> None:
    channel, ts, event_id = unique_channel(), new_ts(), "EvRETRY" + uuid.uuid4().hex[:6]
    body = event_body(mention(channel, XI, ts), event_id)
    assert post_event(service, body)[0].status_code == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    retried, _ = post_event(service, body, retry)
    assert retried.status_code == 200
    slack.wait_for(lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel)

    with running(slack_settings, embedder) as restarted:  # a new process would read the same file
        second, _ = post_event(restarted, body, {"X-Slack-Retry-Num": "2"})
        assert second.status_code == 200
        # a fresh question after the retries: once it is answered, so would a duplicate be
        later = new_ts()
        post_event(restarted, event_body(mention(channel, XI, later)))
        slack.wait_for(
            lambda c: c.method == "chat.postMessage" and c.payload.get("thread_ts") == later
        )
    time.sleep(0.5)
    assert [c.payload["thread_ts"] for c in slack.posts(channel)] == [ts, later]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: signed(body, secret="not-the-secret"), id="bad-signature"),
        pytest.param(lambda body: signed(body, int(time.time()) - 6 * 60), id="stale-timestamp"),
        pytest.param(
            lambda body: {"X-Slack-Signature": signed(body)["X-Slack-Signature"]}, id="no-timestamp"
        ),
        pytest.param(lambda body: {}, id="unsigned"),
    ],
)
def test_unsigned_or_stale_requests_get_401(
    service: str, slack: FakeSlack, headers: Callable[[bytes], dict[str, str]]
) -> None:
    channel = unique_channel()
    body = event_body(mention(channel, XI, new_ts()))
    response = httpx.post(
        service + "/slack/events",
        content=body,
        headers={"Content-Type": "application/json", **headers(body)},
        timeout=30,
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    time.sleep(0.5)
    assert slack.posts(channel) == []


def test_slash_command_acks_at_once_and_answers_through_response_url(
    service: str, slack: FakeSlack
) -> None:
    key = uuid.uuid4().hex
    started = time.monotonic()
    response, acked_at = post_form(
        service,
        {
            "token": "unused",
            "team_id": "T0001",
            "channel_id": "C0SLASH01",
            "user_id": "U0USER1",
            "command": "/ask",
            "text": XI,
            "response_url": f"{slack.url}/response/{key}",
            "trigger_id": "1.2.3",
            "api_app_id": "A0001",
        },
    )
    assert time.monotonic() - started < 3.0
    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"

    [answer] = slack.wait_for(lambda c: c.method == f"response_url/{key}")
    assert answer.at > acked_at, "the answer was computed before the acknowledgement"
    assert answer.payload["response_type"] == "in_channel"
    text = blocks_text(answer.payload)
    assert ARMS_RACE_QUOTE in text and XI in text
    assert ARMS_RACE_QUOTE in answer.payload["text"]


def test_a_too_long_question_gets_a_short_reply(service: str, slack: FakeSlack) -> None:
    channel, ts = unique_channel(), new_ts()
    post_event(service, event_body(mention(channel, "why " * 600, ts)))
    [reply] = slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel
    )
    assert reply.payload["thread_ts"] == ts
    assert reply.payload["text"] == "That question is longer than 2000 characters."


def test_slash_command_without_a_question_shows_usage(service: str) -> None:
    response, _ = post_form(
        service,
        {
            "command": "/ask",
            "text": "  ",
            "team_id": "T0001",
            "user_id": "U0USER1",
            "channel_id": "C0SLASH02",
            "response_url": "http://127.0.0.1:9/unused",
        },
    )
    assert response.status_code == 200
    assert "/ask What did Xi say" in response.json()["text"]


def test_a_rate_limited_post_is_retried_after_retry_after(service: str, slack: FakeSlack) -> None:
    channel, ts = unique_channel(), new_ts()
    slack.rate_limited["chat.postMessage"] = 1
    try:
        post_event(service, event_body(mention(channel, XI, ts)))
        limited, landed = slack.wait_for(
            lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel,
            count=2,
        )
    finally:
        slack.rate_limited.pop("chat.postMessage", None)
    assert (limited.status, landed.status) == (429, 200)
    assert landed.at - limited.at >= 1.0, "the retry did not wait for Retry-After"
    assert landed.payload["thread_ts"] == ts
    assert ARMS_RACE_QUOTE in blocks_text(landed.payload)


def test_a_follow_up_in_the_thread_reads_the_earlier_question(
    service: str, slack: FakeSlack
) -> None:
    channel, ts = unique_channel(), new_ts()
    post_event(service, event_body(mention(channel, XI, ts)))
    slack.wait_for(lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel)
    follow = new_ts()
    post_event(service, event_body(mention(channel, "and about sovereignty?", follow, ts)))
    _, reply = slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel, count=2
    )
    assert reply.payload["thread_ts"] == ts
    text = blocks_text(reply.payload)
    assert "What did Xi say about sovereignty?" in text  # shown as how it was read
    assert "Cyber sovereignty" in text


def test_a_button_click_is_stored_with_question_and_answer(
    service: str, slack: FakeSlack, slack_index: Path
) -> None:
    channel, ts = unique_channel(), new_ts()
    post_event(service, event_body(mention(channel, XI, ts)))
    [reply] = slack.wait_for(
        lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel
    )
    button = next(
        e
        for e in blocks_of(reply.payload)[-1]["elements"]
        if e["action_id"] == "newsrag_not_helpful"
    )
    payload = {
        "type": "block_actions",
        "user": {"id": "U0USER2", "team_id": "T0001"},
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "container": {"type": "message", "message_ts": "1800000000.000001", "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": "1800000000.000001", "thread_ts": ts, "text": reply.payload["text"]},
        "response_url": f"{slack.url}/response/unused",
        "trigger_id": "1.2.3",
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "newsrag_feedback",
                "value": button["value"],
                "action_ts": "1800000001.000200",
            }
        ],
    }
    response, _ = post_form(service, {"payload": json.dumps(payload)})
    assert response.status_code == 200
    slack.wait_for(
        lambda c: c.method == "chat.postEphemeral" and c.payload.get("user") == "U0USER2"
    )

    [row] = [r for r in feedback_rows(slack_index) if r["user"] == "U0USER2"]
    assert (row["value"], row["channel"], row["ts"]) == ("not_helpful", channel, 1800000001.0002)
    assert row["question"] == XI
    assert ARMS_RACE_QUOTE in row["answer"]["answer"]
    assert row["answer"]["citations"][0]["quote"].strip("“”") == ARMS_RACE_QUOTE
    with closing(sqlite3.connect(slack_index / DB_NAME)) as db:  # the table the issue names
        columns = {r[1] for r in db.execute("PRAGMA table_info(feedback)")}
    assert {"question", "answer", "user", "value", "ts"} <= columns


def test_no_token_or_secret_reaches_a_log(
    service: str, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel, ts = unique_channel(), new_ts()
    post_event(service, event_body(mention(channel, XI, ts)))
    slack.wait_for(lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel)
    body = event_body(mention(channel, XI, new_ts()))
    httpx.post(service + "/slack/events", content=body, headers=signed(body, secret="wrong"))
    time.sleep(0.3)
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert "chat.postMessage" in logged  # slack_sdk's debug log was captured...
    for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN):
        assert secret not in logged  # ...without any secret in it


def newsrag(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """The ``newsrag`` command as a user starts it, with only the given Slack variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSRAG_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env={**clean, "HF_HUB_OFFLINE": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), {"SLACK_BOT_TOKEN": BOT_TOKEN}, "pass --socket for Socket Mode"),
        (("--socket",), {"SLACK_BOT_TOKEN": BOT_TOKEN}, "set SLACK_APP_TOKEN for Socket Mode"),
        (("--socket",), {}, "set SLACK_BOT_TOKEN and SLACK_APP_TOKEN"),
    ],
)
def test_slack_command_says_what_is_missing(
    args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    process = newsrag("slack", *args, env=env)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert message in " ".join(err.split())
    assert BOT_TOKEN not in err


@pytest.mark.slow
def test_socket_mode_answers_a_mention(slack: FakeSlack, slack_index: Path) -> None:
    """``newsrag slack --socket`` in its own process: it opens the connection with the app
    token, acknowledges the envelope and answers in the thread with the bot token."""
    channel, ts = unique_channel(), new_ts()
    envelope_id = uuid.uuid4().hex
    slack.envelopes.put(
        {
            "envelope_id": envelope_id,
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": json.loads(event_body(mention(channel, XI, ts))),
        }
    )
    process = newsrag(
        "slack",
        "--socket",
        "--index",
        str(slack_index),
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "NEWSRAG_SLACK_API_URL": slack.url + "/api/",
        },
    )
    try:
        [opened] = slack.wait_for(lambda c: c.method == "apps.connections.open", timeout=240)
        assert opened.authorization == f"Bearer {APP_TOKEN}"
        slack.wait_for(
            lambda c: c.method == "socket_mode.ack" and c.payload.get("envelope_id") == envelope_id
        )
        [reply] = slack.wait_for(
            lambda c: c.method == "chat.postMessage" and c.payload.get("channel") == channel
        )
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert reply.payload["thread_ts"] == ts
    assert reply.authorization == f"Bearer {BOT_TOKEN}"
    assert ARMS_RACE_QUOTE in blocks_text(reply.payload)
    assert '"message": "connected"' in err
    for secret in (BOT_TOKEN, APP_TOKEN):
        assert secret not in err


def test_manifest_creates_the_app_this_bot_needs() -> None:
    manifest = yaml.safe_load((ROOT / "api" / "slack_manifest.yaml").read_text())
    settings = manifest["settings"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "im:read",
    }
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention", "message.im"]
    assert settings["interactivity"]["is_enabled"] is True
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/ask"
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        command["url"],
    ]
    assert urls == [f"https://HOST{EVENTS_PATH}"] * 3
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_not_mounted_without_slack_settings(client: httpx.Client) -> None:
    body = event_body(mention(unique_channel(), XI, new_ts()))
    assert client.post("/slack/events", content=body, headers=signed(body)).status_code == 404


# ---- the message layout, without Slack ---------------------------------------------------------


def test_question_text_strips_mentions_and_slack_markup() -> None:
    assert question_text(f"<@{BOT_USER}> What did Xi say about arms races?") == XI
    assert question_text("<@U1|newsrag>  news in <#C1|general> &amp; <https://x.org|x.org>?") == (
        "news in #general & x.org?"
    )
    assert question_text(f"<@{BOT_USER}>") == ""
    assert question_text("<!here|@here> <!channel> news?") == "news?"


def test_blocks_escape_markup_and_show_abstentions_plainly() -> None:
    cited = Answer(
        question="q",
        answer="A <b> & B [1]",
        abstained=False,
        citations=[
            Citation(
                n=1,
                article_id="a",
                title="Title | with <tags>",
                source="Outlet",
                published="2024-01-02",
                url=None,
                quote="x > y",
                start=0,
                end=5,
                score=1.0,
            )
        ],
    )
    blocks = answer_blocks(cited, 7)
    assert blocks[0]["text"]["text"] == "A &lt;b&gt; &amp; B [1]"
    assert blocks[1]["text"]["text"] == (
        "*[1]* Title ¦ with &lt;tags&gt; · Outlet · 2024-01-02\n> “x &gt; y”"
    )
    assert [e["value"] for e in blocks[2]["elements"]] == ["7", "7"]
    abstained = Answer(
        question="q", answer="The indexed articles don't cover this.", abstained=True
    )
    plain = answer_blocks(abstained)
    assert [b["type"] for b in plain] == ["section"]
    assert plain[0]["text"]["text"] == "The indexed articles don't cover this."
