"""Tables act on the records the clerk sees and behave like a spreadsheet: sort-then-approve and
filter-then-reject act on exactly the rows shown, Ctrl+C copies tab-separated rows with the
header, right-click menus, every column sorts by its value, the status bar sums the selection,
widths are remembered, and 状态/核定金额 stay visible at 1024×768."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from ui_helpers import CODE_A, CODE_B, add_application, answer, last_message, make_window

from desktop.core import status
from desktop.services.awards import list_awards
from desktop.ui.models import AwardTableModel
from desktop.ui.tables import sort_key

pytestmark = pytest.mark.gui

AMOUNT, STATUS = AwardTableModel.AMOUNT_COLUMN, AwardTableModel.STATUS_COLUMN


@pytest.fixture
def review(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=320_500_000)
    add_application(small_db, CODE_A, "LZ41-2", "2024-09-20", basis_fen=200_000_000)
    add_application(small_db, CODE_B, "LZ41-2", "2024-03-15", basis_fen=320_500_000)
    add_application(small_db, CODE_B, "LZ41-10C", "2024-05-01")
    view = window.go_to("核定与审核")
    task = view.recalculate()
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    return view


def shown_id(table, row: int) -> int:
    return int(table.model().index(row, 0).data())


def click_row(qtbot, table, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    rect = table.visualRect(table.model().index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_sort_then_approve_approves_the_highlighted_rows_not_the_row_positions(
    qtbot, review, small_db
):
    table = review.table
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        table.sortByColumn(AMOUNT, order)
        moved = [
            r
            for r in range(table.model().rowCount())
            if table.proxy.source_row(r) != r
            and review.model.row(table.proxy.source_row(r)).amount_fen > 0
        ]
        if moved:
            break
    assert moved, "sorting must move a granted row for this test to mean anything"
    row = moved[0]
    wanted = shown_id(table, row)
    click_row(qtbot, table, row)
    assert review.selected_ids() == [wanted]
    qtbot.mouseClick(review.approve_button, Qt.MouseButton.LeftButton)
    assert "已审核通过 1 条" in last_message()
    approved = [a.id for a in list_awards(small_db, 2024) if a.status == status.APPROVED]
    assert approved == [wanted]


def test_the_explanation_after_sorting_is_the_highlighted_awards(qtbot, review):
    table = review.table
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    click_row(qtbot, table, 0)
    dialog = review.explain_selected()
    assert f"核定结果编号：{shown_id(table, 0)}" in dialog.text.toPlainText()


def test_filter_then_reject_rejects_exactly_the_rows_shown(qtbot, review, small_db):
    review.town.setCurrentIndex(review.town.findText("辛店街道"))
    shown = [shown_id(review.table, r) for r in range(review.table.model().rowCount())]
    assert len(shown) == 2
    review.table.setFocus()
    review.table.selectAll()
    dialog = review.reject_selected()
    dialog.editor.setPlainText("材料不全")
    dialog._accept()
    rejected = sorted(a.id for a in list_awards(small_db, 2024) if a.status == status.REJECTED)
    assert rejected == sorted(shown)


def test_a_selection_survives_a_refresh_by_record(qtbot, review):
    review.table.sortByColumn(AMOUNT, Qt.SortOrder.DescendingOrder)
    click_row(qtbot, review.table, 1)
    chosen = review.selected_ids()
    review.refresh()
    assert review.selected_ids() == chosen


def test_ctrl_c_copies_the_selected_rows_with_the_header_as_tab_separated_text(qtbot, review):
    table = review.table
    table.sortByColumn(AMOUNT, Qt.SortOrder.DescendingOrder)
    click_row(qtbot, table, 0)
    click_row(qtbot, table, 1, Qt.KeyboardModifier.ControlModifier)
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t") == [c.title for c in AwardTableModel.columns]
    assert len(lines) == 3
    first = lines[1].split("\t")
    assert first[0] == str(shown_id(table, 0))
    assert first[AMOUNT] == "961500.00"  # a plain number: spreadsheets read it as one
    assert first[STATUS] == status.DRAFT


def test_the_right_click_menu_offers_the_rows_actions_and_selects_the_clicked_row(review):
    table = review.table
    texts = [a.text() for a in table.build_menu().actions() if not a.isSeparator()]
    assert texts[:5] == ["审核通过所选", "不予奖补…", "撤销审核…", "恢复为草稿", "标记已拨付"]
    assert "修改事项…" in texts and "查看计算过程" in texts and "复制所选行" in texts
    table.clearSelection()
    pos = table.visualRect(table.model().index(2, 1)).center()
    table.customContextMenuRequested.emit(pos)
    assert review.selected_ids() == [shown_id(table, 2)]
    table._menu.close()


@pytest.mark.parametrize("column", range(len(AwardTableModel.columns)))
def test_every_column_sorts_by_its_value(review, column):
    table = review.table
    getter = AwardTableModel.columns[column].value
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        table.sortByColumn(column, order)
        keys = [
            sort_key(getter(review.model.row(table.proxy.source_row(r))))
            for r in range(table.model().rowCount())
        ]
        assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder)


def test_amounts_sort_by_fen_not_as_text(demo_window):
    view = demo_window.go_to("核定与审核")
    view.table.sortByColumn(AMOUNT, Qt.SortOrder.DescendingOrder)
    rows = range(view.table.model().rowCount())
    amounts = [view.model.row(view.table.proxy.source_row(r)).granted_fen for r in rows]
    texts = [view.table.model().index(r, AMOUNT).data() for r in rows]
    assert amounts == sorted(amounts, reverse=True)
    assert texts[0] == "1,500,000.00" and "961,500.00" in texts
    assert texts != sorted(texts, reverse=True)  # as text, 961,500.00 would come first


def test_the_status_bar_sums_the_selected_rows(qtbot, window, review):
    table = review.table
    table.sortByColumn(AMOUNT, Qt.SortOrder.DescendingOrder)
    click_row(qtbot, table, 0)
    click_row(qtbot, table, 1, Qt.KeyboardModifier.ControlModifier)
    assert window.selection_label.text() == "已选 2 行，核定金额合计 1,500,000.00 元"


def test_column_widths_are_remembered(qtbot, small_db, settings, window):
    view = window.go_to("核定与审核")
    view.table.horizontalHeader().resizeSection(1, 333)
    window.close()
    again = make_window(qtbot, small_db, settings, 2024)
    table = again.go_to("核定与审核").table
    assert table.preferred[1] == 333
    table.resize(2400, 600)  # wide enough: nothing needs to shrink
    assert table.horizontalHeader().sectionSize(1) == 333


def test_status_and_amount_are_visible_at_1024_by_768(qtbot, demo_window):
    demo_window.resize(1024, 768)
    view = demo_window.go_to("核定与审核")
    qtbot.waitUntil(lambda: demo_window.width() == 1024)
    QApplication.processEvents()
    assert demo_window.width() == 1024 and demo_window.height() == 768
    assert view.table.column_fully_visible(AMOUNT)
    assert view.table.column_fully_visible(STATUS)
    name = view.table.model().index(0, 1)
    assert view.table.textElideMode() == Qt.TextElideMode.ElideRight
    assert view.table.model().data(name, Qt.ItemDataRole.ToolTipRole)  # the full name
    apps = demo_window.go_to("奖补事项")
    QApplication.processEvents()
    assert apps.table.column_fully_visible(apps.model.STATUS_COLUMN)
    assert apps.table.column_fully_visible(apps.model.AMOUNT_COLUMN)


def test_ctrl_f_goes_to_the_search_box(qtbot, window):
    for title in ("企业名录", "四强名单", "奖补事项", "核定与审核"):
        view = window.go_to(title)
        view.search.setText("淄博")
        window.find_action.trigger()
        assert window.focusWidget() is view.search
        assert view.search.selectedText() == "淄博"
    assert window.find_action.shortcut().toString() == "Ctrl+F"


def test_every_table_model_passes_the_model_tester(qtmodeltester, demo_window):
    from desktop.ui.log_view import LogDialog
    from desktop.ui.main_window import VIEWS
    from desktop.ui.tables import RecordTable

    for title, _module, _cls in VIEWS:
        view = demo_window.go_to(title)
        for table in view.findChildren(RecordTable):
            qtmodeltester.check(table.source)
            qtmodeltester.check(table.proxy)
    log = LogDialog(demo_window.db, demo_window)
    qtmodeltester.check(log.model)
    log.close()


def test_the_enterprise_registry_sorts_every_column_in_one_query(qtbot, demo_window):
    view = demo_window.go_to("企业名录")
    view.table.model().index(0, 1).data()  # the first page on screen (the start page is 待办)
    fetched = view.model.fetch_count
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    names = [view.table.model().index(r, 1).data() for r in range(20)]
    assert names == sorted(names)
    assert view.model.fetch_count - fetched <= 1  # only the page on screen, not every page
    view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    click_row(qtbot, view.table, 0)
    assert view.table.selected_ids() == [view.model.record_id(view.table.proxy.source_row(0))]


def test_the_proxy_reports_moved_rows_to_persistent_indexes(review):
    proxy = review.table.proxy
    from PySide6.QtCore import QPersistentModelIndex

    keep = QPersistentModelIndex(proxy.index(0, 0))
    award_id = int(keep.data())
    review.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert int(keep.data()) == award_id


def test_right_click_position_is_mapped_through_the_viewport(review):
    assert review.table.indexAt(QPoint(-5, -5)).isValid() is False


def test_approve_button_asks_nothing_when_no_row_is_selected(review):
    review.table.clearSelection()
    review.approve_selected()
    assert "没有可审核的草稿" in last_message()


def test_approve_all_then_answer(review, small_db):
    review.approve_all()
    answer("Yes")
    assert {a.status for a in list_awards(small_db, 2024) if a.granted_fen} == {status.APPROVED}
