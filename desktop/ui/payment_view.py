"""拨付: 公示 and objections, payment batches and 财政's results, budgets, clawbacks, the 失信
list and the settings of the path (签批节点, 兑现时限, 工作日历). Every action calls one service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.money import amount_in_words, format_yuan
from desktop.ui import messages
from desktop.ui.common import (
    AWARDS,
    ENTERPRISES,
    POLICIES,
    XLSX_FILTER,
    AppContext,
    View,
    choose_open_file,
    keep_open,
    make_table,
)
from desktop.ui.models import Column, ListTableModel
from desktop.ui.payment_dialogs import (
    CloseObjectionDialog,
    _FormDialog,
    date_edit,
    export_report_to,
)


def _table(parent: QWidget, columns: list[Column], *, multi: bool = False):
    model = ListTableModel(parent, columns)
    return model, make_table(model, parent, sortable=True, multi=multi)


def _selected(model: ListTableModel, view) -> Any:
    """The record of the row the clerk selected (through the sort proxy: never a proxy position
    taken as a row of the model)."""
    rows = view.source_rows()
    return model.row(rows[0]) if rows else None


def _buttons(layout: QVBoxLayout, *items: tuple[str, Any]) -> list[QPushButton]:
    row = QHBoxLayout()
    out = []
    for text, slot in items:
        button = QPushButton(text)
        button.clicked.connect(lambda _c=False, s=slot: s())
        row.addWidget(button)
        out.append(button)
    row.addStretch(1)
    layout.addLayout(row)
    return out


class PublicityDialog(_FormDialog):
    """A new 公示 of the year's 已审核 awards: start date and working days; the end date is shown
    as it will be counted (holidays and 调休), with the calendar's warning for uncovered years."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        from desktop.services.publicity import DEFAULT_DAYS, PHONE_SETTING

        self.ctx = ctx
        super().__init__(parent, "新建公示", f"将{ctx.year}年度尚未公示的已审核核定结果列入公示。")
        self.start = date_edit()
        self.days = QSpinBox()
        self.days.setRange(1, 60)
        self.days.setValue(DEFAULT_DAYS)
        self.phone = QLineEdit(ctx.db.setting(PHONE_SETTING) or "")
        self.end = QLabel()
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b03a2e; font-weight: bold;")
        self.form.addRow("公示开始日期：", self.start)
        self.form.addRow("公示工作日数：", self.days)
        self.form.addRow("监督电话：", self.phone)
        self.form.addRow("公示结束日期：", self.end)
        self.layout_.insertWidget(2, self.warning)
        self.setMinimumWidth(640)
        self.start.dateChanged.connect(lambda _d: self.update_end())
        self.days.valueChanged.connect(lambda _v: self.update_end())
        self.update_end()
        self.created: Any = None

    def update_end(self) -> None:
        from desktop.services.workcalendar import WorkCalendar

        calendar = WorkCalendar(self.ctx.db)
        start = self.start.date().toPython()
        end = calendar.end_date(start, self.days.value())
        self.end.setText(f"{end.isoformat()}（按工作日历，含节假日与调休）")
        self.warning.setText("⚠ " + "；".join(calendar.warnings) if calendar.warnings else "")
        self.warning.setVisible(bool(calendar.warnings))
        self.adjustSize()

    def submit(self) -> bool:
        from desktop.services.publicity import create_publicity

        self.created = self.ctx.call(
            self,
            create_publicity,
            self.ctx.db,
            self.ctx.year,
            self.start.date().toString("yyyy-MM-dd"),
            self.days.value(),
            phone=self.phone.text().strip() or None,
        )
        if self.created is None:
            return False
        self.ctx.notify(AWARDS)
        return True


class BudgetDialog(_FormDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None, source: str = "区级财政") -> None:
        self.ctx = ctx
        super().__init__(parent, "设置预算", f"{ctx.year}年度奖补资金预算（按资金来源）。")
        self.source = QLineEdit(source)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("如 5000000 或 500万")
        self.form.addRow("资金来源：", self.source)
        self.form.addRow("预算金额（元）：", self.amount)

    def submit(self) -> bool:
        from desktop.services.budget import set_budget

        done = self.ctx.call(
            self, set_budget, self.ctx.db, self.ctx.year, self.source.text(), self.amount.text()
        )
        if done is None:
            return False
        self.ctx.notify(AWARDS)
        return True


