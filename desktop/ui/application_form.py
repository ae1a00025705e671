"""奖补事项 form: enterprise by completer, rule with its clause text, method-dependent fields and a
live preview of what the engine would award (``preview_application``) before anything is saved."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QStringListModel, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DomainError, ValidationError
from desktop.core.methods import LEVELS, MatterNeeds
from desktop.core.money import format_yuan, parse_amount
from desktop.core.rules import RuleVersion
from desktop.ui import messages, theme
from desktop.ui.common import AppContext
from desktop.ui.forms import DateField, GuardedDialog
from desktop.ui.service_gaps import ApplicationRow

AUTO = "（按市级政策文号自动匹配条款）"
_CODE = re.compile(r"[0-9A-Z]{18}")
PREVIEW_MS = 200


def rule_summary(rule: RuleVersion) -> str:
    """计算方法 and parameters in one line, e.g. 按比例配套：市级资金×30%，最高1,500,000.00元."""
    try:
        return f"{rule.method_label}：{rule.summary}"
    except DomainError:  # stored parameters the method refuses: say which rule, keep the form
        return f"{rule.method_label}（参数有误，请在政策规则中核对）"


class AmountField(QWidget):
    """A text field for 元 that accepts 1,234,567.89, full-width digits and 万, and says what it read."""

    def __init__(self, field: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("例如 3,205,000.00 或 320.5万")
        self.edit.setMinimumWidth(180)
        self.parsed = QLabel()
        self.parsed.setMinimumWidth(200)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.parsed, 1)
        self.edit.textChanged.connect(self._show)

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def _show(self) -> None:
        text = self.edit.text().strip()
        if not text:
            self.parsed.setText("")
            return
        try:
            fen = parse_amount(text, field=self.field)
        except ValidationError as exc:
            self.parsed.setText(str(exc))
            self.parsed.setStyleSheet(f"color: {theme.ERROR_COLOUR};")
        else:
            self.parsed.setText(f"= {format_yuan(fen)} 元")
            self.parsed.setStyleSheet(f"color: {theme.OK_COLOUR};")


class ApplicationDialog(GuardedDialog):
    def __init__(
        self, ctx: AppContext, row: ApplicationRow | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        from desktop.services.applications import registry_index
        from desktop.services.catalogue import load_catalogue

        self.ctx = ctx
        self.row = row
        self.saved_id: int | None = None
        self.registry = registry_index(ctx.db)
        self.catalogue = load_catalogue(ctx.db)
        self._by_name: dict[str, str] = {}
        for code, (_eid, name) in self.registry.items():
            self._by_name[name] = code if name not in self._by_name else ""
        self.setWindowTitle("新增奖补事项" if row is None else f"修改奖补事项（编号{row.id}）")
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form

        self.enterprise = QLineEdit()
        self.enterprise.setPlaceholderText("输入企业名称或信用代码的一部分，从下拉列表中选择")
        entries = sorted(f"{name}（{code}）" for code, (_e, name) in self.registry.items())
        completer = QCompleter(QStringListModel(entries, self), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        self.enterprise.setCompleter(completer)
        self.enterprise_status = QLabel()
        self.enterprise_status.setWordWrap(True)
        form.addRow("企业", self.enterprise)
        form.addRow("", self.enterprise_status)

        self.rule = QComboBox()
        self.rule.addItem(AUTO, None)
        for code in self.catalogue.codes():
            self.rule.addItem(f"{code}  {self.catalogue.latest(code).name}", code)
        self.rule.setMaxVisibleItems(22)
        self.clause = QLabel()
        self.clause.setWordWrap(True)
        self.clause.setFrameShape(QFrame.Shape.StyledPanel)
        self.clause.setStyleSheet("background: #f7f7f2; padding: 6px;")
        self.clause.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("条款", self.rule)
        form.addRow("条款原文", self.clause)

        self.event_date = DateField("事项日期")
        today = date.today()
        default = (
            today
            if today.year == ctx.year
            else date(ctx.year, min(today.month, 12), min(today.day, 28))
        )
        self.event_date.setDate(default)
        self.event_date.edit.setToolTip(
            "事项日期：市级资金到账日期、认定日期或保单日期；决定奖补年度和适用的政策版本"
        )
        form.addRow("事项日期", self.event_date)

        self.basis = AmountField("基数金额（元）")
        self.level = QComboBox()
        self.manual = AmountField("核定金额（元）")
        self.document = QLineEdit()
        self.document.setPlaceholderText("例如 淄政办字〔2021〕7号")
        self.description = QLineEdit()
        self.description.setMaxLength(500)
        self.same_matter = QLineEdit()
        self.same_matter.setPlaceholderText(
            "可选：同一企业的多个事项属于同一事项时填相同编号（就高不重复）"
        )
        self.basis_label = QLabel("计算基数（元）")
        self.description_label = QLabel("事项说明")
        form.addRow(self.basis_label, self.basis)
        form.addRow("认定级别", self.level)
        form.addRow("核定金额（元）", self.manual)
        form.addRow("市级政策文号", self.document)
        form.addRow(self.description_label, self.description)
        form.addRow("同一事项编号", self.same_matter)
        layout.addLayout(form)

        box = QGroupBox("核定预览（按当前数据试算，尚未保存）")
        preview_layout = QVBoxLayout(box)
        self.preview_amount = QLabel()
        font = self.preview_amount.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.preview_amount.setFont(font)
        self.preview_text = QLabel()
        self.preview_text.setWordWrap(True)
        self.preview_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_warnings = QLabel()
        self.preview_warnings.setWordWrap(True)
        self.preview_warnings.setStyleSheet(f"color: {theme.ERROR_COLOUR};")
        preview_layout.addWidget(self.preview_amount)
        preview_layout.addWidget(self.preview_text)
        preview_layout.addWidget(self.preview_warnings)
        preview_layout.addStretch(1)
        layout.addWidget(box)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_MS)
        self._timer.timeout.connect(self.update_preview)
        self.enterprise.textChanged.connect(self._enterprise_changed)
        self.rule.currentIndexChanged.connect(self._rule_changed)
        self.event_date.dateChanged.connect(lambda _d: self._rule_changed())
        for edit in (
            self.basis.edit,
            self.manual.edit,
            self.document,
            self.description,
            self.same_matter,
        ):
            edit.textChanged.connect(self._changed)
        self.level.currentIndexChanged.connect(self._changed)

        if row is not None:
            self._load(row)
        self._rule_changed()
        self._enterprise_changed()
        self.locked = row is not None and row.locked
        if self.locked:
            self._lock(row)
        else:
            self.enterprise.setFocus(Qt.FocusReason.OtherFocusReason)
        self.mark_clean()

    def _lock(self, row: ApplicationRow) -> None:
        """A matter whose award stands approved opens read-only, saying why and how to correct."""
        self.setWindowTitle(f"查看奖补事项（编号{row.id}，已锁定）")
        self.lock_notice = QLabel(
            f"该事项的核定结果状态为“{row.award_status}”，事项已锁定，不能修改。\n"
            "如确需更正：在“核定与审核”中选中该核定结果 → 撤销审核（写明理由，原结果留档）→ "
            "回到这里修改事项 → 按 F5 重新计算，生成新的草稿 → 审核通过。"
        )
        self.lock_notice.setWordWrap(True)
        self.lock_notice.setStyleSheet(
            f"color: {theme.WARNING_COLOUR}; background: #fff6e0; padding: 6px;"
            " border: 1px solid #e8c77a;"
        )
        self.layout().insertWidget(0, self.lock_notice)
        for edit in (
            self.enterprise,
            self.basis.edit,
            self.manual.edit,
            self.document,
            self.description,
            self.same_matter,
        ):
            edit.setReadOnly(True)
        self.event_date.setReadOnly(True)
        for combo in (self.rule, self.level):
            combo.setEnabled(False)
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()

    # -- loading -------------------------------------------------------------------------------
    def _load(self, row: ApplicationRow) -> None:
        name = self.registry.get(row.credit_code, (0, row.enterprise_name))[1]
        self.enterprise.setText(f"{name}（{row.credit_code}）")
        self.rule.setCurrentIndex(max(self.rule.findData(row.rule_code), 0))
        self.event_date.setDate(row.event_date)
        if row.basis_fen is not None:
            self.basis.setText(format_yuan(row.basis_fen))
        if row.manual_amount_fen is not None:
            self.manual.setText(format_yuan(row.manual_amount_fen))
        self._pending_level = row.level
        self.document.setText(row.city_document or "")
        self.description.setText(row.description or "")
        self.same_matter.setText(row.same_matter_key or "")

    # -- reacting to input ---------------------------------------------------------------------
    def selected_code(self) -> str | None:
        """The credit code the enterprise field names, or None."""
        text = self.enterprise.text().strip().upper()
        for candidate in _CODE.findall(text):
            if candidate in self.registry:
                return candidate
        name = self.enterprise.text().strip()
        return self._by_name.get(name) or None

    def _enterprise_changed(self) -> None:
        from desktop.services.siqiang_lists import years_on_list

        code = self.selected_code()
        if code is None:
            shown = "请从下拉列表中选择已登记的企业" if self.enterprise.text().strip() else ""
            self.enterprise_status.setText(shown)
            self.enterprise_status.setStyleSheet(f"color: {theme.WARNING_COLOUR};")
        else:
            eid, name = self.registry[code]
            years = years_on_list(self.ctx.db, eid)
            year = self.event_year()
            on_list = year in years
            listed = f"已列入{year}年度四强名单" if on_list else f"未列入{year}年度四强名单"
            self.enterprise_status.setText(f"{name}（{code}），{listed}")
            colour = theme.OK_COLOUR if on_list else theme.WARNING_COLOUR
            self.enterprise_status.setStyleSheet(f"color: {colour};")
        self._changed()

    def event_year(self) -> int:
        when = self.event_date.date_or_none()
        return when.year if when is not None else self.ctx.year

    def current_rule(self) -> RuleVersion | None:
        code = self.rule.currentData()
        if code is None:
            return None
        when = self.event_date.date_or_none() or date(self.ctx.year, 1, 1)
        return self.catalogue.in_force(code, when) or self.catalogue.latest(code)

    def _rule_changed(self) -> None:
        rule = self.current_rule()
        needs = rule.needs() if rule else MatterNeeds()
        auto = self.rule.currentData() is None
        if rule is None:
            self.clause.setText(
                "不选条款时，按下面填写的市级政策文号匹配条款（淄政办字〔2021〕7号→LZ41-2，"
                "淄政办发〔2020〕11号→LZ41-6A，淄政发〔2020〕14号→LZ41-8A）。"
            )
        else:
            valid = f"{rule.valid_from.isoformat()} 至 {rule.valid_to.isoformat() if rule.valid_to else '长期'}"
            self.clause.setText(
                f"{rule.citation}（{valid}）\n{rule.clause_text}\n{rule_summary(rule)}"
            )
        basis = needs.basis_label or "计算基数"
        self.basis.edit.setPlaceholderText(f"{basis}，例如 3,205,000.00 或 320.5万")
        self.basis.edit.setToolTip(f"计算基数：{basis}（元）")
        wanted = (
            self.__dict__.pop("_pending_level", None)
            or self.level.currentData()
            or self.level.currentText()
        )
        self.level.blockSignals(True)
        self.level.clear()
        if needs.levels:
            for lvl in needs.levels:
                self.level.addItem(lvl)
            for lvl in LEVELS:
                if lvl not in needs.levels:
                    self.level.addItem(f"{lvl}（本条款不奖励）", lvl)
        if wanted:
            index = self.level.findText(wanted)
            self.level.setCurrentIndex(max(index, 0))
        self.level.blockSignals(False)
        self.form.setRowVisible(self.basis, bool(needs.basis_label) or auto)
        self.form.setRowVisible(self.level, bool(needs.levels))
        self.form.setRowVisible(self.manual, needs.manual_amount)
        self.form.setRowVisible(
            self.document, needs.manual_amount or auto or bool(self.document.text())
        )
        self.description_label.setText("核定说明（理由）" if needs.manual_amount else "事项说明")
        self._enterprise_changed()

    def _changed(self) -> None:
        self._timer.start()

    # -- parsing, preview, saving --------------------------------------------------------------
    def parse(self):
        """The form's values as a validated ``ApplicationInput`` (raises ValidationError)."""
        from desktop.services.applications import parse_application

        code = self.selected_code()
        if code is None:
            raise ValidationError(
                "请从下拉列表中选择已登记的企业（可输入名称或信用代码的一部分）", field="企业"
            )
        rule = self.current_rule()
        needs = rule.needs() if rule else MatterNeeds()
        auto = self.rule.currentData() is None
        level = self.level.currentData() or self.level.currentText() if needs.levels else None
        return parse_application(
            credit_code=code,
            rule_code=self.rule.currentData(),
            event_date=self.event_date.value(),
            basis=self.basis.text() if (needs.basis_label or auto) else None,
            level=level or None,
            city_document=self.document.text(),
            description=self.description.text(),
            same_matter_key=self.same_matter.text(),
            manual_amount=self.manual.text() if needs.manual_amount else None,
            registry=self.registry,
            catalogue=self.catalogue,
        )

    def update_preview(self) -> None:
        from desktop.services.calculation import preview_application

        self._timer.stop()
        if not self.isVisible():  # closed (or its window gone) before the timer fired
            return
        try:
            item = self.parse()
            results = preview_application(
                self.ctx.db, item, application_id=self.row.id if self.row else None
            )
        except DomainError as exc:
            self.preview_amount.setText("尚不能试算")
            self.preview_amount.setStyleSheet("color: #555555;")
            self.preview_text.setText(str(exc))
            self.preview_warnings.setText("")
            return
        self.show_results(results)

    def show_results(self, results) -> None:
        if not results:
            self.preview_amount.setText("预计奖补金额：0.00 元")
            self.preview_text.setText("该事项不产生核定结果。")
            self.preview_warnings.setText("")
            return
        first_year = min(r.year for r in results)
        now = [r for r in results if r.year == first_year]
        amount = max(r.amount_fen for r in now)
        granted = amount > 0
        self.preview_amount.setText(
            f"预计奖补金额：{format_yuan(amount)} 元" + ("" if granted else "（不予奖补）")
        )
        self.preview_amount.setStyleSheet(
            f"color: {theme.OK_COLOUR if granted else theme.ERROR_COLOUR};"
        )
        lines = []
        for r in sorted(now, key=lambda r: -r.amount_fen):
            lines.append(f"{r.rule_code}：{r.explanation}")
        later = [r for r in results if r.year != first_year]
        if later:
            lines.append(
                "分年兑现："
                + "；".join(
                    f"{r.year}年 {format_yuan(r.amount_fen)} 元"
                    for r in sorted(later, key=lambda r: r.year)
                )
            )
        self.preview_text.setText("\n".join(lines))
        warnings = []
        for r in now:
            for check in r.trace.checks:
                if not check.passed:
                    warnings.append(f"⚠ {check.label}：{check.detail}")
        if not warnings:
            warnings = [f"⚠ {r.explanation}" for r in now if not r.eligible]
        self.preview_warnings.setText("\n".join(dict.fromkeys(warnings)))

    def done(self, result: int) -> None:
        self._timer.stop()
        super().done(result)

    def save(self) -> None:
        from desktop.services.applications import add_application, update_application
        from desktop.services.calculation import recalculate_enterprise

        try:
            item = self.parse()
            if self.row is None:
                self.saved_id = add_application(self.ctx.db, item)
            else:
                update_application(self.ctx.db, self.row.id, item)
                self.saved_id = self.row.id
            recalculate_enterprise(self.ctx.db, item.enterprise_id, item.event_date.year)
        except DomainError as exc:
            messages.show_error(self, exc, "未能保存奖补事项")
            return
        self.accept()
