"""What an evaluation leaves behind: ``results.json`` (everything, per question too), a
Markdown report for docs and pull requests, two PNG plots, and a compact terminal table.

Published reference numbers are printed beside ours for the benchmarks we know, so that a
regression or an unsound setup shows up in the report itself.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from rag.evaluation.runner import EvalResult, ModeResult
from rag.fusion import make_fusion

# nDCG@10 / Recall@100 on the BEIR test split, from the dataset's README (shared/benchmarks).
PUBLISHED: dict[str, dict[str, dict[str, float]]] = {
    "scifact": {
        "all-MiniLM-L6-v2 dense (MTEB)": {"ndcg@10": 0.645, "recall@100": 0.925},
        "BM25 flat (Pyserini)": {"ndcg@10": 0.679, "recall@100": 0.925},
        "BM25 multifield (Pyserini)": {"ndcg@10": 0.665, "recall@100": 0.908},
    }
}


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def to_json(result: EvalResult) -> dict[str, Any]:
    data = dataclasses.asdict(result)
    data["published"] = PUBLISHED.get(result.dataset["name"], {})
    return data


def _total(mode: ModeResult) -> dict[str, float]:
    latency = mode.latency_ms
    return latency.get("total_ms") or latency.get("request_ms") or {}


def markdown(result: EvalResult) -> str:
    d = result.dataset
    kind = "retrieval only" if d["format"] == "beir" else f"{d['answerable']} answerable"
    lines = [
        f"# newsrag evaluation: {d['name']}",
        "",
        f"- dataset: `{d['path']}` ({d['format']}{', ' + d['version'] if d['version'] else ''}"
        f"), {d['questions']} questions ({kind}), "
        f"{d['documents'] or 'no'} documents of its own",
        f"- evaluated against: `{result.target}`",
        f"- passages per answer (k): {result.config['k'] or 'default'}; passages searched for "
        f"retrieval metrics: {result.config['depth']}",
        f"- started {result.started}, took {result.seconds:.0f} s",
    ]
    config = result.config
    if "fusion" in config:  # in-process: the settings that shaped these numbers
        fusion = make_fusion(config["fusion"], config["rrf_k"], config["dense_weight"]).describe()
        chunks = {
            "whole": "one chunk per document (title + text, as BEIR)",
            "newsrag": f"chunks of {config['chunk_tokens']} word pieces",
        }.get(config["chunking"], "chunked as the index was built")
        lines.append(
            f"- settings: hybrid fusion {fusion}; {config['candidates']} candidates per "
            f"retriever; {chunks}; abstain threshold {config['abstain_threshold']}"
        )
    if result.corpus:
        c = result.corpus
        lines.append(
            f"- corpus ingest: {c['documents']} documents, {c['chunking']} chunking, "
            f"{c['added']} embedded now ({c['chunks']} chunks), {c['unchanged']} already "
            f"indexed, {c['seconds']:.0f} s"
        )
    lines += [
        "",
        "## Retrieval (document level: a document ranks at its best chunk)",
        "",
        "| mode | Recall@1 | Recall@5 | Recall@10 | Recall@100 | MRR@10 | nDCG@10 | queries |"
        " docs/query |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, mode in result.modes.items():
        r = mode.retrieval
        lines.append(
            f"| {name} | " + " | ".join(_fmt(r.recall.get(k)) for k in (1, 5, 10, 100))
            + f" | {_fmt(r.mrr_at_10)} | {_fmt(r.ndcg_at_10)} | {r.queries} |"
            f" {mode.documents_per_query:.0f} |"
        )  # fmt: skip
    for name, numbers in PUBLISHED.get(d["name"], {}).items():
        lines.append(
            f"| published: {name} | | | | {_fmt(numbers.get('recall@100'))} | | "
            f"{_fmt(numbers.get('ndcg@10'))} | | |"
        )
    scored = {n: m for n, m in result.modes.items() if m.answers}
    if scored:
        lines += [
            "",
            "## Answers",
            "",
            "SQuAD exact match and F1 (official normalization) of the answer text without its "
            "`[n]` markers, an abstention being the empty answer; *contains gold*: share of "
            "answerable questions whose answer holds a gold answer; *short*: the answer's short "
            "answer (the span that answers) scored the same way over answerable questions, a "
            "question without one scoring 0.",
            "",
            "| mode | EM | F1 | EM answerable | F1 answerable | contains gold | answered | "
            "short given | short EM | short F1 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, mode in scored.items():
            a = mode.answers
            assert a is not None
            lines.append(
                f"| {name} | {_fmt(a.exact_match)} | {_fmt(a.f1)} | "
                f"{_fmt(a.has_answer_exact_match)} | {_fmt(a.has_answer_f1)} | "
                f"{_pct(a.contains_gold)} | {_pct(a.answered)} | "
                f"{_pct(a.short_answer_given)} | {_fmt(a.short_answer_exact_match)} | "
                f"{_fmt(a.short_answer_f1)} |"
            )
        lines += [
            "",
            "## Citations and abstention",
            "",
            "| mode | citations | quotes exact | citation precision | citation recall | "
            "abstained | unanswerable | abstention precision | abstention recall |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, mode in scored.items():
            cites, ab = mode.citations, mode.abstention
            assert cites is not None and ab is not None
            exact = (
                f"{_pct(cites.quote_exactness)} ({cites.quotes_exact}/{cites.quotes_checked})"
                if cites.quotes_checked
                else "–"
            )
            lines.append(
                f"| {name} | {cites.citations} | {exact} | {_pct(cites.precision)} | "
                f"{_pct(cites.recall)} | {ab.abstained} | {ab.unanswerable} | "
                f"{_pct(ab.precision)} | {_pct(ab.recall)} |"
            )
    split = {n: m for n, m in result.modes.items() if m.subsets}
    if split:
        lines += [
            "",
            "## Time-relative and other questions",
            "",
            'Answerable questions whose words name a time ("this week", "Sunday", "latest", '
            '"in 2021") and the others. *cited*: a citation is to a gold source; *hit@k*: a gold '
            "document among the first k retrieved; *outside window*: nothing in the question's "
            "window answered and the nearest evidence outside it was given, labelled.",
            "",
            "| run | as of | questions | subset | cited | gold in answer | hit@1 | hit@10 | "
            "abstained | outside window |",
            "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, mode in split.items():
            for subset, row in mode.subsets.items():
                lines.append(
                    f"| {name} | {mode.as_of} | {row['questions']:.0f} | {subset} | "
                    f"{_pct(row['citation_recall'])} | {_pct(row['gold_in_answer'])} | "
                    f"{_pct(row['hit_at_1'])} | {_pct(row['hit_at_10'])} | "
                    f"{_pct(row['abstained'])} | {_pct(row['outside_window'])} |"
                )
    generated = {n: m.generation for n, m in result.modes.items() if m.generation}
    if generated:
        lines += [
            "",
            "## LLM answers: the grounding check",
            "",
            "Each sentence the model wrote is kept only if its citation's quote is in the "
            "cited passage and the passage supports it; *fallback*: too little survived and "
            "the extractive answer was given instead.",
            "",
            "| mode | answers | sentences written | kept | dropped | dropped share | "
            "fallbacks | why dropped | why fallback |",
            "|---|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for name, g in generated.items():
            why = ", ".join(f"{k} {v}" for k, v in g.drop_reasons.items()) or "–"
            fell = ", ".join(f"{k} {v}" for k, v in g.fallback_reasons.items()) or "–"
            lines.append(
                f"| {name} | {g.answers} | {g.sentences} | {g.kept} | {g.dropped} | "
                f"{_pct(g.dropped_share)} | {g.fallbacks} ({_pct(g.fallback_rate)}) | "
                f"{why} | {fell} |"
            )
    lines += ["", "## Latency (ms)", "", "| mode | stage | p50 | p95 | n |"]
    lines.append("|---|---|---:|---:|---:|")
    for name, mode in result.modes.items():
        for stage, numbers in mode.latency_ms.items():
            lines.append(
                f"| {name} | {stage} | {numbers['p50']:.1f} | {numbers['p95']:.1f} | "
                f"{numbers['n']:.0f} |"
            )
    lines += ["", "Plots: `recall_at_k.png`, `latency.png`.", ""]
    return "\n".join(lines)


def plot(result: EvalResult, out: Path) -> list[Path]:
    """Recall@k curves per mode and the latency distribution; Agg, so no display needed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    for name, mode in result.modes.items():
        curve = mode.retrieval.curve
        if curve:
            ax.plot(list(curve), list(curve.values()), marker="o", markersize=3, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("k (documents)")
    ax.set_ylabel("Recall@k")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"{result.dataset['name']}: Recall@k")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path = out / "recall_at_k.png"
    fig.savefig(path)
    plt.close(fig)
    written.append(path)

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    labels: list[str] = []
    series: list[list[float]] = []
    totals: dict[str, list[float]] = {}
    for name, mode in result.modes.items():
        rows = [r.timings_ms if r.timings_ms else r.search_ms for r in mode.records]
        found = [t.get("total_ms", t.get("request_ms")) for t in rows]
        totals[name] = [v for v in found if v is not None and v > 0]
        stages = dict.fromkeys(s for t in rows for s in t if s not in ("total_ms", "request_ms"))
        for stage in stages:  # pipeline order, as the timings list them
            labels.append(f"{name}: {stage}")
            series.append([max(t[stage], 1e-3) for t in rows if stage in t])
    every = [v for values in totals.values() for v in values]
    if every:  # log-spaced bins: modes differ by orders of magnitude (bm25 vs embedding)
        bins = np.geomspace(min(every), max(every) * 1.0001, 30)
        for name, values in totals.items():
            left.hist(values, bins=list(bins), histtype="step", label=name)
        left.set_xscale("log")
        left.legend()
    left.set_xlabel("total per question (ms, log)")
    left.set_ylabel("questions")
    left.set_title("latency distribution")
    if series:
        right.boxplot(series, orientation="horizontal", tick_labels=labels, showfliers=True)
        right.invert_yaxis()  # first stage on top
        right.set_xscale("log")
    right.set_xlabel("ms (log)")
    right.set_title("per stage")
    fig.tight_layout()
    path = out / "latency.png"
    fig.savefig(path)
    plt.close(fig)
    written.append(path)
    return written


