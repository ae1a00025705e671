"""Dialogs of the payment path, opened with award ids (from 核定与审核 and the 拨付 view):
签批, 公示异议, 追回, the record of one award (签批、公示、拨付、追回) and report exports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.money import format_yuan
from desktop.ui import messages
from desktop.ui.common import AWARDS, AppContext, TextDialog, keep_open


class _FormDialog(QDialog):
    """A titled form with 确定/取消; ``submit()`` returns True when the service accepted it."""

    def __init__(self, parent: QWidget | None, title: str, intro: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.layout_ = QVBoxLayout(self)
        label = QLabel(intro)
        label.setWordWrap(True)
        self.layout_.addWidget(label)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def submit(self) -> bool:
        raise NotImplementedError

    def _accept(self) -> None:
        if self.submit():
            self.accept()


def date_edit(value: QDate | None = None) -> QDateEdit:
    edit = QDateEdit(value or QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


# -- 签批 ----------------------------------------------------------------------------------------


class SignDialog(_FormDialog):
    """Sign the chosen awards at their current node (awards.approve)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None, award_ids: Sequence[int]) -> None:
        from desktop.services import signoff
        from desktop.services.awards import get_award

        self.ctx, self.award_ids = ctx, list(award_ids)
        nodes = signoff.chain(ctx.db)
        done = signoff.signatures(ctx.db, self.award_ids)
        lines = []
        for award_id in self.award_ids[:6]:
            award = get_award(ctx.db, award_id)
            n = len(done.get(award_id, []))
            node = nodes[min(n, len(nodes) - 1)]
            lines.append(
                f"编号{award.id} {award.enterprise_name} {format_yuan(award.amount_fen)}元："
                f"第{node.no}/{len(nodes)}节点“{node.name}”（{node.role}）"
            )
        if len(self.award_ids) > 6:
            lines.append(f"……共{len(self.award_ids)}条")
        chain = " → ".join(n.name for n in nodes)
        super().__init__(
            parent,
            "签批",
            f"签批节点：{chain}\n"
            + "\n".join(lines)
            + "\n签批时核查预算和严重失信主体名单；同一人只能签批一个节点。",
        )
        self.opinion = QLineEdit("同意")
        self.minutes = QLineEdit()
        self.minutes.setPlaceholderText("局务会节点必填，如 2024年第9次局务会")
        self.form.addRow("签批意见：", self.opinion)
        self.form.addRow("局务会纪要编号：", self.minutes)
        self.summary: Any = None

    def submit(self) -> bool:
        from desktop.services.awards import approve

        self.summary = self.ctx.call(
            self,
            approve,
            self.ctx.db,
            self.ctx.year,
            self.award_ids,
            opinion=self.opinion.text(),
            minutes_no=self.minutes.text(),
        )
        if self.summary is None:
            return False
        self.ctx.notify(AWARDS)
        s = self.summary
        messages.show_info(
            self.parentWidget(),
            f"已审核 {s.approved} 条，金额 {format_yuan(s.total_fen)} 元"
            + (f"；签批 {s.signed} 条，待下一节点签批" if s.signed else "")
            + "".join(f"\n提示：{n}" for n in s.notices),
            "签批",
        )
        return True


# -- 公示异议 ------------------------------------------------------------------------------------


