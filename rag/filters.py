"""Search filters that match nothing: said plainly, naming the filter.

A filter on an outlet the index does not hold, or a ``since`` after its ``until``, would
otherwise end in "the articles don't cover this", which blames the articles for a typo in
the request. ``check_filter`` refuses those two before any search, naming the closest
indexed outlets, so the CLI exits with a usage error and the API answers a 422 naming the
field. A valid filter that happens to match nothing (an outlet's articles all predate
``since``) is not a mistake in the request: ``empty_filter_notice`` says which part matched
nothing and what the index does hold, and the answer says it instead of a bare abstention.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from index.protocols import DocumentStore
from index.records import SearchFilter

CLOSEST = 3  # outlets suggested for one that is not indexed
SIMILAR = 0.7  # difflib ratio of a likely typo ("Wikinwes" for "Wikinews" is 0.88)


class FilterError(ValueError):
    """A filter that matches no article; ``field`` is the request field to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_range(since: str | None, until: str | None) -> None:
    """``since`` on or before ``until`` (ISO dates compare as strings)."""
    if since and until and since > until:
        raise FilterError("since", f"since {since} is after until {until}: no date is in both")


def check_filter(
    store: DocumentStore,
    sources: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> None:
    """Raise FilterError for ``since`` after ``until`` or an outlet the index does not
    hold (naming the closest ones). Costs one GROUP BY, and only when outlets are given."""
    check_range(since, until)
    if not sources:
        return
    outlets = store.stats().sources
    known = {name.lower() for name in outlets}
    missing = [s for s in sources if s.lower() not in known]
    if missing:
        raise FilterError("source", _unknown_outlets(missing, list(outlets)))


def empty_filter_notice(
    store: DocumentStore,
    sources: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> str | None:
    """A sentence naming the filter that matched no article and what the index holds
    instead; None when some article passes the filter (or none is set)."""
    where = SearchFilter(tuple(sources), since, until)
    if not where.active or store.list_articles(where, limit=1):
        return None
    try:
        check_filter(store, sources, since, until)
    except FilterError as exc:
        return f"No indexed article matches the filter: {exc}."
    whose = " or ".join(repr(s) for s in sources)
    what = f"No article from {whose}" if sources else "No indexed article"
    if (
        sources
        and (since or until)
        and store.list_articles(SearchFilter((), since, until), limit=1)
    ):
        what += " (other outlets have some)"
    if not (since or until):  # the outlets exist, but none of their articles remain
        return f"{what} is indexed."
    return f"{what} was published {_range_text(since, until)}; {_span(store, tuple(sources))}."


def _unknown_outlets(missing: list[str], outlets: list[str]) -> str:
    names = " and ".join(repr(s) for s in missing)
    lower = {o.lower(): o for o in outlets}
    close: list[str] = []
    for name in missing:
        close += [
            lower[m] for m in difflib.get_close_matches(name.lower(), lower, CLOSEST, SIMILAR)
        ]
    suggestions = list(dict.fromkeys(close)) or outlets[:CLOSEST]
    label = "closest indexed outlets" if close else "indexed outlets include"
    verb = "is not an indexed outlet" if len(missing) == 1 else "are not indexed outlets"
    shown = ", ".join(repr(s) for s in suggestions) or "none: the index is empty"
    return f"{names} {verb}; {label}: {shown}"


def _range_text(since: str | None, until: str | None) -> str:
    if since and until:
        return f"between {since} and {until}"
    return f"on or after {since}" if since else f"on or before {until}"


def _span(store: DocumentStore, sources: tuple[str, ...]) -> str:
    """What the filter's other half does match: the outlets' newest article, or the dates
    the whole index covers."""
    if sources:
        newest = store.list_articles(SearchFilter(sources), limit=1)
        when = newest[0].published if newest else None
        return f"their newest article is from {when}" if when else "their articles are undated"
    numbers = store.stats()
    if numbers.oldest is None:
        return "the indexed articles are undated"
    return f"the indexed articles run from {numbers.oldest} to {numbers.newest}"
