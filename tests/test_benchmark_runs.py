"""The benchmark stays a script (no timed assertions here); this only keeps it runnable: on a tiny
data set it must reach its last line, one JSON object with the figures the speed issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_to_its_json_line_on_a_tiny_data_set(tmp_path):
    done = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "benchmark.py"), "--enterprises", "300",
            "--applications", "600", "--skip-gui", "--skip-reports", "--skip-libreoffice",
            "--json", "--keep", str(tmp_path / "bench.db"),
        ],
        capture_output=True, text=True, encoding="utf-8", timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for key in (
        "year", "awards_in_year", "calc_first_s", "calc_unchanged_s", "whatif_s",
        "import_written_s", "floor_s", "calc_first_vs_floor", "calc_unchanged_vs_first",
        "matter_recalc_ms",
    ):  # fmt: skip
        assert isinstance(figures[key], (int, float)), key
    assert figures["awards_in_year"] > 0
    assert (tmp_path / "bench.db").exists()
