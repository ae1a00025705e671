"""Opening a database: a newer file is refused untouched; one writer per file (the lock file);
a second program reads only and is told who writes."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop.core.errors import StorageError
from desktop.storage import lock
from desktop.storage.database import Database, schema_version_supported

REPO = Path(__file__).resolve().parents[1]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONUTF8"] = "1"
    return env


def _python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120
    )


def _write_lock(db_path: Path, **fields) -> Path:
    data = {
        "user": "张三",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": datetime.now().isoformat(timespec="seconds"),
        "token": "feedface",
    }
    data.update(fields)
    if "proc_start" not in data and data["host"] == socket.gethostname():
        data["proc_start"] = lock.process_start(int(data["pid"]))  # as a real holder writes it
    path = lock.lock_path(db_path)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def made(tmp_path: Path) -> Path:
    """A closed, migrated database file (no lock held)."""
    path = tmp_path / "共享.db"
    Database(path, user="测试员").close()
    return path


# -- a newer database ---------------------------------------------------------------------------


def _newer_file(path: Path, *, wal: bool = False) -> Path:
    conn = sqlite3.connect(str(path))
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE future (x)")
    conn.execute("INSERT INTO future VALUES (1)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("readonly", [None, False, True])
def test_a_newer_database_is_refused_and_its_bytes_are_unchanged(tmp_path, readonly):
    path = _newer_file(tmp_path / "新版.db")
    before = _sha(path)

    with pytest.raises(StorageError) as caught:
        Database(path, readonly=readonly)

    assert "比本程序支持的版本" in str(caught.value) and "99" in str(caught.value)
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["新版.db"]  # no lock, -wal or -shm


def test_a_newer_version_still_in_the_write_ahead_log_is_refused(tmp_path):
    path = tmp_path / "新版.db"
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE future (x)")
    conn.commit()
    conn.execute("PRAGMA user_version = 99")  # committed to the -wal only; conn stays open
    conn.commit()
    before = _sha(path)
    try:
        with pytest.raises(StorageError, match="99"):
            Database(path)
        assert _sha(path) == before
        assert not lock.lock_path(path).exists()
    finally:
        conn.close()


def test_the_newest_version_is_what_migrations_give(made):
    with Database(made) as db:
        assert db.user_version == schema_version_supported()
        assert not db.readonly and db.readonly_message is None and db.status_text is None


# -- the lock file -----------------------------------------------------------------------------


def test_opening_for_writing_creates_the_lock_and_closing_removes_it(tmp_path):
    path = tmp_path / "a.db"
    db = Database(path, user="张三")
    info = json.loads(lock.lock_path(path).read_text(encoding="utf-8"))
    assert info["user"] == "张三" and info["host"] == socket.gethostname()
    assert info["pid"] == os.getpid()
    assert datetime.fromisoformat(info["started"]) <= datetime.now()
    db.close()
    assert not lock.lock_path(path).exists()
    db.close()  # closing twice is harmless


def test_a_second_connection_in_the_same_process_is_writable(made):
    first = Database(made, user="张三")
    second = Database(made, user="张三")  # e.g. the GUI's worker thread
    assert not second.readonly
    with second.transaction():
        second.set_setting("worker", "1")
    first.close()
    assert lock.lock_path(made).exists()  # the worker still holds a reference
    with second.transaction():
        second.set_setting("worker", "2")
    second.close()
    assert not lock.lock_path(made).exists()


def test_a_worker_thread_may_open_a_writable_connection(made):
    import threading

    holder = Database(made, user="张三")
    seen = {}

    def work() -> None:
        with Database(made, user="张三", create=False) as db:
            seen["readonly"] = db.readonly
            with db.transaction():
                db.set_setting("thread", "1")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == {"readonly": False} and holder.setting("thread") == "1"
    holder.close()


def test_a_database_dropped_without_close_releases_the_lock(made):
    db = Database(made)
    assert lock.lock_path(made).exists()
    del db
    gc.collect()
    assert not lock.lock_path(made).exists()


_HOLD = textwrap.dedent(
    """
    import sys
    from desktop.storage.database import Database
    db = Database(sys.argv[1], user=sys.argv[2])
    print("ready", flush=True)
    sys.stdin.readline()
    db.close()
    """
)

_PROBE = textwrap.dedent(
    """
    import json, sys
    from desktop.core.errors import StorageError
    from desktop.storage.database import Database
    db = Database(sys.argv[1], user="李四")
    out = {"readonly": db.readonly, "towns": db.scalar("SELECT count(*) FROM towns"),
           "status": db.status_text}
    try:
        with db.transaction():
            db.set_setting("probe", "1")
    except StorageError as exc:
        out["error"] = str(exc)
    db.close()
    print(json.dumps(out, ensure_ascii=False))
    """
)


def _expected_message(user: str, pid: int, started: str) -> str:
    when = started.replace("T", " ")[:16]
    host = socket.gethostname()
    return f"数据库正由 {user}（主机 {host}，进程 {pid}，自 {when} 起）使用，当前为只读"


def test_a_second_process_opens_read_only_and_its_writes_name_the_holder(made, tmp_path):
    holder = Database(made, user="张三")
    try:
        started = json.loads(lock.lock_path(made).read_text(encoding="utf-8"))["started"]
        result = _python("-c", _PROBE, str(made), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert out["readonly"] is True and out["towns"] > 0
        assert out["error"] == _expected_message("张三", os.getpid(), started)
        assert out["status"].startswith("只读（张三（主机") and out["status"].endswith("正在使用）")
        assert holder.setting("probe") is None
        assert lock.lock_path(made).exists()  # the reader never touches the holder's lock
    finally:
        holder.close()


def test_this_process_reads_only_while_another_process_holds_the_file(made, tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(made), "张三"],
        cwd=tmp_path,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        db = Database(made, user="李四")
        assert db.readonly and db.lock_holder is not None and db.lock_holder.pid == child.pid
        started = db.lock_holder.started
        assert db.readonly_message == _expected_message("张三", child.pid, started)
        assert db.scalar("SELECT count(*) FROM towns") > 0  # reading works
        with pytest.raises(StorageError) as caught, db.transaction():
            db.set_setting("x", "1")
        assert str(caught.value) == _expected_message("张三", child.pid, started)
        with pytest.raises(StorageError, match="张三"):
            db.execute("DELETE FROM settings")
        with pytest.raises(StorageError, match="张三"):
            Database(made, user="李四", readonly=False)  # write access demanded: refused
        db.close()
        assert lock.lock_path(made).exists()
    finally:
        child.communicate("\n", timeout=60)  # also closes both pipes
    assert not lock.lock_path(made).exists()
    with Database(made, user="李四") as again:  # the holder is gone: writable now
        assert not again.readonly


def test_the_command_line_refuses_writes_but_reads_while_another_process_writes(made, tmp_path):
    holder = Database(made, user="张三")
    try:
        cli = ("-m", "desktop", "--db", str(made))
        write = _python(*cli, "calculate", "--year", "2024", cwd=tmp_path)
        read = _python(*cli, "list", "enterprises", "--json", cwd=tmp_path)
        check = _python(*cli, "check", cwd=tmp_path)
    finally:
        holder.close()
    assert write.returncode == 1
    lines = write.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：数据库正由 张三（主机")
    assert lines[0].endswith("使用，当前为只读")
    assert read.returncode == 0 and json.loads(read.stdout) == []
    assert "当前为只读" in read.stderr  # a notice, not an error
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_read_only_reader_sees_what_the_holder_commits(made):
    holder = Database(made, user="张三")
    reader = Database(made, readonly=True)
    try:
        assert reader.readonly and reader.lock_holder is None
        with holder.transaction():
            holder.set_setting("fresh", "yes")
        assert reader.setting("fresh") == "yes"
        with pytest.raises(StorageError, match="只读"):
            reader.transaction().__enter__()
    finally:
        reader.close()
        holder.close()


def test_a_new_database_held_by_another_program_is_not_opened(tmp_path):
    path = tmp_path / "正在新建.db"
    _write_lock(path, pid=os.getppid() or 1)  # a live process on this host, not us
    with pytest.raises(StorageError, match="尚未建好"):
        Database(path)


def test_an_old_database_held_by_another_program_is_not_shown_half_upgraded(tmp_path):
    path = tmp_path / "旧版.db"
    shutil.copyfile(REPO / "tests" / "fixtures" / "schema_v1.db", path)
    _write_lock(path, host="PC-01", pid=1234)
    if schema_version_supported() > 1:
        with pytest.raises(StorageError, match="需要升级"):
            Database(path)
    with Database(path, readonly=True) as db:  # asked for read-only: may look at it as it is
        assert db.user_version == 1 and db.scalar("SELECT count(*) FROM enterprises") > 0


# -- stale locks ---------------------------------------------------------------------------------


def test_a_lock_of_a_process_that_is_gone_is_taken_over(made):
    dead = _dead_pid()
    _write_lock(made, pid=dead, started="2026-11-24T09:12:00")

    with Database(made, user="李四") as db:
        assert not db.readonly
        assert db.lock_notice and f"进程 {dead}" in db.lock_notice and "已接管" in db.lock_notice
        info = json.loads(lock.lock_path(made).read_text(encoding="utf-8"))
        assert info["pid"] == os.getpid() and info["user"] == "李四"
    assert not lock.lock_path(made).exists()


def test_a_lock_left_by_an_earlier_process_with_our_pid_is_taken_over(made):
    _write_lock(made, pid=os.getpid(), token="earlier")
    with Database(made) as db:
        assert not db.readonly and db.lock_notice


def test_a_lock_from_another_host_is_respected_for_24_hours(made):
    _write_lock(made, host="PC-01", pid=1234, started="2026-11-24T09:12:00")
    recent = time.time() - 3600
    os.utime(lock.lock_path(made), (recent, recent))  # refreshed an hour ago

    with Database(made, user="李四") as db:
        assert db.readonly
        assert db.readonly_message == (
            "数据库正由 张三（主机 PC-01，进程 1234，自 2026-11-24 09:12 起）使用，当前为只读"
        )


def test_a_lock_from_another_host_older_than_24_hours_is_taken_over(made):
    long_ago = datetime.now() - timedelta(hours=25)
    _write_lock(made, host="PC-01", pid=1234, started=long_ago.isoformat(timespec="seconds"))
    old = long_ago.timestamp()
    os.utime(lock.lock_path(made), (old, old))

    with Database(made, user="李四") as db:
        assert not db.readonly and "PC-01" in (db.lock_notice or "")


def test_an_unreadable_lock_file_is_stale_only_when_old(made):
    path = lock.lock_path(made)
    path.write_bytes(b"\x00garbage")
    with Database(made) as db:  # might be being written just now: read only
        assert db.readonly and "未知用户" in (db.readonly_message or "")
    old = time.time() - 3600
    os.utime(path, (old, old))
    with Database(made) as db:  # left by a power cut: taken over
        assert not db.readonly and db.lock_notice


def test_closing_does_not_remove_a_lock_that_another_program_took_over(made):
    db = Database(made)
    _write_lock(made, host="PC-02", token="theirs")  # e.g. taken over after 24 hours
    db.close()
    assert json.loads(lock.lock_path(made).read_text(encoding="utf-8"))["host"] == "PC-02"


def test_the_holder_refreshes_the_lock_file_time_while_writing(made, monkeypatch):
    db = Database(made)
    path = lock.lock_path(made)
    old = time.time() - 7200
    os.utime(path, (old, old))
    monkeypatch.setattr(lock, "HEARTBEAT_S", 0)
    with db.transaction():
        db.set_setting("x", "1")
    assert path.stat().st_mtime > old + 3600
    db.close()


def test_lock_descriptions():
    info = lock.LockInfo("张三", "PC-01", 1234, "2026-11-24T09:12:45")
    assert info.describe() == "张三（主机 PC-01，进程 1234，自 2026-11-24 09:12 起）"
    assert lock.LockInfo.from_json(info.to_json()) == info
    assert lock.LockInfo.from_json(b"{}") is None and lock.LockInfo.from_json(b"\xff") is None
    assert lock.pid_alive(os.getpid()) and not lock.pid_alive(_dead_pid())


def test_an_idle_writer_gives_the_lock_up_and_takes_it_back_on_the_next_write(tmp_path):
    path = tmp_path / "闲置.db"
    db = Database(path)
    try:
        assert not db.release_if_idle(600)  # written just now (the fencing token)
        db.last_write -= 601
        assert db.release_if_idle(600)
        assert db.readonly and not lock.lock_path(path).exists()
        other = Database(path)  # a colleague can write now
        assert not other.readonly
        other.close()
        with db.transaction():  # our next write takes the lock again
            db.set_setting("back", "1")
        assert not db.readonly and db.setting("back") == "1"
        assert lock.read_holder(path) is not None
    finally:
        db.close()


def test_data_version_changes_when_another_connection_writes(tmp_path):
    path = tmp_path / "变动.db"
    db = Database(path)
    try:
        before = db.data_version()
        other = sqlite3.connect(path)
        other.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")
        other.commit()
        other.close()
        assert db.data_version() != before
    finally:
        db.close()
