"""After a clerk sorts a table, an action acts on the row the clerk selected — not on the row
that happens to sit at that position in the model (拨付 view's tables and the 待办 start page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from PySide6.QtCore import Qt

from desktop.ui import payment_view, start_view
from desktop.ui.models import Column

pytestmark = pytest.mark.gui


@dataclass(frozen=True)
class Batch:
    id: int
    no: str


def test_a_payment_table_sorted_descending_gives_the_selected_batch(qtbot):
    model, table = payment_view._table(None, [Column("批次", lambda b: b.no, "text", 8)])
    qtbot.addWidget(table)
    model.set_rows([Batch(1, "2024-01"), Batch(2, "2024-02"), Batch(3, "2024-03")])
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    table.selectRow(0)  # the top row as shown: 2024-03
    assert payment_view._selected(model, table) == Batch(3, "2024-03")
    table.selectRow(2)
    assert payment_view._selected(model, table) == Batch(1, "2024-01")


@dataclass(frozen=True)
class Todo:
    overdue: bool
    kind: str
    due: date | None
    award_id: int
    enterprise: str
    what: str


def test_the_start_page_opens_the_award_of_the_row_selected_after_sorting(
    qtbot, window, monkeypatch
):
    view = window.go_to("待办")
    opened: list[int | None] = []
    monkeypatch.setattr(
        start_view, "open_record", lambda _ctx, _parent, award_id: opened.append(award_id)
    )
    view.model.set_rows(
        [
            Todo(False, "公示", date(2024, 10, 9), 11, "甲公司", "公示期满"),
            Todo(True, "拨付", date(2024, 11, 1), 22, "乙公司", "逾期未拨付"),
        ]
    )
    view.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # 核定结果: 22 first
    view.table.selectRow(0)
    view.show_record()
    assert opened == [22]
