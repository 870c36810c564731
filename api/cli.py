"""The ``newsrag`` command line: ingest, ask, stats, delete, serve, slack, eval."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api import cli_articles, cli_chat, cli_feeds
from api.cli_common import (
    AsOfOption,
    IndexOption,
    KOption,
    LlmOption,
    RecencyOption,
    SinceOption,
    SourceOption,
    StoreOption,
    UntilOption,
    as_of_option,
    date_option,
    err,
    fail,
    load_embedder,
    open_index,
    out,
    printable,
    progress,
    settings_for,
)
from api.settings import Settings, get_settings
from index.backends import describe
from index.chunking import ChunkSizeError
from index.loaders import Defaults
from index.protocols import DocumentStore
from index.store import StoreError
from rag.schema import AnswerMode

app = typer.Typer(
    help="Answer questions from news articles, citing the exact quoted words.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ANSWER_MODES: dict[str, tuple[AnswerMode, ...]] = {
    "extractive": ("extractive",),
    "llm": ("llm",),
    "both": ("extractive", "llm"),
}


def _ingest_on_ray(
    settings: Settings, files: list[Path], defaults: Defaults, address: str, urls: bool
) -> None:
    """``ingest --ray``: the same counts and messages, the work on Ray (index/ray_ingest.py)."""
    from api.ingest_display import ingest_display
    from index.ray_ingest import RayOptions, RayUnavailableError, check_address, ray_ingest

    if urls:
        raise fail("--ray ingests files and directories; fetch page URLs without --ray")
    try:
        options = RayOptions(address=check_address(address))
    except ValueError as exc:
        raise fail(str(exc)) from None
    embedder = load_embedder(settings)
    try:
        with ingest_display(err, 0) as status:
            report = ray_ingest(settings, embedder, files, defaults, status, options)
    except (StoreError, ChunkSizeError, RayUnavailableError) as exc:
        raise fail(str(exc)) from None
    for note, kind in [(f, "skipped") for f in report.failed] + [
        (w, "warning") for w in report.warnings
    ]:
        err.print(
            f"[yellow]{kind}[/yellow] {printable(note.path)}: {printable(note.reason)}",
            highlight=False,
        )
    if not report.ingested:
        raise fail("nothing to ingest: no readable article in the given paths")
    out.print(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"failed {len(report.failed)}; {report.chunks} chunks in {report.seconds:.1f} s "
        f"-> {describe(settings)} (ray)",
        highlight=False,
    )


@app.command()
def ingest(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories or http(s) URLs of article pages.")
    ],
    source: Annotated[
        str | None, typer.Option(help="Outlet for articles that don't name one.")
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            help="Publication date for articles without one: YYYY-MM-DD, or YYYY-MM / YYYY "
            "kept at that precision."
        ),
    ] = None,
    index: IndexOption = None,
    store_uri: StoreOption = None,
    ray: Annotated[
        bool,
        typer.Option(
            "--ray",
            help="Run on Ray Data (the \\[ray] extra), on a local cluster with this machine's "
            "CPUs unless --ray-address names one.",
        ),
    ] = False,
    ray_address: Annotated[
        str,
        typer.Option(help="With --ray: 'auto' or ray://host:port joins that Ray cluster."),
    ] = "",
) -> None:
    """Add articles from files, directories or page URLs; unchanged ones are skipped.

    Files: text, Markdown, HTML, JSON/JSONL, RSS/Atom. Pages are fetched honouring
    robots.txt, at most one request per host per NEWSRAG_FETCH_HOST_INTERVAL_S."""
    from index.fetching import is_url
    from index.ingest import Ingestor
    from index.loaders import Limits, load_paths

    settings = settings_for(index, store_uri)
    defaults = Defaults(
        source=source, published=date_option(published, "--published", partial=True)
    )
    files = [Path(p) for p in paths if not is_url(p)]
    if ray or ray_address:
        _ingest_on_ray(settings, files, defaults, ray_address, len(files) < len(paths))
        return
    loaded = load_paths(files, defaults, Limits.of(settings))
    if len(files) < len(paths):  # pages: robots.txt and a polite rate (index/fetching.py)
        from api.cli_feeds import fetch_pages

        fetch_pages([p for p in paths if is_url(p)], loaded, defaults, settings)
    for failure in loaded.failures:
        err.print(
            f"[yellow]skipped[/yellow] {printable(failure.path)}: {printable(failure.reason)}",
            highlight=False,
        )
    for warning in loaded.warnings:
        err.print(
            f"[yellow]warning[/yellow] {printable(warning.path)}: {printable(warning.reason)}",
            highlight=False,
        )
    if not loaded.articles:
        raise fail("nothing to ingest: no readable article in the given paths")
    embedder = load_embedder(settings)
    try:
        ingestor = Ingestor(settings, embedder)
    except (StoreError, ChunkSizeError) as exc:
        raise fail(str(exc)) from None
    from api.ingest_display import ingest_display

    with ingest_display(err, len(loaded.articles)) as status:
        report = ingestor.run(loaded.articles, status=status)
    for failure in report.failed:
        err.print(
            f"[yellow]skipped[/yellow] {printable(failure.path)}: {printable(failure.reason)}",
            highlight=False,
        )
    report.failed = loaded.failures + report.failed
    out.print(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"failed {len(report.failed)}; {report.chunks} chunks in {report.seconds:.1f} s "
        f"-> {describe(settings)}",
        highlight=False,
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    k: KOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    as_of: AsOfOption = None,
    recency: RecencyOption = None,
    llm: LlmOption = None,
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """Answer a question from the indexed articles, with numbered exact quotes."""
    from rag.generation import LLMNotConfiguredError
    from rag.pipeline import NewsRAG
    from rag.time_window import TimeExpressionError

    if not question.strip():
        raise fail("the question is empty", 2)
    day = as_of_option(as_of)
    settings = settings_for(index, store_uri)
    store = open_index(settings)
    _check_filter(store, source or (), date_option(since, "--since"), date_option(until, "--until"))
    rag = NewsRAG(settings, load_embedder(settings), store)
    answer_mode: AnswerMode | None = None if llm is None else ("llm" if llm else "extractive")
    try:
        answer = rag.ask(
            question,
            k,
            source or (),
            date_option(since, "--since"),
            date_option(until, "--until"),
            answer_mode=answer_mode,
            as_of=day,
            recency=recency,
        )
    except LLMNotConfiguredError as exc:
        raise fail(str(exc), 2) from None
    except TimeExpressionError as exc:
        raise fail(f"the question names a date that does not exist: {exc}", 2) from None
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        return
    cli_chat.print_answer(answer)


@app.command()
def stats(
    index: IndexOption = None,
    store_uri: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """What the index holds."""
    numbers = open_index(settings_for(index, store_uri)).stats()
    if as_json:
        sys.stdout.write(json.dumps(numbers.__dict__, indent=2) + "\n")
        return
    table = Table(show_header=False, box=None)
    table.add_row("articles", str(numbers.articles))
    table.add_row("chunks", str(numbers.chunks))
    table.add_row("published", f"{numbers.oldest or '?'} .. {numbers.newest or '?'}")
    table.add_row("undated", str(numbers.undated))
    table.add_row("outlets", ", ".join(f"{k} ({v})" for k, v in numbers.sources.items()))
    by_period = numbers.months
    if len(by_period) > 24:  # a long span reads better by year; --json keeps the months
        years: dict[str, int] = {}
        for month, count in by_period.items():
            years[month[:4]] = years.get(month[:4], 0) + count
        by_period = years
    table.add_row(
        "months" if by_period is numbers.months else "years",
        ", ".join(f"{k} ({v})" for k, v in by_period.items()),
    )
    table.add_row("model", numbers.model)
    table.add_row("size", f"{numbers.size_bytes / 1e6:.1f} MB")
    out.print(table)


@app.command()
def delete(
    article_id: Annotated[str, typer.Argument(help="Article id (see `ask --json`).")],
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """Remove an article from the vectors, the text store and the BM25 index."""
    from index.ingest import delete_article

    store = open_index(settings_for(index, store_uri))
    if not delete_article(store, article_id):
        raise fail(f"no article {article_id!r} in {store.location}")
    out.print(f"deleted {article_id}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    allow_public: Annotated[
        bool,
        typer.Option(help="Bind a non-loopback address although no API key is configured."),
    ] = False,
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """Serve the HTTP API, the OpenAI-compatible endpoint and the chat page (uvicorn)."""
    import ipaddress
    import logging

    import uvicorn

    from api.app import create_app
    from api.observability import configure_logging

    settings = settings_for(index, store_uri)
    configure_logging()
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not settings.api_keys:
        if not allow_public:
            raise fail(
                f"refusing to serve on {host} without API keys: set NEWSRAG_API_KEYS, bind "
                "127.0.0.1, or pass --allow-public",
                2,
            )
        logging.getLogger("newsrag.api").warning(
            "serving on a non-loopback address without API keys: anyone who can reach "
            f"{host}:{port} can query and change the index"
        )
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)


@app.command(name="eval")
def evaluate(
    dataset: Annotated[
        Path, typer.Argument(help="newsrag QA JSONL, SQuAD v1.1/v2.0 JSON, or a BEIR folder.")
    ],
    index: Annotated[
        Path | None,
        typer.Option(
            "--index",
            help="Index to evaluate. BEIR/SQuAD documents are ingested into it (a new one, or "
            "one an earlier eval made: its vectors are reused); default a temporary index. QA "
            "JSONL needs its articles in it already; default NEWSRAG_INDEX_DIR.",
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Evaluate a running newsrag server (POST /ask, /search).")
    ] = None,
    k: Annotated[int | None, typer.Option(min=1, max=100, help="Passages per answer.")] = None,
    depth: Annotated[
        int, typer.Option(min=1, max=1000, help="Passages searched for the retrieval metrics.")
    ] = 100,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for results.json, report.md and plots."),
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="Run dense, bm25 and hybrid side by side.")
    ] = False,
    mode: Annotated[str, typer.Option(help="dense, bm25 or hybrid (without --compare).")] = (
        "hybrid"
    ),
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    whole_docs: Annotated[
        bool,
        typer.Option(
            "--whole-docs",
            help="Ingest BEIR/SQuAD documents as one chunk each, embedded as title + ' ' + "
            "text like BEIR (the model truncates at 256 word pieces).",
        ),
    ] = False,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="NEWSRAG_EVAL_API_KEY", help="Bearer key for --url."),
    ] = None,
    answer_mode: Annotated[
        str,
        typer.Option(
            help="extractive, llm, or both (side by side; llm needs NEWSRAG_LLM_BASE_URL)."
        ),
    ] = "extractive",
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            help="The date each question is asked on: 'question' (its question_date, else "
            "today), 'today', YYYY-MM-DD, or 'both' (question and today, side by side).",
        ),
    ] = "question",
    articles: Annotated[
        list[Path] | None,
        typer.Option(
            "--articles",
            help="Corpus JSONL files or folders (records with id and url): sources named by "
            "corpus id (candidate_article_ids) are matched through their URLs. Repeatable.",
        ),
    ] = None,
) -> None:
    """Score retrieval, answers, citations, abstention and latency on a QA or IR dataset."""
    from collections.abc import Callable

    from rag.evaluation import report
    from rag.evaluation.backends import BackendError
    from rag.evaluation.corpus import CorpusMismatchError
    from rag.evaluation.datasets import DatasetError
    from rag.evaluation.runner import MODES, EvalRequest, run_request

    if index and url:
        raise fail("--index and --url exclude each other: evaluate one or the other", 2)
    if mode not in MODES:
        raise fail(f"--mode must be one of {', '.join(MODES)}, not {mode!r}", 2)
    answer_modes = ANSWER_MODES.get(answer_mode)
    if answer_modes is None:
        raise fail(f"--answer-mode must be extractive, llm or both, not {answer_mode!r}", 2)
    if "llm" in answer_modes and not url and not get_settings().llm_base_url:
        raise fail("--answer-mode llm needs an LLM endpoint: set NEWSRAG_LLM_BASE_URL", 2)
    if as_of == "both":
        as_of_runs: tuple[str, ...] = ("question", "today")
    elif as_of in ("question", "today"):
        as_of_runs = (as_of,)
    else:
        as_of_runs = (as_of_option(as_of).isoformat(),)  # type: ignore[union-attr]
    request = EvalRequest(
        dataset=dataset,
        index=index,
        url=url,
        api_key=api_key,
        k=k,
        depth=depth,
        modes=MODES if compare else tuple(m for m in MODES if m == mode),
        answer_modes=answer_modes,
        limit=limit,
        whole_documents=whole_docs,
        as_of=as_of_runs,
        articles=tuple(articles or ()),
    )
    with progress() as bar:

        def track(description: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(description, total=total)
            return lambda done: bar.update(task, completed=done)

        try:
            result, warnings = run_request(request, get_settings(), load_embedder, track)
        except (DatasetError, BackendError, CorpusMismatchError, StoreError) as exc:
            raise fail(str(exc)) from None
    for warning in warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    target = out_dir or Path("eval-results") / result.dataset["name"]
    written = report.write(result, target)
    out.print(report.table(result))
    out.print(f"wrote {', '.join(str(p) for p in written)}", highlight=False)


@app.command()
def slack(
    socket: Annotated[
        bool, typer.Option("--socket", help="Connect over Socket Mode with SLACK_APP_TOKEN.")
    ] = False,
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """Run the Slack bot over Socket Mode (no public URL needed). Over HTTP the bot is part of
    `newsrag serve` (request URL https://HOST/slack/events); see docs/slack.md."""
    from slack_sdk.errors import SlackApiError

    from api.observability import configure_logging
    from api.slack import run_socket_mode
    from rag.pipeline import NewsRAG

    if not socket:
        raise fail(
            "over HTTP the Slack bot runs inside `newsrag serve` (request URL "
            "https://HOST/slack/events); pass --socket for Socket Mode",
            2,
        )
    settings = settings_for(index, store_uri)
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_APP_TOKEN", settings.slack_app_token),
        )
        if value is None
    ]
    if missing:
        raise fail(f"set {' and '.join(missing)} for Socket Mode (see docs/slack.md)", 2)
    configure_logging()
    rag = NewsRAG(settings, load_embedder(settings), open_index(settings))
    try:
        run_socket_mode(settings, rag)
    except SlackApiError as exc:
        raise fail(f"Slack refused the token: {exc.response.get('error')}") from None
    except KeyboardInterrupt:
        pass


def _check_filter(
    store: DocumentStore, sources: Sequence[str], since: str | None, until: str | None
) -> None:
    """A filter that can match nothing is a usage error naming it (rag/filters.py)."""
    from rag.filters import FilterError, check_filter

    try:
        check_filter(store, sources, since, until)
    except FilterError as exc:
        raise fail(f"--{exc.field}: {exc}", 2) from None


# Commands in their own modules, which import api/cli_common.py, never this module: list,
# show and export (api/cli_articles.py); watch and feeds (api/cli_feeds.py); chat
# (api/cli_chat.py).
app.command(name="list")(cli_articles.list_articles)
app.command()(cli_articles.show)
app.command()(cli_articles.export)
app.command()(cli_feeds.watch)
app.command(name="feeds")(cli_feeds.list_feeds)
app.command()(cli_chat.chat)


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as exc:  # bad NEWSRAG_* settings: one line per setting, no trace
        for error in exc.errors():
            name = "_".join(str(p) for p in error["loc"]).upper()
            where = f"NEWSRAG_{name}: " if name else ""
            err.print(f"[red]error:[/red] {where}{error['msg']}", highlight=False)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
