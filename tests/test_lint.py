"""The code base stays lint-clean and formatted (ruff, configured in pyproject.toml), and the
core never imports Qt (ruff's banned-api rule TID251 outside desktop/ui and desktop/app.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert exe is not None, "ruff is a test dependency: pip install -e '.[test]'"
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff_check_is_clean():
    result = _ruff("check", ".")
    assert result.returncode == 0, result.stdout[-3000:]


def test_ruff_format_is_clean():
    result = _ruff("format", "--check", "desktop", "tests", "bench", "build", "scripts")
    assert result.returncode == 0, result.stdout[-3000:]


def test_mypy_is_clean_on_core_storage_and_services():
    """Typed layers stay typed (``[tool.mypy]`` in pyproject.toml names them)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


def test_qt_outside_the_ui_is_refused_by_the_linter(tmp_path):
    probe = tmp_path / "core_module.py"
    probe.write_text("from PySide6.QtCore import QObject\n\nQObject\n", encoding="utf-8")
    result = _ruff(
        "check", "--config", str(ROOT / "pyproject.toml"), "--select", "TID251", str(probe)
    )
    assert result.returncode != 0 and "TID251" in result.stdout
