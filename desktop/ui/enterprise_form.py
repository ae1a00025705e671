"""The enterprise form: 基本信息 with live credit-code checking, and the enterprise's ledger."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import status
from desktop.core.creditcode import explain_check, validate_credit_code
from desktop.core.errors import DomainError, ValidationError
from desktop.core.money import format_yuan
from desktop.services import registry
from desktop.ui import messages, theme
from desktop.ui.common import AppContext, make_table
from desktop.ui.forms import GuardedDialog
from desktop.ui.models import Column, ListTableModel


class CreditCodeValidator(QValidator):
    """Upper-cases and folds full-width characters as the clerk types; at most 18 characters."""

    def validate(self, text: str, pos: int):
        fixed = unicodedata.normalize("NFKC", text).upper().replace(" ", "")
        if len(fixed) > 18:
            return QValidator.State.Invalid, text, pos
        state = QValidator.State.Acceptable if len(fixed) == 18 else QValidator.State.Intermediate
        return state, fixed, min(pos, len(fixed))

    def fixup(self, text: str) -> str:
        return unicodedata.normalize("NFKC", text).upper().replace(" ", "")


def required(label: str) -> QLabel:
    widget = QLabel(f'{label}<span style="color:{theme.ERROR_COLOUR}">*</span>')
    widget.setTextFormat(Qt.TextFormat.RichText)
    return widget


LEDGER_COLUMNS = (
    Column("年度", lambda a: a.year, "int", 3),
    Column("条款编号", lambda a: a.rule_code, "text", 5),
    Column("条款名称", lambda a: a.rule_name, "text", 11, tooltip=True),
    Column("事项日期", lambda a: a.event_date, "center", 6),
    Column("核定金额（元）", lambda a: a.granted_fen, "amount", 7),
    Column("状态", lambda a: a.status, "center", 4),
    Column("计算说明", lambda a: a.explanation, "text", 16, tooltip=True),
)


class EnterpriseDialog(GuardedDialog):
    def __init__(
        self, ctx: AppContext, enterprise_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.enterprise_id = enterprise_id
        self.saved_id: int | None = None
        self.setWindowTitle("新增企业" if enterprise_id is None else "企业信息")
        self.setMinimumWidth(880)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)

        basic = QWidget()
        form = QFormLayout(basic)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.code = QLineEdit()
        self.code.setValidator(CreditCodeValidator(self.code))
        self.code.setPlaceholderText("18位，例如 91370305MA3C4HB1X0")
        self.code_status = QLabel()
        self.code_status.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setMaxLength(100)
        self.town = QComboBox()
        self.town.addItem("（请选择）", None)
        for town in registry.towns(ctx.db):
            self.town.addItem(town.name, town.name)
        self.above_scale = QCheckBox("规模以上工业企业（规上）")
        self.industry = QComboBox()
        self.industry.addItem("（非四强产业）", None)
        for name in registry.INDUSTRIES:
            self.industry.addItem(name, name)
        self.contact = QLineEdit()
        self.phone = QLineEdit()
        form.addRow(required("统一社会信用代码"), self.code)
        form.addRow("", self.code_status)
        form.addRow(required("企业名称"), self.name)
        form.addRow(required("所属镇街"), self.town)
        form.addRow("是否规上", self.above_scale)
        form.addRow("四强产业", self.industry)
        form.addRow("联系人", self.contact)
        form.addRow("联系电话", self.phone)
        self.tabs.addTab(basic, "基本信息")

        ledger = QWidget()
        ledger_layout = QVBoxLayout(ledger)
        self.years_label = QLabel()
        self.years_label.setWordWrap(True)
        ledger_layout.addWidget(self.years_label)
        self.ledger_model = ListTableModel(self, LEDGER_COLUMNS)
        self.ledger_table = make_table(
            self.ledger_model, ledger, name="enterprise-ledger", settings=ctx.settings
        )
        ledger_layout.addWidget(self.ledger_table, 1)
        self.ledger_total = QLabel()
        ledger_row = QHBoxLayout()
        ledger_row.addWidget(self.ledger_total, 1)
        self.export_ledger = QPushButton("导出单户台账…")
        self.export_ledger.clicked.connect(self._export_ledger)
        ledger_row.addWidget(self.export_ledger)
        ledger_layout.addLayout(ledger_row)
        self.tabs.addTab(ledger, "四强名单与奖补台账")
        self.tabs.setTabEnabled(1, enterprise_id is not None)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.code.textChanged.connect(self.check_code)
        if enterprise_id is not None:
            self._load(enterprise_id)
        self.check_code()
        self.code.setFocus(Qt.FocusReason.OtherFocusReason)
        self.mark_clean()

    def _load(self, enterprise_id: int) -> None:
        from desktop.services.awards import awards_of_enterprise
        from desktop.services.siqiang_lists import years_on_list

        item = registry.get_enterprise(self.ctx.db, enterprise_id)
        self.setWindowTitle(f"企业信息 — {item.name}")
        self.code.setText(item.credit_code)
        self.name.setText(item.name)
        self.town.setCurrentIndex(max(self.town.findData(item.town), 0))
        self.above_scale.setChecked(item.above_scale)
        self.industry.setCurrentIndex(max(self.industry.findData(item.industry), 0))
        self.contact.setText(item.contact or "")
        self.phone.setText(item.phone or "")
        years = years_on_list(self.ctx.db, enterprise_id)
        self.years_label.setText(
            "列入四强企业名单的年度："
            + ("、".join(f"{y}年" for y in years) if years else "（从未列入）")
        )
        awards = awards_of_enterprise(self.ctx.db, enterprise_id)
        self.ledger_model.set_rows(awards)
        granted = [a for a in awards if status.counts_as_granted(a.status, a.amount_fen)]
        self.ledger_total.setText(
            f"历年核定结果 {len(awards)} 条，其中给予奖补 {len(granted)} 条，"
            f"合计 {format_yuan(sum(a.amount_fen for a in granted))} 元"
        )

    def _export_ledger(self) -> None:
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from desktop.ui.export_flow import run_export

        if self.enterprise_id is None:
            return
        item = registry.get_enterprise(self.ctx.db, self.enterprise_id)
        path, chosen = QFileDialog.getSaveFileName(
            self,
            "导出单户企业奖补台账",
            f"{item.name}-奖补台账.xlsx",
            "Excel 工作簿 (*.xlsx);;PDF 文件 (*.pdf)",
        )
        if path:
            fmt = "pdf" if path.lower().endswith(".pdf") or "pdf" in chosen.lower() else "excel"
            self.export_task = run_export(
                self.ctx, self, "ledger", fmt, Path(path), credit_code=item.credit_code
            )

    def check_code(self) -> bool:
        """Show what is wrong with the code right under the field; True when it is valid."""
        text = self.code.text()
        self.code.setToolTip(explain_check(text) if text else "")
        self.code_status.setToolTip(self.code.toolTip())
        if not text:
            self._status("", "")
            return False
        if len(text) < 18:
            self._status(f"已输入 {len(text)}/18 位", "#555555")
            return False
        try:
            code = validate_credit_code(text)
        except ValidationError as exc:
            self._status(str(exc), theme.ERROR_COLOUR)
            return False
        other = registry.find_by_code(self.ctx.db, code)
        if other is not None and other.id != self.enterprise_id:
            self._status(
                f"注意：该代码已登记为“{other.name}”（{other.town}），不能重复登记",
                theme.WARNING_COLOUR,
            )
            return True
        self._status("✓ 校验位正确", theme.OK_COLOUR)
        return True

    def _status(self, text: str, colour: str) -> None:
        self.code_status.setText(text)
        self.code_status.setStyleSheet(f"color: {colour};" if colour else "")

    def save(self) -> None:
        try:
            item = registry.parse_enterprise(
                credit_code=self.code.text(),
                name=self.name.text(),
                town=self.town.currentData() or "",
                above_scale="是" if self.above_scale.isChecked() else "否",
                industry=self.industry.currentData(),
                contact=self.contact.text(),
                phone=self.phone.text(),
                known_towns=[self.town.itemData(i) for i in range(1, self.town.count())],
            )
            self.saved_id = registry.save_enterprise(
                self.ctx.db, item, enterprise_id=self.enterprise_id
            )
        except DomainError as exc:
            self._focus_field(getattr(exc, "field", None))
            messages.show_error(self, exc, "未能保存企业信息")
            return
        self.accept()

    def _focus_field(self, field: str | None) -> None:
        widget = {
            "统一社会信用代码": self.code,
            "企业名称": self.name,
            "所属镇街": self.town,
            "联系人": self.contact,
            "联系电话": self.phone,
        }.get(field or "")
        if widget is not None:
            self.tabs.setCurrentIndex(0)
            widget.setFocus()
