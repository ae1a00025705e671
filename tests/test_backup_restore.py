"""Backups (before risky work, once a day, rotated) and restoring one: a file is checked first,
the replaced database is kept, and a bad file leaves the database exactly as it was."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop.cli import run
from desktop.core.errors import PermissionDenied, StorageError
from desktop.services.check import run_check
from desktop.services.demo import build_demo
from desktop.services.restore import restore_backup
from desktop.storage import backup as backup_service
from desktop.storage.backup import backup_before, backup_daily, backup_dir, backup_to, rotate
from desktop.storage.database import Database, content_hash, schema_version_supported

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _hash_of(path: Path) -> str:
    with Database(path, readonly=True) as db:
        return content_hash(db.conn)


@pytest.fixture
def live(tmp_path: Path):
    """A demo database in use, plus a clean backup of it (taken before a later change)."""
    db = Database(tmp_path / "live" / "奖补.db", user="测试员")
    build_demo(db, enterprises=40)
    yield db
    db.close()


@pytest.fixture
def saved(live, tmp_path: Path) -> Path:
    return backup_to(live, tmp_path / "外部" / "备份.db")


def _change(db: Database) -> None:
    with db.transaction():
        db.execute("DELETE FROM siqiang_list WHERE year = 2024")
        db.log("删除", "siqiang_list", 2024)


# -- content hash ---------------------------------------------------------------------------------


def test_content_hash_is_stable_and_sees_every_change(live, saved):
    assert content_hash(live.conn) == content_hash(live.conn) == _hash_of(saved)
    _change(live)
    assert content_hash(live.conn) != _hash_of(saved)


# -- restore ---------------------------------------------------------------------------------------


def test_backup_then_restore_round_trip_is_equal_by_content_hash(live, saved):
    original = _hash_of(saved)
    _change(live)
    changed = content_hash(live.conn)

    result = restore_backup(live, saved)

    with result.db as db:
        assert content_hash(db.conn) == original
        assert not db.readonly and db.user_version == result.schema_version
        assert run_check(db).ok
        assert db.path == live.path
    assert result.replaced_backup is not None and result.replaced_backup.parent == backup_dir(
        live.path
    )
    assert "恢复前" in result.replaced_backup.name
    assert _hash_of(result.replaced_backup) == changed  # the replaced database is kept
    assert not Path(str(live.path) + ".lock").exists()  # closed: lock released


def test_restore_keeps_the_lock_and_the_restored_database_is_writable(live, saved):
    result = restore_backup(live, saved)
    with result.db as db, db.transaction():
        db.set_setting("after_restore", "1")


def _truncated(saved: Path, tmp: Path) -> Path:
    data = saved.read_bytes()
    target = tmp / "截断.db"
    target.write_bytes(data[: len(data) // 2])
    return target


def _random_bytes(saved: Path, tmp: Path) -> Path:
    target = tmp / "随机.db"
    target.write_bytes(random.Random(7).randbytes(64 * 1024))
    return target


def _random_with_header(saved: Path, tmp: Path) -> Path:
    target = tmp / "伪装.db"
    target.write_bytes(b"SQLite format 3\x00" + random.Random(8).randbytes(64 * 1024))
    return target


def _not_a_database(saved: Path, tmp: Path) -> Path:
    target = tmp / "名录.xlsx.db"
    target.write_text("统一社会信用代码,企业名称\n", encoding="utf-8")
    return target


def _empty(saved: Path, tmp: Path) -> Path:
    target = tmp / "空.db"
    target.write_bytes(b"")
    return target


def _corrupt_page(saved: Path, tmp: Path) -> Path:
    target = tmp / "坏页.db"
    data = bytearray(saved.read_bytes())
    page = 4096
    for offset in range(3 * page, len(data) - page, 7 * page):  # scribble over b-tree pages
        data[offset : offset + 64] = random.Random(offset).randbytes(64)
    target.write_bytes(bytes(data))
    return target


def _broken_chain(saved: Path, tmp: Path) -> Path:
    target = tmp / "篡改.db"
    shutil.copyfile(saved, target)
    conn = sqlite3.connect(str(target))
    conn.execute("DROP TRIGGER change_log_no_update")
    conn.execute("UPDATE change_log SET user = '某人' WHERE id = 3")
    conn.commit()
    conn.close()
    return target


def _tampered_award(saved: Path, tmp: Path) -> Path:
    """Rows changed *and* the log entry removed: the chain no longer links."""
    target = tmp / "删日志.db"
    shutil.copyfile(saved, target)
    conn = sqlite3.connect(str(target))
    conn.execute("DROP TRIGGER change_log_no_delete")
    conn.execute("DELETE FROM change_log WHERE id = 5")
    conn.commit()
    conn.close()
    return target


def _newer(saved: Path, tmp: Path) -> Path:
    target = tmp / "新版.db"
    shutil.copyfile(saved, target)
    conn = sqlite3.connect(str(target))
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    return target


def _foreign_sqlite(saved: Path, tmp: Path) -> Path:
    target = tmp / "别的.db"
    conn = sqlite3.connect(str(target))
    conn.execute("CREATE TABLE notes (x)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    return target


def _missing(saved: Path, tmp: Path) -> Path:
    return tmp / "不存在.db"


BAD_FILES = {
    "truncated": (_truncated, ""),
    "random bytes": (_random_bytes, "不是SQLite数据库文件"),
    "random bytes with a SQLite header": (_random_with_header, ""),
    "not a database": (_not_a_database, "不是SQLite数据库文件"),
    "empty": (_empty, "不是SQLite数据库文件"),
    "corrupt pages": (_corrupt_page, ""),
    "edited change log": (_broken_chain, "变更日志第3条"),
    "deleted change-log entry": (_tampered_award, "变更日志"),
    "newer schema": (_newer, "比本程序支持的版本"),
    "another program's SQLite file": (_foreign_sqlite, "不是本系统的数据库"),
    "missing file": (_missing, "不存在"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_and_the_database_is_untouched(live, saved, tmp_path, case):
    make, fragment = BAD_FILES[case]
    bad = make(saved, tmp_path)
    before = content_hash(live.conn)
    bad_bytes = bad.read_bytes() if bad.exists() else None

    with pytest.raises(StorageError) as caught:
        restore_backup(live, bad)

    message = str(caught.value)
    assert (
        message.startswith(f"不能用文件 {bad.name} 恢复：") and "当前数据库未作任何改动" in message
    )
    assert fragment in message
    assert content_hash(live.conn) == before
    assert not backup_dir(live.path).exists()  # nothing was even backed up
    assert (bad.read_bytes() if bad.exists() else None) == bad_bytes  # the file is not touched
    with live.transaction():  # still open and writable
        live.set_setting("still", "usable")


def test_restoring_the_live_database_onto_itself_is_refused(live):
    before = content_hash(live.conn)
    with pytest.raises(StorageError, match="当前正在使用的数据库本身"):
        restore_backup(live, live.path)
    assert content_hash(live.conn) == before


def test_a_read_only_database_cannot_be_restored(live, saved):
    reader = Database(live.path, readonly=True)
    try:
        with pytest.raises(StorageError, match="只读"):
            restore_backup(reader, saved)
    finally:
        reader.close()


def test_restore_from_an_older_schema_is_upgraded(live, tmp_path):
    old = tmp_path / "旧版备份.db"
    shutil.copyfile(FIXTURES / "schema_v1.db", old)

    result = restore_backup(live, old)

    with result.db as db:
        assert result.schema_version == 1
        assert db.user_version == schema_version_supported()
        assert run_check(db).ok
        assert db.scalar("SELECT count(*) FROM enterprises") == 40


def test_restore_is_for_administrators_once_users_exist(live, saved):
    from desktop.services import users

    users.add_user(live, "管理员甲", "管理员", "secret-11")
    users.login(live, "管理员甲", "secret-11")
    users.add_user(live, "录入员乙", "录入员", "secret-22")
    users.login(live, "录入员乙", "secret-22")
    before = content_hash(live.conn)

    with pytest.raises(PermissionDenied):
        restore_backup(live, saved)
    assert content_hash(live.conn) == before

    users.login(live, "管理员甲", "secret-11")
    # The backup is from before the first user: restoring it would turn logins off.
    with pytest.raises(StorageError, match="备份中没有用户"):
        restore_backup(live, saved)
    assert content_hash(live.conn) == before
    later = backup_to(live, live.path.parent / "有用户的备份.db")
    result = restore_backup(live, later)
    assert users.logins_enabled(result.db)
    result.db.close()


def test_the_restore_command(capsys, live, saved, tmp_path):
    path = live.path
    original = _hash_of(saved)
    _change(live)
    live.close()

    capsys.readouterr()
    code = run(["--db", str(path), "restore", str(saved)])
    out, err = capsys.readouterr()

    assert code == 0, err
    assert "已用" in out and "被替换的数据库已保留为" in out
    assert _hash_of(path) == original

    bad = _broken_chain(saved, tmp_path)
    code = run(["--db", str(path), "restore", str(bad)])
    out, err = capsys.readouterr()
    assert code == 1 and len(err.splitlines()) == 1 and "变更日志" in err
    assert _hash_of(path) == original


# -- automatic backups ----------------------------------------------------------------------------


def _names(db: Database) -> list[str]:
    folder = backup_dir(db.path)
    return sorted(p.name for p in folder.glob("*.db")) if folder.exists() else []


def _tick(db: Database) -> None:
    with db.transaction():
        db.set_setting("tick", str(db.scalar("SELECT count(*) FROM change_log")))


def test_backup_before_skips_an_empty_database_unless_asked(tmp_path):
    with Database(tmp_path / "空.db") as db:
        assert backup_before(db, "导入") is None
        assert backup_before(db, "恢复前", always=True) is not None


def test_a_daily_backup_at_most_once_per_calendar_day(live):
    morning = datetime(2026, 11, 24, 8, 30)
    first = backup_daily(live, now=morning)
    assert first is not None and first.name == "奖补-20261124-083000-每日备份.db"
    assert backup_daily(live, now=morning + timedelta(hours=9)) is None
    _tick(live)
    backup_before(live, "导入企业名录", now=morning + timedelta(hours=1))  # not a daily one
    _tick(live)
    assert backup_daily(live, now=morning + timedelta(days=1)) is not None
    assert [n for n in _names(live) if "每日备份" in n] == [
        "奖补-20261124-083000-每日备份.db",
        "奖补-20261125-083000-每日备份.db",
    ]


def test_no_daily_backup_of_a_read_only_or_empty_database(live, tmp_path):
    with Database(live.path, readonly=True) as reader:
        assert backup_daily(reader) is None
    with Database(tmp_path / "空.db") as empty:
        assert backup_daily(empty) is None
    assert _names(live) == []


def test_rotation_keeps_the_last_ten_and_one_a_month(live):
    start = datetime(2026, 1, 1, 9, 0)
    backup_to(live, backup_dir(live.path) / "奖补-20251231-080000-手动备份.db")
    for day in [*range(0, 120, 3), 121]:  # an injected clock: 41 backups over five months
        _tick(live)
        backup_before(live, "每日备份", now=start + timedelta(days=day))

    kept = [n.split("-")[1] for n in _names(live) if "每日备份" in n]

    newest_ten = ["20260404", "20260407", "20260410", "20260413", "20260416"]
    newest_ten += ["20260419", "20260422", "20260425", "20260428", "20260502"]
    newest_of_month = ["20260131", "20260227", "20260329"]  # Jan, Feb, Mar
    assert kept == newest_of_month + newest_ten
    assert "奖补-20251231-080000-手动备份.db" in _names(live)  # a clerk's own: never rotated
    assert rotate(backup_dir(live.path), now=start + timedelta(days=121)) == []


def test_backups_of_the_last_seven_days_are_kept_whatever_their_number(live):
    start = datetime(2026, 3, 1, 8, 0)
    for i in range(15):  # fifteen imports in one day, each changing something
        _tick(live)
        backup_before(live, "导入企业名录", now=start + timedelta(minutes=i))
    backup_before(live, "导入企业名录", now=start + timedelta(days=6))  # nothing changed since
    names = _names(live)
    assert len([n for n in names if "导入企业名录" in n]) == 15
    assert all((backup_dir(live.path) / (n + ".anchor.json")).exists() for n in names)
    rotate(backup_dir(live.path), now=start + timedelta(days=6, hours=23))
    assert len([n for n in _names(live) if "导入企业名录" in n]) == 15
    rotate(backup_dir(live.path), now=start + timedelta(days=8))
    assert len([n for n in _names(live) if "导入企业名录" in n]) == 10  # then the usual rule


def test_identical_consecutive_backups_are_kept_once(live):
    start = datetime(2026, 3, 1, 8, 0)
    first = backup_before(live, "导入企业名录", now=start)
    for i in range(1, 10):  # ten imports that change nothing
        assert backup_before(live, "导入企业名录", now=start + timedelta(minutes=i)) == first
    assert [n for n in _names(live) if n.endswith(".db")] == [first.name]


def test_a_failed_backup_stops_the_operation(live, monkeypatch):
    def fail(db, target):
        raise OSError("磁盘已满")

    monkeypatch.setattr(backup_service, "backup_to", fail)
    with pytest.raises(StorageError, match="自动备份失败"):
        backup_before(live, "导入")


def test_write_commands_make_the_daily_backup_and_read_commands_do_not(capsys, live):
    path = live.path
    live.close()
    assert run(["--db", str(path), "list", "enterprises"]) == 0
    assert not backup_dir(path).exists()
    assert run(["--db", str(path), "calculate", "--year", "2024"]) == 0
    assert run(["--db", str(path), "calculate", "--year", "2023"]) == 0
    daily = [p.name for p in backup_dir(path).glob("*每日备份.db")]
    assert len(daily) == 1


def test_the_application_backs_up_once_a_day_on_start(live):
    from desktop.app import open_initial_database

    path = live.path
    live.close()
    db, _notice = open_initial_database(path)
    db.close()
    db, _notice = open_initial_database(path)
    db.close()
    assert len(list(backup_dir(path).glob("*每日备份.db"))) == 1


def test_backup_is_left_alone_by_a_reader(live, tmp_path):
    """A manual backup from a read-only instance still works (it only reads)."""
    with Database(live.path, readonly=True) as reader:
        target = backup_to(reader, tmp_path / "只读备份.db")
    assert _hash_of(target) == content_hash(live.conn)
    assert os.path.getsize(target) > 0


# -- the window ------------------------------------------------------------------------------------


def _window(qtbot, db: Database, tmp_path: Path):
    from PySide6.QtCore import QSettings

    from desktop.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, settings=settings)
    qtbot.addWidget(window)
    return window


@pytest.mark.gui
def test_the_window_restores_a_backup(qtbot, live, saved, tmp_path):
    from desktop.ui import messages

    window = _window(qtbot, live, tmp_path)
    original = _hash_of(saved)
    _change(live)
    try:
        assert not window.restore_from(_broken_chain(saved, tmp_path))
        assert "变更日志" in messages.history[-1].text and window.db is live
        assert window.restore_from(saved)
        assert window.db is not live and content_hash(window.db.conn) == original
        assert messages.history[-1].title == "恢复备份"
    finally:
        messages.close_all()
        window.close_database()


@pytest.mark.gui
def test_the_window_says_when_another_program_holds_the_database(qtbot, live, tmp_path):
    import json

    from desktop.ui import messages

    path = live.path
    live.close()
    lock_file = path.with_name(path.name + ".lock")
    holder = {"user": "张三", "host": "PC-01", "pid": 1234, "started": "2026-11-24T09:12:00"}
    lock_file.write_text(json.dumps(holder, ensure_ascii=False), encoding="utf-8")
    db = Database(path)
    window = _window(qtbot, db, tmp_path)
    try:
        assert window.db_label.text().startswith(
            "只读（张三（主机 PC-01，进程 1234，自 2026-11-24 09:12 起）正在使用）"
        )
        assert messages.history[-1].title == "只读打开"
        assert "当前为只读" in messages.history[-1].text
    finally:
        messages.close_all()
        window.close_database()
    assert lock_file.exists()  # the reader leaves the holder's lock alone
