"""One writer per database file: a lock file ``<db>.lock`` beside it.

The lock is a small JSON file (user, host, pid, started time, a random token) created atomically
with ``O_CREAT | O_EXCL`` when a database is opened for writing and removed when the last
writable connection of this process closes. Within one process the lock is reference-counted per
file, so the GUI's worker threads may open further writable connections while the window holds it.

A lock is *stale* and is taken over when its process is gone on the same host — recognised by the
process's start time as the operating system reports it (``proc_start``), not by the process id
alone, so a lock naming a reused id (pid 1, or this very process) is stale —, when it is
unreadable and older than a minute (power lost while it was written), or when it comes from
another host and has not been refreshed for 24 hours. The holder refreshes the file's time at
most once an hour while writing, so a long session on another PC is not mistaken for an
abandoned one.

The random ``token`` is also the *fencing token*: the holder writes it into the database
(table ``writer``) and, before every write transaction, :func:`still_held` confirms that the lock
file still carries it. A program whose lock was taken over (its PC slept for a day) therefore
stops writing instead of becoming a second writer.

Wrong passwords typed while another program holds the lock are counted in ``<db>.logins`` beside
the database (:func:`login_failures`), so the lockout also holds in read-only mode.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop.paths import os_path

STALE_AFTER_S = 24 * 3600  # a lock from another host older than this is abandoned
UNREADABLE_STALE_S = 60  # an empty/garbled lock file older than this is abandoned
HEARTBEAT_S = 3600  # the holder refreshes the lock file's time at most this often


@dataclass(frozen=True)
class LockInfo:
    user: str
    host: str
    pid: int
    started: str  # ISO local time, seconds
    token: str = ""
    proc_start: str = ""  # the process's start time as the OS reports it ("" unknown)

    def describe(self) -> str:
        """``张三（主机 PC-01，进程 1234，自 2026-11-24 09:12 起）``"""
        if not self.pid:
            return f"{self.user}（主机 {self.host}）"
        started = self.started.replace("T", " ")[:16]
        return f"{self.user}（主机 {self.host}，进程 {self.pid}，自 {started} 起）"

    def to_json(self) -> bytes:
        data = {
            "user": self.user,
            "host": self.host,
            "pid": self.pid,
            "started": self.started,
            "token": self.token,
            "proc_start": self.proc_start,
        }
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> LockInfo | None:
        try:
            data = json.loads(raw.decode("utf-8"))
            return cls(
                user=str(data["user"]),
                host=str(data["host"]),
                pid=int(data["pid"]),
                started=str(data["started"]),
                token=str(data.get("token", "")),
                proc_start=str(data.get("proc_start", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class Acquired:
    """The outcome of :func:`acquire`: ``holder`` is None when this process now holds the lock."""

    holder: LockInfo | None = None
    taken_over: LockInfo | None = None  # the stale lock this process replaced, if any

    @property
    def ok(self) -> bool:
        return self.holder is None


UNKNOWN = LockInfo(user="未知用户", host="未知主机", pid=0, started="")


@dataclass
class _Held:
    path: Path  # the lock file
    info: LockInfo
    count: int
    touched: float


_held: dict[str, _Held] = {}
_mutex = threading.RLock()


def lock_path(db_path: str | Path) -> Path:
    """``<db>.lock`` in the form the OS takes (``\\\\?\\…`` past Windows' 260 characters)."""
    db_path = Path(db_path)
    return Path(os_path(db_path.with_name(db_path.name + ".lock")))


def _key(db_path: str | Path) -> str:
    return os.path.normcase(str(Path(os_path(db_path)).resolve()))


def hostname() -> str:
    return socket.gethostname() or "未知主机"


def _create_exclusive(path: Path, raw: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, raw)
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (errs on the side of "yes")."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            if kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return code.value == 259  # STILL_ACTIVE
            return True
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def process_start(pid: int) -> str:
    """When process ``pid`` started, as an opaque text the OS gives ("" when unknown)."""
    if pid <= 0:
        return ""
    if sys.platform == "win32":
        return _windows_process_start(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return "linux:" + stat.rsplit(")", 1)[1].split()[19]  # field 22: starttime in ticks
    except (OSError, IndexError):
        pass
    try:
        import subprocess

        out = subprocess.run(
            ["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True, timeout=5
        ).stdout.strip()
        return f"ps:{out}" if out else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def _windows_process_start(pid: int) -> str:
    if sys.platform != "win32":
        return ""
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)
    if not handle:
        return ""
    try:
        times = [ctypes.c_ulonglong() for _ in range(4)]
        if kernel32.GetProcessTimes(handle, *(ctypes.byref(t) for t in times)):
            return f"win:{times[0].value}"
        return ""
    finally:
        kernel32.CloseHandle(handle)


_OWN_START = process_start(os.getpid())


def _is_stale(info: LockInfo | None, raw_age: float, now: float) -> bool:
    if info is None:
        return raw_age > UNREADABLE_STALE_S
    if info.host == hostname():
        if not pid_alive(info.pid):
            return True
        # A live process with that id is the holder only if it started when the lock says.
        # (A lock without a start time is from an older program or written by hand: stale.)
        current = process_start(info.pid)
        if not current:
            return info.pid == os.getpid()
        return info.pid == os.getpid() or current != info.proc_start
    try:
        started = datetime.fromisoformat(info.started).timestamp()
    except ValueError:
        started = 0.0
    return now - max(started, now - raw_age) > STALE_AFTER_S


def read_holder(db_path: str | Path) -> LockInfo | None:
    """Who holds the lock file now (None when there is none or it is unreadable)."""
    try:
        return LockInfo.from_json(lock_path(db_path).read_bytes())
    except OSError:
        return None


def acquire(db_path: str | Path, user: str) -> Acquired:
    """Take the lock for ``db_path`` (or add a reference to this process's lock).

    Raises ``OSError`` when the lock file cannot be created at all (a read-only folder).
    """
    key = _key(db_path)
    path = lock_path(db_path)
    with _mutex:
        held = _held.get(key)
        if held is not None:
            held.count += 1
            return Acquired()
        info = LockInfo(
            user=user or "未知用户",
            host=hostname(),
            pid=os.getpid(),
            started=datetime.now().isoformat(timespec="seconds"),
            token=secrets.token_hex(16),
            proc_start=_OWN_START,
        )
        raw = info.to_json()
        taken_over: LockInfo | None = None
        for _attempt in range(5):
            if _create_exclusive(path, raw):
                _held[key] = _Held(path, info, 1, time.time())
                return Acquired(taken_over=taken_over)
            try:
                existing = path.read_bytes()
                age = time.time() - path.stat().st_mtime
            except FileNotFoundError:
                continue  # released meanwhile: try again
            holder = LockInfo.from_json(existing)
            if holder is None and not existing and age < 2:
                time.sleep(0.2)  # being written right now
                continue
            if not _is_stale(holder, age, time.time()):
                return Acquired(holder=holder or UNKNOWN)
            if _remove_if_unchanged(path, existing):
                taken_over = holder or UNKNOWN
        return Acquired(holder=read_holder(db_path) or UNKNOWN)


def _remove_if_unchanged(path: Path, expected: bytes) -> bool:
    """Remove a stale lock, unless another taker has replaced it meanwhile (then put it back)."""
    grave = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.stale")
    try:
        os.rename(path, grave)
    except FileNotFoundError:
        return False
    except OSError:
        return False
    try:
        grabbed = grave.read_bytes()
        if grabbed != expected:  # a faster process took the lock meanwhile: give it back
            _create_exclusive(path, grabbed)
            return False
        return True
    finally:
        grave.unlink(missing_ok=True)


def release(db_path: str | Path) -> None:
    """Drop one reference; the last one removes the lock file (only if it is still ours)."""
    key = _key(db_path)
    with _mutex:
        held = _held.get(key)
        if held is None:
            return
        held.count -= 1
        if held.count > 0:
            return
        del _held[key]
        _remove_own(held)


def _remove_own(held: _Held) -> None:
    try:
        current = LockInfo.from_json(held.path.read_bytes())
    except OSError:
        return
    if current is not None and current.token == held.info.token:
        held.path.unlink(missing_ok=True)


def own_token(db_path: str | Path) -> str | None:
    """The fencing token of this process's lock on ``db_path`` (None when it holds none)."""
    with _mutex:
        held = _held.get(_key(db_path))
        return None if held is None else held.info.token


def still_held(db_path: str | Path) -> bool:
    """Whether the lock file still carries this process's token (not taken over meanwhile)."""
    token = own_token(db_path)
    if token is None:
        return False
    holder = read_holder(db_path)
    return holder is not None and holder.token == token


def _logins_path(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".logins")


def login_failures(db_path: str | Path) -> dict[str, dict]:
    """Wrong tries counted beside the database: name → {"failures": n, "locked_until": iso}."""
    try:
        data = json.loads(_logins_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def set_login_failures(db_path: str | Path, name: str, failures: int, until: str | None) -> None:
    """Record (or with 0 and None, clear) the wrong tries of ``name`` beside the database."""
    if str(db_path) == ":memory:":
        return
    data = login_failures(db_path)
    if failures or until:
        data[name] = {"failures": failures, "locked_until": until}
    elif name in data:
        del data[name]
    else:
        return
    path = _logins_path(db_path)
    try:
        if not data:
            path.unlink(missing_ok=True)
            return
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only folder: the database's own counter still applies once writable


def heartbeat(db_path: str | Path) -> None:
    """Refresh the lock file's time (at most once an hour) so others see the holder is active."""
    key = _key(db_path)
    with _mutex:
        held = _held.get(key)
        if held is None or time.time() - held.touched < HEARTBEAT_S:
            return
        held.touched = time.time()
        path = held.path
    try:
        os.utime(path)
    except OSError:
        pass


@atexit.register
def _release_all() -> None:
    """On a normal exit, remove every lock this process still holds (unclosed databases)."""
    with _mutex:
        for held in _held.values():
            _remove_own(held)
        _held.clear()
