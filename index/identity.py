"""Which stored article a newly loaded one is, and which earlier version it replaces.

An article's id is its normalized URL when it has one, else a hash of its title and text
(``index.documents.article_id``). Editing an article with a URL keeps its id, so re-ingesting
it replaces it. Editing a URL-less article changes its id; its *origin* says which stored
article it is a new version of:

- a file that holds one article: the file's path; the edited file replaces what it gave before;
- a record of a JSON, JSONL or feed file: ``path#id=<id>`` when the record carries an
  ``id`` (or ``guid``/``_id``) field, which replaces the stored record with the same id; else
  ``path#<record number>``, which replaces the stored record at that position only if it has
  the same title (a record that moved is not an edit, a new record in an old slot is not one);
- an article posted to the HTTP API: ``api#id=<id>`` when it carries an ``id``; without one it
  has no origin and never replaces anything (two posts without URL or id are two articles);
- an uploaded file: ``upload:<file name>`` (plus the record part), like a file on disk.

An article that is part of the same ingest run is never replaced, so nothing a run brings in
is deleted by it.
"""

from __future__ import annotations

RECORD_ID_FIELDS = ("id", "guid", "_id")


def record_origin(container: str, number: int, record_id: str | None) -> str:
    """The origin of the ``number``-th record (from 1) of a multi-article file or request."""
    if record_id:
        return f"{container}#id={record_id}"
    return f"{container}#{number}"


def api_origin(record_id: str | None) -> str:
    """Articles posted as JSON share no file: only an explicit id ties versions together."""
    return f"api#id={record_id}" if record_id else ""


def is_positional(origin: str) -> bool:
    """True for ``path#<number>``: a record known only by where it stood in its file."""
    _, sep, record = origin.rpartition("#")
    return bool(sep) and record.isdigit()
