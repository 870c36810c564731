"""How an answer's sources and dates read where people see them: plain text (the OpenAI
endpoint's message, the Slack fallback text, the CLI) and Slack mrkdwn.

One module, so that the OpenAI endpoint and the Slack bot show the same citations the same
way and a change to how a source reads is made once. Nothing here knows about HTTP or Slack's
API; both callers import from here, and neither imports the other.
"""

from __future__ import annotations

import datetime as dt

from rag.schema import Answer, Citation
from rag.time_window import describe_range

SECTION_LIMIT = 3000  # Slack's limit on a section's text


# ---- plain text ------------------------------------------------------------------------------


def also_in_text(citation: Citation) -> str:
    """'Also in: Outlet (date) url; …' for a wire story run by several outlets, else ''."""
    if not citation.also_in:
        return ""
    places = []
    for other in citation.also_in:
        when = f" ({other.published})" if other.published else ""
        where = f" {other.url}" if other.url else ""
        places.append(f"{other.source or other.title}{when}{where}")
    return "Also in: " + "; ".join(places)


def sources_text(answer: Answer) -> str:
    """The numbered source list: ``[n] Title (outlet, date) url``, the quote below it, and
    the other outlets that ran the same sentence."""
    lines = []
    for c in answer.citations:
        meta = ", ".join(p for p in (c.source, c.published) if p)
        head = f"[{c.n}] {c.title}" + (f" ({meta})" if meta else "")
        also = also_in_text(c)
        lines.append(
            head
            + (f" {c.url}" if c.url else "")
            + f"\n    “{c.quote.strip('“”')}”"
            + (f"\n    {also}" if also else "")
        )
    return ("\n\nSources:\n" + "\n".join(lines)) if lines else ""


def time_text(answer: Answer) -> str:
    """The dates the answer was drawn from, for people: 'Time: articles from 2–10 June 2022
    ("this week"), as of 10 June 2022.'"""
    window = answer.time_window
    if window is None:
        return ""
    span = describe_range(
        dt.date.fromisoformat(window.since) if window.since else None,
        dt.date.fromisoformat(window.until) if window.until else None,
    )
    words = "articles " if span.startswith(("up to", "from")) else "articles from "
    text = f'\n\nTime: {words}{span} ("{window.expression}")'
    if answer.as_of:
        text += f", as of {describe_range(*[dt.date.fromisoformat(answer.as_of)] * 2)}"
    if answer.outside_window:
        text += "; nothing in it answered, so the sources are the nearest outside it"
    return text + "."


# ---- Slack mrkdwn ----------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's mrkdwn reserves exactly these three characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (Slack refuses longer)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _title_link(title: str, url: str | None) -> str:
    label = escape(title).replace("|", "¦")
    if url and url.startswith(("https://", "http://")):
        safe = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
        return f"<{safe}|{label}>"
    return label


def citation_mrkdwn(citation: Citation) -> str:
    """One citation as mrkdwn: the marker, the linked title, outlet and date, then the quote
    exactly as stored (surrounding quote marks aside)."""
    head = " · ".join(
        p
        for p in (_title_link(citation.title, citation.url), citation.source, citation.published)
        if p
    )
    quote = escape(citation.quote.strip().strip("“”"))
    quoted = "\n".join(f"> {line}" for line in f"“{quote}”".splitlines())
    also = also_in_text(citation)
    tail = f"\n_{escape(also)}_" if also else ""
    return clip(f"*[{citation.n}]* {head}\n{quoted}{tail}", SECTION_LIMIT)
