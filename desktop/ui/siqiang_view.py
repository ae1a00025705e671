"""四强名单: the selected year's confirmed list, compared with the previous year, and its import."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.services import siqiang_lists
from desktop.ui import messages, theme
from desktop.ui.common import ENTERPRISES, LISTS, AppContext, View, make_table
from desktop.ui.import_flow import choose_workbook, run_import
from desktop.ui.models import MemberTableModel


@dataclass(frozen=True)
class MemberRow:
    enterprise_id: int
    credit_code: str
    name: str
    town: str
    change: str  # 新列入 / 重新列入 / 连续列入 / 移出


class SiqiangView(View):
    title = "四强名单"
    depends_on = frozenset({LISTS, ENTERPRISES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.heading.setFont(font)
        self.comparison = QLabel()
        self.comparison.setWordWrap(True)
        layout.addWidget(self.heading)
        layout.addWidget(self.comparison)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        self.only_new = QCheckBox("只看新列入企业（LZ41-3 首次新列入奖励的候选）")
        self.search = QLineEdit()
        self.search.setPlaceholderText("企业名称或信用代码（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        filters.addWidget(self.only_new)
        filters.addWidget(self.search, 1)
        left_layout.addLayout(filters)
        self.model = MemberTableModel(self)
        self.table = make_table(self.model, left, name="siqiang-members", settings=ctx.settings)
        left_layout.addWidget(self.table)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.dropped_label = QLabel()
        right_layout.addWidget(self.dropped_label)
        self.dropped_model = MemberTableModel(self)
        self.dropped_table = make_table(
            self.dropped_model, right, name="siqiang-dropped", settings=ctx.settings
        )
        right_layout.addWidget(self.dropped_table)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.remove_button = QPushButton("移出名单…")
        self.import_button = QPushButton("导入本年度名单…")
        self.remove_button.clicked.connect(self._remove_selected)
        self.import_button.clicked.connect(self._import_clicked)
        bottom.addWidget(self.remove_button)
        bottom.addWidget(self.import_button)
        layout.addLayout(bottom)
        self.only_new.toggled.connect(lambda _c: self._show_members())
        self.search.textChanged.connect(lambda _t: self._show_members())
        remove_action = QAction("移出名单…", self)
        remove_action.triggered.connect(lambda _c=False: self._remove_selected())
        self.table.set_row_actions([remove_action])
        self._members: list[MemberRow] = []

    def refresh(self) -> None:
        year = self.ctx.year
        cmp = siqiang_lists.compare_with_previous(self.ctx.db, year)
        rows = (
            [
                MemberRow(m.enterprise_id, m.credit_code, m.name, m.town, "新列入")
                for m in cmp.newly_listed
            ]
            + [
                MemberRow(m.enterprise_id, m.credit_code, m.name, m.town, "重新列入")
                for m in cmp.returned
            ]
            + [
                MemberRow(m.enterprise_id, m.credit_code, m.name, m.town, "连续列入")
                for m in cmp.kept
            ]
        )
        order = {m.enterprise_id: i for i, m in enumerate(siqiang_lists.members(self.ctx.db, year))}
        rows.sort(key=lambda r: order.get(r.enterprise_id, 0))
        self._members = rows
        self._show_members()
        self.dropped_model.set_rows(
            [MemberRow(m.enterprise_id, m.credit_code, m.name, m.town, "移出") for m in cmp.dropped]
        )
        self.heading.setText(f"{year}年度四强企业名单：{len(rows)} 户（统计部门确认名单）")
        if not rows:
            self.comparison.setText(
                f"{year}年度尚未导入四强企业名单。请用“导入本年度名单”导入统计部门确认的名单。"
            )
            self.comparison.setStyleSheet("")
        elif siqiang_lists.previous_list_missing(self.ctx.db, year):
            self.comparison.setText(
                f"注意：数据库中没有{year - 1}年度四强企业名单，本年度 {len(rows)} 户都显示为“新列入”，"
                f"LZ41-3（首次新列入）奖励将按此计算。请先切换到{year - 1}年度导入该年度名单"
                "（如有更早年度的也一并导入），再计算和审核。"
            )
            self.comparison.setStyleSheet(
                f"color: {theme.WARNING_COLOUR}; background: #fff6e0; padding: 4px;"
            )
        else:
            self.comparison.setStyleSheet("")
            self.comparison.setText(
                f"与{year - 1}年度相比：新列入 {len(cmp.newly_listed)} 户（此前从未列入，绿色标出，"
                f"为LZ41-3首次新列入奖励的候选），重新列入 {len(cmp.returned)} 户，"
                f"连续列入 {len(cmp.kept)} 户，移出 {len(cmp.dropped)} 户（右侧红色）。"
            )
        self.dropped_label.setText(
            f"移出名单：{year - 1}年度在列、{year}年度不在列（{len(cmp.dropped)} 户）"
        )

    def _show_members(self) -> None:
        needle = self.search.text().strip().upper()
        rows = [
            r
            for r in self._members
            if (not self.only_new.isChecked() or r.change == "新列入")
            and (not needle or needle in r.name.upper() or needle in r.credit_code)
        ]
        self.model.set_rows(rows)

    def _remove_selected(self) -> None:
        rows = self.table.source_rows()
        if not rows:
            messages.show_info(self, "请先在名单中选择企业。")
            return
        member = self.model.row(rows[0])
        year = self.ctx.year

        def remove() -> None:
            if self.ctx.attempt(
                self, siqiang_lists.set_membership, self.ctx.db, year, member.enterprise_id, False
            ):
                self.ctx.notify(LISTS)

        messages.ask(
            self, f"将“{member.name}”移出{year}年度四强企业名单？（人工更正，记入变更日志）", remove
        )

    def _import_clicked(self) -> None:
        path = choose_workbook(self, f"导入{self.ctx.year}年度四强企业名单")
        if path is None:
            return
        messages.ask(
            self,
            f"导入将用工作簿“{path.name}”替换{self.ctx.year}年度的整份四强企业名单"
            "（已审核的奖补不受影响，未审核的在下次计算时按新名单核定）。继续？",
            lambda: self.import_file(path),
        )

    def import_file(self, path):
        return run_import(self.ctx, self, "siqiang", path, year=self.ctx.year)
