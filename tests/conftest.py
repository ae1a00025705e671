"""Shared fixtures. Qt must never try to reach a display: set the offscreen platform before any
QApplication exists (without it pytest-qt aborts the whole run on a machine with no screen)."""

from __future__ import annotations

import os
import shutil

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
    # New password hashes in this process use scrypt N=2^14 instead of 2^17 (0.06 s instead of
    # 0.7 s a login, on a suite with hundreds of logins). The work factor is stored per user, so
    # verification and the upgrade path are the same; tests/test_users.py pins the real default.
    # Subprocesses (python -m desktop …) run with the real N=2^17.
    monkeypatch.setattr("desktop.services.users.SCRYPT_LOG_N", 14)


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
    # The demo's decisions are signed with the installation key of the data folder it is made
    # in; every test that copies the demo gets that key in its own data folder (same computer).
    before = os.environ.get("SIQIANG_DATA_DIR")
    os.environ["SIQIANG_DATA_DIR"] = str(path.parent / "data")
    try:
        assert run(["--db", str(path), "init", "--demo"]) == 0
    finally:
        if before is None:
            del os.environ["SIQIANG_DATA_DIR"]
        else:
            os.environ["SIQIANG_DATA_DIR"] = before
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database (approved, paid and rejected awards included)."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    shutil.copytree(
        demo_template.parent / "data" / "keys",
        Path(os.environ["SIQIANG_DATA_DIR"]) / "keys",
        dirs_exist_ok=True,
    )
    return path
