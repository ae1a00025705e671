"""The one module that owns SQLite: opening, pragmas, migrations, transactions, the change log.

Every write in the program happens inside :meth:`Database.transaction`, which takes SQLite's
write lock up front (``BEGIN IMMEDIATE``) and commits or rolls back as a whole, so a crash
leaves the file before or after an operation, never between (WAL + ``synchronous=FULL``).

Opening reads the schema version first, without writing anything, and refuses a file made by a
newer program. One process writes a file at a time (``desktop.storage.lock``): a second program
on the same file opens it read-only (``file:…?mode=ro``) and every write attempt there raises a
``StorageError`` naming the holder.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sqlite3
import time
import urllib.parse
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop.core.errors import StorageError
from desktop.paths import is_windows, needs_long_form, os_path
from desktop.resources import db_path
from desktop.storage import lock
from desktop.storage.files import read_head, reason

GENESIS_HASH = "0" * 64
# One change-log entry as services hand it in: (action, table, row key, old values, new values).
LogItem = tuple[str, str, Any, "dict[str, Any] | None", "dict[str, Any] | None"]
READONLY_ON_REQUEST = "数据库以只读方式打开，不能修改"
LONG_PATH_VFS = "win32-longpath"  # SQLite's Windows VFS for \\?\ names up to 32,767 characters
REBUILD_MARK = "-- rebuilds: foreign keys off"  # first-line marker of a migration (see migrate)
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


def newer_version_message(found: int, newest: int) -> str:
    return (
        f"数据库版本（{found}）比本程序支持的版本（{newest}）新，请使用新版程序打开；"
        "为防止损坏数据，本程序不会写入该文件"
    )


def sqlite_uri(path: str | Path, mode: str = "ro") -> str:
    """A ``file:`` URI for ``sqlite3.connect(..., uri=True)`` (also for UNC and long paths)."""
    windows = is_windows()
    if windows and needs_long_form(path):
        # resolve() asks Windows about the path itself, which fails past the length limit
        absolute = os.path.abspath(path)
    else:
        absolute = str(Path(path).resolve())
    return uri_for(absolute, mode, windows=windows)


def uri_for(absolute: str, mode: str, *, windows: bool) -> str:
    """The URI of an absolute path, for either platform (pure: tested with Windows forms anywhere).

    Windows: ``file:C:/…`` or ``file:////server/share/…``; past the 260-character limit the
    ``\\\\?\\`` form, percent-encoded whole, with SQLite's ``win32-longpath`` VFS (the default
    ``win32`` VFS cuts names at MAX_PATH)."""
    if windows and needs_long_form(absolute, windows=True):
        verbatim = os_path(absolute, windows=True)
        return f"file:{urllib.parse.quote(verbatim, safe='')}?mode={mode}&vfs={LONG_PATH_VFS}"
    text = absolute.replace("\\", "/") if windows else absolute
    prefix = "file://" if text.startswith("//") else "file:"  # file:////server/share/x.db
    return f"{prefix}{urllib.parse.quote(text, safe='/:')}?mode={mode}"


def connect(path: str | Path, *, mode: str = "rwc", **kwargs: Any) -> sqlite3.Connection:
    """``sqlite3.connect`` for a file; on Windows a path past the length limit goes through its
    URI (:func:`uri_for`), everywhere else the plain name as always."""
    if mode == "rwc" and not needs_long_form(path):
        return sqlite3.connect(str(path), **kwargs)
    return sqlite3.connect(sqlite_uri(path, mode), uri=True, **kwargs)


def open_error(path: Path, exc: OSError) -> StorageError:
    """A database file that cannot be read: held by another program (an antivirus scanner, a
    backup or sync client, still after the retries) or otherwise unreadable."""
    if isinstance(exc, PermissionError):
        return StorageError(
            f"数据库文件 {path} 正被其他程序（如杀毒软件、备份或同步软件）占用或没有读取权限，"
            "暂时无法打开；请稍后重试（数据库未作任何改动）"
        )
    return StorageError(f"无法读取数据库文件 {path}：{reason(exc)}")


def peek_user_version(path: str | Path) -> int:
    """The schema version of a database file, read without writing anything to it.

    From the file header (bytes 60–63); when a write-ahead log is present, committed changes may
    still be there, so the version is then asked of SQLite through a read-only connection.
    """
    path = Path(path)
    header = read_head(path, 100)  # retried while an antivirus scanner holds the file
    version = int.from_bytes(header[60:64], "big") if len(header) >= 64 else 0
    wal = Path(os_path(path.with_name(path.name + "-wal")))
    if wal.exists() and wal.stat().st_size > 0:
        try:
            conn = sqlite3.connect(sqlite_uri(path), uri=True, timeout=5.0)
            try:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"无法读取数据库文件 {path}：{exc}") from exc
    return version


# Encoders made once (json.dumps with options builds a new encoder per call); the text they give
# is exactly json.dumps's with the same options, so every chain written before still verifies.
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_VALUES_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def _entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    payload = _HASH_JSON.encode(content)
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def log_entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The chained hash of one change_log row (used on write and by ``check``)."""
    content = {
        k: row[k]
        for k in ("at", "user", "action", "table_name", "row_key", "old_values", "new_values")
    }
    return _entry_hash(prev_hash, content)


