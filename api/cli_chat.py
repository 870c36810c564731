"""``newsrag chat``: one question after another in the terminal, as a conversation.

``ask`` loads the model and opens the index for every question; ``chat`` does it once and
then reads questions from stdin until end of input or "exit". Follow-ups ("how many votes
did he get?", "and about the economy?") are read with the turns before them
(rag/conversation.py) and the rewrite is shown as "Read as: ..." before the answer, so the
person asking can see what was answered. The answer prints as ``ask`` prints it:
``print_answer`` is shared by both. api/cli.py registers the command.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

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
    settings_for,
)
from api.rendering import also_in_text, time_text
from rag.conversation import Conversation
from rag.schema import Answer, AnswerMode

EXIT_WORDS = frozenset(["exit", "quit", ":q"])


def print_answer(answer: Answer) -> None:
    """The answer, its dates, then each numbered source with its exact quote."""
    out.print(answer.answer, highlight=False)
    when = time_text(answer).strip()
    if when:
        out.print(f"[dim]{when}[/dim]", highlight=False)
    for citation in answer.citations:
        meta = ", ".join(p for p in (citation.source, citation.published) if p)
        out.print(
            f"\n[bold][{citation.n}][/bold] {citation.title}" + (f" ({meta})" if meta else ""),
            highlight=False,
        )
        if citation.url:
            out.print(f"    {citation.url}", highlight=False)
        quote = citation.quote if citation.quote[0] in "“\"'‘" else f"“{citation.quote}”"
        out.print(
            f"    {quote} [dim](chars {citation.start}-{citation.end})[/dim]",
            highlight=False,
            markup=True,
        )
        also = also_in_text(citation)
        if also:
            out.print(f"    [dim]{printable(also)}[/dim]", highlight=False)
    check = answer.verification
    if check:
        total = check.kept + check.dropped
        summary = f"{check.model}: {check.kept} of {total} sentences passed the quote check"
        if check.outcome == "fallback":
            summary = f"{check.model}'s answer not used ({check.reason}); extractive answer shown"
        err.print(f"[dim]{summary}[/dim]", highlight=False)


def _questions() -> Iterator[str]:
    """Lines from stdin, with a "> " prompt when a person types them."""
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("> ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return
        if not interactive and not line:
            return  # end of input
        yield line.strip()


def chat(
    k: KOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    as_of: AsOfOption = None,
    recency: RecencyOption = None,
    llm: LlmOption = None,
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """Ask one question after another; follow-ups ("and about X?", "what did he say?") are
    read with the conversation. Ends at end of input or "exit"."""
    from rag.filters import FilterError, check_filter
    from rag.generation import LLMNotConfiguredError
    from rag.pipeline import NewsRAG
    from rag.time_window import TimeExpressionError

    day = as_of_option(as_of)
    first, last = date_option(since, "--since"), date_option(until, "--until")
    settings = settings_for(index, store_uri)
    store = open_index(settings)
    try:
        check_filter(store, source or (), first, last)
    except FilterError as exc:
        raise fail(f"--{exc.field}: {exc}", 2) from None
    rag = NewsRAG(settings, load_embedder(settings), store)  # loaded once for the session
    answer_mode: AnswerMode | None = None if llm is None else ("llm" if llm else "extractive")
    try:
        rag.check_mode(answer_mode)
    except LLMNotConfiguredError as exc:
        raise fail(str(exc), 2) from None
    conversation = Conversation()
    if sys.stdin.isatty():
        err.print("[dim]Ask a question; 'exit' or Ctrl-D ends the chat.[/dim]", highlight=False)
    for question in _questions():
        if not question:
            continue
        if question.lower() in EXIT_WORDS:
            break
        read = conversation.resolve(question)
        if read != question:
            out.print(f"[dim]Read as: {printable(read)}[/dim]", highlight=False)
        try:
            answer = rag.ask(read, k, source or (), first, last, answer_mode=answer_mode,
                             as_of=day, recency=recency)  # fmt: skip
        except TimeExpressionError as exc:
            err.print(f"[red]error:[/red] the question names a date that does not exist: {exc}")
            continue  # the conversation goes on; this turn is not part of it
        conversation.add(question, answer.answer)
        print_answer(answer)
        out.print()
