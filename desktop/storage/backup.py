"""Online backups (``sqlite3.Connection.backup``) beside the database, rotated.

A backup is taken before every import, migration and restore, and once a day on first start.
Automatic backups are named ``<stem>-YYYYMMDD-HHMMSS-<reason>.db`` in ``<stem>-备份`` beside the
database; kept are every automatic backup of the last 7 days whatever their number, the newest
10, and the newest one of each month. A backup identical to the automatic backup before it (the
same chain head: nothing was written in between) is not kept twice. Manual backups
(``…-手动备份.db``) are the clerk's own and never deleted. Beside every backup its anchor
(``….db.anchor.json``, :mod:`desktop.storage.anchor`) records the chain head it ends with.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from desktop.core.errors import DomainError, StorageError, ValidationError
from desktop.paths import os_path
from desktop.storage.anchor import anchor_path, chain_head, read_anchor_file, write_anchor
from desktop.storage.database import Database, connect, storage_error
from desktop.storage.files import guard_output, write_file

KEEP_LATEST = 10
KEEP_DAYS = 7
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
    """Copy the whole database, consistently, while it stays open, and write its anchor beside
    it (the chain head it ends with). Refuses a target that is a database, a backup or a file not
    ours (``guard_output``), and never overwrites an existing file.

    Written like every file for the clerk (``desktop.storage.files.write_file``): a target held by
    another program raises ``FileInUse`` after a few tries, and no half backup is ever left."""
    target = guard_output(Path(target), live_db=db.path, what="备份")
    if os.path.exists(os_path(target)):
        raise ValidationError(
            f"“{target.name}”已存在，备份不会覆盖已有文件；请换一个文件名", field="文件"
        )
    try:
        Path(os_path(target.parent)).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"无法建立备份文件夹：{exc.strerror or exc}") from exc

    def copy(tmp: Path) -> None:
        dest = connect(tmp)
        try:
            db.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()

    try:
        write_file(target, copy, suffix=".part")
        write_anchor(db, target)
    except sqlite3.Error as exc:
        raise storage_error(exc) from exc
    except (OSError, DomainError):
        anchor_path(target).unlink(missing_ok=True)
        raise
    return target


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
    previous = _newest_automatic(folder)
    if previous is not None and read_anchor_file(anchor_path(previous)) == chain_head(db):
        return previous  # nothing written since the previous backup: it is kept once
    try:
        backup_to(db, target)
    except (OSError, sqlite3.Error, DomainError) as exc:
        raise StorageError(
            f"自动备份失败（{exc}），为安全起见操作未执行；请检查磁盘空间和文件夹权限"
        ) from exc
    rotate(folder, now=now)
    return target


def _newest_automatic(folder: Path) -> Path | None:
    if not folder.exists():
        return None
    entries = []
    for path in folder.glob("*.db"):
        match = _NAME.match(path.name)
        if match and match.group("why") != MANUAL:
            entries.append((match.group("stamp"), path))
    return max(entries)[1] if entries else None


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


def rotate(folder: Path, *, now: datetime | None = None) -> list[Path]:
    """Delete old automatic backups: keep those of the last 7 days, the newest 10 and the newest
    of each month."""
    recent = ((now or datetime.now()) - timedelta(days=KEEP_DAYS)).strftime("%Y%m%d-%H%M%S")
    entries = []
    for path in Path(os_path(folder)).glob("*.db"):
        match = _NAME.match(path.name)
        if match and match.group("why") != MANUAL:
            entries.append((match.group("stamp"), path))
    entries.sort(reverse=True)
    keep = {p for _, p in entries[:KEEP_LATEST]} | {p for stamp, p in entries if stamp >= recent}
    months: set[str] = set()
    for stamp, path in entries:
        if stamp[:6] not in months:
            months.add(stamp[:6])
            keep.add(path)
    removed = []
    for _, path in entries:
        if path not in keep:
            path.unlink(missing_ok=True)
            anchor_path(path).unlink(missing_ok=True)
            removed.append(path)
    return removed