def broken_log_entries(conn: sqlite3.Connection, limit: int = 20) -> list[int]:
    """Ids of change_log rows whose chained hash does not match (empty: the chain is intact)."""
    broken: list[int] = []
    prev = GENESIS_HASH
    cursor = conn.execute(
        "SELECT id, at, user, action, table_name, row_key, old_values, new_values, prev_hash,"
        " hash FROM change_log ORDER BY id"
    )
    names = [d[0] for d in cursor.description]
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        if row["prev_hash"] != prev or row["hash"] != log_entry_hash(prev, row):
            broken.append(row["id"])
            if len(broken) >= limit:
                break
        prev = row["hash"]
    return broken


@functools.lru_cache(maxsize=4)
def expected_schema(version: int) -> dict[tuple[str, str], str]:
    """The tables, triggers, views and indexes the migrations up to ``version`` create, by (type,
    name), with their SQL whitespace-normalised — what ``check`` compares a database with."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for number, path in migrations():
            if number > version:
                break
            for statement in _split_sql(path.read_text(encoding="utf-8")):
                conn.execute(statement)
        return {
            (r[0], r[1]): " ".join((r[2] or "").split())
            for r in conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                " AND type IN ('trigger', 'view', 'index', 'table')"
            )
        }
    finally:
        conn.close()


def content_hash(conn: sqlite3.Connection) -> str:
    """A stable SHA-256 over the rows of every table, each in primary-key order.

    Two databases with equal content hash hold the same rows (the physical layout, free pages and
    journal mode may differ), e.g. a backup and the database restored from it.
    """
    digest = hashlib.sha256()
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name <> 'writer' ORDER BY name"  # who holds the lock now is not content
        )
    ]
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        info = conn.execute(f"PRAGMA table_info({quoted})").fetchall()
        pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        order = ", ".join('"' + c.replace('"', '""') + '"' for c in pk) if pk else "rowid"
        digest.update(f"\x00table {table}\x00".encode())
        for row in conn.execute(f"SELECT * FROM {quoted} ORDER BY {order}"):
            values = [{"blob": v.hex()} if isinstance(v, bytes) else v for v in tuple(row)]
            digest.update(json.dumps(values, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


class Database:
    """An open database file. Not shared between threads: a worker opens its own."""

    def __init__(
        self,
        path: str | Path,
        *,
        user: str = "本机用户",
        create: bool = True,
        readonly: bool | None = None,
    ) -> None:
        """Open (or create) ``path``.

        ``readonly``: None takes the write lock, or falls back to read-only when another program
        holds it; False requires the lock (``StorageError`` naming the holder otherwise); True
        opens read-only without taking the lock.
        """
        self.path = Path(path)
        self.user = user
        # The logged-in user's role, set only by services.users.login; None: not logged in (in
        # a database without users that is single-user mode, where everything is allowed).
        self.role: str | None = None
        self.lock_holder: lock.LockInfo | None = None  # who writes the file while we only read
        self.lock_notice: str | None = None  # e.g. "a stale lock was taken over"
        # The acting user's unlocked signing key (services.signing.Signer), set by login.
        self.signer: Any = None
        self._readonly_reason: str | None = None
        self._release_lock: weakref.finalize | None = None
        self._fence: str | None = None  # our fencing token, once written into the database
        self._idle_released = False  # gave the write lock up after idling (GUI); retaken on write
        self.last_write = time.monotonic()
        self.closed = False
        in_memory = str(path) == ":memory:"
        io_path = self.path if in_memory else Path(os_path(self.path))  # \\?\ past 260 chars
        exists = not in_memory and io_path.exists() and io_path.stat().st_size > 0
        if not create and not in_memory and not io_path.exists():
            raise StorageError(f"数据库文件不存在：{self.path}")
        if exists:  # nothing is written before the version is known to be ours
            try:
                _check_is_sqlite(self.path)
                found, newest = peek_user_version(self.path), schema_version_supported()
            except OSError as exc:
                raise open_error(self.path, exc) from exc
            if found > newest:
                raise StorageError(newer_version_message(found, newest))
        if in_memory or readonly is True:
            self._readonly_reason = None if in_memory else READONLY_ON_REQUEST
        elif exists and not os.access(self.path, os.W_OK):
            self._readonly_reason = "数据库文件为只读（文件属性或权限不允许写入），当前为只读"
            if readonly is False:
                raise StorageError(self._readonly_reason)
        else:
            if not exists:
                try:
                    io_path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StorageError(f"无法建立数据库所在文件夹：{exc.strerror or exc}") from exc
            self._take_lock(required=readonly is False)
        try:
            if self._readonly_reason is None:
                self._open_writable(in_memory)
            else:
                self._open_readonly(exists)
        except BaseException:
            self.close()
            raise

    def _take_lock(self, *, required: bool) -> None:
        try:
            got = lock.acquire(self.path, self.user)
        except OSError as exc:
            self._readonly_reason = f"数据库所在文件夹不可写（{exc.strerror or exc}），当前为只读"
            if required:
                raise StorageError(self._readonly_reason) from exc
            return
        if not got.ok:
            self.lock_holder = got.holder
            assert got.holder is not None
            self._readonly_reason = f"数据库正由 {got.holder.describe()}使用，当前为只读"
            if required:
                raise StorageError(self._readonly_reason)
            return
        self._release_lock = weakref.finalize(self, lock.release, self.path)
        if got.taken_over is not None:
            self.lock_notice = (
                f"上次使用未正常结束：已接管 {got.taken_over.describe()} 遗留的数据库锁"
            )

    def _open_writable(self, in_memory: bool) -> None:
        # SQLite's Windows layer itself retries a file an antivirus scanner holds for a moment
        # (winRetryIoerr); the reads before it (the header, the version) retry in read_head.
        try:
            if in_memory:
                self.conn = sqlite3.connect(":memory:", isolation_level=None, timeout=5.0)
            else:
                Path(os_path(self.path.parent)).mkdir(parents=True, exist_ok=True)
                self.conn = connect(self.path, isolation_level=None, timeout=5.0)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA busy_timeout = 5000")
            self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"无法打开数据库文件 {self.path}：{exc}") from exc
        self.conn.execute("PRAGMA synchronous = FULL")
        # 64 MiB of page cache (SQLite's default is 2 MiB): index inserts into a large registry
        # and log stay in memory instead of re-reading pages.
        self.conn.execute("PRAGMA cache_size = -65536")
        self.conn.execute("PRAGMA temp_store = MEMORY")  # temp tables of imports and calculation
        self.db = sqlite_utils.Database(self.conn)
        self.migrate()
        self._claim_writer()

    # -- the fencing token -------------------------------------------------------------------
    def _claim_writer(self) -> None:
        """Write our lock's token into the database: from now on every write transaction checks
        that both the lock file and the database still carry it (``lock.still_held``)."""
        token = lock.own_token(self.path) if str(self.path) != ":memory:" else None
        if token is None or not self._has_table("writer"):
            return
        with self.transaction():
            self.conn.execute(
                "INSERT INTO writer (id, token, holder, at) VALUES (1, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET token = excluded.token, holder = excluded.holder,"
                " at = excluded.at",
                (token, f"{self.user}@{lock.hostname()}:{os.getpid()}", now_text()),
            )
        self._fence = token

    def _has_table(self, name: str) -> bool:
        return bool(
            self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).fetchone()
        )

    def _check_fence(self) -> None:
        if self._fence is None:
            return
        stored = self.conn.execute("SELECT token FROM writer WHERE id = 1").fetchone()
        if lock.still_held(self.path) and stored is not None and stored[0] == self._fence:
            return
        holder = lock.read_holder(self.path)
        who = f"，现由 {holder.describe()}写入" if holder else ""
        self._readonly_reason = (
            f"本程序的数据库写锁已被其他程序接管{who}；为防止两个程序同时写入，本程序不再写入，"
            "请关闭后重新打开"
        )
        self._fence = None
        raise StorageError(self._readonly_reason)

    # -- giving the lock up when idle (the GUI) ----------------------------------------------
    def release_if_idle(self, idle_seconds: float) -> bool:
        """Give the write lock up (reopen read-only) after ``idle_seconds`` without a write, so a
        colleague can write; the next write takes it again if it is free. True if released."""
        if self.closed or self.readonly or self._fence is None or self.conn.in_transaction:
            return False
        if time.monotonic() - self.last_write < idle_seconds:
            return False
        self.conn.close()
        if self._release_lock is not None:
            self._release_lock()
            self._release_lock = None
        self._fence = None
        self._idle_released = True
        self._readonly_reason = "长时间未修改，已释放数据库写锁"
        self._open_readonly(True)
        return True

    def _retake_after_idle(self) -> None:
        self._readonly_reason = None
        self._take_lock(required=False)
        if self._readonly_reason is not None:
            raise StorageError(self._readonly_reason)
        self._idle_released = False
        self.conn.close()
        self._open_writable(False)

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes when another connection commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _open_readonly(self, exists: bool) -> None:
        if not exists:
            raise StorageError(
                f"{self._readonly_reason}；该数据库尚未建好，请稍后再打开"
                if self.lock_holder
                else f"数据库文件不存在或为空，不能以只读方式打开：{self.path}"
            )
        try:
            self.conn = sqlite3.connect(
                sqlite_uri(self.path), uri=True, isolation_level=None, timeout=5.0
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA busy_timeout = 5000")
            self.conn.execute("PRAGMA query_only = ON")
            version = self.user_version
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"无法打开数据库文件 {self.path}：{exc}") from exc
        self.db = sqlite_utils.Database(self.conn)
        newest = schema_version_supported()
        if version > newest:
            raise StorageError(newer_version_message(version, newest))
        if version < newest and self._readonly_reason != READONLY_ON_REQUEST:
            # Fell back to read-only: the views expect the newest schema, which only the
            # holder can migrate to. (Asked for read-only, e.g. to inspect a backup: allowed.)
            raise StorageError(
                f"{self._readonly_reason}；该数据库需要升级到本程序的版本，请待其关闭后再打开"
            )

    @property
    def readonly(self) -> bool:
        return self._readonly_reason is not None

    @property
    def readonly_message(self) -> str | None:
        """Why writes are refused (a Chinese sentence naming the holder), or None if writable."""
        return self._readonly_reason

    @property
    def status_text(self) -> str | None:
        """Short status-bar text for a read-only database, e.g. ``只读（张三（…）正在使用）``."""
        if self._readonly_reason is None:
            return None
        if self.lock_holder is not None:
            return f"只读（{self.lock_holder.describe()}正在使用）"
        return "只读"

    def _refuse_write(self) -> None:
        if self._idle_released and not self.conn.in_transaction:
            self._retake_after_idle()
        if self._readonly_reason is not None:
            raise StorageError(self._readonly_reason)

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection and release this connection's share of the write lock."""
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()
        self.closed = True
        if self._release_lock is not None:
            self._release_lock()  # runs once; also runs if the object is dropped unclosed

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
            raise StorageError(newer_version_message(current, newest))
        if current == newest:
            return current
        self._refuse_write()
        kept = None
        if current >= 1:  # an upgrade of a database with data: keep the old one first
            from desktop.storage.backup import backup_before

            kept = backup_before(self, f"升级前-结构版本{current}")
        for number, path in steps:
            if number <= current:
                continue
            script = path.read_text(encoding="utf-8")
            # A step that rebuilds a table others refer to runs with foreign keys off (SQLite's
            # 12-step ALTER TABLE), and checks every reference before it commits.
            rebuilds = REBUILD_MARK in script
            try:
                if rebuilds:
                    self.conn.execute("PRAGMA foreign_keys = OFF")
                with self.transaction():
                    for statement in _split_sql(script):
                        self.conn.execute(statement)
                    if number == 1:
                        from desktop.storage.seed import seed_catalogue

                        seed_catalogue(self)
                    if rebuilds and self.conn.execute("PRAGMA foreign_key_check").fetchone():
                        raise sqlite3.IntegrityError("重建数据表后外键引用不完整")
                    self.conn.execute(f"PRAGMA user_version = {number}")
            except sqlite3.Error as exc:
                where = f"；升级前的备份：{kept}" if kept else ""
                raise StorageError(
                    f"数据库升级到结构版本{number}失败（{exc}），该步已撤回，"
                    f"数据库仍为版本{self.user_version}{where}"
                ) from exc
            finally:
                if rebuilds:
                    self.conn.execute("PRAGMA foreign_keys = ON")
        return self.user_version

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All-or-nothing unit of work. Nested calls become savepoints of the outer one."""
        self._refuse_write()
        if self.conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        lock.heartbeat(self.path)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise storage_error(exc) from exc
        try:
            self._check_fence()
            yield self
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if isinstance(exc, sqlite3.OperationalError) and _mapped(exc):
                raise storage_error(exc) from exc
            raise
        self.last_write = time.monotonic()

    # -- queries -----------------------------------------------------------------------------
    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self._refuse_write()
        if not self.conn.in_transaction:
            raise RuntimeError("writes must run inside Database.transaction()")
        return self.conn.execute(sql, params)

    def insert(self, sql: str, params: Any = ()) -> int:
        """Run one INSERT (inside a transaction) and return the new row's id."""
        row_id = self.execute(sql, params).lastrowid
        if row_id is None:
            raise RuntimeError("INSERT gave no row id")
        return int(row_id)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        self._refuse_write()
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

    def log_many(self, entries: Sequence[LogItem]) -> None:
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