def write(result: EvalResult, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.json"
    results.write_text(json.dumps(to_json(result), indent=2) + "\n", encoding="utf-8")
    report = out / "report.md"
    report.write_text(markdown(result), encoding="utf-8")
    return [results, report, *plot(result, out)]


def table(result: EvalResult) -> Table:
    """Metrics as rows, modes as columns: narrow enough for any terminal, with --compare too."""
    grid = Table(title=f"{result.dataset['name']}: {result.dataset['questions']} questions")
    grid.add_column("metric")
    for name in result.modes:
        grid.add_column(name, justify="right")
    modes = list(result.modes.values())
    rows: list[tuple[str, list[str]]] = [
        ("nDCG@10", [_fmt(m.retrieval.ndcg_at_10) for m in modes]),
        ("MRR@10", [_fmt(m.retrieval.mrr_at_10) for m in modes]),
    ]
    for k in (1, 5, 10, 100):
        if any(k in m.retrieval.recall for m in modes):
            rows.append((f"Recall@{k}", [_fmt(m.retrieval.recall.get(k)) for m in modes]))
    if any(m.answers for m in modes):
        a = [m.answers for m in modes]
        c = [m.citations for m in modes]
        ab = [m.abstention for m in modes]
        rows += [
            ("EM / F1", [f"{_fmt(x.exact_match, 2)} / {_fmt(x.f1, 2)}" if x else "–" for x in a]),
            ("gold in answer", [_pct(x.contains_gold) if x else "–" for x in a]),
            (
                "short answer EM / F1",
                [
                    f"{_fmt(x.short_answer_exact_match, 2)} / {_fmt(x.short_answer_f1, 2)}"
                    if x
                    else "–"
                    for x in a
                ],
            ),
            ("quotes exact", [_pct(x.quote_exactness) if x else "–" for x in c]),
            ("citation precision", [_pct(x.precision) if x else "–" for x in c]),
            ("citation recall", [_pct(x.recall) if x else "–" for x in c]),
            ("abstention precision", [_pct(x.precision) if x else "–" for x in ab]),
            ("abstention recall", [_pct(x.recall) if x else "–" for x in ab]),
        ]
    for subset in ("time-relative", "other"):
        if any(subset in m.subsets for m in modes):
            rows.append(
                (
                    f"cited, {subset} (n)",
                    [
                        f"{_pct(m.subsets[subset]['citation_recall'])} "
                        f"({m.subsets[subset]['questions']:.0f})"
                        if subset in m.subsets
                        else "–"
                        for m in modes
                    ],
                )
            )
    if any(m.generation for m in modes):
        g = [m.generation for m in modes]
        rows += [
            ("LLM sentences dropped", [_pct(x.dropped_share) if x else "–" for x in g]),
            ("LLM fallbacks", [_pct(x.fallback_rate) if x else "–" for x in g]),
        ]
    totals = [_total(m) for m in modes]
    rows.append(
        ("p50 / p95 ms", [f"{t['p50']:.0f} / {t['p95']:.0f}" if t else "–" for t in totals])
    )
    for label, values in rows:
        grid.add_row(label, *values)
    return grid
