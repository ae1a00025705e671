"""The main window, the background-task helper, exports, and starting the application."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from ui_helpers import answer, last_message, make_window

from desktop.core.errors import ValidationError
from desktop.services.calculation import Cancelled
from desktop.ui import messages
from desktop.ui.main_window import VIEWS, MainWindow, recent_files
from desktop.ui.tasks import run_task

pytestmark = pytest.mark.gui


def test_views_are_built_when_first_shown(window):
    assert set(window.views) == {"待办"}  # the start page: what waits, overdue first
    for title, _module, _cls in VIEWS:
        view = window.go_to(title)
        assert window.stack.currentWidget() is view
    assert set(window.views) == {t for t, _m, _c in VIEWS}


def test_the_year_selector_is_shared_by_the_views(demo_window):
    review = demo_window.go_to("核定与审核")
    demo_window.set_year(2023)
    assert demo_window.year_label.text() == "当前年度：2023年度"
    assert {a.year for a in review.model.rows()} == {2023}
    registry = demo_window.go_to("企业名录")
    assert registry.on_list.text() == "仅2023年度四强名单"
    assert demo_window.go_to("四强名单").heading.text().startswith("2023年度四强企业名单")


def test_window_state_and_recent_files_are_remembered(qtbot, small_db, settings):
    window = make_window(qtbot, small_db, settings, 2024)
    window.resize(1111, 777)
    window.go_to("政策规则")
    window.close()
    assert recent_files(settings) == [str(small_db.path)]
    assert settings.value("window/geometry") and settings.value("window/state")
    again = MainWindow(small_db, settings=settings)
    qtbot.addWidget(again)
    assert again.nav.currentRow() == [t for t, _m, _c in VIEWS].index("政策规则")


def test_open_and_new_database(qtbot, window, tmp_path, settings):
    target = tmp_path / "新数据库.db"
    assert window.open_database(target, create=True)
    assert window.db.path == target and "新数据库.db" in window.windowTitle()
    assert window.go_to("企业名录").model.rowCount() == 0
    assert recent_files(settings)[0] == str(target)
    assert not window.open_database(tmp_path / "不存在.db")
    assert "数据库文件不存在" in last_message()


def test_backup_copies_the_database(window, tmp_path):
    target = tmp_path / "备份" / "b.db"
    assert window.backup_to(target) == target and target.stat().st_size > 0


def test_a_task_delivers_its_result_on_the_gui_thread(qtbot, small_db):
    seen = {}

    def work(db, progress, cancel):
        seen["thread"] = threading.current_thread() is not threading.main_thread()
        progress(1, 2, "一半")
        return db.scalar("SELECT count(*) FROM enterprises")

    task = run_task(None, small_db.path, work, title="测试")
    with qtbot.waitSignal(task.succeeded, timeout=5000) as signal:
        pass
    assert signal.args == [2] and seen["thread"]


def test_cancelling_a_task_reports_that_nothing_changed(qtbot, small_db):
    started = threading.Event()

    def work(db, progress, cancel):
        started.set()
        while not cancel.is_set():
            time.sleep(0.01)
        raise Cancelled("计算")

    task = run_task(None, small_db.path, work, title="重新计算")
    assert started.wait(5)
    task.dialog.canceled.emit()  # the 取消 button
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert last_message() == "已取消计算，数据未作任何改动"
    assert messages.history[-1].kind == "info"


def test_a_domain_error_from_a_task_is_shown_in_chinese(qtbot, small_db):
    def work(db, progress, cancel):
        raise ValidationError("年度“1999”无效")

    task = run_task(None, small_db.path, work, title="导出报表")
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert messages.history[-1].kind == "error" and last_message() == "年度“1999”无效"


def test_export_writes_the_workbook_and_offers_to_open_it(
    qtbot, demo_window, tmp_path, monkeypatch
):
    from desktop.ui import export_flow

    opened = []
    monkeypatch.setattr(export_flow, "open_file", lambda path: opened.append(path))
    out = tmp_path / "明细.xlsx"
    task = export_flow.run_export(demo_window.ctx, demo_window, "detail", "excel", out)
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert task.error is None, task.error
    assert out.is_file() and "现在打开该文件吗" in last_message()
    answer("Yes")
    assert opened == [out]


def test_run_gui_first_start_builds_the_demo_database(qtbot, monkeypatch, tmp_path):
    from desktop.app import run_gui
    from desktop.paths import default_database_path

    monkeypatch.setenv("SIQIANG_DATA_DIR", str(tmp_path / "data"))
    assert not default_database_path().exists()
    seen = {}

    def look_and_quit():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        seen["notice"] = window.statusBar().currentMessage()
        seen["rows"] = window.go_to("企业名录").model.rowCount()
        seen["window"] = window
        # Only quit(): closing the last window too would post a second Quit event that outlives
        # exec() and makes every later event loop of the test session return at once.
        QApplication.instance().quit()

    QTimer.singleShot(200, look_and_quit)
    assert run_gui(None) == 0
    seen.pop("window").deleteLater()
    assert "演示数据" in seen["notice"] and seen["rows"] == 240
    assert default_database_path().is_file()
    assert QSettings().organizationName() == "临淄区工业和信息化局"


def test_the_ledger_of_one_enterprise_can_be_exported(qtbot, demo_window, demo_db, tmp_path):
    from desktop.services.awards import list_awards
    from desktop.ui import export_flow

    award = list_awards(demo_db, 2022, status="已拨付")[0]
    out = tmp_path / "台账.pdf"
    task = export_flow.run_export(
        demo_window.ctx,
        demo_window,
        "ledger",
        "pdf",
        out,
        credit_code=award.credit_code,
        offer_open=False,
    )
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert task.error is None, task.error
    assert out.read_bytes().startswith(b"%PDF")


def test_start_up_does_not_import_the_exporters_or_charts(tmp_path):
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from desktop.ui.theme import setup_application\n"
        "setup_application(app)\n"
        "from desktop.app import open_initial_database\n"
        "from desktop.ui.main_window import MainWindow\n"
        f"db, _ = open_initial_database({str(tmp_path / 'x.db')!r})\n"
        "w = MainWindow(db); w.show(); app.processEvents()\n"
        "heavy = ('openpyxl', 'reportlab', 'PySide6.QtCharts', 'python_calamine')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_window_gives_the_lock_up_when_idle_and_reloads_on_outside_changes(window):
    import sqlite3

    db = window.db
    window.watch_database()  # the first look: remembers the data version
    conn = sqlite3.connect(db.path)  # another program writes
    conn.execute("INSERT INTO settings (key, value) VALUES ('outside', '1')")
    conn.commit()
    conn.close()
    seen = []
    window.ctx.dataChanged.connect(seen.append)
    window.watch_database()
    assert seen and seen[-1]  # the pages are told everything may have changed
    window.watch_database()
    assert len(seen) == 1  # nothing new: no reload
    db.last_write -= 601
    window.watch_database()
    assert db.readonly and "已释放数据库写锁" in window.statusBar().currentMessage()
