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
