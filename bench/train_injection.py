"""Train and measure the prompt-injection detector (rag/injection.py).

Reads ``bench/data/injection.jsonl`` (team-written: ``text``, ``label`` 1 = addressed to an
AI with instructions, 0 = news that looks like it, ``split`` train/test fixed by a hash of the
text). The regularization strength and the decision threshold (best F1) are chosen by 5-fold
cross-validation on the train split only; the held-out test split is scored once, for the
final model and for the phrase list it replaces. Writes the weights as JSON (never pickle).

    OMP_NUM_THREADS=1 .venv/bin/python bench/train_injection.py \
        --out-model rag/models/injection.json --out bench/results/injection.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.injection import MODEL_PATH, InjectionModel, features

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "injection.jsonl"
# The phrase list this detector replaced (rag/grounding.py before issue 13), for comparison.
OLD_PHRASES = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(instructions?|prompts?|rules|"
    r"directions|guidelines)\b|\b(you are now|system prompt|new instructions|"
    r"(reply|respond|answer|say|write) (only )?(with|that)\b)",
    re.IGNORECASE,
)
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def load(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for number, row in enumerate(rows, start=1):
        if row.get("label") not in (0, 1) or row.get("split") not in ("train", "test"):
            raise SystemExit(f"{path}:{number}: needs label 0/1 and split train/test")
    return rows


def sentences_of(paths: list[Path], limit: int | None = None) -> list[str]:
    """Every sentence of the articles under ``paths`` (any loader format), ``limit`` articles."""
    from index.loaders import load_paths
    from index.text import split_sentences

    articles = load_paths(paths).articles[:limit]
    return [a.text[s:e] for a in articles for s, e in split_sentences(a.text)]


def fit(texts: list[str], labels: list[int], c: float) -> InjectionModel:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        for name, value in features(text).items():
            rows.append(i)
            cols.append(vocab.setdefault(name, len(vocab)))
            vals.append(value)
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocab)))
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(matrix, labels)
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {n: float(w) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) > 1e-4}
    return InjectionModel(weights, float(model.intercept_[0]), 0.5)


def scores(model: InjectionModel, texts: list[str]) -> np.ndarray:
    return np.array([model.probability(t) for t in texts])


def measure(flags: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    tp = int(np.sum(flags & (labels == 1)))
    fp = int(np.sum(flags & (labels == 0)))
    fn = int(np.sum(~flags & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
    }


def choose_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The threshold with the best cross-validated F1. The train split holds every sentence
    of the sample articles as news, so F1 already weighs false alarms on ordinary news."""
    grid = np.arange(0.2, 0.995, 0.01)
    f1 = [measure(probabilities >= t, labels)["f1"] for t in grid]
    return float(round(grid[int(np.argmax(f1))], 3))


def cross_validate(texts: list[str], labels: np.ndarray, c: float, folds: int = 5) -> np.ndarray:
    order = np.random.default_rng(13).permutation(len(texts))
    out = np.zeros(len(texts))
    for fold in range(folds):
        held = order[fold::folds]
        kept = np.setdiff1d(order, held)
        model = fit([texts[i] for i in kept], [int(labels[i]) for i in kept], c)
        out[held] = scores(model, [texts[i] for i in held])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out-model", type=Path, default=MODEL_PATH)
    parser.add_argument("--out", type=Path, help="results JSON")
    parser.add_argument(
        "--news",
        type=Path,
        nargs="*",
        default=[ROOT / "samples" / "wikinews", ROOT / "samples" / "corpus"],
        help="articles whose every sentence is added to training as news (label 0)",
    )
    parser.add_argument(
        "--real-news",
        type=Path,
        default=ROOT.parent / "shared" / "news" / "realtimeqa",
        help="articles-*.jsonl read at run time: the share of their sentences flagged",
    )
    parser.add_argument("--real-articles", type=int, default=300)
    args = parser.parse_args()

    rows = load(args.data)
    rows += [{"text": t, "label": 0, "split": "train"} for t in sentences_of(args.news)]
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    x_train = [r["text"] for r in train]
    y_train = np.array([r["label"] for r in train])
    x_test = [r["text"] for r in test]
    y_test = np.array([r["label"] for r in test])

    cv: dict[float, dict[str, Any]] = {}
    for c in C_GRID:
        probabilities = cross_validate(x_train, y_train, c)
        threshold = choose_threshold(probabilities, y_train)
        cv[c] = {"threshold": threshold, **measure(probabilities >= threshold, y_train)}
        print(f"C={c:<6} cv threshold {threshold:.3f}: {cv[c]}")
    best_c = max(C_GRID, key=lambda c: (cv[c]["f1"], -c))
    model = fit(x_train, [int(y) for y in y_train], best_c)
    model = InjectionModel(model.weights, model.bias, cv[best_c]["threshold"])

    held_out = measure(scores(model, x_test) >= model.threshold, y_test)
    old = measure(np.array([bool(OLD_PHRASES.search(t)) for t in x_test]), y_test)
    missed = [t for t, y in zip(x_test, y_test, strict=True) if y and not model.flags(t)]
    false_alarms = [t for t, y in zip(x_test, y_test, strict=True) if not y and model.flags(t)]
    real: dict[str, Any] = {}
    files = sorted(args.real_news.glob("articles-*.jsonl")) if args.real_news.is_dir() else []
    if files:  # measured only: no text from these articles is stored or printed
        real_sentences = sentences_of(files, args.real_articles)
        flagged = sum(model.flags(t) for t in real_sentences)
        real = {
            "source": str(args.real_news),
            "articles": args.real_articles,
            "sentences": len(real_sentences),
            "flagged": flagged,
            "flag_rate": round(flagged / max(1, len(real_sentences)), 5),
        }
        print("real news flagged:", real)
    results = {
        "data": str(args.data),
        "news_sentences_in_training": len(rows) - len(load(args.data)),
        "real_news": real,
        "train": {"injections": int(y_train.sum()), "news": int(len(y_train) - y_train.sum())},
        "test": {"injections": int(y_test.sum()), "news": int(len(y_test) - y_test.sum())},
        "chosen_C": best_c,
        "threshold": model.threshold,
        "cross_validation": {str(c): v for c, v in cv.items()},
        "held_out_detector": held_out,
        "held_out_old_phrase_list": old,
        "held_out_missed": missed,
        "held_out_false_alarms": false_alarms,
        "features": len(model.weights),
    }
    print(json.dumps({k: results[k] for k in list(results)[1:7]}, indent=1))
    print("held-out detector:", held_out)
    print("held-out old phrase list:", old)
    print("missed:", missed)
    print("false alarms:", false_alarms)
    args.out_model.parent.mkdir(parents=True, exist_ok=True)
    args.out_model.write_text(json.dumps(model.to_json(), ensure_ascii=False) + "\n")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
