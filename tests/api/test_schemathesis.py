"""Property-based requests generated from the OpenAPI schema: nothing a client sends may
produce a 5xx."""

import re
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_no_server_errors_over_the_openapi_schema(base_url: str, tmp_path: Path) -> None:
    report = tmp_path / "schemathesis.txt"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--seed",
            "20261126",
            "--request-timeout",
            "60",
            "--generation-deterministic",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,  # schemathesis keeps its example database in the working directory
    )
    report.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-4000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated and generated.group(1) == generated.group(2), result.stdout[-2000:]
    assert int(generated.group(1)) >= 100
