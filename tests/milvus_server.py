"""A real Milvus for tests: ``milvus-lite server`` (the ``[milvus]`` extra) on a free
loopback port with a temporary data directory, started once per session and stopped at the
end; or, when ``NEWSRAG_TEST_MILVUS_URI=milvus://host:port`` is set, that server (a real
cluster), where each test's collections get their own prefix and are dropped afterwards.
Nothing is installed at test time: without milvus-lite (and no cluster) the Milvus tests
skip, saying why."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from index.embedding import Embedder
from index.milvus import parse_store_uri
from tests.api.server import free_port


@dataclass
class MilvusServer:
    """A running server; ``uri()`` gives a fresh collection prefix on it each call."""

    host: str
    port: int
    token: str = ""
    index: str = ""  # the vector index the URI asks for (``?index=``), "" for the default
    prefixes: list[str] = field(default_factory=list)

    def uri(self) -> str:
        prefix = f"t{uuid.uuid4().hex[:12]}"
        self.prefixes.append(prefix)
        auth = f"{self.token}@" if self.token else ""
        option = f"?index={self.index}" if self.index else ""
        return f"milvus://{auth}{self.host}:{self.port}/{prefix}{option}"

    def drop_all(self) -> None:
        """Drop every collection the tests made (on a shared cluster nothing is left)."""
        from pymilvus import MilvusClient

        client = MilvusClient(uri=f"http://{self.host}:{self.port}", token=self.token)
        for name in client.list_collections():
            if any(name.startswith(p + "_") for p in self.prefixes):
                client.drop_collection(name)
        client.close()


def _wait(
    process: subprocess.Popen[bytes] | None, host: str, port: int, log: Path, wait_s: float = 60
) -> None:
    from pymilvus import MilvusClient

    deadline = time.monotonic() + wait_s
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"milvus-lite server exited: {log.read_text()[-2000:]}")
        try:
            MilvusClient(uri=f"http://{host}:{port}", timeout=2).list_collections()
            return
        except Exception as exc:  # the server is not answering yet
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Milvus at {host}:{port} did not answer in {wait_s:g} s"
                ) from exc
            time.sleep(0.2)


def external_server(uri: str, wait_s: float = 60) -> MilvusServer:
    """The server ``NEWSRAG_TEST_MILVUS_URI`` names, once it answers; its collection prefix
    is ignored (each test makes its own), its ``?index=`` kept. A malformed URI or a server
    that does not answer fails naming the variable, never silently falling back to
    milvus-lite."""
    try:
        location = parse_store_uri(uri)
    except ValueError as exc:
        raise RuntimeError(f"NEWSRAG_TEST_MILVUS_URI: {exc}") from None
    try:
        _wait(None, location.host, location.port, Path(os.devnull), wait_s)
    except RuntimeError as exc:
        raise RuntimeError(f"NEWSRAG_TEST_MILVUS_URI: {exc}") from exc
    index = "" if "index=" not in uri else location.index
    return MilvusServer(location.host, location.port, location.token, index)


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    """``NEWSRAG_TEST_MILVUS_URI``'s server when it is set, else a fresh milvus-lite."""
    external = os.environ.get("NEWSRAG_TEST_MILVUS_URI", "").strip()
    if external:
        server = external_server(external)
        yield server
        server.drop_all()
        return
    if (
        importlib.util.find_spec("milvus_lite") is None
        or importlib.util.find_spec("pymilvus") is None
    ):
        pytest.skip("milvus-lite is not installed: pip install -e '.[milvus]' (make setup does)")
    command = shutil.which("milvus-lite", path=str(Path(sys.executable).parent)) or "milvus-lite"
    data = tmp_path_factory.mktemp("milvus")
    port = free_port()
    log = data / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                command,
                "server",
                "--data-dir",
                str(data / "db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(process, "127.0.0.1", port, log)
        yield MilvusServer("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def milvus_sample_uri(milvus_server: MilvusServer, sample_index: Path, embedder: Embedder) -> str:
    """The sample index copied into Milvus (same chunks and vectors, no re-embedding):
    read-only, as ``sample_index``."""
    from index.milvus import MilvusStore, parse_store_uri
    from index.milvus.copy import copy_store
    from index.store import Store

    uri = milvus_server.uri()
    source = Store.open(sample_index)
    target = MilvusStore.create_or_open(parse_store_uri(uri), source.model, embedder.dimension)
    copy_store(source, target)
    return uri
