"""The GUI side of the Windows realities: a report or backup target open in Excel/WPS offers 重试
and 另存为, a database on a synced folder is pointed out once, and 150 % display scaling."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from ui_helpers import last_message

from desktop.storage import files
from desktop.ui import messages

pytestmark = pytest.mark.gui
REPO = Path(__file__).resolve().parents[2]


def _hold_open(monkeypatch, target: Path) -> dict[str, bool]:
    """``os.replace`` onto ``target`` fails as on Windows while Excel has it open, until
    ``state["open"]`` is set to False (the clerk closed it)."""
    real = os.replace
    state = {"open": True}

    def replace(src, dst, *args, **kwargs):
        if state["open"] and Path(dst) == target:
            raise PermissionError(errno.EACCES, "另一个程序正在使用此文件，进程无法访问。")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "_sleep", lambda seconds: None)
    return state


def _click(text: str) -> None:
    box = messages.open_boxes()[-1]
    button = next(b for b in box.buttons() if b.text() == text)
    button.click()


def test_an_export_over_a_workbook_open_in_excel_offers_save_as(
    qtbot, demo_window, tmp_path, monkeypatch
):
    from desktop.reports import export_report
    from desktop.ui import export_flow

    out = tmp_path / "2024年度奖补明细表.xlsx"
    export_report(demo_window.db, "summary", "xlsx", out, year=2024)  # an earlier one of ours
    kept = out.read_bytes()
    _hold_open(monkeypatch, out)
    chosen = tmp_path / "2024年度奖补明细表(2).xlsx"
    proposed = []

    def dialog(parent, title, suggestion, filters):
        proposed.append((title, suggestion, filters))
        return str(chosen), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    task = export_flow.run_export(
        demo_window.ctx, demo_window, "detail", "excel", out, offer_open=False
    )
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert last_message() == f"文件“{out.name}”{files.IN_USE}"
    box = messages.open_boxes()[-1]
    assert {b.text() for b in box.buttons()} == {"重试", "另存为…", "取消"}
    assert box.defaultButton().text() == "另存为…"
    _click("另存为…")
    assert proposed == [("另存为", str(chosen), "Excel 工作簿 (*.xlsx)")]
    qtbot.waitUntil(lambda: chosen.is_file(), timeout=30_000)
    assert out.read_bytes() == kept


def test_a_backup_onto_a_file_in_use_can_be_retried_once_it_is_closed(
    qtbot, window, tmp_path, monkeypatch
):
    target = tmp_path / "奖补备份.db"  # a new name (a backup never overwrites a file)
    state = _hold_open(monkeypatch, target)
    assert window.backup_to(target) is None
    assert "奖补备份.db”正被其他程序（如Excel/WPS）打开" in last_message()
    assert not target.exists()
    state["open"] = False  # the clerk closed it
    box = messages.open_boxes()[-1]
    box.button(QMessageBox.StandardButton.Retry).click()
    assert target.read_bytes().startswith(b"SQLite format 3\x00")
    assert last_message() == f"已备份到：{target}"


def test_a_database_in_a_synced_folder_is_pointed_out_once(qtbot, window, tmp_path, small_db):
    path = tmp_path / "OneDrive" / "奖补" / "siqiang.db"
    assert window.open_database(path, create=True)
    shown = [m for m in messages.history if m.title == "数据库位置"]
    assert len(shown) == 1 and "位于OneDrive 同步文件夹" in shown[0].text
    assert "本机硬盘" in shown[0].text
    messages.close_all()
    assert window.open_database(small_db.path)
    assert window.open_database(path)
    assert len([m for m in messages.history if m.title == "数据库位置"]) == 1


SCALED_WINDOW = """
import sys
from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from desktop.ui.theme import configure_high_dpi, setup_application
configure_high_dpi()
app = QApplication([])
setup_application(app)
from desktop.storage.database import Database
from desktop.ui.main_window import MainWindow
from desktop.ui.models import lock_icon
db = Database(sys.argv[1])
window = MainWindow(db)
window.show()
app.processEvents()
free = window.screen().availableGeometry()
print(QGuiApplication.highDpiScaleFactorRoundingPolicy().name)
print(window.devicePixelRatio())
print(window.width() <= free.width() and window.height() <= free.height())
print(lock_icon().pixmap(QSize(14, 14), 1.5).width())
window.close()
db.close()
"""


@pytest.mark.parametrize("scale", ["1.25", "1.5"])
def test_at_125_and_150_percent_the_window_fits_and_the_lock_stays_sharp(tmp_path, scale):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QT_SCALE_FACTOR": scale,
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCALED_WINDOW, str(tmp_path / "x.db")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    policy, ratio, fits, lock_pixels = done.stdout.split()
    assert policy == "PassThrough" and float(ratio) == float(scale)
    assert fits == "True"  # the first-start size never exceeds the screen's free area
    assert int(lock_pixels) >= round(14 * float(scale))  # drawn for the scale, not enlarged
