"""The Slack bot: ask newsrag in Slack and get the cited answer in the thread.

One slack-bolt ``App`` serves both transports: the HTTP Events API (mounted in the FastAPI
service at ``POST /slack/events`` when ``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET`` are
set) and Socket Mode (``newsrag slack --socket`` with ``SLACK_APP_TOKEN``).

Why it is built the way it is:

- Slack gives an app 3 seconds to acknowledge a request and retries when it doesn't. bolt
  (``process_before_response=False``) acknowledges events before their listener runs in its
  worker pool, and the slash command calls ``ack()`` first; answering takes the time it takes
  afterwards. The HTTP route hands ``App.dispatch`` (synchronous) to a worker thread so the
  event loop keeps serving while bolt verifies and acknowledges.
- Slack retries (``X-Slack-Retry-Num``) an event whose acknowledgement it missed. Each
  ``event_id`` is claimed in ``slack.sqlite`` before its listener runs, so a retry, even one
  that reaches a restarted process, is acknowledged and dropped: one question, one answer.
- The Web API client retries a 429 after Slack's ``Retry-After`` (slack_sdk's
  ``RateLimitErrorRetryHandler``) instead of losing the answer.
- Follow-ups in a thread ("and about sovereignty?", "how many votes did he get?") are read
  with the thread's earlier questions and the bot's answers to them (which name the people
  a "he" can mean) through ``rag.conversation.resolve``, the same rules as POST /ask.
- Feedback buttons store the click with the question and the answer JSON, so a bad answer
  can be reproduced later.
- Tokens are ``SecretStr`` until handed to slack_sdk, which redacts the Authorization header
  in its own debug log; nothing here logs a token, a secret or a question.
"""

from __future__ import annotations

import html
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from api.observability import Metrics
from api.rendering import SECTION_LIMIT, citation_mrkdwn, clip, escape, sources_text, time_text
from api.settings import Settings
from rag.conversation import Turn, resolve
from rag.pipeline import NewsRAG
from rag.schema import Answer
from rag.time_window import TimeExpressionError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from api.service import Service

log = logging.getLogger("newsrag.slack")

DB_NAME = "slack.sqlite"
EVENTS_PATH = "/slack/events"
FEEDBACK = {"newsrag_helpful": "helpful", "newsrag_not_helpful": "not_helpful"}
USAGE = "Ask me about the news, e.g. `/ask What did Xi say about arms races?`"
NOT_READY = "newsrag is still loading its index; ask again in a minute."
FAILED = "Sorry, something went wrong while answering that. Please try again."
EVENT_MEMORY_S = 7 * 24 * 3600  # Slack retries for minutes; a week is plenty
TEXT_LIMIT = 3900  # a message's fallback text: Slack truncates it around 4000

_MENTION = re.compile(r"<@[UWB][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>]*)>")


# ---- what Slack sends and what it shows ----------------------------------------------------


def question_text(text: str) -> str:
    """The question in a Slack message: mentions (the bot's own) removed, links and channel
    references reduced to what the user sees, Slack's HTML escapes undone."""

    def visible(match: re.Match[str]) -> str:
        target, label, bare = match.group(1), match.group(2), match.group(3)
        if (bare if bare is not None else target).startswith("!"):
            return ""  # @here, @channel, user groups: addressed to people, not a question
        if bare is not None:
            return bare
        return ("#" + label) if target.startswith("#C") else label

    text = _LINK.sub(visible, _MENTION.sub(" ", text))
    return " ".join(html.unescape(text).split())


def answer_blocks(
    answer: Answer,
    answer_id: int | None = None,
    asked: str | None = None,
    resolved: str | None = None,
) -> list[dict[str, Any]]:
    """Block Kit for an answer: the asked question (slash commands, whose invocation Slack
    does not show), how a follow-up was read, the answer with its [n] markers, one block per
    citation, then the feedback buttons. An abstention is its plain sentence, no sources."""
    blocks: list[dict[str, Any]] = []
    if asked:
        blocks.append(_context(f"*Question:* {escape(asked)}"))
    if resolved:
        blocks.append(_context(f"Read as: _{escape(resolved)}_"))
    blocks.append(
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": clip(escape(answer.answer), SECTION_LIMIT)},
        }
    )
    when = time_text(answer).strip()
    if when:
        blocks.append(_context(escape(when)))
    for citation in answer.citations[:40]:  # a message holds at most 50 blocks
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": citation_mrkdwn(citation)}}
        )
    if answer_id is not None:
        blocks.append(
            {
                "type": "actions",
                "block_id": "newsrag_feedback",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action,
                        "text": {"type": "plain_text", "text": label},
                        "value": str(answer_id),
                    }
                    for action, label in (
                        ("newsrag_helpful", "Helpful"),
                        ("newsrag_not_helpful", "Not helpful"),
                    )
                ],
            }
        )
    return blocks


