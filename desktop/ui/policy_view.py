"""政策规则: policy versions, each rule's method, parameters and original clause, and copying a
version into a new one (new 文号 and dates, edited rates/caps/amounts)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conditions import labels as condition_labels
from desktop.core.errors import DomainError, ValidationError
from desktop.core.rules import RuleVersion
from desktop.ui import messages, theme
from desktop.ui.application_form import rule_summary
from desktop.ui.common import POLICIES, AppContext, View, make_table, selected_rows
from desktop.ui.forms import DateField, GuardedDialog
from desktop.ui.models import Column, ListTableModel

VERSION_COLUMNS = (
    Column("文号", lambda v: v.doc_number, "text", 11),
    Column("标题", lambda v: v.title, "text", 24, tooltip=True),
    Column("发文日期", lambda v: v.issued_on or "", "center", 7),
    Column("施行日期", lambda v: v.valid_from, "center", 7),
    Column("有效期至", lambda v: v.valid_to or "长期", "center", 7),
    Column("条款数", lambda v: v.rule_count, "int", 4),
)


def conditions_text(rule: RuleVersion) -> str:
    return condition_labels(rule.conditions)


RULE_COLUMNS = (
    Column("条款编号", lambda r: r.code, "text", 6),
    Column("条款", lambda r: r.clause, "text", 5),
    Column("名称", lambda r: r.name, "text", 20, tooltip=True),
    Column("计算方法与参数", rule_summary, "text", 30, tooltip=True),
    Column("适用条件", conditions_text, "text", 20, tooltip=True),
)


def rule_html(rule: RuleVersion) -> str:
    docs = "、".join(rule.city_documents) or "—"
    return (
        f"<h3>{rule.code}　{rule.name}</h3>"
        f"<p><b>政策依据：</b>{rule.citation}（{rule.valid_from.isoformat()} 至 "
        f"{rule.valid_to.isoformat() if rule.valid_to else '长期'}）</p>"
        f"<p><b>条款原文：</b>{rule.clause_text}</p>"
        f"<p><b>计算方法：</b>{rule_summary(rule)}</p>"
        f"<p><b>适用条件：</b>{conditions_text(rule)}</p>"
        f"<p><b>对应市级文件：</b>{docs}</p>"
    )


class PolicyView(View):
    title = "政策规则"
    depends_on = frozenset({POLICIES})
    follows_year = False

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._dialogs: list[QWidget] = []
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("政策版本（同一政策在任一日期只有一个有效版本；计算时按事项日期选用版本）")
        )
        self.versions = ListTableModel(self, VERSION_COLUMNS)
        self.version_table = make_table(
            self.versions, self, name="policy-versions", settings=ctx.settings
        )
        self.version_table.setMaximumHeight(
            self.version_table.verticalHeader().defaultSectionSize() * 5 + 30
        )
        layout.addWidget(self.version_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.rules = ListTableModel(self, RULE_COLUMNS)
        self.rule_table = make_table(self.rules, self, name="policy-rules", settings=ctx.settings)
        self.detail = QTextBrowser()
        splitter.addWidget(self.rule_table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.copy_button = QPushButton("复制为新版本…")
        self.copy_button.clicked.connect(self.copy_selected)
        bottom.addWidget(self.copy_button)
        layout.addLayout(bottom)
        self.version_table.selectionModel().selectionChanged.connect(lambda *_: self._show_rules())
        self.rule_table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())

    def refresh(self) -> None:
        from desktop.services.catalogue import policy_versions

        versions = policy_versions(self.ctx.db)
        self.versions.set_rows(versions)
        if versions:
            self.version_table.select_source_row(len(versions) - 1)
        self._show_rules()

    def selected_version(self):
        rows = selected_rows(self.version_table)
        return self.versions.row(rows[0]) if rows else None

    def _show_rules(self) -> None:
        from desktop.services.catalogue import rules_of_version

        version = self.selected_version()
        self.rules.set_rows(rules_of_version(self.ctx.db, version.id) if version else [])
        if self.rules.rowCount():
            self.rule_table.select_source_row(0)
        self._show_detail()

    def _show_detail(self) -> None:
        rows = selected_rows(self.rule_table)
        self.detail.setHtml(rule_html(self.rules.row(rows[0])) if rows else "")

    def copy_selected(self):
        version = self.selected_version()
        if version is None:
            messages.show_info(self, "请先选择要复制的政策版本。")
            return None
        dialog = CopyVersionDialog(self.ctx, version, self)
        self._dialogs.append(dialog)

        def done(result: int) -> None:
            self._dialogs.remove(dialog)
            if result:
                self.ctx.notify(POLICIES)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()
        return dialog


class CopyVersionDialog(GuardedDialog):
    """复制为新版本: new 文号, title, dates, and per-rule parameter changes."""

    def __init__(self, ctx: AppContext, version, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from desktop.services.catalogue import rules_of_version

        self.ctx = ctx
        self.version = version
        self.new_version_id: int | None = None
        self.rules = rules_of_version(ctx.db, version.id)
        self.changes: dict[str, dict[str, Any]] = {}
        self.setWindowTitle(f"复制为新版本 — 依据 {version.doc_number}")
        self.setMinimumSize(900, 620)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.doc_number = QLineEdit()
        self.doc_number.setPlaceholderText("新政策的文号，例如 临政字〔2026〕5号")
        self.title = QLineEdit(version.title)
        self.issued_on = DateField("发文日期", optional=True)
        self.valid_from = DateField("施行日期")
        start = (
            (date.fromisoformat(version.valid_to) + timedelta(days=1))
            if version.valid_to
            else date.today()
        )
        self.valid_from.setDate(start)
        self.valid_to = DateField("有效期至")
        self.valid_to.setDate(date(start.year + 4, 12, 31))
        self.open_ended = QCheckBox("长期有效")
        self.open_ended.toggled.connect(lambda on: self.valid_to.setEnabled(not on))
        until = QHBoxLayout()
        until.addWidget(self.valid_to)
        until.addWidget(self.open_ended)
        until.addStretch(1)
        form.addRow("新文号", self.doc_number)
        form.addRow("标题", self.title)
        form.addRow("发文日期", self.issued_on)
        form.addRow("施行日期", self.valid_from)
        form.addRow("有效期至", until)
        layout.addLayout(form)

        layout.addWidget(QLabel("条款（选中一条后在下方修改其参数；未修改的条款原样复制）："))
        self.rule_model = ListTableModel(
            self,
            (
                Column("条款编号", lambda r: r.code, "text", 6),
                Column("名称", lambda r: r.name, "text", 22, tooltip=True),
                Column("计算方法与参数（含本次修改）", self._params_text, "text", 40, tooltip=True),
            ),
        )
        self.rule_model.set_rows(self.rules)
        self.rule_table = make_table(self.rule_model, self)
        layout.addWidget(self.rule_table, 1)
        self.editor_box = QGroupBox("修改所选条款的参数")
        self.editor_form = QFormLayout(self.editor_box)
        layout.addWidget(self.editor_box)
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {theme.ERROR_COLOUR};")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("复制为新版本")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.param_edits: dict[str, QLineEdit] = {}
        self._current: RuleVersion | None = None
        self.rule_table.selectionModel().selectionChanged.connect(lambda *_: self._rule_selected())
        self.rule_table.select_source_row(0)
        self.doc_number.setFocus(Qt.FocusReason.OtherFocusReason)
        self.mark_clean()

    def _params_text(self, rule: RuleVersion) -> str:
        change = self.changes.get(rule.code, {}).get("params")
        if not change:
            return rule_summary(rule)
        try:
            params = rule.method_obj.with_changes(rule.params, change, rule.code)
            return "【已修改】" + rule_summary(replace(rule, params=params))
        except DomainError:
            return "【已修改】"

    def select_rule(self, code: str) -> None:
        for i, rule in enumerate(self.rules):
            if rule.code == code:
                self.rule_table.select_source_row(i)
                return
        raise KeyError(code)

    def _rule_selected(self) -> None:
        rows = selected_rows(self.rule_table)
        while self.editor_form.rowCount():
            self.editor_form.removeRow(0)
        self.param_edits = {}
        if not rows:
            self._current = None
            return
        rule = self.rules[rows[0]]
        self._current = rule
        self.editor_box.setTitle(f"修改 {rule.code} {rule.name} 的参数")
        pending = self.changes.get(rule.code, {}).get("texts", {})
        shown = rule.method_obj.edit_texts(rule.parameters)
        for spec in rule.method_obj.all_specs():
            edit = QLineEdit(pending.get(spec.key, shown[spec.key]))
            edit.setPlaceholderText(spec.hint)
            edit.textEdited.connect(lambda _t, k=spec.key: self._edited(k))
            self.param_edits[spec.key] = edit
            self.editor_form.addRow(spec.label + (f"（{spec.hint}）" if spec.hint else ""), edit)

    def _edited(self, key: str) -> None:
        rule = self._current
        if rule is None:
            return
        texts = {k: e.text() for k, e in self.param_edits.items()}
        entry = self.changes.setdefault(rule.code, {})
        entry["texts"] = texts
        try:
            entry["params"] = self._params_from(rule, texts)
            self.error.setText("")
        except ValidationError as exc:
            entry["params"] = None
            self.error.setText(f"{rule.code}：{exc}")
        if not entry.get("params") and entry.get("params") is not None:
            self.changes.pop(rule.code, None)
        row = self.rules.index(rule)
        self.rule_model.dataChanged.emit(
            self.rule_model.index(row, 0), self.rule_model.index(row, 2)
        )

    @staticmethod
    def _params_from(rule: RuleVersion, texts: dict[str, str]) -> dict[str, Any]:
        """The changed fields as the clerk wrote them, checked now by the rule's method."""
        shown = rule.method_obj.edit_texts(rule.parameters)
        changes = {k: t for k, t in texts.items() if t.strip() != shown.get(k, "")}
        rule.method_obj.with_changes(rule.params, changes, rule.code)  # ValidationError if bad
        return changes

    def rule_changes(self) -> dict[str, dict[str, Any]]:
        bad = [code for code, entry in self.changes.items() if entry.get("params") is None]
        if bad:
            raise ValidationError(
                f"条款{'、'.join(bad)}的参数填写有误，请改正后再保存", field="参数"
            )
        return {
            code: {"params": entry["params"]}
            for code, entry in self.changes.items()
            if entry.get("params")
        }

    def save(self) -> None:
        from desktop.services.catalogue import copy_policy_version

        try:
            changes = self.rule_changes()
            self.new_version_id = copy_policy_version(
                self.ctx.db,
                self.version.id,
                doc_number=self.doc_number.text(),
                valid_from=self.valid_from.value(),
                valid_to=None if self.open_ended.isChecked() else self.valid_to.value(),
                title=self.title.text().strip() or None,
                issued_on=(lambda d: d.isoformat() if d else None)(self.issued_on.value()),
                rule_changes=changes,
            )
        except DomainError as exc:
            messages.show_error(self, exc, "未能复制政策版本")
            return
        messages.show_info(
            self.parentWidget(),
            f"已复制为新版本 {self.doc_number.text().strip()}"
            f"（修改了{len(changes)}个条款的参数）。新版本自施行日期起用于计算。",
            "复制为新版本",
        )
        self.accept()
