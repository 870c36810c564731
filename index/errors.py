"""What can be wrong with an index directory; every message says what is wrong and what to run."""

from __future__ import annotations


class StoreError(RuntimeError):
    """Base for store errors; messages say what is wrong and what to run."""


class IndexMissingError(StoreError):
    pass


class IndexCorruptError(StoreError):
    pass


class IndexVersionError(StoreError):
    """The index was written by another version of newsrag's schema."""