def fallback_text(answer: Answer) -> str:
    """The plain text Slack shows in notifications and where blocks can't be drawn."""
    return clip(answer.answer + time_text(answer) + sources_text(answer), TEXT_LIMIT)


def message_date(ts: str | None) -> date | None:
    """A Slack message timestamp ("1654876800.000100", seconds since the epoch) -> its
    date in UTC: the question's as-of date, so that "this week" means the week it was asked
    in, even when the answer is read later. None when absent or unreadable."""
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC).date() if ts else None
    except (ValueError, OverflowError, OSError):
        return None


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(mrkdwn, 2000)}]}


def _notice(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


# ---- slack.sqlite ------------------------------------------------------------------------------


def _answer_text(stored: str) -> str | None:
    """The answer's text from a stored answer (its JSON); None if it cannot be read."""
    try:
        text = json.loads(stored).get("answer")
    except (ValueError, AttributeError):
        return None
    return text if isinstance(text, str) else None


class SlackStore:
    """The bot's own state, beside the index but apart from it (index/store.py is the
    index's): handled event ids, the questions asked in each thread, the answers posted and
    the feedback on them. One short connection per operation: listeners run in threads."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS events (
            event_id TEXT PRIMARY KEY, received REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS threads (
            channel TEXT NOT NULL, thread_ts TEXT NOT NULL, question TEXT NOT NULL,
            asked REAL NOT NULL);
        CREATE INDEX IF NOT EXISTS threads_by_key ON threads (channel, thread_ts);
        CREATE TABLE IF NOT EXISTS answers (
            id INTEGER PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL,
            channel TEXT, thread_ts TEXT, created REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS feedback (
            id INTEGER PRIMARY KEY, answer_id INTEGER, question TEXT, answer TEXT,
            user TEXT NOT NULL, value TEXT NOT NULL, ts REAL NOT NULL,
            channel TEXT, message_ts TEXT);
    """

    def __init__(self, path: Path):
        self.path = path
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if not self._ready:  # created on first use: the index directory may not exist yet
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with closing(sqlite3.connect(self.path, timeout=30)) as db:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.executescript(self.SCHEMA)
                self._ready = True
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def claim_event(self, event_id: str) -> bool:
        """True the first time an event id is seen, in this process or any earlier one."""
        now = time.time()
        with self._db() as db:
            db.execute("DELETE FROM events WHERE received < ?", (now - EVENT_MEMORY_S,))
            cursor = db.execute(
                "INSERT OR IGNORE INTO events (event_id, received) VALUES (?, ?)", (event_id, now)
            )
            return cursor.rowcount == 1

    def history(self, channel: str, thread_ts: str, last: int = 10) -> list[Turn]:
        """The thread's last questions (as they were read) with the answers posted to them,
        oldest first: the answers name the people a follow-up's "he" or "she" can mean."""
        with self._db() as db:
            rows = db.execute(
                "SELECT question, answer FROM answers WHERE channel = ? AND thread_ts = ? "
                "ORDER BY id DESC LIMIT ?",
                (channel, thread_ts, last),
            ).fetchall()
        return [Turn(question, _answer_text(answer)) for question, answer in reversed(rows)]

    def remember(self, channel: str, thread_ts: str, question: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO threads (channel, thread_ts, question, asked) VALUES (?, ?, ?, ?)",
                (channel, thread_ts, question, time.time()),
            )

    def save_answer(self, answer: Answer, channel: str | None, thread_ts: str | None) -> int:
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO answers (question, answer, channel, thread_ts, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (answer.question, answer.model_dump_json(), channel, thread_ts, time.time()),
            )
            return int(cursor.lastrowid or 0)

    def add_feedback(
        self,
        answer_id: int | None,
        user: str,
        value: str,
        ts: float,
        channel: str | None,
        message_ts: str | None,
    ) -> None:
        """The click with the question and answer it judges (copied: answers may be pruned)."""
        with self._db() as db:
            row = (
                db.execute(
                    "SELECT question, answer FROM answers WHERE id = ?", (answer_id,)
                ).fetchone()
                if answer_id is not None
                else None
            )
            db.execute(
                "INSERT INTO feedback (answer_id, question, answer, user, value, ts, channel, "
                "message_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer_id,
                    row[0] if row else None,
                    row[1] if row else None,
                    user,
                    value,
                    ts,
                    channel,
                    message_ts,
                ),
            )


# ---- the bot -----------------------------------------------------------------------------------


class NotReady(RuntimeError):
    """The index is still loading (the HTTP service answers Slack before its lifespan ends)."""


class Refused(ValueError):
    """A question newsrag won't take (too long); its message is written for the asker."""


