"""Running the command line in-process from tests."""

from __future__ import annotations

from pathlib import Path

from desktop.cli import run


def cli(capsys, db_path: Path, *args: str) -> tuple[int, str, str]:
    """``python -m desktop --db DB ARGS…`` in-process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    code = run(["--db", str(db_path), *args])
    out, err = capsys.readouterr()
    return code, out, err