class RefundDialog(_FormDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None, clawback: Any) -> None:
        self.ctx, self.clawback = ctx, clawback
        super().__init__(
            parent,
            "登记已追回",
            f"追回{clawback.id}：{clawback.enterprise} {format_yuan(clawback.amount_fen)}元（{clawback.reason}）",
        )
        self.on = date_edit()
        self.voucher = QLineEdit()
        self.form.addRow("退回日期：", self.on)
        self.form.addRow("凭证号：", self.voucher)

    def submit(self) -> bool:
        from desktop.services.clawbacks import record_refund

        ok = self.ctx.attempt(
            self,
            record_refund,
            self.ctx.db,
            self.clawback.id,
            self.on.date().toPython(),
            self.voucher.text().strip() or None,
        )
        if ok:
            self.ctx.notify(AWARDS)
        return ok


class PaymentView(View):
    title = "拨付"
    depends_on = frozenset({AWARDS, ENTERPRISES, POLICIES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.dialogs: list[QWidget] = []
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self._build_publicity()
        self._build_batches()
        self._build_budget()
        self._build_clawbacks()
        self._build_blacklist()
        self._build_settings()

    # -- 公示 ------------------------------------------------------------------------------------
    def _build_publicity(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        _buttons(
            box,
            ("新建公示…", self.new_publicity),
            ("导出公示名单…", self.export_publicity),
            ("处理所选异议…", self.close_objection),
        )
        self.pub_model, self.pub_table = _table(
            page,
            [
                Column("公示编号", lambda p: p.id, "int", 5),
                Column("年度", lambda p: p.year, "center", 4),
                Column("公示开始", lambda p: p.start_date, "center", 6),
                Column("公示结束", lambda p: p.end_date, "center", 6),
                Column("工作日", lambda p: p.days, "int", 4),
                Column("笔数", lambda p: p.awards, "int", 4),
                Column("合计（元）", lambda p: p.total_fen, "amount", 8),
                Column("未处理异议", lambda p: p.open_objections, "int", 5),
                Column("监督电话", lambda p: p.phone, "text", 8),
                Column("日历提示", lambda p: p.calendar_note, "text", 20, tooltip=True),
            ],
        )
        box.addWidget(self.pub_table, 2)
        box.addWidget(QLabel("异议登记簿（所选公示）："))
        self.obj_model, self.obj_table = _table(
            page,
            [
                Column("异议编号", lambda o: o.id, "int", 4),
                Column("核定结果", lambda o: o.award_id, "int", 4),
                Column("提出人", lambda o: o.person, "text", 4),
                Column("联系电话", lambda o: o.contact, "text", 7),
                Column("方式", lambda o: o.channel, "center", 4),
                Column("收到日期", lambda o: o.received_on, "center", 6),
                Column("内容", lambda o: o.content, "text", 18, tooltip=True),
                Column("结论", lambda o: o.outcome or "待处理", "center", 4),
                Column("处理情况", lambda o: o.handling or "", "text", 14, tooltip=True),
            ],
        )
        box.addWidget(self.obj_table, 1)
        self.pub_table.selectionModel().selectionChanged.connect(lambda *_: self._load_objections())
        self.tabs.addTab(page, "公示与异议")

    def _load_objections(self) -> None:
        from desktop.services.publicity import list_objections

        pub = _selected(self.pub_model, self.pub_table)
        self.obj_model.set_rows(
            [] if pub is None else list_objections(self.ctx.db, publicity_id=pub.id)
        )

    def new_publicity(self) -> PublicityDialog:
        dialog = PublicityDialog(self.ctx, self)
        keep_open(dialog).open()
        return dialog

    def export_publicity(self, path: Path | None = None):
        pub = _selected(self.pub_model, self.pub_table)
        if pub is None:
            messages.show_info(self, "请先选择一个公示。")
            return None
        return export_report_to(
            self.ctx,
            self,
            "publicity",
            f"{pub.year}年度奖补公示名单-{pub.id}.pdf",
            key=pub.id,
            path=path,
        )

    def close_objection(self):
        objection = _selected(self.obj_model, self.obj_table)
        if objection is None or objection.outcome is not None:
            messages.show_info(self, "请先选择一件待处理的异议。")
            return None
        dialog = CloseObjectionDialog(self.ctx, self, objection)
        keep_open(dialog).open()
        return dialog

    # -- 拨付批次 --------------------------------------------------------------------------------
    def _build_batches(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        _buttons(
            box,
            ("预览可拨付…", self.preview_batch),
            ("生成拨付批次…", self.new_batch),
            ("导出拨付清单…", self.export_batch),
            ("导入财政支付结果…", self.import_result),
        )
        self.batch_model, self.batch_table = _table(
            page,
            [
                Column("批次", lambda b: b.id, "int", 4),
                Column("年度", lambda b: b.year, "center", 4),
                Column("生成时间", lambda b: b.created_at.replace("T", " "), "center", 9),
                Column("生成人", lambda b: b.created_by, "text", 5),
                Column("笔数", lambda b: len(b.items), "int", 4),
                Column("合计（元）", lambda b: b.total_fen, "amount", 9),
                Column("状态", lambda b: b.state, "text", 10),
            ],
        )
        box.addWidget(self.batch_table, 1)
        box.addWidget(QLabel("拨付明细（所选批次）："))
        self.item_model, self.item_table = _table(
            page,
            [
                Column("序号", lambda i: i.seq, "int", 3),
                Column("核定结果", lambda i: i.award_id, "int", 4),
                Column("收款单位", lambda i: i.payee, "text", 14),
                Column("开户银行", lambda i: i.bank_name, "text", 10),
                Column("银行账号", lambda i: i.bank_account, "text", 10),
                Column("金额（元）", lambda i: i.amount_fen, "amount", 8),
                Column("资金来源", lambda i: i.fund_source, "text", 5),
                Column("摘要", lambda i: i.summary, "text", 18, tooltip=True),
                Column("支付状态", lambda i: i.result or "待结果", "center", 4),
                Column(
                    "日期/凭证/原因",
                    lambda i: " ".join(x for x in (i.paid_on, i.voucher, i.result_reason) if x),
                    "text",
                    12,
                ),
            ],
        )
        box.addWidget(self.item_table, 2)
        self.batch_table.selectionModel().selectionChanged.connect(lambda *_: self._load_items())
        self.tabs.addTab(page, "拨付批次")

    def _load_items(self) -> None:
        batch = _selected(self.batch_model, self.batch_table)
        self.item_model.set_rows([] if batch is None else batch.items)

    def preview_batch(self):
        from desktop.services.payments import plan_batch

        planned = self.ctx.call(self, plan_batch, self.ctx.db, self.ctx.year)
        if planned is None:
            return None
        items, left = planned
        total = sum(i["amount_fen"] for i in items)
        text = f"{self.ctx.year}年度现可拨付 {len(items)} 笔，合计 {format_yuan(total)} 元（{amount_in_words(total)}）。"
        if left:
            text += f"\n未列入 {len(left)} 笔："
        return messages.show_info(
            self, text, "可拨付预览", "\n".join(x.text() for x in left) or None
        )

    def new_batch(self, path: Path | None = None):
        from desktop.services.payments import create_batch

        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "拨付清单保存为",
                str(Path.home() / f"{self.ctx.year}年度拨付清单.xlsx"),
                "Excel 工作簿 (*.xlsx);;PDF 文件 (*.pdf)",
            )
            if not chosen:
                return None
            path = Path(chosen)
        batch = self.ctx.call(self, create_batch, self.ctx.db, self.ctx.year)
        if batch is None:
            return None
        self.ctx.notify(AWARDS)
        if batch.left_out:
            messages.show_info(
                self,
                f"拨付批次{batch.id}：{len(batch.items)}笔，合计 {format_yuan(batch.total_fen)} 元；"
                f"未列入 {len(batch.left_out)} 笔（见详细信息）。",
                "拨付批次",
                "\n".join(x.text() for x in batch.left_out),
            )
        return export_report_to(self.ctx, self, "payment", path.name, key=batch.id, path=path)

    def export_batch(self, path: Path | None = None):
        batch = _selected(self.batch_model, self.batch_table)
        if batch is None:
            messages.show_info(self, "请先选择一个拨付批次。")
            return None
        return export_report_to(
            self.ctx,
            self,
            "payment",
            f"{batch.year}年度拨付清单-批次{batch.id}.xlsx",
            key=batch.id,
            path=path,
        )

    def import_result(self, path: Path | None = None):
        from desktop.services.payments import import_result

        batch = _selected(self.batch_model, self.batch_table)
        if batch is None:
            messages.show_info(self, "请先选择要导入支付结果的拨付批次。")
            return None
        path = path or choose_open_file(self, "财政支付结果文件", XLSX_FILTER)
        if path is None:
            return None
        result = self.ctx.call(self, import_result, self.ctx.db, batch.id, path)
        if result is not None:
            self.ctx.notify(AWARDS)
            messages.show_info(self, result.summary(), "导入支付结果")
        return result

    # -- 预算 ------------------------------------------------------------------------------------
    def _build_budget(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        _buttons(box, ("设置预算…", self.set_budget), ("导出资金使用情况表…", self.export_budget))
        self.budget_model, self.budget_table = _table(
            page,
            [
                Column("资金来源", lambda x: x.source, "text", 10),
                Column("预算（元）", lambda x: x.budget_fen, "amount", 10),
                Column("已审核未拨付（元）", lambda x: x.committed_fen, "amount", 10),
                Column("已拨付（元）", lambda x: x.paid_fen, "amount", 10),
                Column("余额（元）", lambda x: x.remaining_fen, "amount", 10),
            ],
        )
        box.addWidget(self.budget_table, 1)
        box.addWidget(QLabel("以后年度已承诺的分年兑现（供财政编制预算）："))
        self.future_model, self.future_table = _table(
            page,
            [
                Column("兑现年度", lambda x: x[0], "center", 6),
                Column("资金来源", lambda x: x[1], "text", 10),
                Column("金额（元）", lambda x: x[2], "amount", 10),
            ],
        )
        box.addWidget(self.future_table, 1)
        self.tabs.addTab(page, "预算")

    def set_budget(self) -> BudgetDialog:
        dialog = BudgetDialog(self.ctx, self)
        keep_open(dialog).open()
        return dialog

    def export_budget(self, path: Path | None = None):
        return export_report_to(
            self.ctx,
            self,
            "budget",
            f"{self.ctx.year}年度资金使用情况表.pdf",
            year=self.ctx.year,
            path=path,
        )

    # -- 追回 ------------------------------------------------------------------------------------
    def _build_clawbacks(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        _buttons(box, ("登记已追回…", self.record_refund), ("导出追回台账…", self.export_clawbacks))
        self.claw_model, self.claw_table = _table(
            page,
            [
                Column("编号", lambda c: c.id, "int", 3),
                Column("企业名称", lambda c: c.enterprise, "text", 14),
                Column("核定结果", lambda c: c.award_id, "int", 4),
                Column("追回金额（元）", lambda c: c.amount_fen, "amount", 8),
                Column("理由", lambda c: c.reason, "text", 16, tooltip=True),
                Column("文号", lambda c: c.document, "text", 8),
                Column("登记日期", lambda c: c.decided_on, "center", 6),
                Column("状态", lambda c: c.status, "center", 4),
                Column(
                    "方式",
                    lambda c: (
                        c.recovered_how or (f"抵扣{c.offset_award_id}" if c.offset_award_id else "")
                    ),
                    "center",
                    5,
                ),
                Column("追回日期", lambda c: c.recovered_on or "", "center", 6),
            ],
        )
        box.addWidget(self.claw_table, 1)
        self.tabs.addTab(page, "追回")

    def record_refund(self):
        claw = _selected(self.claw_model, self.claw_table)
        if claw is None or claw.status != "待追回":
            messages.show_info(self, "请先选择一笔待追回的记录。")
            return None
        dialog = RefundDialog(self.ctx, self, claw)
        keep_open(dialog).open()
        return dialog

    def export_clawbacks(self, path: Path | None = None):
        return export_report_to(
            self.ctx,
            self,
            "clawbacks",
            f"{self.ctx.year}年度追回台账.pdf",
            year=self.ctx.year,
            path=path,
        )

    # -- 失信名单 ----------------------------------------------------------------------------------
    def _build_blacklist(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        _buttons(box, ("导入严重失信主体名单…", self.import_blacklist))
        self.list_note = QLabel()
        box.addWidget(self.list_note)
        self.black_model, self.black_table = _table(
            page,
            [
                Column("统一社会信用代码", lambda x: x.credit_code, "text", 11),
                Column("名称", lambda x: x.name, "text", 14),
                Column("列入日期", lambda x: x.listed_on, "center", 6),
                Column("移出日期", lambda x: x.removed_on or "", "center", 6),
                Column("列入机关", lambda x: x.authority, "text", 10),
                Column("事由", lambda x: x.reason, "text", 20, tooltip=True),
            ],
        )
        box.addWidget(self.black_table, 1)
        self.tabs.addTab(page, "失信名单")

    def import_blacklist(self, path: Path | None = None):
        from desktop.services.blacklist import import_blacklist

        path = path or choose_open_file(self, "严重失信主体名单", XLSX_FILTER)
        if path is None:
            return None
        result = self.ctx.call(self, import_blacklist, self.ctx.db, path)
        if result is not None:
            self.ctx.notify(AWARDS)
            messages.show_info(
                self,
                f"已导入严重失信主体名单{result.rows}条，其中本系统企业{result.registered}户。",
                "失信名单",
            )
        return result

    # -- 设置 ------------------------------------------------------------------------------------
    def _build_settings(self) -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("签批节点（节点:角色，逗号分隔）："))
        self.chain_edit = QLineEdit()
        row.addWidget(self.chain_edit, 1)
        save_chain = QPushButton("保存签批节点")
        save_chain.clicked.connect(self.save_chain)
        row.addWidget(save_chain)
        box.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("兑现时限（自审核通过至拨付，工作日）："))
        self.deadline = QSpinBox()
        self.deadline.setRange(1, 365)
        row.addWidget(self.deadline)
        save_deadline = QPushButton("保存兑现时限")
        save_deadline.clicked.connect(self.save_deadline)
        row.addWidget(save_deadline)
        row.addStretch(1)
        box.addLayout(row)
        calendar = QPushButton("工作日历（节假日与调休）…")
        calendar.clicked.connect(self.open_calendar)
        row = QHBoxLayout()
        row.addWidget(calendar)
        row.addStretch(1)
        box.addLayout(row)
        box.addStretch(1)
        self.tabs.addTab(page, "设置")

    def save_chain(self) -> bool:
        from desktop.services.signoff import set_chain

        ok = self.ctx.attempt(self, set_chain, self.ctx.db, self.chain_edit.text())
        if ok:
            messages.show_info(self, "签批节点已保存。", "签批节点")
        return ok

    def save_deadline(self) -> bool:
        from desktop.services.deadlines import set_payment_deadline_days

        return self.ctx.attempt(self, set_payment_deadline_days, self.ctx.db, self.deadline.value())

    def open_calendar(self):
        from desktop.ui.calendar_dialog import CalendarDialog

        dialog = CalendarDialog(self.ctx, self, QDate.currentDate().year())
        keep_open(dialog).open()
        return dialog

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        from desktop.services.blacklist import list_in_force, listed_entries
        from desktop.services.budget import budget_lines, future_installments
        from desktop.services.clawbacks import list_clawbacks
        from desktop.services.deadlines import payment_deadline_days
        from desktop.services.payments import list_batches
        from desktop.services.publicity import list_publicities
        from desktop.services.signoff import chain, chain_text

        db, year = self.ctx.db, self.ctx.year
        self.pub_model.set_rows(list_publicities(db, year))
        self._load_objections()
        self.batch_model.set_rows(list_batches(db, year))
        self._load_items()
        self.budget_model.set_rows(budget_lines(db, year))
        self.future_model.set_rows(future_installments(db, year))
        self.claw_model.set_rows(list_clawbacks(db, year=year))
        current = list_in_force(db)
        self.list_note.setText(f"现行名单：{current.note}")
        self.black_model.set_rows(listed_entries(db))
        self.chain_edit.setText(chain_text(chain(db)))
        self.deadline.setValue(payment_deadline_days(db))
