"""系统 → 变更日志 and 数据库检查: filters, detail, export for auditors, the check report."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from ui_helpers import CODE_A, CODE_B, add_application, last_message, type_text

from desktop.services import changelog

pytestmark = pytest.mark.gui


def _menu_action(window, menu_title: str, text: str):
    for menu_action in window.menuBar().actions():
        if menu_action.text() == menu_title:
            for action in menu_action.menu().actions():
                if action.text() == text:
                    return action
    raise AssertionError(f"no {menu_title} → {text}")


def test_change_log_opens_from_the_system_menu_and_filters(qtbot, window):
    db = window.db
    add_application(db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_00)
    db.user = "李四"
    add_application(db, CODE_B, "LZ41-2", "2024-04-01", basis_fen=200_000_00)
    _menu_action(window, "系统(&S)", "变更日志…").trigger()
    dialog = window._log_dialog
    qtbot.waitExposed(dialog)
    total = db.scalar("SELECT count(*) FROM change_log")
    assert dialog.model.rowCount() == total
    assert dialog.model.entry(0).user == "李四"  # newest first
    assert "共" in dialog.status.text()

    users = [dialog.user_combo.itemText(i) for i in range(dialog.user_combo.count())]
    assert users[0] == "（全部）" and {"测试员", "李四"} <= set(users)
    dialog.user_combo.setCurrentText("李四")
    dialog.query_button.click()
    assert dialog.model.rowCount() == 1
    assert dialog.model.data(dialog.model.index(0, 3)) == "导入事项"

    dialog.user_combo.setCurrentIndex(0)
    type_text(qtbot, dialog.enterprise_edit, CODE_A)
    dialog.query_button.click()
    rows = [dialog.model.entry(r) for r in range(dialog.model.rowCount())]
    assert {r.table_name for r in rows} >= {"enterprises", "applications", "siqiang_list"}
    assert all(CODE_B not in (r.row_key or "") for r in rows)

    dialog.enterprise_edit.clear()
    type_text(qtbot, dialog.enterprise_edit, "乙智能")  # part of enterprise B's name
    dialog.query_button.click()
    keys = {dialog.model.entry(r).row_key for r in range(dialog.model.rowCount())}
    assert CODE_B in keys and CODE_A not in keys

    tomorrow = date.today() + timedelta(days=1)
    dialog.set_filters(date_from=tomorrow)
    assert dialog.model.rowCount() == 0 and "共0条" in dialog.status.text()
    dialog.set_filters(date_from=date.today(), date_to=date.today())
    assert dialog.model.rowCount() == total


def test_selecting_an_entry_shows_its_full_values_and_hash(qtbot, window):
    from desktop.ui.log_view import open_log_dialog

    dialog = open_log_dialog(window.db, window)
    qtbot.addWidget(dialog)
    dialog.table.selectRow(0)
    entry = dialog.model.entry(0)
    text = dialog.detail.toPlainText()
    assert f"第{entry.id}条" in text and entry.hash in text and "新值：" in text


def test_export_for_auditors(qtbot, window, tmp_path):
    from desktop.ui.log_view import open_log_dialog

    dialog = open_log_dialog(window.db, window)
    qtbot.addWidget(dialog)
    out = tmp_path / "变更日志.xlsx"
    task = dialog.export_to(out)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert "已导出变更日志" in last_message()
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "变更日志（审计用）"
    assert rows[3][: len(changelog.HEADERS)] == changelog.HEADERS
    data = rows[4:]
    count = window.db.scalar("SELECT count(*) FROM change_log")
    assert len(data) == count
    assert [r[0] for r in data] == sorted(r[0] for r in data)  # oldest first
    last = window.db.one("SELECT id, hash FROM change_log ORDER BY id DESC LIMIT 1")
    assert data[-1][0] == last["id"] and data[-1][-1] == last["hash"]


def test_bad_date_range_is_explained(qtbot, window):
    from desktop.ui.log_view import open_log_dialog

    dialog = open_log_dialog(window.db, window)
    qtbot.addWidget(dialog)
    dialog.set_filters(date_from=date(2024, 5, 1), date_to=date(2024, 4, 1))
    assert "截止日期2024-04-01早于起始日期2024-05-01" in last_message()


def test_database_check_dialog_runs_in_the_background(qtbot, window):
    _menu_action(window, "系统(&S)", "数据库检查…").trigger()
    dialog = window._check_dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.summary.text() == "检查结果：全部正常"
    assert "[通过] 变更日志哈希链" in dialog.text.toPlainText()
    assert dialog.again.isEnabled()


def test_database_check_dialog_reports_tampering(qtbot, window):
    from desktop.ui.check_dialog import open_check_dialog

    conn = sqlite3.connect(window.db.path)
    conn.execute("DROP TRIGGER change_log_no_update")
    conn.execute("UPDATE change_log SET user = '他人' WHERE id = 2")
    conn.commit()
    conn.close()
    dialog = open_check_dialog(window.db, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.summary.text().startswith("检查结果：发现2处问题")
    text = dialog.text.toPlainText()
    assert "[错误] 变更日志第2条被改动" in text
    assert "[错误] 保护触发器change_log_no_update缺失" in text


def test_the_log_sorts_by_any_column_and_shows_the_chosen_entry(qtbot, window):
    from PySide6.QtCore import Qt

    dialog = window.show_change_log()
    table = dialog.table
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    ids = [int(table.model().index(r, 0).data()) for r in range(table.model().rowCount())]
    assert ids == sorted(ids)
    table.selectRow(0)
    assert dialog.detail.toPlainText().startswith(f"第{ids[0]}条")
    assert table.selected_ids() == [ids[0]]
    assert table.copy_selection().splitlines()[0].startswith("编号\t")