class SlackBot:
    """The bolt app and its listeners. ``rag`` returns the pipeline, or None while loading."""

    def __init__(
        self,
        settings: Settings,
        rag: Callable[[], NewsRAG | None],
        metrics: Metrics | None = None,
        socket_mode: bool = False,
    ):
        if settings.slack_bot_token is None:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self._rag = rag
        self.metrics = metrics
        self.store = SlackStore(settings.index_dir / DB_NAME)
        self.client = WebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url,  # WebClient adds a missing trailing slash
            logger=logging.getLogger("newsrag.slack.web"),
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=1),
                RateLimitErrorRetryHandler(max_retry_count=3),  # sleeps Retry-After each time
            ],
        )
        secret = settings.slack_signing_secret
        self.app = App(
            client=self.client,
            signing_secret=secret.get_secret_value() if secret else None,
            # Socket Mode requests are not signed; HTTP ones always are.
            request_verification_enabled=not socket_mode,
            # auth.test is called on the first request instead of here, so that building
            # the FastAPI app never waits on Slack (``newsrag slack`` checks up front).
            token_verification_enabled=False,
            process_before_response=False,
            logger=log,
            listener_executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack"),
        )
        self._register()

    # ---- wiring

    def _register(self) -> None:
        app = self.app
        app.middleware(self._drop_handled_events)
        app.event("app_mention")(self._on_mention)
        app.event("message")(self._on_message)
        app.command("/ask")(self._on_command)
        app.action(re.compile(r"^newsrag_(not_)?helpful$"))(self._on_feedback)

    def _drop_handled_events(
        self, body: dict[str, Any], next_: Callable[[], None]
    ) -> BoltResponse | None:
        """Acknowledge and drop an event already handled: Slack retries what it thinks was
        missed, and a restart must not answer a question twice."""
        event_id = body.get("event_id")
        repeated = (
            body.get("type") == "event_callback"
            and isinstance(event_id, str)
            and not self.store.claim_event(event_id)
        )
        if repeated:
            log.info("dropped a repeated event", extra={"fields": {"event_id": event_id}})
            return BoltResponse(status=200, body="")
        next_()
        return None

    # ---- listeners (run in bolt's worker threads after the acknowledgement)

    def _on_mention(self, event: dict[str, Any]) -> None:
        self._answer_in_thread(event)

    def _on_message(self, event: dict[str, Any]) -> None:
        # Only a person's new message in a direct message: not edits, joins or bot posts.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        self._answer_in_thread(event)

    def _answer_in_thread(self, event: dict[str, Any]) -> None:
        channel = str(event["channel"])
        thread = str(event.get("thread_ts") or event["ts"])
        raw = question_text(str(event.get("text", "")))
        if not raw:
            self._post(channel, thread, _notice(USAGE))
            return
        history = self.store.history(channel, thread)
        question = resolve(raw, history)
        try:
            answer = self.ask(question, message_date(event.get("ts")))
        except NotReady:
            self._post(channel, thread, _notice(NOT_READY))
            return
        except Refused as exc:
            self._post(channel, thread, _notice(escape(str(exc))))
            return
        except Exception:
            log.exception("answering a Slack question failed")
            self._post(channel, thread, _notice(FAILED))
            return
        self.store.remember(channel, thread, question)
        answer_id = self.store.save_answer(answer, channel, thread)
        blocks = answer_blocks(answer, answer_id, resolved=question if question != raw else None)
        self._post(channel, thread, {"text": fallback_text(answer), "blocks": blocks})

    def _on_command(self, ack: Ack, command: dict[str, Any]) -> None:
        question = question_text(str(command.get("text", "")))
        if not question:
            ack(response_type="ephemeral", text=USAGE)
            return
        ack(response_type="ephemeral", text="Looking that up in the articles…")
        try:
            answer = self.ask(question)
        except NotReady:
            message: dict[str, Any] = {"response_type": "ephemeral", **_notice(NOT_READY)}
        except Refused as exc:
            message = {"response_type": "ephemeral", **_notice(escape(str(exc)))}
        except Exception:
            log.exception("answering a Slack command failed")
            message = {"response_type": "ephemeral", **_notice(FAILED)}
        else:
            answer_id = self.store.save_answer(answer, command.get("channel_id"), None)
            message = {
                "response_type": "in_channel",
                "text": fallback_text(answer),
                "blocks": answer_blocks(answer, answer_id, asked=question),
            }
        respond(str(command["response_url"]), message)

    def _on_feedback(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = FEEDBACK[str(action["action_id"])]
        raw_id = str(action.get("value", ""))
        user = str((body.get("user") or {}).get("id", ""))
        channel = (body.get("channel") or {}).get("id")
        message = body.get("message") or {}
        container = body.get("container") or {}
        self.store.add_feedback(
            int(raw_id) if raw_id.isdigit() else None,
            user,
            value,
            float(action.get("action_ts") or time.time()),
            channel,
            message.get("ts") or container.get("message_ts"),
        )
        log.info("feedback", extra={"fields": {"value": value, "answer_id": raw_id}})
        if channel and user:
            try:
                self.client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    thread_ts=message.get("thread_ts"),  # None (dropped) at top level
                    text="Thanks, your feedback is recorded.",
                )
            except SlackApiError as exc:
                log.warning("could not thank for feedback", extra={"fields": _api_error(exc)})

    # ---- answering and posting

    def ask(self, question: str, as_of: date | None = None) -> Answer:
        """Answer as of the message's own date (slash commands carry none: today)."""
        if len(question) > self.settings.max_question_chars:
            raise Refused(
                f"That question is longer than {self.settings.max_question_chars} characters."
            )
        rag = self._rag()
        if rag is None:
            raise NotReady
        try:
            answer = rag.ask(question, as_of=as_of)
        except TimeExpressionError as exc:
            raise Refused(f"I can't read a date in that question: {exc}.") from None
        if self.metrics:
            self.metrics.observe_stages(answer.timings_ms)
            if answer.abstained:
                self.metrics.abstentions.inc()
        return answer

    def _post(self, channel: str, thread_ts: str, message: dict[str, Any]) -> None:
        started = time.perf_counter()
        try:
            self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                unfurl_links=False,  # the citations already name their articles
                unfurl_media=False,
                **message,
            )
        except SlackApiError as exc:
            log.error("posting the answer failed", extra={"fields": _api_error(exc)})
            return
        log.info(
            "answered",
            extra={
                "fields": {
                    "channel": channel,
                    "thread_ts": thread_ts,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )


def respond(response_url: str, message: dict[str, Any], attempts: int = 3) -> None:
    """POST a slash command's answer to its response_url, waiting out a 429's Retry-After."""
    for attempt in range(attempts):
        try:
            reply = httpx.post(response_url, json=message, timeout=10)
        except httpx.HTTPError as exc:
            log.warning("response_url unreachable", extra={"fields": {"error": type(exc).__name__}})
            time.sleep(1)
            continue
        if reply.status_code == 429 and attempt + 1 < attempts:
            time.sleep(min(float(reply.headers.get("retry-after", "1") or 1), 30))
            continue
        if reply.status_code >= 400:
            log.error(
                "response_url refused the answer", extra={"fields": {"status": reply.status_code}}
            )
        return


def _api_error(exc: SlackApiError) -> dict[str, Any]:
    data = getattr(exc.response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    return {"status": getattr(exc.response, "status_code", None), "error": error}


# ---- transports --------------------------------------------------------------------------------


def mount_slack(app: FastAPI, service: Service) -> SlackBot:
    """``POST /slack/events``: Events API, slash commands and button clicks, all signed with
    the signing secret (bolt answers 401 to a bad signature or one older than 5 minutes).
    Not behind the API keys: Slack can't send them, its signature is the credential.
    (Request and Response are imported at module level: FastAPI resolves the handler's
    annotations, strings under ``from __future__ import annotations``, in module globals.)"""
    bot = SlackBot(service.settings, lambda: service.rag, service.metrics)

    @app.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        raw = await request.body()
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        if not timestamp.isdigit():  # bolt would fail on int() and answer 500
            return Response('{"error":"invalid request"}', 401, media_type="application/json")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Response('{"error":"invalid request"}', 401, media_type="application/json")
        bolt_request = BoltRequest(
            body=text,
            query=dict(request.query_params),
            headers={k: [v] for k, v in request.headers.items()},
        )
        # dispatch is synchronous (signature check, auth.test once, the ack): off the loop.
        return to_starlette_response(await run_in_threadpool(bot.app.dispatch, bolt_request))

    return bot


def run_socket_mode(settings: Settings, rag: NewsRAG) -> None:
    """Connect over Socket Mode (no public URL needed) and answer until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if settings.slack_app_token is None:
        raise ValueError("SLACK_APP_TOKEN is not set")
    bot = SlackBot(settings, lambda: rag, socket_mode=True)
    identity = bot.client.auth_test()  # fail now, with Slack's reason, on a bad bot token
    log.info(
        "connected",
        extra={"fields": {"team": identity.get("team"), "bot": identity.get("user")}},
    )
    SocketModeHandler(bot.app, settings.slack_app_token.get_secret_value()).start()


def feedback_rows(index_dir: Path) -> list[dict[str, Any]]:
    """The stored feedback, newest last (for reports and tests)."""
    path = index_dir / DB_NAME
    if not path.exists():
        return []
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM feedback ORDER BY id").fetchall()
    return [{**dict(r), "answer": json.loads(r["answer"]) if r["answer"] else None} for r in rows]
