"""四强名单: import with the row errors, comparison with last year (政策规则: test_policy_ui.py)."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt
from ui_helpers import CODE_A, CODE_B, NAME_A, NAME_B, last_message

from desktop.services.siqiang_lists import members
from desktop.ui import theme
from desktop.ui.import_flow import open_done_dialogs, open_preview_dialogs, open_problem_dialogs

pytestmark = pytest.mark.gui


def workbook(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_a_bad_list_workbook_shows_every_bad_row_and_changes_nothing(
    qtbot, window, small_db, tmp_path
):
    bad_digit = CODE_B[:17] + ("1" if CODE_B[17] != "1" else "2")
    path = workbook(
        tmp_path / "名单.xlsx", [[CODE_A, NAME_A], [bad_digit, NAME_B], ["12345", "短代码公司"]]
    )
    view = window.go_to("四强名单")
    task = view.import_file(path)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    dialog = open_problem_dialogs()[-1]
    rows = dialog.rows()
    assert [r for r, _m in rows] == ["第3行", "第4行"]
    assert "校验位错误" in rows[0][1] and "应为18位" in rows[1][1]
    assert "没有写入任何数据" in dialog.headline.text()
    assert [m.credit_code for m in members(small_db, 2024)] == [CODE_A]
    dialog.reject()


def test_a_good_list_workbook_replaces_the_years_list(qtbot, window, small_db, tmp_path):
    path = workbook(tmp_path / "名单.xlsx", [[CODE_A, NAME_A], [CODE_B, NAME_B]])
    window.set_year(2025)
    view = window.go_to("四强名单")
    task = view.import_file(path)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    preview = open_preview_dialogs()[-1]
    assert "新增 2 户" in preview.counts.text()
    assert members(small_db, 2025) == []  # nothing written before 确定
    preview.accept()
    with qtbot.waitSignal(preview.write_task.finished, timeout=10_000):
        pass
    open_done_dialogs()[-1].reject()
    assert "2025年度名单2户" in last_message()
    assert {m.credit_code for m in members(small_db, 2025)} == {CODE_A, CODE_B}
    changes = {
        view.model.row(r).credit_code: view.model.row(r).change
        for r in range(view.model.rowCount())
    }
    assert changes == {CODE_A: "连续列入", CODE_B: "新列入"}


def test_newly_listed_and_dropped_enterprises_are_highlighted(demo_window, demo_db):
    view = demo_window.go_to("四强名单")
    rows = view.model.rows()
    new = [i for i, r in enumerate(rows) if r.change == "新列入"]
    assert new and view.dropped_model.rowCount() > 0
    brush = view.model.data(view.model.index(new[0], 0), Qt.ItemDataRole.BackgroundRole)
    assert brush.color() == theme.NEW_BACKGROUND
    assert (
        view.dropped_model.data(
            view.dropped_model.index(0, 0), Qt.ItemDataRole.BackgroundRole
        ).color()
        == theme.DROPPED_BACKGROUND
    )
    view.only_new.setChecked(True)
    assert view.model.rowCount() == len(new)
