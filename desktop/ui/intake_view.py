"""受理: at the district, what towns reported and the city's 补拨/追回 proposals, accepted or
returned with a reason; at a township, each reported matter's outcome from the latest 回执."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.money import format_yuan
from desktop.ui import messages, theme
from desktop.ui.common import (
    APPLICATIONS,
    AWARDS,
    ENTERPRISES,
    AppContext,
    ReasonDialog,
    View,
    make_table,
    selected_rows,
)
from desktop.ui.models import Column, ListTableModel
from desktop.ui.office_flow import (
    INTAKE,
    export_package_dialog,
    import_city_dialog,
    import_package_dialog,
    import_receipt_dialog,
)

_STATE_COLOURS = {
    "待受理": theme.WARNING_COLOUR,
    "已受理": theme.OK_COLOUR,
    "已退回": theme.ERROR_COLOUR,
}


def _amount(item: Any) -> int | None:
    if item.kind in ("补拨", "追回"):
        return item.payload.get("new_basis_fen")
    return item.matter.get("basis_fen")


class IntakeTableModel(ListTableModel):
    """受理 items (``services.intake.IntakeItem``)."""

    columns = (
        Column("编号", lambda i: i.id, "int", 3),
        Column("类别", lambda i: i.kind, "center", 4.5),
        Column("状态", lambda i: i.state, "center", 4),
        Column("来源", lambda i: i.source, "text", 10, tooltip=True),
        Column("企业名称", lambda i: i.enterprise_name, "text", 13, tooltip=True),
        Column(
            "条款",
            lambda i: i.matter.get("rule_code") or i.matter.get("city_document") or "",
            "text",
            7,
        ),
        Column("事项日期", lambda i: i.matter.get("event_date") or "", "center", 5.5),
        Column("金额（元）", _amount, "amount", 7),
        Column("内容", lambda i: i.summary(), "text", 22, tooltip=True),
        Column("问题或理由", lambda i: i.problem or i.reason or "", "text", 12, tooltip=True),
    )
    STATE_COLUMN = 2

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._bold = QFont()
        self._bold.setBold(True)

    def style_data(self, row: Any, column: Column, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.STATE_COLUMN and row.state in _STATE_COLOURS:
                return QBrush(QColor(_STATE_COLOURS[row.state]))
            if row.problem and row.state == "待受理" and col == 9:
                return QBrush(QColor(theme.ERROR_COLOUR))
        if role == Qt.ItemDataRole.FontRole and col == self.STATE_COLUMN and row.state == "待受理":
            return self._bold
        return None


class OutcomeTableModel(ListTableModel):
    """At a township: the outcome of each reported matter (``services.receipts.Outcome``)."""

    columns = (
        Column("事项编号", lambda o: o.town_matter_id, "int", 4),
        Column(
            "企业名称", lambda o: o.enterprise_name or "（本镇街已删除）", "text", 14, tooltip=True
        ),
        Column("事项", lambda o: o.matter, "text", 22, tooltip=True),
        Column("类别", lambda o: o.kind, "center", 4.5),
        Column("结果", lambda o: o.outcome, "center", 4),
        Column("区级事项编号", lambda o: o.district_matter_id, "int", 5),
        Column("核定金额（元）", lambda o: o.award_fen, "amount", 7),
        Column("核定状态", lambda o: o.award_status or "", "center", 4.5),
        Column("理由", lambda o: o.reason or "", "text", 14, tooltip=True),
    )

    def style_data(self, row: Any, column: Column, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and col == 4:
            colour = {"受理": theme.OK_COLOUR, "退回": theme.ERROR_COLOUR}.get(row.outcome)
            return QBrush(QColor(colour)) if colour else None
        return None


class IntakeView(View):
    title = "受理"
    depends_on = frozenset({INTAKE, APPLICATIONS, AWARDS, ENTERPRISES})
    follows_year = False

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        from desktop.services.offices import township_name

        self.town = township_name(ctx.db)
        self._dialogs: list[QWidget] = []
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        top = QHBoxLayout()
        self.filter = QComboBox()
        for label, value in (("待受理", True), ("全部记录", False)):
            self.filter.addItem(label, value)
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())
        if self.town is None:
            top.addWidget(QLabel("显示："))
            top.addWidget(self.filter)
        top.addStretch(1)
        self.accept_button = QPushButton("受理所选")
        self.return_button = QPushButton("退回…")
        self.package_button = QPushButton("导入上报包…")
        self.city_button = QPushButton("导入市级下达清单…")
        self.export_button = QPushButton("导出上报包…")
        self.receipt_button = QPushButton("导入回执…")
        self.accept_button.clicked.connect(self.accept_selected)
        self.return_button.clicked.connect(self.return_selected)
        self.package_button.clicked.connect(lambda: import_package_dialog(ctx, self))
        self.city_button.clicked.connect(lambda: import_city_dialog(ctx, self))
        self.export_button.clicked.connect(lambda: export_package_dialog(ctx, self))
        self.receipt_button.clicked.connect(lambda: import_receipt_dialog(ctx, self))
        district = (self.accept_button, self.return_button, self.package_button, self.city_button)
        for button in district if self.town is None else (self.export_button, self.receipt_button):
            top.addWidget(button)
        layout.addLayout(top)

        self.model: ListTableModel = (
            IntakeTableModel(self) if self.town is None else OutcomeTableModel(self)
        )
        self.table = make_table(self.model, self, sortable=True, multi=self.town is None)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("选中一项查看详情")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_detail())

    # -- loading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.town is not None:
            self._refresh_township()
            return
        from desktop.services.intake import list_items, pending_count

        rows = list_items(self.ctx.db, pending_only=bool(self.filter.currentData()))
        self.model.set_rows(rows)
        self.heading.setText(
            f"受理：镇街上报的事项、事项变更和企业信息冲突，以及市级下达清单的补拨、追回建议。"
            f"待受理 {pending_count(self.ctx.db)} 项。受理的事项成为区级奖补事项（记录镇街和上报包），"
            "退回须写明理由，随回执告知镇街。"
        )
        self._show_detail()

    def _refresh_township(self) -> None:
        from desktop.services.receipts import outcomes_here

        rows = outcomes_here(self.ctx.db)
        self.model.set_rows(rows)
        counts: dict[str, int] = {}
        for o in rows:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        shown = "，".join(f"{k} {v} 个" for k, v in counts.items()) or "尚未导入回执"
        self.heading.setText(
            f"本数据库是{self.town}的镇街数据库：录入、计算后“导出上报包”交区工信局；"
            f"区工信局受理或退回后，“导入回执”查看结果。最近一次回执：{shown}。"
        )

    def selected_items(self) -> list[Any]:
        return [self.model.row(i) for i in selected_rows(self.table)]

    def _show_detail(self) -> None:
        items = self.selected_items()
        if not items or self.town is not None:
            self.detail.clear()
            return
        item = items[0]
        lines = [
            f"受理编号 {item.id}：{item.kind}（{item.state}），来源：{item.source}",
            f"企业：{item.enterprise_name}（{item.credit_code}）",
            f"内容：{item.summary()}",
        ]
        if item.application_id:
            lines.append(f"区级事项编号：{item.application_id}")
        if item.kind in ("补拨", "追回"):
            p = item.payload
            lines.append(
                f"市级下达清单：{p.get('file')} 第{p.get('row')}行，下达日期 {p.get('issued_on')}，"
                f"市级资金 {format_yuan(p['new_basis_fen'])} 元"
            )
            lines.append(
                "受理后：撤销该核定结果（留档），事项金额改为市级下达金额，下次计算生成更正后的草稿。"
            )
        if item.problem:
            lines.append(f"问题：{item.problem}")
        if item.reason:
            lines.append(f"理由：{item.reason}（{item.decided_by}，{item.decided_at}）")
        self.detail.setPlainText("\n".join(lines))

    # -- deciding ------------------------------------------------------------------------------
    def accept_selected(self) -> bool:
        from desktop.services.intake import accept

        items = [i for i in self.selected_items() if i.state == "待受理"]
        if not items:
            messages.show_info(self, "请先选中待受理的项目。")
            return False
        done = self.ctx.call(self, accept, self.ctx.db, [i.id for i in items])
        if done is None:
            return False
        self.ctx.notify(INTAKE, APPLICATIONS, AWARDS, ENTERPRISES)
        messages.show_info(self, "\n".join(f"受理编号{d.item_id}：{d.text}" for d in done), "受理")
        return True

    def return_selected(self):
        from desktop.services.intake import return_item

        items = [i for i in self.selected_items() if i.state == "待受理"]
        if len(items) != 1:
            messages.show_info(self, "请选中一项待受理的项目再退回（每项须写明理由）。")
            return None
        item = items[0]

        def submit(reason: str) -> bool:
            ok = self.ctx.attempt(self, return_item, self.ctx.db, item.id, reason)
            if ok:
                self.ctx.notify(INTAKE)
            return ok

        dialog = ReasonDialog(
            self,
            "退回",
            f"退回受理编号{item.id}（{item.kind}，{item.enterprise_name}）。"
            + ("理由将随回执告知镇街：" if item.town else "理由记入受理记录："),
            submit,
        )
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
        return dialog
