"""The evaluation's own dependencies (trec_eval's metrics, the report's plots) are the
``[eval]`` extra, kept off the answering path's install. Checked before an evaluation starts,
so a missing one is named at once instead of failing after an hour of questions."""

from __future__ import annotations

import importlib.util

from rag.evaluation.backends import BackendError

EXTRA = ("pytrec_eval", "matplotlib")  # modules of pytrec_eval-terrier, matplotlib


class MissingExtraError(BackendError):
    """The ``[eval]`` extra is not installed (a ``BackendError``: the in-process backend
    cannot be scored, and ``newsrag eval`` reports it the same way)."""


def require_eval_extra(modules: tuple[str, ...] = EXTRA) -> None:
    missing = [name for name in modules if not _importable(name)]
    if missing:
        raise MissingExtraError(
            f"newsrag eval needs {', '.join(missing)}, from the [eval] extra: "
            "pip install -e '.[eval]' (make setup installs it)"
        )


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules (None)
        return False
