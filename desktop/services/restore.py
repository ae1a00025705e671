"""Restoring a backup: check the file, keep the database it replaces, then replace it.

The file is first copied to a private temporary folder and every check runs on that copy (so
what is checked is exactly what is restored, and the chosen file is never written to): it must be
a SQLite file that passes ``integrity_check`` and ``foreign_key_check``, hold this program's
tables with an intact change-log hash chain, have a schema version no newer than the program's,
and pass the whole ``check`` (signatures, schema, replay: :func:`full_check`); with logins on, a
backup without users is refused (restoring never turns logins off). Only then is the live database backed up (``…-恢复前.db``) and the checked copy written
into it through SQLite's backup API in one transaction of the live, locked connection, so a power
cut leaves either the old or the restored database. The database is then reopened (an older
schema is migrated as usual, with its own backup first).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import DomainError, StorageError
from desktop.services import users
from desktop.storage.database import (
    Database,
    broken_log_entries,
    newer_version_message,
    schema_version_supported,
)

REQUIRED_TABLES = ("enterprises", "applications", "awards", "change_log", "settings", "towns")
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass
class RestoreResult:
    db: Database  # the reopened database; the one passed in is closed
    source: Path
    replaced_backup: Path | None  # where the database that was replaced is kept
    schema_version: int  # of the restored file, before any upgrade


def _refuse(path: Path, why: str) -> StorageError:
    return StorageError(f"不能用文件 {path.name} 恢复：{why}。当前数据库未作任何改动")


def _copy_candidate(source: Path, folder: Path) -> Path:
    """Copy the file (and a write-ahead log beside it, if any) into ``folder``."""
    target = folder / "candidate.db"
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        shutil.copyfile(wal, folder / "candidate.db-wal")
    return target


def check_backup_file(source: str | Path, folder: Path) -> tuple[Path, int]:
    """Copy ``source`` into ``folder`` and check the copy; (the copy, its schema version).

    Raises ``StorageError`` with a Chinese sentence when the file must not be restored.
    """
    source = Path(source)
    if not source.is_file():
        raise _refuse(source, "文件不存在")
    with source.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or header[:16] != SQLITE_HEADER:
        raise _refuse(source, "它不是SQLite数据库文件")
    try:
        candidate = _copy_candidate(source, folder)
    except OSError as exc:
        raise _refuse(source, f"无法读取该文件（{exc.strerror or exc}）") from exc
    newest = schema_version_supported()
    try:
        conn = sqlite3.connect(str(candidate), isolation_level=None)
    except sqlite3.Error as exc:
        raise _refuse(source, f"无法打开（{exc}）") from exc
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > newest:
            raise _refuse(source, newer_version_message(version, newest))
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            raise _refuse(source, f"文件已损坏（integrity_check：{integrity[0]}）")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if version < 1 or missing:
            raise _refuse(source, "它不是本系统的数据库（缺少数据表）")
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise _refuse(source, "文件中的数据引用不完整（foreign_key_check 未通过）")
        broken = broken_log_entries(conn, limit=1)
        if broken:
            raise _refuse(source, f"变更日志第{broken[0]}条被改动或链条断开，文件可能被篡改")
        conn.execute("PRAGMA journal_mode = DELETE")  # folds a copied -wal into the file
    except sqlite3.DatabaseError as exc:
        raise _refuse(source, f"文件已损坏（{exc}）") from exc
    finally:
        conn.close()
    return candidate, version


def full_check(source: Path, candidate: Path, *, logins_on: bool) -> None:
    """Run the whole ``check`` on the (copied) candidate and refuse any failure; refuse a backup
    without users when logins are on (restoring it would turn logins off). A backup made before
    signatures existed is first upgraded (on the copy) and its decisions signed as the baseline,
    as the upgrade of the live database would."""
    from desktop.services.check import run_check
    from desktop.services.signing import ensure_baseline

    conn = sqlite3.connect(str(candidate))
    try:
        had_signatures = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'signatures'"
        ).fetchone()
        has_users = (
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'"
            ).fetchone()
            and conn.execute("SELECT 1 FROM users LIMIT 1").fetchone()
        )
    finally:
        conn.close()
    if logins_on and not has_users:
        raise _refuse(source, "备份中没有用户（启用登录之前的备份），恢复它会关闭登录")
    check_copy = candidate.with_name("checked.db")
    shutil.copyfile(candidate, check_copy)
    try:
        db = Database(check_copy, user="恢复检查", readonly=False)
    except DomainError as exc:
        raise _refuse(source, f"无法打开（{exc}）") from exc
    try:
        if not had_signatures:
            ensure_baseline(db)
        report = run_check(db)
    finally:
        db.close()
    if not report.ok:
        first = report.problems[0]
        more = f"等{len(report.problems)}处问题" if len(report.problems) > 1 else ""
        raise _refuse(source, f"数据库检查未通过：{first}{more}，文件可能被篡改")


def _match_page_size(candidate: Path, page_size: int) -> None:
    """The backup API cannot change the page size of a WAL database: rebuild the copy instead."""
    conn = sqlite3.connect(str(candidate), isolation_level=None)
    try:
        if int(conn.execute("PRAGMA page_size").fetchone()[0]) != page_size:
            conn.execute(f"PRAGMA page_size = {int(page_size)}")
            conn.execute("VACUUM")
    finally:
        conn.close()


def restore_backup(db: Database, source: str | Path) -> RestoreResult:
    """Replace the contents of ``db`` by the backup ``source`` (see the module text).

    ``db`` must be writable (it holds the lock) and is closed afterwards; use ``result.db``.
    """
    source = Path(source)
    users.require_role(db, users.ADMIN)
    if db.readonly:
        raise StorageError(db.readonly_message or "数据库为只读，不能恢复")
    try:
        same = source.exists() and os.path.samefile(source, db.path)
    except OSError:
        same = False
    if same:
        raise _refuse(source, "这是当前正在使用的数据库本身")
    from desktop.storage.backup import backup_before

    with tempfile.TemporaryDirectory(prefix="siqiang-restore-") as tmp:
        candidate, version = check_backup_file(source, Path(tmp))
        full_check(source, candidate, logins_on=users.logins_enabled(db))
        _match_page_size(candidate, int(db.scalar("PRAGMA page_size")))
        replaced = backup_before(db, "恢复前", always=True)
        src = sqlite3.connect(str(candidate))
        try:
            src.backup(db.conn)  # one write transaction on the live, locked connection
        except sqlite3.Error as exc:
            raise StorageError(f"恢复失败（{exc}），当前数据库未作改动") from exc
        finally:
            src.close()
    try:
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass  # the restored pages are committed in the write-ahead log either way
    # Reopen before closing, so this process keeps the write lock throughout.
    fresh = Database(db.path, user=db.user, readonly=False)
    fresh.role = db.role
    fresh.signer = db.signer
    db.close()
    from desktop.services.signing import ensure_baseline

    ensure_baseline(fresh)  # an older backup's decisions, signed once as the baseline
    return RestoreResult(fresh, source, replaced, version)