class ObjectionDialog(_FormDialog):
    """Register a real-name objection against an award in 公示."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None, award_id: int, publicity: Any
    ) -> None:
        from desktop.services.publicity import CHANNELS

        self.ctx, self.award_id, self.publicity = ctx, award_id, publicity
        super().__init__(
            parent,
            "登记公示异议",
            f"公示{publicity.id}（{publicity.start_date}至{publicity.end_date}），核定结果{award_id}。"
            "异议须实名并留联系电话，收到日期须在公示期内。",
        )
        self.person = QLineEdit()
        self.phone = QLineEdit()
        self.channel = QComboBox()
        self.channel.addItems(CHANNELS)
        start = QDate.fromString(publicity.start_date, "yyyy-MM-dd")
        self.received = date_edit(start)
        self.content = QPlainTextEdit()
        self.content.setMinimumHeight(90)
        self.form.addRow("提出人姓名：", self.person)
        self.form.addRow("联系电话：", self.phone)
        self.form.addRow("反映方式：", self.channel)
        self.form.addRow("收到日期：", self.received)
        self.form.addRow("异议内容：", self.content)
        self.objection_id: int | None = None

    def submit(self) -> bool:
        from desktop.services.publicity import add_objection

        self.objection_id = self.ctx.call(
            self,
            add_objection,
            self.ctx.db,
            self.publicity.id,
            self.award_id,
            f"{self.person.text().strip()} {self.phone.text().strip()}",
            self.received.date().toString("yyyy-MM-dd"),
            self.content.toPlainText(),
            channel=self.channel.currentText(),
        )
        if self.objection_id is None:
            return False
        self.ctx.notify(AWARDS)
        return True


class CloseObjectionDialog(_FormDialog):
    """成立 (revokes the award for correction) or 不成立, with the reason."""

    def __init__(self, ctx: AppContext, parent: QWidget | None, objection: Any) -> None:
        self.ctx, self.objection = ctx, objection
        super().__init__(
            parent,
            "处理公示异议",
            f"异议{objection.id}：{objection.person}（{objection.contact}）{objection.received_on}"
            f"提出：{objection.content}\n结论为“成立”时撤销核定结果{objection.award_id}，"
            "更正事项后重新计算、重新审核。",
        )
        self.outcome = QComboBox()
        self.outcome.addItems(["不成立", "成立"])
        self.reason = QPlainTextEdit()
        self.reason.setMinimumHeight(80)
        self.form.addRow("结论：", self.outcome)
        self.form.addRow("处理情况及理由：", self.reason)

    def submit(self) -> bool:
        from desktop.services.publicity import close_objection

        done = self.ctx.call(
            self,
            close_objection,
            self.ctx.db,
            self.objection.id,
            self.outcome.currentText(),
            self.reason.toPlainText(),
        )
        if done is None:
            return False
        self.ctx.notify(AWARDS)
        return True


# -- 追回 ----------------------------------------------------------------------------------------


class ClawbackDialog(_FormDialog):
    """Record a clawback against a paid award, optionally offset against a later unpaid award."""

    def __init__(self, ctx: AppContext, parent: QWidget | None, award: Any) -> None:
        from desktop.core import status
        from desktop.services.awards import awards_of_enterprise

        self.ctx, self.award = ctx, award
        super().__init__(
            parent,
            "登记追回",
            f"{award.enterprise_name}，核定结果{award.id}（{award.rule_code}，"
            f"{format_yuan(award.amount_fen)}元，{award.status}）。",
        )
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("追回金额（元）")
        self.reason = QLineEdit()
        self.document = QLineEdit()
        self.document.setPlaceholderText("追回依据文号（可选）")
        self.offset = QComboBox()
        self.offset.addItem("企业退回（不抵扣）", None)
        unpaid = (status.DRAFT, *status.COMMITTED_UNPAID)
        for other in awards_of_enterprise(ctx.db, award.enterprise_id):
            if other.id != award.id and other.status in unpaid and other.amount_fen > 0:
                self.offset.addItem(
                    f"抵扣核定结果{other.id}（{other.year}年 {other.rule_code} "
                    f"{format_yuan(other.amount_fen)}元）",
                    other.id,
                )
        self.form.addRow("追回金额（元）：", self.amount)
        self.form.addRow("追回理由：", self.reason)
        self.form.addRow("依据文号：", self.document)
        self.form.addRow("追回方式：", self.offset)
        self.clawback_id: int | None = None

    def submit(self) -> bool:
        from desktop.services.clawbacks import add_clawback

        self.clawback_id = self.ctx.call(
            self,
            add_clawback,
            self.ctx.db,
            self.award.id,
            self.amount.text(),
            self.reason.text(),
            document=self.document.text(),
            offset_against=self.offset.currentData(),
        )
        if self.clawback_id is None:
            return False
        self.ctx.notify(AWARDS)
        return True


# -- the record of one award, exports ------------------------------------------------------------


def record_text(ctx: AppContext, award_id: int) -> str:
    """签批、公示与异议、失信核查、拨付与追回 of one award, as text for a read-only dialog."""
    from desktop.services.dossier import dossier

    d = dossier(ctx.db, award_id)
    lines = [
        f"核定结果{award_id} {d.award.enterprise_name}，{d.award.status}，"
        f"核定金额 {format_yuan(d.award.amount_fen)} 元",
        "",
        "签批：",
    ]
    lines += [
        f"  第{s.node_no}/{s.node_count}节点 {s.node_name}：{s.signer} {s.signed_at.replace('T', ' ')}"
        f"  意见：{s.opinion or '同意'}"
        + (f"  纪要：{s.minutes_no}" if s.minutes_no else "")
        + f"\n    失信核查：{s.blacklist_note}\n    预算：{s.budget_note}"
        for s in d.signatures
    ] or ["  （尚无签批）"]
    lines.append("公示：")
    if d.publicity:
        p = d.publicity
        lines.append(f"  公示{p.id}：{p.start_date} 至 {p.end_date}（{p.days}个工作日）")
    lines += [
        f"  异议{o.id}：{o.person} {o.received_on} {o.content} — {o.outcome or '待处理'}"
        + (f"（{o.handling}）" if o.handling else "")
        for o in d.objections
    ] or ([] if d.publicity else ["  （尚未公示）"])
    lines.append("拨付：")
    lines += [
        f"  批次{i.batch_id} 序号{i.seq} {format_yuan(i.amount_fen)}元 {i.result or '待结果'}"
        f" {i.paid_on or ''} {i.voucher or i.result_reason or ''}".rstrip()
        for i in d.payments
    ] or ["  （尚未拨付）"]
    if d.clawbacks:
        lines.append("追回：")
        lines += [
            f"  追回{c.id} {format_yuan(c.amount_fen)}元 {c.reason} {c.status}" for c in d.clawbacks
        ]
    return "\n".join(lines)


def export_report_to(
    ctx: AppContext,
    parent: QWidget | None,
    name: str,
    default_name: str,
    *,
    key: int | None = None,
    year: int | None = None,
    path: Path | None = None,
    on_done: Callable[[Any], None] | None = None,
):
    """Ask for a file name (.xlsx or .pdf) and export payment-path report ``name`` on a worker."""
    from desktop.ui.export_flow import run_export

    if path is None:
        chosen, _ = QFileDialog.getSaveFileName(
            parent,
            "导出",
            str(Path.home() / default_name),
            "PDF 文件 (*.pdf);;Excel 工作簿 (*.xlsx)",
        )
        if not chosen:
            return None
        path = Path(chosen)
    fmt = "pdf" if path.suffix.lower() == ".pdf" else "excel"
    if path.suffix.lower() not in (".pdf", ".xlsx"):
        path = path.with_suffix(".pdf")
    return run_export(
        ctx,
        parent,
        name,
        fmt,
        path,
        year=year,
        credit_code=None if key is None else str(key),
        on_done=on_done,
    )


# -- entry points with award ids -----------------------------------------------------------------


def open_sign(ctx: AppContext, parent: QWidget | None, award_ids: Sequence[int]) -> QDialog | None:
    from desktop.core import status
    from desktop.services.awards import get_award

    signable = (status.DRAFT, status.IN_REVIEW)
    award_ids = [
        i for i in award_ids if (a := get_award(ctx.db, i)).status in signable and a.amount_fen > 0
    ]
    if not award_ids:
        messages.show_info(parent, "请先选择金额大于0的草稿或审核中的核定结果。")
        return None
    dialog = ctx.call(parent, SignDialog, ctx, parent, award_ids)
    if dialog is not None:
        keep_open(dialog).open()
    return dialog


def open_objection(ctx: AppContext, parent: QWidget | None, award_id: int | None) -> QDialog | None:
    from desktop.services.publicity import publicity_of_award

    publicity = None if award_id is None else publicity_of_award(ctx.db, award_id)
    if publicity is None:
        messages.show_info(parent, "请先选择一条已列入公示的核定结果。")
        return None
    dialog = ObjectionDialog(ctx, parent, award_id, publicity)
    keep_open(dialog).open()
    return dialog


def open_clawback(ctx: AppContext, parent: QWidget | None, award_id: int | None) -> QDialog | None:
    from desktop.services.awards import get_award

    award = None if award_id is None else ctx.call(parent, get_award, ctx.db, award_id)
    if award is None:
        messages.show_info(parent, "请先选择一条已拨付的核定结果。")
        return None
    dialog = ClawbackDialog(ctx, parent, award)
    keep_open(dialog).open()
    return dialog


def open_record(ctx: AppContext, parent: QWidget | None, award_id: int | None) -> QDialog | None:
    if award_id is None:
        messages.show_info(parent, "请先选择一条核定结果。")
        return None
    text = ctx.call(parent, record_text, ctx, award_id)
    if text is None:
        return None
    dialog = TextDialog(parent, f"签批与拨付记录 — 核定结果编号{award_id}", text)
    keep_open(dialog).open()
    return dialog


def open_dossier(
    ctx: AppContext, parent: QWidget | None, award_id: int | None, path: Path | None = None
):
    if award_id is None:
        messages.show_info(parent, "请先选择一条核定结果。")
        return None
    return export_report_to(
        ctx, parent, "dossier", f"审计档案-核定结果{award_id}.pdf", key=award_id, path=path
    )


def payment_menu(ctx: AppContext, parent: QWidget, selected_ids: Callable[[], list[int]]):
    """The 签批与拨付 menu of 核定与审核: every step of the payment path for the selected awards."""
    from PySide6.QtWidgets import QMenu

    def first() -> int | None:
        ids = selected_ids()
        return ids[0] if ids else None

    menu = QMenu(parent)
    entries = (
        ("签批所选（按签批节点）…", lambda: open_sign(ctx, parent, selected_ids())),
        ("登记公示异议…", lambda: open_objection(ctx, parent, first())),
        ("登记追回…", lambda: open_clawback(ctx, parent, first())),
        ("签批与拨付记录", lambda: open_record(ctx, parent, first())),
        ("导出审计档案…", lambda: open_dossier(ctx, parent, first())),
        (None, None),
        ("公示、拨付批次、预算…（拨付页）", lambda: _go_to(ctx, "拨付")),
    )
    for text, action in entries:
        if text is None:
            menu.addSeparator()
        else:
            menu.addAction(text).triggered.connect(lambda _c=False, a=action: a())
    return menu


def _go_to(ctx: AppContext, title: str) -> None:
    window = ctx.window
    if window is not None and hasattr(window, "go_to"):
        window.go_to(title)