_SQLITE_MESSAGES = (
    ("disk is full", "磁盘空间已满，操作未执行，数据库未作改动；请清理磁盘空间后重试"),
    ("readonly database", "数据库文件或所在文件夹为只读，操作未执行，数据库未作改动"),
    ("database is locked", "数据库正被其他程序写入（操作未执行，数据库未作改动），请稍后重试"),
    ("database is busy", "数据库正被其他程序写入（操作未执行，数据库未作改动），请稍后重试"),
    ("disk i/o error", "读写数据库文件出错（磁盘或网络故障），操作未执行"),
    ("unable to open database", "无法打开数据库文件（文件夹不可访问或已被移走），操作未执行"),
)


def _mapped(exc: sqlite3.Error) -> str | None:
    text = str(exc).lower()
    return next((message for key, message in _SQLITE_MESSAGES if key in text), None)


def storage_error(exc: sqlite3.Error) -> StorageError:
    """A Chinese ``StorageError`` for what SQLite said (disk full, read-only, busy …)."""
    return StorageError(_mapped(exc) or f"数据库操作失败（{exc}），操作未执行")


def _json(values: dict[str, Any]) -> str:
    return _VALUES_JSON.encode(values)


def _check_is_sqlite(path: Path) -> None:
    header = read_head(path, 16)
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
