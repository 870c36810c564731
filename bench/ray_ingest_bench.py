"""Ingest throughput, one process vs Ray Data, as a user runs it: ``newsrag ingest FILE`` and
``newsrag ingest FILE --ray`` into fresh indexes, wall time from start to exit (model load and,
for Ray, the local cluster's start included). The articles file is read at run time and
never copied into the repo.

    OMP_NUM_THREADS=1 .venv/bin/python bench/ray_ingest_bench.py \
        /work/shared/news/realtimeqa/articles-000.jsonl --out bench/results/ray-ingest.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SUMMARY = re.compile(r"added (\d+), updated (\d+), unchanged (\d+), failed (\d+); (\d+) chunks")


def run(articles: Path, index: Path, ray: bool) -> dict[str, object]:
    command = [sys.executable, "-m", "api.cli", "ingest", str(articles), "--index", str(index)]
    command += ["--ray"] if ray else []
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    found = SUMMARY.search(done.stdout)
    if not found:
        raise SystemExit(f"no summary line in: {done.stdout!r}")
    added, chunks = int(found.group(1)), int(found.group(5))
    return {
        "mode": "ray" if ray else "single-process",
        "articles": added,
        "chunks": chunks,
        "wall_seconds": round(seconds, 1),
        "articles_per_s": round(added / seconds, 2),
        "chunks_per_s": round(chunks / seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=Path, help="a JSONL file of articles")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        runs = [run(args.articles, Path(scratch) / mode, mode == "ray") for mode in ("s", "ray")]
    result = {
        "environment": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_start": [round(x, 2) for x in load_start],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "note": args.note,
        },
        "command": " ".join(sys.argv),
        "input": args.articles.name,
        "runs": runs,
        "ray_over_single": round(runs[0]["wall_seconds"] / runs[1]["wall_seconds"], 2),  # type: ignore[operator]
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
