"""草稿编辑: one draft policy version — its 文号, title and dates, and its clauses: the list, each
clause's text, name and 条款, its method with the method's own parameter fields (from the
method's ``ParamSpec``), the conditions as check boxes (from ``core.conditions``), the city
documents and the first-time key. Clauses are added and retired here; 试算 and 发布 start here.

Every value is checked by the services as it is typed (the method's one parser) and again when
saved; each save shows the 典型案例 checked against the draft.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conditions import CONDITIONS, parse_conditions
from desktop.core.errors import DomainError, ValidationError
from desktop.core.methods import METHODS, method
from desktop.core.params import CHOICE
from desktop.core.rules import RuleVersion
from desktop.ui import messages, theme
from desktop.ui.application_form import rule_summary
from desktop.ui.common import POLICIES, AppContext, make_table, selected_rows
from desktop.ui.forms import DateField, GuardedDialog
from desktop.ui.models import Column, ListTableModel


def cases_html(report: Any) -> str:
    """The 典型案例 check as the editor shows it: green when all hold, else each failure."""
    if not report.failing:
        return f"<span style='color:{theme.OK_COLOUR}'>✓ {report.headline}</span>"
    lines = "".join(f"<br>　{line}" for line in report.lines()[1:])
    return f"<span style='color:{theme.ERROR_COLOUR}'>✗ {report.headline}</span>{lines}"


class ClauseEditor(QWidget):
    """The fields of one clause. ``load(rule)`` shows a stored clause; ``change()`` is what the
    clerk altered, as written (the services parse it); ``problem()`` says what is wrong now."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None, *, new: bool = False) -> None:
        super().__init__(parent)
        self.rule: RuleVersion | None = None
        self.new = new
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText("如 LZ41-11")
        if new:
            form.addRow("条款编号", self.code)
        self.clause = QLineEdit()
        self.clause.setPlaceholderText("如 三（十一）")
        self.name = QLineEdit()
        self.method = QComboBox()
        for found in METHODS.values():
            self.method.addItem(found.label, found.key)
        form.addRow("条款", self.clause)
        form.addRow("名称", self.name)
        form.addRow("计算方法", self.method)
        layout.addLayout(form)
        self.params_box = QGroupBox("计算参数（按文件写法填写，如 30%、0.3、150万、1,500,000）")
        self.params_form = QFormLayout(self.params_box)
        layout.addWidget(self.params_box)
        conditions = QGroupBox("适用条件")
        row = QHBoxLayout(conditions)
        self.conditions: dict[str, QCheckBox] = {}
        for key, condition in CONDITIONS.items():
            box = QCheckBox(condition.short)
            box.setToolTip(condition.label)
            box.toggled.connect(lambda _on: self.edited.emit())
            self.conditions[key] = box
            row.addWidget(box)
        row.addStretch(1)
        layout.addWidget(conditions)
        more = QFormLayout()
        self.first_time_key = QLineEdit()
        self.first_time_key.setPlaceholderText("留空按本条款编号；与其他条款共用“首次”时填同一口径")
        self.documents = QLineEdit()
        self.documents.setPlaceholderText("事项只写市级文号时按此匹配本条款；多个用“、”分隔")
        more.addRow("首次享受口径", self.first_time_key)
        more.addRow("对应市级文件", self.documents)
        layout.addLayout(more)
        layout.addWidget(QLabel("条款原文："))
        self.text = QPlainTextEdit()
        self.text.setMinimumHeight(90)
        layout.addWidget(self.text, 1)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.ERROR_COLOUR};")
        layout.addWidget(self.error)
        self.param_edits: dict[str, QLineEdit | QComboBox] = {}
        self._loading = False
        for edit in (self.code, self.clause, self.name, self.first_time_key, self.documents):
            edit.textEdited.connect(lambda _t: self.edited.emit())
        self.text.textChanged.connect(self._text_changed)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.edited.connect(self.check)
        self._build_params(None)

    # -- showing ---------------------------------------------------------------------------------
    def load(self, rule: RuleVersion | None) -> None:
        self._loading = True
        self.rule = rule
        self.setEnabled(rule is not None or self.new)
        self.clause.setText(rule.clause if rule else "")
        self.name.setText(rule.name if rule else "")
        self.method.blockSignals(True)
        self.method.setCurrentIndex(max(self.method.findData(rule.method), 0) if rule else 0)
        self.method.blockSignals(False)
        for key, box in self.conditions.items():
            box.setChecked(bool(rule and key in rule.conditions))
        self.first_time_key.setText((rule.first_time_key or "") if rule else "")
        self.documents.setText("、".join(rule.city_documents) if rule else "")
        self.text.setPlainText(rule.clause_text if rule else "")
        self._build_params(rule)
        self.error.setText("")
        self._loading = False

    def _build_params(self, rule: RuleVersion | None) -> None:
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self.param_edits = {}
        found = method(self.method.currentData() or "ratio")
        shown = self._shown(rule, found.key)
        for spec in found.all_specs():
            edit: QLineEdit | QComboBox
            if spec.kind == CHOICE:
                edit = QComboBox()
                edit.addItems(list(spec.choices.values()))
                edit.setCurrentText(shown.get(spec.key) or spec.choices.get(str(spec.default), ""))
                edit.currentIndexChanged.connect(lambda _i: self.edited.emit())
            else:
                edit = QLineEdit(shown.get(spec.key, ""))
                edit.setPlaceholderText(spec.hint)
                edit.textEdited.connect(lambda _t: self.edited.emit())
            edit.setToolTip(spec.hint or spec.label)
            self.param_edits[spec.key] = edit
            self.params_form.addRow(spec.label, edit)

    def _shown(self, rule: RuleVersion | None, method_key: str) -> dict[str, str]:
        if rule is None or rule.method != method_key:
            return {}
        try:
            return rule.method_obj.edit_texts(rule.parameters)
        except DomainError:
            return {}

    def _method_changed(self) -> None:
        self._build_params(self.rule)
        self.edited.emit()

    def _text_changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def param_text(self, key: str) -> str:
        edit = self.param_edits[key]
        return edit.currentText() if isinstance(edit, QComboBox) else edit.text()

    def set_param(self, key: str, text: str) -> None:
        edit = self.param_edits[key]
        if isinstance(edit, QComboBox):
            edit.setCurrentText(text)
        else:
            edit.setText(text)
        self.edited.emit()

    # -- what changed --------------------------------------------------------------------------
    def conditions_checked(self) -> list[str]:
        return [key for key, box in self.conditions.items() if box.isChecked()]

    def change(self) -> dict[str, Any]:
        """What differs from the stored clause (for a new clause: everything), as written."""
        rule = self.rule
        method_key = self.method.currentData()
        texts = {k: self.param_text(k) for k in self.param_edits}
        fields: dict[str, Any] = {
            "clause": self.clause.text(),
            "name": self.name.text(),
            "conditions": self.conditions_checked(),
            "first_time_key": self.first_time_key.text(),
            "city_documents": self.documents.text(),
            "clause_text": self.text.toPlainText(),
        }
        if rule is None:
            return {**fields, "method": method_key, "params": texts}
        stored = {
            "clause": rule.clause,
            "name": rule.name,
            "conditions": list(rule.conditions),
            "first_time_key": rule.first_time_key or "",
            "city_documents": "、".join(rule.city_documents),
            "clause_text": rule.clause_text,
        }
        change = {k: v for k, v in fields.items() if v != stored[k]}
        shown = self._shown(rule, method_key)
        params = {k: t for k, t in texts.items() if t.strip() != shown.get(k, "").strip()}
        if method_key != rule.method:
            change["method"] = method_key
            params = texts
        if params:
            change["params"] = params
        return change

    def problem(self) -> str:
        """What is wrong with the fields now ("" if nothing): the method's own checks."""
        change = self.change()
        found = method(self.method.currentData())
        base = (
            dict(self.rule.params)
            if self.rule is not None and self.rule.method == found.key
            else {}
        )
        try:
            found.with_changes(base, change.get("params") or {}, self.code.text() or "")
            parse_conditions(self.conditions_checked())
        except ValidationError as exc:
            return str(exc)
        if not self.name.text().strip():
            return "名称不能为空"
        if not self.clause.text().strip():
            return "条款不能为空（如 三（十一））"
        if self.new and not self.code.text().strip():
            return "条款编号不能为空"
        return ""

    def check(self) -> bool:
        if self._loading:
            return True
        text = self.problem()
        self.error.setText(text)
        return not text

    def dirty(self) -> bool:
        return self.rule is not None and bool(self.change())


