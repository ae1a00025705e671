"""Every schema version the program ever wrote opens with the newest program, losing nothing.

``tests/fixtures/schema_vN.db`` holds demo data as version N wrote it (made by
``scripts/make_schema_fixture.py``, which says how to add one when a migration is added).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.core.errors import StorageError
from desktop.services.check import run_check
from desktop.storage import database
from desktop.storage.backup import backup_dir
from desktop.storage.database import Database, content_hash, schema_version_supported

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_NAME = re.compile(r"^schema_v(\d+)\.db$")
HASHED_TABLES = ("enterprises", "applications", "awards")


def _fixtures() -> list[tuple[int, Path]]:
    found = [(int(m.group(1)), p) for p in FIXTURES.iterdir() if (m := FIXTURE_NAME.match(p.name))]
    return sorted(found)


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _rows_hash(conn: sqlite3.Connection, table: str, columns: list[str]) -> str:
    digest = hashlib.sha256()
    for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"):
        digest.update(json.dumps(list(row), ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


def _state(path: Path) -> tuple[dict[str, int], dict[str, list[str]], dict[str, str]]:
    conn = sqlite3.connect(str(path))
    try:
        tables = _tables(conn)
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        columns = {t: _columns(conn, t) for t in tables}
        hashes = {t: _rows_hash(conn, t, columns[t]) for t in HASHED_TABLES}
    finally:
        conn.close()
    return counts, columns, hashes


# The newest schema version a released program wrote. Versions after it exist only in this
# release's development and were never out there; when a release ships, make the fixture of its
# newest version (before adding the next migration) and raise this number to it.
SHIPPED_SCHEMA = 3


def test_there_is_a_fixture_for_every_older_schema_version():
    versions = [v for v, _ in _fixtures()]
    assert 1 in versions
    missing = [v for v in range(1, SHIPPED_SCHEMA + 1) if v not in versions]
    assert not missing, (
        f"no tests/fixtures/schema_v{missing[0]}.db: see scripts/make_schema_fixture.py"
    )
    assert max(versions) <= schema_version_supported()


@pytest.mark.parametrize("version, fixture", _fixtures(), ids=lambda v: str(v))
def test_an_old_database_is_upgraded_without_losing_a_row(version, fixture, tmp_path):
    fixture_sha = hashlib.sha256(fixture.read_bytes()).hexdigest()
    path = tmp_path / f"旧版{version}.db"
    shutil.copyfile(fixture, path)
    counts, columns, hashes = _state(path)
    assert counts["enterprises"] > 0 and counts["awards"] > 0 and counts["change_log"] > 0
    with Database(path, readonly=True) as old:
        before = content_hash(old.conn)
        assert old.user_version == version

    with Database(path, user="测试员") as db:
        assert db.user_version == schema_version_supported()
        for table, count in counts.items():
            assert db.scalar(f"SELECT count(*) FROM {table}") == count, table
        for table in HASHED_TABLES:
            assert _rows_hash(db.conn, table, columns[table]) == hashes[table], table
        # The first writable open of the program (open_session) signs the older decisions once.
        from desktop.services.signing import ensure_baseline

        ensure_baseline(db)
        report = run_check(db)
        assert report.ok, report.lines()
        with db.transaction():  # and it can be written to afterwards
            db.set_setting("after_upgrade", "1")

    upgraded = version < schema_version_supported()
    backups = list(backup_dir(path).glob("*升级前*.db")) if upgraded else []
    if upgraded:  # a database with data is backed up before its upgrade
        assert len(backups) == 1
        with Database(backups[0], readonly=True) as kept:
            assert kept.user_version == version and content_hash(kept.conn) == before
    assert hashlib.sha256(fixture.read_bytes()).hexdigest() == fixture_sha  # a copy was used


def test_the_fixtures_themselves_are_never_changed():
    for version, fixture in _fixtures():
        conn = sqlite3.connect(f"file:{fixture}?mode=ro", uri=True)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == version
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        finally:
            conn.close()
    leftovers = [p.name for p in FIXTURES.iterdir() if not p.name.endswith(".db")]
    assert not leftovers, leftovers  # no -wal, -shm or .lock beside a fixture


def test_a_failing_migration_step_leaves_that_step_undone(tmp_path, monkeypatch):
    path = tmp_path / "旧版.db"
    shutil.copyfile(FIXTURES / "schema_v1.db", path)
    counts, _columns_, _hashes = _state(path)
    newest = schema_version_supported()
    bad = tmp_path / f"{newest + 1:04d}_broken.sql"
    bad.write_text("CREATE TABLE extra (x);\nINSERT INTO no_such_table VALUES (1);\n")
    steps = database.migrations() + [(newest + 1, bad)]
    monkeypatch.setattr(database, "migrations", lambda: steps)

    with pytest.raises(StorageError) as caught:
        Database(path)

    assert f"升级到结构版本{newest + 1}失败" in str(caught.value)
    assert "升级前的备份" in str(caught.value)

    monkeypatch.undo()
    assert not Path(str(path) + ".lock").exists()  # the failed open released its lock
    with Database(path) as db:  # the earlier steps stand, the broken one left no trace
        assert db.user_version == newest
        assert db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'extra'") == 0
        assert all(db.scalar(f"SELECT count(*) FROM {t}") == n for t, n in counts.items())


def test_a_database_of_a_newer_program_is_not_upgraded_backwards(tmp_path):
    path = tmp_path / "新版.db"
    shutil.copyfile(FIXTURES / "schema_v1.db", path)
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA user_version = {schema_version_supported() + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="请使用新版程序打开"):
        Database(path)
    assert path.read_bytes() == before
