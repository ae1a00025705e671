"""The one module that owns SQLite: opening, pragmas, migrations, transactions, the change log.

Every write in the program happens inside :meth:`Database.transaction`, which takes SQLite's
write lock up front (``BEGIN IMMEDIATE``) and commits or rolls back as a whole, so a crash
leaves the file before or after an operation, never between (WAL + ``synchronous=FULL``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop.core.errors import StorageError
from desktop.resources import db_path

GENESIS_HASH = "0" * 64
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def now_text() -> str:
    """Local wall-clock time to the second, as stored in every *_at column."""
    return datetime.now().isoformat(timespec="seconds")


def migrations() -> list[tuple[int, Path]]:
    """The numbered migration scripts under ``db/migrations``, in order."""
    found = []
    for path in db_path("migrations").iterdir():
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    found.sort()
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise StorageError(f"迁移脚本编号不连续：{numbers}")
    return found


def schema_version_supported() -> int:
    return len(migrations())


def _entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def log_entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The chained hash of one change_log row (used on write and by ``check``)."""
    content = {
        k: row[k]
        for k in ("at", "user", "action", "table_name", "row_key", "old_values", "new_values")
    }
    return _entry_hash(prev_hash, content)


class Database:
    """An open database file. Not shared between threads: a worker opens its own."""

    def __init__(self, path: str | Path, *, user: str = "本机用户", create: bool = True) -> None:
        self.path = Path(path)
        self.user = user
        if not create and not self.path.exists():
            raise StorageError(f"数据库文件不存在：{self.path}")
        if self.path.exists() and self.path.stat().st_size > 0:
            _check_is_sqlite(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=5.0)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA busy_timeout = 5000")
        try:
            self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise StorageError(f"无法打开数据库文件 {self.path}：{exc}") from exc
        self.conn.execute("PRAGMA synchronous = FULL")
        self.db = sqlite_utils.Database(self.conn)
        self.migrate()

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def user_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> int:
        """Bring the schema to the newest version; each step is one transaction."""
        current = self.user_version
        steps = migrations()
        newest = len(steps)
        if current > newest:
            self.conn.close()
            raise StorageError(
                f"数据库版本（{current}）比本程序支持的版本（{newest}）新，请使用新版程序打开；"
                "为防止损坏数据，本程序不会写入该文件"
            )
        for number, path in steps:
            if number <= current:
                continue
            script = path.read_text(encoding="utf-8")
            with self.transaction():
                for statement in _split_sql(script):
                    self.conn.execute(statement)
                if number == 1:
                    from desktop.storage.seed import seed_catalogue

                    seed_catalogue(self)
                self.conn.execute(f"PRAGMA user_version = {number}")
        return self.user_version

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All-or-nothing unit of work. Nested calls become savepoints of the outer one."""
        if self.conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- queries -----------------------------------------------------------------------------
    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        if not self.conn.in_transaction:
            raise RuntimeError("writes must run inside Database.transaction()")
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        if not self.conn.in_transaction:
            raise RuntimeError("writes must run inside Database.transaction()")
        return self.conn.executemany(sql, rows)

    # -- change log --------------------------------------------------------------------------
    def _last_hash(self) -> str:
        row = self.conn.execute("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else GENESIS_HASH

    def log(
        self,
        action: str,
        table: str,
        row_key: Any = None,
        old: dict[str, Any] | None = None,
        new: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry to the tamper-evident change log (inside the caller's transaction)."""
        self.log_many([(action, table, row_key, old, new)])

    def log_many(self, entries: list[tuple[str, str, Any, dict | None, dict | None]]) -> None:
        if not entries:
            return
        if not self.conn.in_transaction:
            raise RuntimeError("the change log is written inside the operation's transaction")
        prev = self._last_hash()
        at = now_text()
        rows = []
        for action, table, row_key, old, new in entries:
            row = {
                "at": at,
                "user": self.user,
                "action": action,
                "table_name": table,
                "row_key": None if row_key is None else str(row_key),
                "old_values": None if old is None else _json(old),
                "new_values": None if new is None else _json(new),
            }
            row["prev_hash"] = prev
            row["hash"] = prev = log_entry_hash(prev, row)
            rows.append(row)
        self.conn.executemany(
            "INSERT INTO change_log (at, user, action, table_name, row_key, old_values, new_values,"
            " prev_hash, hash) VALUES (:at, :user, :action, :table_name, :row_key, :old_values,"
            " :new_values, :prev_hash, :hash)",
            rows,
        )

    # -- settings ----------------------------------------------------------------------------
    def setting(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM settings WHERE key = ?", (key,))
        return default if value is None else value

    def set_setting(self, key: str, value: str) -> None:
        old = self.setting(key)
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        self.log("设置", "settings", key, None if old is None else {"value": old}, {"value": value})


def _json(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def _check_is_sqlite(path: Path) -> None:
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        raise StorageError(f"文件 {path} 不是本系统的数据库文件（不是SQLite数据库）")


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
