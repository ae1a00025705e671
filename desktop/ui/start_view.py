"""待办: the start page — what waits for someone (签批, 公示, 异议, 拨付, 支付结果, 追回), overdue first,
each due date counted in working days."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.common import AWARDS, ENTERPRISES, POLICIES, AppContext, View, make_table
from desktop.ui.models import Column, ListTableModel
from desktop.ui.payment_dialogs import open_record

OVERDUE = QColor("#c0392b")


class TodoModel(ListTableModel):
    columns = (
        Column("状态", lambda t: "逾期" if t.overdue else "待办", "center", 4),
        Column("事项", lambda t: t.kind, "center", 5),
        Column("期限", lambda t: t.due.isoformat() if t.due else "", "center", 6),
        Column("核定结果", lambda t: t.award_id, "int", 5),
        Column("企业名称", lambda t: t.enterprise, "text", 16),
        Column("内容", lambda t: t.what, "text", 30, tooltip=True),
    )

    def style_data(self, row, column, col, role):
        if row.overdue and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(OVERDUE)
        return None


class StartView(View):
    title = "待办"
    depends_on = frozenset({AWARDS, ENTERPRISES, POLICIES})
    follows_year = False

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel()
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        top.addWidget(self.summary, 1)
        record = QPushButton("查看签批与拨付记录")
        record.clicked.connect(self.show_record)
        go = QPushButton("前往拨付页")
        go.clicked.connect(lambda: self.ctx.window.go_to("拨付") if self.ctx.window else None)
        top.addWidget(record)
        top.addWidget(go)
        layout.addLayout(top)
        self.policy_notice = QLabel()  # a policy ending or ended: services.catalogue.expiry_notices
        self.policy_notice.setWordWrap(True)
        self.policy_notice.setStyleSheet("color: #9a5b00; font-weight: bold;")
        self.policy_notice.linkActivated.connect(
            lambda _link: self.ctx.window.go_to("政策规则") if self.ctx.window else None
        )
        layout.addWidget(self.policy_notice)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b03a2e;")
        layout.addWidget(self.warnings)
        self.model = TodoModel(self)
        self.table = make_table(self.model, self, sortable=True)
        self.table.doubleClicked.connect(lambda _i: self.show_record())
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        from desktop.services.catalogue import expiry_notices
        from desktop.services.deadlines import payment_deadline_days, todo
        from desktop.services.workcalendar import WorkCalendar

        notices = expiry_notices(self.ctx.db)
        self.policy_notice.setText(
            "<br>".join(f"⚠ {n}" for n in notices) + " <a href='policy'>前往政策规则</a>"
            if notices
            else ""
        )
        self.policy_notice.setVisible(bool(notices))

        items = todo(self.ctx.db)
        self.model.set_rows(items)
        late = sum(t.overdue for t in items)
        kinds: dict[str, int] = {}
        for t in items:
            kinds[t.kind] = kinds.get(t.kind, 0) + 1
        by_kind = "，".join(f"{k}{v}项" for k, v in kinds.items())
        self.summary.setText(
            f"待办 {len(items)} 项（{by_kind or '无'}），其中逾期 {late} 项；"
            f"兑现时限 {payment_deadline_days(self.ctx.db)} 个工作日"
        )
        calendar = WorkCalendar(self.ctx.db)
        for t in items:
            if t.due:
                calendar.is_workday(t.due)
        self.warnings.setText("⚠ " + "；".join(calendar.warnings) if calendar.warnings else "")
        self.warnings.setVisible(bool(calendar.warnings))

    def show_record(self):
        rows = self.table.source_rows()  # through the sort proxy: the row the clerk sees
        award_id = self.model.row(rows[0]).award_id if rows else None
        return open_record(self.ctx, self, award_id)
