"""``milvus://[user:password@]host:port/collection-prefix[?index=HNSW|FLAT|AUTOINDEX]``:
where a Milvus index lives, and which vector index a new one gets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")
# HNSW: the default, approximate, what a Milvus cluster serves fast. FLAT: exact search, as
# FAISS does here. AUTOINDEX: the engine's choice. Milvus Lite 2.5's C++ engine ("local
# mode") serves FLAT and AUTOINDEX but not HNSW (docs/scale.md).
VECTOR_INDEXES = ("HNSW", "FLAT", "AUTOINDEX")


@dataclass(frozen=True)
class MilvusLocation:
    host: str
    port: int
    prefix: str  # collections are <prefix>_meta, <prefix>_articles, <prefix>_chunks
    token: str = ""  # "user:password" when the URI carries credentials
    index: str = "HNSW"  # vector index of collections created here; an existing one keeps its own

    @property
    def address(self) -> str:
        """What pymilvus connects to (gRPC over plain HTTP/2)."""
        return f"http://{self.host}:{self.port}"

    def __str__(self) -> str:  # never prints the password
        return f"milvus://{self.host}:{self.port}/{self.prefix}"


def parse_store_uri(uri: str) -> MilvusLocation:
    """Read a ``milvus://`` store URI; a bad one is a ValueError naming it and the reason."""
    parts = urlsplit(uri.strip())
    if parts.scheme != "milvus":
        raise ValueError(f"store URI {uri!r}: expected milvus://host:port/collection-prefix")
    try:
        port = parts.port or 19530
    except ValueError as exc:
        raise ValueError(f"store URI {uri!r}: the port is not a number 1-65535") from exc
    if not parts.hostname:
        raise ValueError(f"store URI {uri!r}: no host (milvus://host:port/collection-prefix)")
    prefix = parts.path.strip("/") or "newsrag"
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"store URI {uri!r}: collection prefix {prefix!r} must be letters, digits and "
            "underscores, not starting with a digit"
        )
    token = ""
    if parts.username:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - {"index"})
    if unknown:
        raise ValueError(f"store URI {uri!r}: unknown option {unknown[0]!r} (known: index)")
    index = options.get("index", "HNSW").upper()
    if index not in VECTOR_INDEXES:
        raise ValueError(
            f"store URI {uri!r}: index {options['index']!r} is not one of "
            f"{', '.join(VECTOR_INDEXES)}"
        )
    return MilvusLocation(parts.hostname, port, prefix, token, index)
