"""What happens every day on a clerk's Windows PC, simulated here (no Windows machine is at hand):
a report or backup target held open by Excel/WPS, a virus scanner holding a file for a moment, an
import workbook still being saved, a database on a network share or in a synced folder, and paths
longer than Windows' 260 characters. The failures are injected at the exact calls that fail on
Windows (``os.replace``, ``open``); each case ends in a Chinese message, an untouched target and an
untouched database (content hashes compared).
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import sqlite3
import urllib.parse
from pathlib import Path

import pytest

from desktop.core.errors import FileInUse, ImportRejected, StorageError
from desktop.paths import LONG_PATH, os_path, shared_location
from desktop.services import changelog, workbook
from desktop.services.importing import import_enterprises
from desktop.services.session import location_warning, open_session
from desktop.storage import files, lock
from desktop.storage.backup import backup_dir, backup_to
from desktop.storage.database import Database, content_hash, uri_for
from tests.cli_helpers import cli
from tests.workbooks import enterprise_row, write_enterprises

# What Windows says (in Chinese) for ERROR_SHARING_VIOLATION; Python raises it as PermissionError.
SHARING_VIOLATION = "另一个程序正在使用此文件，进程无法访问。"


def _hash(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return content_hash(conn)


def _leftovers(folder: Path) -> list[str]:
    """Temporary files of the writer (``.名称.xxxx.tmp`` / ``.part``) left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The retry waits, recorded instead of slept."""
    seen: list[float] = []
    monkeypatch.setattr(files, "_sleep", seen.append)
    return seen


def hold_open(monkeypatch, target: Path, times: int | None = None) -> list[int]:
    """Make ``os.replace`` onto ``target`` fail like Windows does while Excel has it open (all the
    time, or only the first ``times`` attempts: a virus scanner); returns the attempt counter."""
    real = os.replace
    attempts = [0]

    def replace(src, dst, *args, **kwargs):
        if Path(dst) == target:
            attempts[0] += 1
            if times is None or attempts[0] <= times:
                raise PermissionError(errno.EACCES, SHARING_VIOLATION, str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return attempts


def refuse_reading(monkeypatch, target: Path, times: int | None = None) -> list[int]:
    """Make ``open(target)`` fail with a sharing violation (a scanner or Excel saving it)."""
    real = builtins.open
    attempts = [0]

    def opener(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike) and Path(file) == target:
            attempts[0] += 1
            if times is None or attempts[0] <= times:
                raise PermissionError(errno.EACCES, SHARING_VIOLATION, str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", opener)
    return attempts


# -- 1. files held open by another program ---------------------------------------------------------


def test_a_report_exported_over_a_workbook_open_in_excel_is_refused_and_nothing_changes(
    demo, tmp_path, monkeypatch, waits
):
    from desktop.reports import export_report

    out = tmp_path / "导出" / "2024年度奖补明细表.xlsx"
    out.parent.mkdir()
    with Database(demo) as db:  # an earlier export of ours, open in Excel (--out never
        export_report(db, "summary", "xlsx", out, year=2024)  # overwrites a file not ours)
    kept = out.read_bytes()
    before = _hash(demo)
    attempts = hold_open(monkeypatch, out)
    with Database(demo) as db, pytest.raises(FileInUse) as caught:
        export_report(db, "detail", "xlsx", out, year=2024)
    message = str(caught.value)
    assert message == (
        "文件“2024年度奖补明细表.xlsx”正被其他程序（如Excel/WPS）打开，请关闭后重试，或另存为其他文件名"
    )
    assert caught.value.path == out
    assert attempts[0] == len(files.RETRY_WAITS) + 1 and waits == list(files.RETRY_WAITS)
    assert out.read_bytes() == kept
    assert _leftovers(out.parent) == [] and sorted(p.name for p in out.parent.iterdir()) == [
        out.name
    ]
    assert _hash(demo) == before


def test_a_virus_scanner_holding_the_new_report_for_a_moment_is_waited_out(
    demo, tmp_path, monkeypatch, waits
):
    from openpyxl import load_workbook

    from desktop.reports import export_report

    out = tmp_path / "明细.xlsx"
    hold_open(monkeypatch, out, times=2)
    with Database(demo) as db:
        result = export_report(db, "detail", "xlsx", out, year=2024)
    assert waits == list(files.RETRY_WAITS[:2])
    book = load_workbook(out, read_only=True)
    header = [r for r in book["奖补明细"].iter_rows(values_only=True) if r and "序号" in r]
    book.close()
    assert header
    assert result.rows > 0 and _leftovers(tmp_path) == []


def test_the_cli_says_the_report_is_open_in_one_chinese_line(
    capsys, demo, tmp_path, monkeypatch, waits
):
    out = tmp_path / "明细.pdf"
    assert cli(capsys, demo, "export", "pdf", "--year", "2023", "--out", str(out))[0] == 0
    kept = out.read_bytes()
    before = _hash(demo)
    hold_open(monkeypatch, out)
    code, stdout, stderr = cli(capsys, demo, "export", "pdf", "--year", "2024", "--out", str(out))
    assert code == 1 and stdout == ""
    assert stderr.strip().splitlines() == [f"错误：文件“明细.pdf”{files.IN_USE}"]
    assert out.read_bytes() == kept and _hash(demo) == before


def test_the_change_log_export_over_an_open_workbook_is_refused(demo, tmp_path, monkeypatch, waits):
    out = tmp_path / "变更日志.xlsx"
    with Database(demo) as db:
        changelog.export_log(db, out, limit=5)  # an earlier export of ours
    kept = out.read_bytes()
    before = _hash(demo)
    hold_open(monkeypatch, out)
    with Database(demo) as db, pytest.raises(FileInUse, match="正被其他程序"):
        changelog.export_log(db, out)
    assert out.read_bytes() == kept and _leftovers(tmp_path) == []
    assert _hash(demo) == before


def test_a_backup_onto_a_file_in_use_is_refused_and_no_half_backup_is_left(
    capsys, demo, tmp_path, monkeypatch, waits
):
    target = tmp_path / "U盘" / "奖补备份.db"
    target.parent.mkdir()  # (a backup never overwrites an existing file: a new name, held open)
    before = _hash(demo)
    hold_open(monkeypatch, target)
    with Database(demo) as db, pytest.raises(FileInUse, match="奖补备份.db”正被其他程序"):
        backup_to(db, target)
    code, _out, err = cli(capsys, demo, "backup", "--out", str(target))
    assert code == 1 and files.IN_USE in err
    assert not target.exists()
    assert _leftovers(target.parent) == [] and _hash(demo) == before


def test_a_read_only_target_is_refused_before_any_work(demo, tmp_path, monkeypatch):
    from desktop.reports import export_report

    out = tmp_path / "只读.xlsx"
    with Database(demo) as db:
        export_report(db, "summary", "xlsx", out, year=2024)  # an earlier export of ours
    kept = out.read_bytes()
    real = os.access  # the 只读 attribute on Windows; simulated, since root may write anything
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != out and real(p, mode))
    with Database(demo) as db, pytest.raises(StorageError, match="只读文件，不能覆盖"):
        export_report(db, "detail", "xlsx", out, year=2024)
    assert out.read_bytes() == kept


def test_a_disk_full_while_writing_keeps_the_old_file_and_removes_the_temporary_one(tmp_path):
    target = tmp_path / "报表.xlsx"
    target.write_bytes(b"old")

    def fill(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "磁盘空间不足。")

    with pytest.raises(
        StorageError, match="写入文件“报表.xlsx”失败（磁盘空间不足。），原文件未改动"
    ):
        files.write_file(target, fill)
    assert target.read_bytes() == b"old" and _leftovers(tmp_path) == []


def test_save_as_proposes_the_next_free_name(tmp_path):
    taken = tmp_path / "2024年度奖补明细表.xlsx"
    taken.touch()
    (tmp_path / "2024年度奖补明细表(2).xlsx").touch()
    assert files.next_free_name(taken) == tmp_path / "2024年度奖补明细表(3).xlsx"


def test_an_import_workbook_held_by_another_program_is_refused_in_chinese(
    db, tmp_path, monkeypatch, waits
):
    book = write_enterprises(tmp_path / "企业名录.xlsx", [enterprise_row(1)])
    before = content_hash(db.conn)
    attempts = refuse_reading(monkeypatch, book)
    with pytest.raises(ImportRejected) as caught:
        import_enterprises(db, book)
    assert str(caught.value) == workbook.IN_USE.format(name="企业名录.xlsx")
    assert attempts[0] == len(files.RETRY_WAITS) + 1
    assert content_hash(db.conn) == before


def test_an_import_workbook_still_being_saved_is_refused_not_half_read(db, tmp_path, monkeypatch):
    from python_calamine import CalamineWorkbook

    book = write_enterprises(tmp_path / "企业名录.xlsx", [enterprise_row(n) for n in range(3)])
    before = content_hash(db.conn)
    real = CalamineWorkbook.from_path

    def saving_meanwhile(path):  # Excel/WPS (or a copy) still writing while the import reads
        opened = real(path)
        with open(book, "ab") as handle:
            handle.write(b"\0" * 4096)
        return opened

    monkeypatch.setattr(CalamineWorkbook, "from_path", staticmethod(saving_meanwhile))
    with pytest.raises(ImportRejected, match="在读取过程中发生了变化（可能正在保存、复制或下载）"):
        import_enterprises(db, book)
    assert content_hash(db.conn) == before


def test_a_database_a_virus_scanner_holds_for_a_moment_opens_after_a_retry(
    demo, monkeypatch, waits
):
    before = _hash(demo)
    refuse_reading(monkeypatch, demo, times=2)
    with Database(demo) as db:
        assert db.scalar("SELECT count(*) FROM enterprises") == 240
    assert waits == list(files.RETRY_WAITS[:2]) and _hash(demo) == before


def test_a_database_held_by_another_program_is_refused_untouched_and_unlocked(
    capsys, demo, monkeypatch, waits
):
    before = _hash(demo)
    refuse_reading(monkeypatch, demo)
    with pytest.raises(StorageError) as caught:
        Database(demo)
    assert "正被其他程序（如杀毒软件、备份或同步软件）占用" in str(caught.value)
    code, _out, err = cli(capsys, demo, "calculate", "--year", "2024")
    assert code == 1 and "暂时无法打开；请稍后重试" in err
    assert not lock.lock_path(demo).exists()
    monkeypatch.undo()
    assert _hash(demo) == before


# -- 2. network shares and synced folders -----------------------------------------------------------


def _remote_z(root: str) -> int:
    return 4 if root.upper() == "Z:\\" else 3  # DRIVE_REMOTE for Z:, DRIVE_FIXED otherwise


@pytest.mark.parametrize(
    ("path", "env", "expected"),
    [
        (r"\\server\share\奖补\siqiang.db", {}, "网络共享文件夹（\\\\server\\share）"),
        (r"\\?\UNC\fs01\科室\siqiang.db", {}, "网络共享文件夹（\\\\fs01\\科室）"),
        (r"Z:\四强奖补\siqiang.db", {}, "网络驱动器（Z:）"),
        (r"D:\四强奖补\siqiang.db", {}, None),
        (r"C:\Users\张三\OneDrive\文档\siqiang.db", {}, "OneDrive 同步文件夹"),
        (r"C:\Users\张三\OneDrive - 临淄区工业和信息化局\siqiang.db", {}, "OneDrive 同步文件夹"),
        (r"C:\Users\张三\WPSDrive\286177\WPS云盘\siqiang.db", {}, "WPS云盘 同步文件夹"),
        (r"D:\我的坚果云\奖补\siqiang.db", {}, "坚果云 同步文件夹"),
        (r"D:\BaiduSyncdisk\siqiang.db", {}, "百度网盘同步空间 同步文件夹"),
        (
            r"C:\Users\张三\公司云\桌面\siqiang.db",
            {"OneDriveCommercial": r"c:\users\张三\公司云"},
            "OneDrive 同步文件夹",
        ),
        (r"C:\Users\张三\Documents\onedrive.db", {}, None),  # only folders count, not the file
    ],
)
def test_network_shares_and_synced_folders_are_recognised_in_windows_paths(path, env, expected):
    assert shared_location(path, windows=True, env=env, drive_type=_remote_z) == expected


def test_the_warning_names_the_place_and_the_advice():
    text = location_warning(r"\\server\share\siqiang.db", windows=True, env={})
    assert text is not None and text.startswith(
        "数据库文件 \\\\server\\share\\siqiang.db 位于网络共享文件夹（\\\\server\\share）。"
    )
    assert "SQLite 的文件锁不可靠" in text and "本机硬盘" in text and "数据包或备份文件" in text
    assert location_warning(r"C:\Users\张三\AppData\Roaming\x.db", windows=True, env={}) is None


def test_a_database_in_a_synced_folder_is_warned_about_once_and_still_works(capsys, demo, tmp_path):
    synced = tmp_path / "OneDrive - 临淄区工业和信息化局" / "奖补"
    synced.mkdir(parents=True)
    path = synced / "siqiang.db"
    path.write_bytes(demo.read_bytes())
    with open_session(path, user="测试员") as session:
        warnings = [n for n in session.notices if "同步文件夹" in n]
        assert warnings == [session.location_warning] and len(warnings) == 1
    code, out, err = cli(capsys, path, "list", "enterprises", "--json")
    assert code == 0 and len(json.loads(out)) == 240
    lines = [line for line in err.splitlines() if "同步文件夹" in line]
    assert len(lines) == 1 and lines[0].startswith(
        f"提示：数据库文件 {path} 位于OneDrive 同步文件夹"
    )
    with open_session(demo, user="测试员") as local:
        assert local.location_warning is None


# -- 3. long paths, Chinese characters and spaces ---------------------------------------------------

LONG_WINDOWS = "C:\\" + "\\".join(["四强产业配套奖补 资料汇总（2024年度）"] * 14) + "\\奖补.db"


def test_windows_paths_past_the_limit_get_the_verbatim_form():
    short = r"D:\工作 资料\奖补.db"
    assert os_path(short, windows=True) == short
    assert len(LONG_WINDOWS) > 260
    assert os_path(LONG_WINDOWS, windows=True) == "\\\\?\\" + LONG_WINDOWS
    assert os_path(LONG_WINDOWS.replace("\\", "/"), windows=True) == "\\\\?\\" + LONG_WINDOWS
    unc = "\\\\fs01\\科室" + LONG_WINDOWS[2:]
    assert os_path(unc, windows=True) == "\\\\?\\UNC\\fs01\\科室" + LONG_WINDOWS[2:]
    verbatim = "\\\\?\\" + LONG_WINDOWS
    assert os_path(verbatim, windows=True) == verbatim
    assert os_path("/" + "长" * 300, windows=False) == "/" + "长" * 300
    at_limit = "C:\\" + "x" * (LONG_PATH - 3)
    assert os_path(at_limit, windows=True) == at_limit


def test_sqlite_uris_for_windows_paths():
    assert (
        uri_for(r"C:\Users\张 三\AppData\Roaming\SiqiangAwards\siqiang.db", "ro", windows=True)
        == "file:C:/Users/%E5%BC%A0%20%E4%B8%89/AppData/Roaming/SiqiangAwards/siqiang.db?mode=ro"
    )
    assert uri_for(r"\\fs01\科室\a.db", "rw", windows=True) == (
        "file:////fs01/%E7%A7%91%E5%AE%A4/a.db?mode=rw"
    )
    long = uri_for(LONG_WINDOWS, "rwc", windows=True)
    head, query = long.split("?")
    assert query == "mode=rwc&vfs=win32-longpath"
    assert urllib.parse.unquote(head.removeprefix("file:")) == "\\\\?\\" + LONG_WINDOWS
    assert uri_for("/tmp/a #1.db", "ro", windows=False) == "file:/tmp/a%20%231.db?mode=ro"
    short_verbatim = r"\\?\C:\奖补\x.db.part"  # a temporary file named in the \\?\ form
    assert uri_for(short_verbatim, "rwc", windows=True).endswith("&vfs=win32-longpath")


def _long_folder(base: Path, length: int = 300) -> Path:
    """A folder whose path is ``length`` characters or more, with Chinese and spaces in every
    part. (Mostly ASCII: SQLite's Unix layer takes at most 512 bytes of UTF-8 for a path, so a
    300-character path of only Chinese characters cannot be opened on Linux at all.)"""
    folder = base
    while len(str(folder)) < length:
        folder = folder / "Siqiang Awards 四强 2024"
    folder.mkdir(parents=True)
    return folder


def test_a_300_character_path_with_chinese_and_spaces_works_end_to_end(capsys, demo, tmp_path):
    from openpyxl import load_workbook

    folder = _long_folder(tmp_path / "D盘")
    path = folder / "奖补 数据库.db"
    path.write_bytes(demo.read_bytes())
    assert len(str(path)) > 300
    reports = _long_folder(tmp_path / "E盘 导出")
    out = reports / "2024年度 奖补明细表.xlsx"
    assert cli(capsys, path, "calculate", "--year", "2024")[0] == 0
    assert cli(capsys, path, "export", "excel", "--year", "2024", "--out", str(out))[0] == 0
    book = load_workbook(out, read_only=True)
    assert book.sheetnames[0] == "奖补明细"
    book.close()
    log = reports / "变更 日志.xlsx"
    assert cli(capsys, path, "log", "--out", str(log))[0] == 0 and log.is_file()
    code, out_text, _err = cli(capsys, path, "backup")
    assert code == 0
    backups = list(backup_dir(path).glob("*.db"))
    assert any("手动备份" in b.name for b in backups) and any("每日备份" in b.name for b in backups)
    with Database(path) as db:
        assert lock.lock_path(path).exists()
        hash_now = content_hash(db.conn)
    assert not lock.lock_path(path).exists()
    manual = next(b for b in backups if "手动备份" in b.name)
    assert _hash(manual) == hash_now
    code, out_text, _err = cli(capsys, path, "check")
    assert code == 0


def test_a_chinese_user_name_with_a_space_in_the_data_folder(capsys, monkeypatch, tmp_path):
    from desktop.paths import default_database_path

    roaming = tmp_path / "Users" / "张 三" / "AppData" / "Roaming"
    monkeypatch.delenv("SIQIANG_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(roaming))
    from desktop.cli import run

    assert run(["init"]) == 0
    assert default_database_path() == roaming / "SiqiangAwards" / "siqiang.db"
    assert default_database_path().is_file()
    capsys.readouterr()
    assert run(["backup"]) == 0
    assert "张 三" in capsys.readouterr().out
