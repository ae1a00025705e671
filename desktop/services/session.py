"""The one way to open a database: the command line, the app's start and 文件→打开数据库 all call
:func:`open_session`, so each gets the same checks, the same lock handling and the daily backup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import DomainError, NotFound
from desktop.storage.database import Database


@dataclass
class Session:
    """An open database and what the clerk should be told about opening it."""

    db: Database
    notices: list[str] = field(default_factory=list)
    created: bool = False  # the file did not exist (or was empty) before

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_session(
    path: str | Path,
    *,
    user: str,
    writable: bool | None = None,
    create: bool = False,
    daily_backup: bool = True,
) -> Session:
    """Open ``path`` for ``user``.

    ``writable``: True needs the write lock (a Chinese error naming its holder otherwise); None
    takes it when free and falls back to read-only; False opens read-only. ``create`` allows a new
    file. A writable session makes the day's first backup (its failure is a notice, not an error:
    the clerk can still work, and every risky operation makes its own backup first).
    """
    path = Path(path)
    created = not path.exists() or path.stat().st_size == 0
    if not create and not path.exists():
        raise NotFound(f"数据库文件不存在：{path}（请先运行 init 或新建数据库）")
    readonly = {True: False, None: None, False: True}[writable]
    db = Database(path, user=user, readonly=readonly)
    session = Session(db, created=created)
    try:
        for notice in (db.lock_notice, db.readonly_message if writable is not False else None):
            if notice:
                session.notices.append(notice)
        if daily_backup and not db.readonly:
            from desktop.storage.backup import backup_daily

            try:
                backup_daily(db)
            except DomainError as exc:
                session.notices.append(str(exc))
    except BaseException:
        db.close()
        raise
    return session
