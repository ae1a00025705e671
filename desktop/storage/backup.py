"""Online backups (``sqlite3.Connection.backup``) beside the database, rotated.

A backup is taken before every import, migration and restore, and once a day on first start.
Automatic backups are named ``<stem>-YYYYMMDD-HHMMSS-<reason>.db`` in ``<stem>-备份`` beside the
database; kept are the newest 10, plus the newest one of each month. Manual backups
(``…-手动备份.db``) are the clerk's own and never deleted.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path

from desktop.core.errors import StorageError
from desktop.paths import os_path
from desktop.storage.database import Database, connect
from desktop.storage.files import write_file

KEEP_LATEST = 10
DAILY = "每日备份"
MANUAL = "手动备份"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}(?:-\d+)?)(?:-(?P<why>[^.]*))?\.db$")


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.stem}-备份"


def manual_backup_path(db_path: Path, *, now: datetime | None = None) -> Path:
    """Where 备份数据库 (GUI) and ``backup`` without ``--out`` (CLI) put a clerk's own backup."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return backup_dir(db_path) / f"{db_path.stem}-{stamp}-{MANUAL}.db"


def backup_to(db: Database, target: Path) -> Path:
    """Copy the whole database, consistently, while it stays open.

    Written like every file for the clerk (``desktop.storage.files.write_file``): a target held by
    another program raises ``FileInUse`` after a few tries, and no half backup is ever left."""
    target = Path(target)
    Path(os_path(target.parent)).mkdir(parents=True, exist_ok=True)

    def copy(tmp: Path) -> None:
        dest = connect(tmp)
        try:
            db.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()

    return write_file(target, copy, suffix=".part")


def backup_before(
    db: Database, reason: str, *, now: datetime | None = None, always: bool = False
) -> Path | None:
    """Automatic backup before a risky operation; None for in-memory or brand-new empty data
    (``always``: also a database without enterprises, e.g. the one a restore replaces)."""
    if str(db.path) == ":memory:":
        return None
    if not always and not db.scalar("SELECT EXISTS (SELECT 1 FROM enterprises)"):
        return None
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = backup_dir(db.path)
    target = folder / f"{db.path.stem}-{stamp}-{_safe(reason)}.db"
    n = 1
    while os.path.exists(os_path(target)):
        target = folder / f"{db.path.stem}-{stamp}-{n}-{_safe(reason)}.db"
        n += 1
    try:
        backup_to(db, target)
    except (OSError, sqlite3.Error, StorageError) as exc:
        raise StorageError(
            f"自动备份失败（{exc}），为安全起见操作未执行；请检查磁盘空间和文件夹权限"
        ) from exc
    rotate(folder)
    return target


def backup_daily(db: Database, *, now: datetime | None = None) -> Path | None:
    """The first start of a calendar day backs the database up (at most one such backup a day,
    found by its file name). Skipped for a read-only database: its holder makes the backup."""
    if str(db.path) == ":memory:" or db.readonly:
        return None
    day = (now or datetime.now()).strftime("%Y%m%d")
    folder = Path(os_path(backup_dir(db.path)))
    if folder.exists():
        for path in folder.glob(f"{glob_escape(db.path.stem)}-{day}-*.db"):
            match = _NAME.match(path.name)
            if match and match.group("stem") == db.path.stem and match.group("why") == DAILY:
                return None
    return backup_before(db, DAILY, now=now)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _safe(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s.]+", "_", text)[:30]


def rotate(folder: Path) -> list[Path]:
    """Delete old automatic backups: keep the newest 10 and the newest of each month."""
    entries = []
    for path in Path(os_path(folder)).glob("*.db"):
        match = _NAME.match(path.name)
        if match and match.group("why") != MANUAL:
            entries.append((match.group("stamp"), path))
    entries.sort(reverse=True)
    keep = {p for _, p in entries[:KEEP_LATEST]}
    months: set[str] = set()
    for stamp, path in entries:
        if stamp[:6] not in months:
            months.add(stamp[:6])
            keep.add(path)
    removed = []
    for _, path in entries:
        if path not in keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
