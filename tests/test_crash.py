"""The crash test (bench/crash_test.py) with a few trials: an import of 10,000 enterprises, a
year's calculation, a payment batch and a payment result import, each killed with SIGKILL at random
moments, leave the database exactly as before or exactly as after, intact, with its change-log
chain whole."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_import_and_calculation_leave_before_or_after(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "crash_test.py"),
            "--trials",
            "4",
            "--seed",
            "7",
            "--calc-enterprises",
            "4000",
            "--calc-applications",
            "8000",
            "--keep",
            str(tmp_path / "work"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        env={**os.environ, "SIQIANG_DATA_DIR": str(tmp_path / "data")},
    )
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    summaries = re.findall(r"^(\d+)/(\d+) consistent .* rows lost: (\d+);", out, re.MULTILINE)
    assert summaries == [("4", "4", "0"), ("4", "4", "0")], out
    assert "integrity_check ok 4/4, check ok 4/4" in out
    assert out.rstrip().endswith("TOTAL 8/8 consistent, rows lost: 0 — PASS")


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_payment_batch_and_result_import_leave_before_or_after(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "crash_test.py"),
            "--op",
            "payment",
            "--trials",
            "4",
            "--seed",
            "7",
            "--awards",
            "300",
            "--keep",
            str(tmp_path / "work"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        env={**os.environ, "SIQIANG_DATA_DIR": str(tmp_path / "data")},
    )
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    summaries = re.findall(r"^(\d+)/(\d+) consistent .* rows lost: (\d+);", out, re.MULTILINE)
    assert summaries == [("4", "4", "0"), ("4", "4", "0")], out
    assert out.rstrip().endswith("TOTAL 8/8 consistent, rows lost: 0 — PASS")
