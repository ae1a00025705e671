"""The one way to open a database: the command line, the app's start and 文件→打开数据库 all call
:func:`open_session`, so each gets the same checks, the same lock handling and the daily backup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import DomainError, NotFound
from desktop.paths import shared_location
from desktop.storage.database import Database


def location_warning(path: str | Path, **platform: Any) -> str | None:
    """The plain warning for a database on a network share or in a synced folder, else None.

    SQLite's file locking is unreliable over SMB and is defeated by sync clients that copy the
    file while it is open, so two PCs (or a PC and the sync client) can corrupt it or lose
    changes. ``platform``: the facts :func:`desktop.paths.shared_location` takes (tests pass
    Windows ones)."""
    kind = shared_location(path, **platform)
    if kind is None:
        return None
    return (
        f"数据库文件 {path} 位于{kind}。在网络文件夹或同步文件夹中 SQLite 的文件锁不可靠："
        "多台电脑同时使用、或同步软件复制正在使用的数据库，都可能损坏数据库或丢失修改。"
        "建议关闭程序后把数据库移到本机硬盘（如 D:\\四强奖补\\），"
        "与其他电脑之间用数据包或备份文件交换数据"
    )


@dataclass
class Session:
    """An open database and what the clerk should be told about opening it."""

    db: Database
    notices: list[str] = field(default_factory=list)
    created: bool = False  # the file did not exist (or was empty) before
    location_warning: str | None = None  # a network share or synced folder (also in notices)

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
    session = Session(db, created=created, location_warning=location_warning(path))
    try:
        for notice in (
            session.location_warning,
            db.lock_notice,
            db.readonly_message if writable is not False else None,
        ):
            if notice:
                session.notices.append(notice)
        if daily_backup and not db.readonly:
            from desktop.storage.backup import backup_daily

            try:
                backup_daily(db)
            except DomainError as exc:
                session.notices.append(str(exc))
            from desktop.services.signing import ensure_baseline

            if ensure_baseline(db):
                session.notices.append("升级前作出的审核决定已用本机密钥签名留档（签名基线）")
    except BaseException:
        db.close()
        raise
    return session
