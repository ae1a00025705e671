"""Shared fixtures. Qt must never try to reach a display: set the offscreen platform before any
QApplication exists (without it pytest-qt aborts the whole run on a machine with no screen)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """No test touches the real user's data folder or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SIQIANG_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "share"))


@pytest.fixture
def db(tmp_path: Path):
    from desktop.storage.database import Database

    database = Database(tmp_path / "test.db", user="测试员")
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo database, built once per test session (``init --demo`` through the CLI)."""
    from desktop.cli import run

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run(["--db", str(path), "init", "--demo"]) == 0
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database (approved, paid and rejected awards included)."""
    import shutil

    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    return path