RULE_COLUMNS = (
    Column("条款编号", lambda r: r.code, "text", 6),
    Column("条款", lambda r: r.clause, "text", 5),
    Column("名称", lambda r: r.name, "text", 16, tooltip=True),
    Column("计算方法与参数", rule_summary, "text", 22, tooltip=True),
)


class DraftEditor(QDialog):
    """One draft: version fields above, the clause list left, the clause editor right."""

    saved = Signal()

    def __init__(self, ctx: AppContext, draft_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.draft_id = draft_id
        self._dialogs: list[QWidget] = []
        self.setMinimumSize(1060, 700)
        layout = QVBoxLayout(self)
        layout.addWidget(self._version_box())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.rule_model = ListTableModel(self, RULE_COLUMNS)
        self.rule_table = make_table(self.rule_model, self, sortable=False)
        left_layout.addWidget(self.rule_table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("新增条款…")
        self.retire_button = QPushButton("废止所选条款")
        self.add_button.clicked.connect(self.add_clause)
        self.retire_button.clicked.connect(self.retire_selected)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.retire_button)
        buttons.addStretch(1)
        left_layout.addLayout(buttons)
        splitter.addWidget(left)
        right = QGroupBox("所选条款")
        right_layout = QVBoxLayout(right)
        self.editor = ClauseEditor(right)
        right_layout.addWidget(self.editor, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.revert_button = QPushButton("还原")
        self.save_button = QPushButton("保存条款")
        self.revert_button.clicked.connect(lambda: self.editor.load(self.editor.rule))
        self.save_button.clicked.connect(self.save_clause)
        row.addWidget(self.revert_button)
        row.addWidget(self.save_button)
        right_layout.addLayout(row)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)
        self.cases = QLabel()
        self.cases.setWordWrap(True)
        self.cases.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.cases)
        bottom = QDialogButtonBox()
        self.whatif_button = bottom.addButton("试算…", QDialogButtonBox.ButtonRole.ActionRole)
        self.publish_button = bottom.addButton("发布…", QDialogButtonBox.ButtonRole.ActionRole)
        close = bottom.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.whatif_button.clicked.connect(self.open_whatif)
        self.publish_button.clicked.connect(self.publish)
        close.clicked.connect(self.reject)
        layout.addWidget(bottom)
        self.rules: list[RuleVersion] = []
        self._current: str | None = None
        self._busy = False
        self.rule_table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.reload()
        self.show_cases()

    # -- the version's own fields --------------------------------------------------------------
    def _version_box(self) -> QGroupBox:
        box = QGroupBox("草稿（未发布，计算不采用；试算可用）")
        form = QFormLayout(box)
        self.doc_number = QLineEdit()
        self.title_edit = QLineEdit()
        self.issued_on = DateField("发文日期", optional=True)
        self.valid_from = DateField("施行日期")
        self.valid_to = DateField("有效期至", optional=True)
        self.valid_to.edit.setPlaceholderText("留空为长期有效")
        self.save_version_button = QPushButton("保存文号与日期")
        self.save_version_button.clicked.connect(self.save_version)
        until = QHBoxLayout()
        until.addWidget(self.valid_to, 1)
        until.addWidget(self.save_version_button)
        form.addRow("文号", self.doc_number)
        form.addRow("标题", self.title_edit)
        form.addRow("发文日期", self.issued_on)
        form.addRow("施行日期", self.valid_from)
        form.addRow("有效期至", until)
        return box

    def reload(self, select: str | None = None) -> None:
        from desktop.services.catalogue import policy_version, rules_of_version

        self.version = policy_version(self.ctx.db, self.draft_id)
        self.setWindowTitle(f"编辑政策草稿 — [{self.version.id}] {self.version.doc_number}")
        self.doc_number.setText(self.version.doc_number)
        self.title_edit.setText(self.version.title)
        self.issued_on.setText(self.version.issued_on or "")
        self.valid_from.setText(self.version.valid_from)
        self.valid_to.setText(self.version.valid_to or "")
        self.rules = rules_of_version(self.ctx.db, self.draft_id)
        codes = [r.code for r in self.rules]
        code = select if select in codes else (codes[0] if codes else None)
        self._busy = True
        try:
            self.rule_model.set_rows(self.rules)
            if code is not None:
                self.rule_table.select_source_row(codes.index(code))
        finally:
            self._busy = False
        self._show(code)

    def show_cases(self, report: Any = None) -> None:
        if report is None:
            from desktop.services.cases import run_cases

            report = self.ctx.call(self, run_cases, self.ctx.db, with_draft=self.draft_id)
        if report is not None:
            self.case_report = report
            self.cases.setText(cases_html(report))

    def _done(self, report: Any, select: str | None = None) -> None:
        self.ctx.notify(POLICIES)
        self.saved.emit()
        self.reload(select or self._current)
        self.show_cases(report)

    def save_version(self) -> bool:
        from desktop.services.policy_drafts import edit_draft

        changes = {
            "doc_number": self.doc_number.text(),
            "title": self.title_edit.text(),
            "issued_on": self.issued_on.text(),
            "valid_from": self.valid_from.text(),
            "valid_to": self.valid_to.text(),
        }
        report = self.ctx.call(self, edit_draft, self.ctx.db, self.draft_id, version=changes)
        if report is None:
            return False
        self._done(report)
        return True

    # -- clauses -----------------------------------------------------------------------------------
    def select_rule(self, code: str) -> None:
        for i, rule in enumerate(self.rules):
            if rule.code == code:
                self.rule_table.select_source_row(i)
                return
        raise KeyError(code)

    def _show(self, code: str | None) -> None:
        self._current = code
        self.editor.load(next((r for r in self.rules if r.code == code), None))

    def _selected(self) -> None:
        if self._busy:
            return
        rows = selected_rows(self.rule_table)
        target = self.rules[rows[0]].code if rows else None
        shown = self.editor.rule
        if shown is not None and target != shown.code and self.editor.dirty():
            self._busy = True
            try:
                saved = self.save_clause(select=target)
            finally:
                self._busy = False
            if not saved:  # stay on the clause whose change was refused
                self._busy = True
                self.select_rule(shown.code)
                self._busy = False
            return
        self._show(target)

    def save_clause(self, select: str | None = None) -> bool:
        from desktop.services.policy_drafts import edit_draft

        rule = self.editor.rule
        if rule is None:
            return True
        change = self.editor.change()
        if not change:
            return True
        report = self.ctx.call(
            self, edit_draft, self.ctx.db, self.draft_id, rules={rule.code: change}
        )
        if report is None:
            return False
        self._done(report, select or rule.code)
        return True

    def add_clause(self) -> QDialog:
        dialog = AddClauseDialog(self, self)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
        return dialog

    def retire_selected(self) -> None:
        rule = self.editor.rule
        if rule is None:
            messages.show_info(self, "请先选择要废止的条款。")
            return
        messages.ask(
            self,
            f"从本草稿中废止条款 {rule.code} {rule.name}？\n发布后，该条款不再适用于本版本有效期内的事项。",
            lambda: self._retire(rule.code),
            "废止条款",
        )

    def _retire(self, code: str) -> None:
        from desktop.services.policy_drafts import retire_clause

        report = self.ctx.call(self, retire_clause, self.ctx.db, self.draft_id, code)
        if report is not None:
            self._done(report, "")

    # -- 试算 and 发布 ---------------------------------------------------------------------------
    def open_whatif(self) -> QDialog | None:
        if self.editor.dirty() and not self.save_clause():
            return None
        from desktop.ui.whatif_dialog import WhatIfDialog

        dialog = WhatIfDialog(self.ctx, self, version_id=self.draft_id)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
        return dialog

    def publish(self) -> None:
        if self.editor.dirty() and not self.save_clause():
            return
        v = self.version
        messages.ask(
            self,
            f"发布 {v.doc_number}？\n发布后自{v.valid_from}起（至{v.valid_to or '长期'}）用于计算，"
            "不能再直接修改（修改须另建草稿）。请先试算并核对典型案例。",
            self.publish_now,
            "发布政策版本",
        )

    def publish_now(self) -> bool:
        from desktop.services.policy_drafts import publish_version

        done = self.ctx.call(self, publish_version, self.ctx.db, self.draft_id)
        if done is None:
            return False
        self.ctx.notify(POLICIES)
        self.saved.emit()
        text = f"已发布 {done.version.doc_number}，自{done.version.valid_from}起用于计算；请重新计算相关年度。"
        if done.cases is not None:
            text += "\n" + "\n".join(done.cases.lines())
        messages.show_info(self.parentWidget(), text, "发布政策版本")
        self.accept()
        return True

    def reject(self) -> None:
        if self.editor.dirty():
            messages.ask(self, "所选条款有未保存的修改，放弃吗？", self._discard, "放弃修改")
            return
        super().reject()

    def _discard(self) -> None:
        self.editor.load(self.editor.rule)
        super().reject()


class AddClauseDialog(GuardedDialog):
    """新增条款: code, 条款, name, method with its parameters, conditions, documents, text."""

    def __init__(self, editor: DraftEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.owner = editor
        self.setWindowTitle(f"新增条款 — {editor.version.doc_number}")
        self.setMinimumSize(640, 620)
        layout = QVBoxLayout(self)
        self.editor = ClauseEditor(self, new=True)
        self.editor.load(None)
        layout.addWidget(self.editor, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("新增")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.mark_clean()

    def save(self) -> bool:
        from desktop.services.policy_drafts import ClauseInput, add_clause

        e = self.editor
        item = ClauseInput(
            code=e.code.text(),
            clause=e.clause.text(),
            name=e.name.text(),
            method=e.method.currentData(),
            params={k: e.param_text(k) for k in e.param_edits},
            conditions=e.conditions_checked(),
            city_documents=[e.documents.text()] if e.documents.text().strip() else [],
            first_time_key=e.first_time_key.text() or None,
            clause_text=e.text.toPlainText(),
        )
        report = self.owner.ctx.call(self, add_clause, self.owner.ctx.db, self.owner.draft_id, item)
        if report is None:
            return False
        self.owner._done(report, e.code.text().strip().upper())
        self.accept()
        return True
