"""Chaos run: kill -9 during ingest, hostile files, and load with an ingest racing it.

    python bench/chaos.py --random 10 --chosen 10 --out bench/results/chaos.json
    make chaos

1. **kill -9 trials.** ``newsrag ingest`` of the sample articles, committing every 24 chunks,
   is killed with SIGKILL at a random moment after its first commit (``--random``) or at a
   chosen one (``--chosen``): the process is frozen with SIGSTOP as soon as a new vector file
   (or its ``.tmp``) appears that SQLite does not name yet, that is inside the commit between
   writing the vectors and the SQLite transaction, and killed there. After each kill the
   index must open (FAISS ids == SQLite ids), every stored answer quote must equal the article
   text at its offsets, and a second ingest must finish the job with every article present.
2. **Hostile files.** Deep JSON nesting, a FIFO, ``/dev/zero``, an unreadable file, a file
   over the size limit, a navigation-only page, a name with a newline, and one good article:
   the ingest must end by itself (bounded time), name each bad input, and keep the good one.
3. **Load plus ingest.** A real server; clients ask while another posts articles and deletes
   them; bounded in time and count, loopback only. Counts 5xx responses and quotes that do not
   match their article.

Prints one line of figures and writes them to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(ROOT / "bench"))

from load_bench import QUESTIONS, serving  # noqa: E402

ARTICLES = 44  # samples/corpus + samples/wikinews


def ingest_command(index: Path, *paths: Path) -> list[str]:
    sources = paths or (SAMPLES / "corpus", SAMPLES / "wikinews")
    return [sys.executable, "-m", "api.cli", "ingest", *map(str, sources), "--index", str(index)]


def meta(index: Path) -> dict[str, str]:
    try:
        with sqlite3.connect(f"file:{index / 'newsrag.sqlite'}?mode=ro", uri=True, timeout=5) as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error:
        return {}


def uncommitted_vector_file(index: Path) -> bool:
    """A vector file (or its temp) of a newer generation than SQLite names: mid-commit."""
    committed = int(meta(index).get("generation", "0") or 0)
    for path in index.glob("vectors-*.faiss*"):
        digits = path.name.removeprefix("vectors-").split(".")[0]
        if digits.isdigit() and int(digits) > committed:
            return True
    return False


def check_index(index: Path) -> str | None:
    """None when the killed index is sound, else what is wrong."""
    from index.store import Store, StoreError

    try:
        store = Store.open(index)
    except StoreError as exc:
        return f"does not open: {exc}"
    for chunk in store.chunks([c for c, *_ in _some_chunk_ids(store)]):
        if chunk.article.text[chunk.start : chunk.end] != chunk.text:
            return f"chunk {chunk.chunk_id} does not match its article's text"
    return None


def _some_chunk_ids(store: Any) -> list[tuple[int, int, int]]:
    ids = list(store.fingerprints())[:10]
    return [c for article_id in ids for c in store.article_chunks(article_id)]


def kill_trial(work: Path, chosen: bool, rng: random.Random) -> dict[str, Any]:
    index = work / "idx"
    shutil.rmtree(index, ignore_errors=True)
    env = {**os.environ, "NEWSRAG_COMMIT_EVERY": "24"}
    process = subprocess.Popen(
        ingest_command(index),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    hit = False
    while time.monotonic() < deadline and process.poll() is None:
        if int(meta(index).get("generation", "0") or 0) >= 1:
            break
        time.sleep(0.02)
    if chosen:
        while time.monotonic() < deadline and process.poll() is None:
            if uncommitted_vector_file(index):
                process.send_signal(signal.SIGSTOP)
                hit = uncommitted_vector_file(index)  # still mid-commit once frozen?
                break
            time.sleep(0.001)
    else:
        time.sleep(rng.uniform(0.0, 6.0))
    finished_first = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.wait()
    problem = check_index(index)
    resumed = subprocess.run(ingest_command(index), cwd=ROOT, capture_output=True, text=True)
    from index.store import Store

    complete = resumed.returncode == 0 and Store.open(index).stats().articles == ARTICLES
    return {
        "chosen": chosen,
        "mid_commit": hit,
        "finished_before_kill": finished_first,
        "sound": problem is None,
        "problem": problem,
        "resumed": complete,
    }


def hostile_files(work: Path) -> dict[str, Any]:
    folder = work / "hostile"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000)
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    secret = folder / "unreadable.txt"
    secret.write_text("Unreadable\n\nNobody may read this.")
    secret.chmod(0)
    (folder / "huge.txt").write_text("Huge\n\n" + "All work and no play. " * 600_000)
    (folder / "nav.html").write_text(
        "<html><body><nav>Home | World | Sport | Weather</nav></body></html>"
    )
    (folder / "odd\nname\x1b[31m.txt").write_text("Odd name\n\nThe river rose two metres.")
    good = folder / "good.txt"
    good.write_text("Ferry strike ends\n\nThe ferry workers' strike ended on Monday after talks.")
    index = work / "hostile-idx"
    started = time.monotonic()
    try:
        result = subprocess.run(
            ingest_command(index, *sorted(folder.iterdir())),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        ended, output = True, result.stdout + result.stderr
    except subprocess.TimeoutExpired:
        ended, output = False, ""
    seconds = time.monotonic() - started
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    bad = ["deep.json", "pipe.txt", "zero.txt", "huge.txt", "nav.html"]
    if os.geteuid() != 0:  # root reads any file; the check means nothing there
        bad.append("unreadable.txt")
    named = [name for name in bad if name in output]
    from index.store import Store, StoreError

    try:
        store = Store.open(index)
        titles = {a.title for a in store.articles(store.fingerprints())}
    except StoreError:  # no index at all: the good file was lost
        titles = set()
    return {
        "ended": ended,
        "seconds": round(seconds, 1),
        "bad_inputs": len(bad),
        "bad_named": len(named),
        "not_named": sorted(set(bad) - set(named)),
        "traceback": "Traceback" in output,
        "raw_escape_printed": "\x1b[31m" in output,
        "good_kept": "Ferry strike ends" in titles,
    }


def load_with_ingest(index: Path, seconds: float, clients: int) -> dict[str, Any]:
    with serving(index) as url:
        return _race(url, seconds, clients)


def _race(url: str, seconds: float, clients: int) -> dict[str, int]:
    counts = {"requests": 0, "server_errors": 0, "transport_errors": 0, "quote_mismatches": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def count(key: str) -> None:
        with lock:
            counts[key] += 1

    def asker(number: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            for i in range(5_000):
                if time.monotonic() >= deadline:
                    return
                try:
                    response = http.post("/ask", json={"question": QUESTIONS[(number + i) % 8]})
                except httpx.HTTPError:
                    count("transport_errors")
                    continue
                count("requests")
                if response.status_code >= 500:
                    count("server_errors")
                    continue
                for citation in response.json().get("citations", []):
                    article = http.get(f"/articles/{citation['article_id']}")
                    if article.status_code == 404:
                        continue  # deleted since: a race, not a mismatch
                    text = article.json()["text"]
                    if text[citation["start"] : citation["end"]] != citation["quote"]:
                        count("quote_mismatches")

    def writer() -> None:
        with httpx.Client(base_url=url, timeout=600) as http:
            for batch in range(1_000):
                if time.monotonic() >= deadline:
                    return
                articles = [
                    {
                        "title": f"Chaos bulletin {batch}-{i}",
                        "url": f"https://chaos.example/{batch}/{i}",
                        "text": f"Bulletin {batch}-{i}: the board approved measure {i}. " * 20,
                    }
                    for i in range(4)
                ]
                try:
                    posted = http.post("/articles?wait=true", json={"articles": articles})
                    count("requests")
                    if posted.status_code >= 500:
                        count("server_errors")
                        continue
                    for article_id in posted.json().get("article_ids", [])[:2]:
                        count("requests")
                        if http.delete(f"/articles/{article_id}").status_code >= 500:
                            count("server_errors")
                except httpx.HTTPError:
                    count("transport_errors")

    threads = [threading.Thread(target=asker, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=writer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--random", type=int, default=10, help="kill -9 at random moments")
    parser.add_argument("--chosen", type=int, default=10, help="kill -9 inside a commit")
    parser.add_argument("--seconds", type=float, default=30.0, help="load phase length")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/chaos.json")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        trials = [kill_trial(work, False, rng) for _ in range(args.random)]
        trials += [kill_trial(work, True, rng) for _ in range(args.chosen)]
        hostile = hostile_files(work)
        load = load_with_ingest(work / "idx", args.seconds, args.clients)
    chosen = [t for t in trials if t["chosen"]]
    results = {
        "machine": f"{os.cpu_count()} CPUs",
        "kill_trials": len(trials),
        "kill_sound": sum(t["sound"] and t["resumed"] for t in trials),
        "chosen_mid_commit": sum(t["mid_commit"] for t in chosen),
        "problems": [t["problem"] for t in trials if t["problem"]],
        "hostile": hostile,
        "load": load,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"kill -9: {results['kill_sound']}/{len(trials)} sound and resumed "
        f"({results['chosen_mid_commit']}/{len(chosen)} chosen kills landed mid-commit); "
        f"hostile files: {hostile['bad_named']}/{hostile['bad_inputs']} named, good file "
        f"{'kept' if hostile['good_kept'] else 'LOST'}, {hostile['seconds']} s; "
        f"load+ingest: {load['requests']} requests, {load['server_errors']} 5xx, "
        f"{load['transport_errors']} transport errors, {load['quote_mismatches']} quote mismatches"
    )


if __name__ == "__main__":
    main()
