"""典型案例 form: a fictional enterprise's facts (规上, the years on the 四强 list), its matters and
the amounts the policy gives them, in two small grids; saved through ``services.cases`` (which
checks every value) and checked against the rules in force at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.common import AppContext
from desktop.ui.forms import GuardedDialog

MATTER_FIELDS = (
    ("rule_code", "条款编号"),
    ("event_date", "事项日期"),
    ("basis", "基数金额（元）"),
    ("level", "认定级别"),
    ("city_document", "市级政策文号"),
    ("same_matter_key", "同一事项编号"),
    ("manual_amount", "核定金额（元）"),
)
EXPECT_FIELDS = (
    ("matter", "事项序号"),
    ("year", "年度"),
    ("amount", "应得金额（元）"),
    ("reason", "说明应含文字"),
)


def _grid(fields: tuple[tuple[str, str], ...], rows: list[dict[str, Any]]) -> QTableWidget:
    grid = QTableWidget(max(len(rows), 1), len(fields))
    grid.setHorizontalHeaderLabels([label for _key, label in fields])
    for r, row in enumerate(rows):
        for c, (key, _label) in enumerate(fields):
            value = row.get(key)
            grid.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
    grid.horizontalHeader().setStretchLastSection(True)
    grid.resizeColumnsToContents()
    return grid


def grid_rows(grid: QTableWidget, fields: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """The grid's rows that have anything in them, by field key."""
    out = []
    for r in range(grid.rowCount()):
        row = {}
        for c, (key, _label) in enumerate(fields):
            item = grid.item(r, c)
            row[key] = item.text().strip() if item is not None else ""
        if any(row.values()):
            out.append(row)
    return out


class CaseDialog(GuardedDialog):
    def __init__(self, ctx: AppContext, case: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case = case
        self.case_id: int | None = case.id if case is not None else None
        self.setWindowTitle("修改典型案例" if case else "新增典型案例")
        self.setMinimumSize(900, 560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(case.name if case else "")
        self.name.setPlaceholderText("如 LZ41-2 四强企业获市级资金320.5万元")
        self.above_scale = QCheckBox("规模以上工业企业")
        self.above_scale.setChecked(case.above_scale if case else True)
        self.list_years = QLineEdit(
            "、".join(str(y) for y in sorted(case.list_years)) if case else ""
        )
        self.list_years.setPlaceholderText("列入四强名单的年度，如 2023、2024；不列入则留空")
        self.note = QLineEdit((case.note or "") if case else "")
        form.addRow("案例名称", self.name)
        form.addRow("企业情况", self.above_scale)
        form.addRow("四强名单年度", self.list_years)
        form.addRow("备注", self.note)
        layout.addLayout(form)
        matters = [m.to_json() for m in case.matters] if case else []
        expected = [
            {**e.to_json(), "reason": e.reason or ""} for e in case.expected
        ] if case else []  # fmt: skip
        layout.addWidget(QLabel("奖补事项（按行填写，事项序号为行号）："))
        self.matters = _grid(MATTER_FIELDS, matters)
        layout.addWidget(self.matters, 1)
        layout.addLayout(self._row_buttons(self.matters))
        layout.addWidget(QLabel("应得结果（每个事项每个年度一行；不予奖补写0）："))
        self.expected = _grid(EXPECT_FIELDS, expected)
        layout.addWidget(self.expected, 1)
        layout.addLayout(self._row_buttons(self.expected))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.mark_clean()

    @staticmethod
    def _row_buttons(grid: QTableWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        add, remove = QPushButton("增加一行"), QPushButton("删除所选行")
        add.clicked.connect(lambda: grid.insertRow(grid.rowCount()))
        remove.clicked.connect(lambda: grid.removeRow(grid.currentRow()))
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        return row

    def set_cell(self, grid: QTableWidget, row: int, column: int, text: str) -> None:
        while grid.rowCount() <= row:
            grid.insertRow(grid.rowCount())
        grid.setItem(row, column, QTableWidgetItem(text))

    def item(self) -> Any:
        from desktop.services.cases import CaseInput
        from desktop.services.catalogue import split_list

        return CaseInput(
            name=self.name.text(),
            above_scale=self.above_scale.isChecked(),
            list_years=split_list(self.list_years.text()),
            matters=grid_rows(self.matters, MATTER_FIELDS),
            expected=grid_rows(self.expected, EXPECT_FIELDS),
            note=self.note.text(),
        )

    def save(self) -> bool:
        from desktop.services.cases import save_case

        saved = self.ctx.call(self, save_case, self.ctx.db, self.item(), case_id=self.case_id)
        if saved is None:
            return False
        self.case_id = saved
        self.accept()
        return True
