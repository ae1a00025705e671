"""政策规则: policy versions (published and drafts), each rule's method, parameters and original
clause; a new version is drafted from one (复制为新版本 → 草稿), edited in the draft editor,
tried (试算), published; a draft or an unused version can be deleted. The 典型案例 tab lists the
clerks' worked examples and whether each still holds. Expiry warnings head the page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conditions import labels as condition_labels
from desktop.core.errors import DomainError
from desktop.core.rules import RuleVersion
from desktop.ui import messages, theme
from desktop.ui.application_form import rule_summary
from desktop.ui.common import POLICIES, AppContext, View, make_table, selected_rows
from desktop.ui.forms import DateField, GuardedDialog
from desktop.ui.models import Column, ListTableModel

VERSION_COLUMNS = (
    Column("编号", lambda v: v.id, "int", 3),
    Column("文号", lambda v: v.doc_number, "text", 11),
    Column("状态", lambda v: v.status, "center", 4),
    Column("标题", lambda v: v.title, "text", 22, tooltip=True),
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


def _case_result(view: PolicyView, case: Any) -> str:
    outcome = view.case_outcomes.get(case.id)
    if outcome is None:
        return ""
    return "成立" if outcome.holds else "不再成立"


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


def case_html(case: Any, outcome: Any) -> str:
    matters = "".join(f"<li>事项{i}：{m.label}</li>" for i, m in enumerate(case.matters, 1))
    lines = ""
    for line in outcome.lines if outcome else []:
        colour = theme.OK_COLOUR if line.holds else theme.ERROR_COLOUR
        lines += f"<li style='color:{colour}'>{line.text}<br><small>{line.explanation}</small></li>"
    note = f"<p><b>备注：</b>{case.note}</p>" if case.note else ""
    return (
        f"<h3>{case.name}</h3><p><b>企业情况：</b>{case.facts_text}</p>"
        f"<p><b>奖补事项：</b></p><ul>{matters}</ul><p><b>应得结果（按现行政策核对）：</b></p>"
        f"<ul>{lines}</ul>{note}"
    )


class PolicyView(View):
    title = "政策规则"
    depends_on = frozenset({POLICIES})
    follows_year = False

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._dialogs: list[QWidget] = []
        self.case_outcomes: dict[int, Any] = {}
        layout = QVBoxLayout(self)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(f"color: {theme.WARNING_COLOUR}; font-weight: bold;")
        layout.addWidget(self.notice)
        layout.addWidget(
            QLabel(
                "政策版本（同一政策在任一日期只有一个已发布的版本；计算时按事项日期选用版本；"
                "草拟中的版本不参与计算，可试算）"
            )
        )
        self.versions = ListTableModel(self, VERSION_COLUMNS)
        self.version_table = make_table(
            self.versions, self, name="policy-versions", settings=ctx.settings
        )
        self.version_table.setMaximumHeight(
            self.version_table.verticalHeader().defaultSectionSize() * 5 + 30
        )
        layout.addWidget(self.version_table)
        layout.addLayout(self._version_buttons())
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._rules_page(ctx), "条款")
        self.tabs.addTab(self._cases_page(ctx), "典型案例")
        self.version_table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.rule_table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.case_table.selectionModel().selectionChanged.connect(lambda *_: self._show_case())

    def _version_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.copy_button = QPushButton("复制为新版本（草稿）…")
        self.edit_button = QPushButton("编辑草稿…")
        self.whatif_button = QPushButton("试算…")
        self.publish_button = QPushButton("发布…")
        self.delete_button = QPushButton("删除…")
        self.copy_button.clicked.connect(self.copy_selected)
        self.edit_button.clicked.connect(self.edit_selected)
        self.whatif_button.clicked.connect(self.open_whatif)
        self.publish_button.clicked.connect(self.publish_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        for button in (
            self.copy_button,
            self.edit_button,
            self.whatif_button,
            self.publish_button,
            self.delete_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _rules_page(self, ctx: AppContext) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.rules = ListTableModel(self, RULE_COLUMNS)
        self.rule_table = make_table(self.rules, self, name="policy-rules", settings=ctx.settings)
        self.detail = QTextBrowser()
        splitter.addWidget(self.rule_table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        return splitter

    def _cases_page(self, ctx: AppContext) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.case_heading = QLabel()
        self.case_heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.case_heading)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.cases = ListTableModel(
            self,
            (
                Column("编号", lambda c: c.id, "int", 3),
                Column("名称", lambda c: c.name, "text", 24, tooltip=True),
                Column("企业情况", lambda c: c.facts_text, "text", 14, tooltip=True),
                Column("事项数", lambda c: len(c.matters), "int", 4),
                Column("核对结果", lambda c: _case_result(self, c), "center", 6),
            ),
        )
        self.case_table = make_table(self.cases, self, name="policy-cases", settings=ctx.settings)
        self.case_detail = QTextBrowser()
        splitter.addWidget(self.case_table)
        splitter.addWidget(self.case_detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        row = QHBoxLayout()
        self.case_add_button = QPushButton("新增案例…")
        self.case_edit_button = QPushButton("修改案例…")
        self.case_delete_button = QPushButton("删除案例…")
        self.case_add_button.clicked.connect(lambda: self.open_case(None))
        self.case_edit_button.clicked.connect(self.edit_case)
        self.case_delete_button.clicked.connect(self.delete_case)
        for button in (self.case_add_button, self.case_edit_button, self.case_delete_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        from desktop.services.catalogue import expiry_notices, policy_versions

        notices = expiry_notices(self.ctx.db)
        self.notice.setText("\n".join(f"⚠ {n}" for n in notices))
        self.notice.setVisible(bool(notices))
        versions = policy_versions(self.ctx.db)
        chosen = self.selected_version()
        self.versions.set_rows(versions)
        row = self.versions.row_of_id(chosen.id) if chosen else -1
        if versions:
            self.version_table.select_source_row(row if row >= 0 else len(versions) - 1)
        self._selected()
        self._load_cases()

    def selected_version(self):
        rows = selected_rows(self.version_table)
        return self.versions.row(rows[0]) if rows else None

    def select_version(self, version_id: int) -> None:
        self.version_table.select_source_row(self.versions.row_of_id(version_id))

    def _selected(self) -> None:
        from desktop.services.catalogue import rules_of_version

        version = self.selected_version()
        self.rules.set_rows(rules_of_version(self.ctx.db, version.id) if version else [])
        if self.rules.rowCount():
            self.rule_table.select_source_row(0)
        self._show_detail()
        draft = bool(version and version.is_draft)
        self.edit_button.setEnabled(draft)
        self.publish_button.setEnabled(draft)
        self.delete_button.setEnabled(version is not None)

    def _show_detail(self) -> None:
        rows = selected_rows(self.rule_table)
        self.detail.setHtml(rule_html(self.rules.row(rows[0])) if rows else "")

    def _load_cases(self) -> None:
        from desktop.services.cases import list_cases, run_cases

        report = self.ctx.call(self, run_cases, self.ctx.db)
        self.case_outcomes = {o.case.id: o for o in report.outcomes} if report else {}
        self.cases.set_rows(list_cases(self.ctx.db))
        if report is not None:
            from desktop.ui.draft_editor import cases_html

            self.case_heading.setText(cases_html(report))
        if self.cases.rowCount():
            self.case_table.select_source_row(0)
        self._show_case()

    def _show_case(self) -> None:
        rows = selected_rows(self.case_table)
        if not rows:
            self.case_detail.setHtml("")
            return
        case = self.cases.row(rows[0])
        self.case_detail.setHtml(case_html(case, self.case_outcomes.get(case.id)))

    # -- versions ----------------------------------------------------------------------------------
    def _keep(self, dialog: QWidget) -> None:
        self._dialogs.append(dialog)

        def done(_result: int) -> None:
            if dialog in self._dialogs:
                self._dialogs.remove(dialog)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def copy_selected(self):
        version = self.selected_version()
        if version is None:
            messages.show_info(self, "请先选择作为底稿的政策版本。")
            return None
        dialog = NewDraftDialog(self.ctx, version, self)
        dialog.created.connect(self.edit_draft)
        self._keep(dialog)
        return dialog

    def edit_selected(self):
        version = self.selected_version()
        if version is None or not version.is_draft:
            messages.show_info(
                self, "请先选择一个草拟中的政策版本。已发布的版本请先复制为新版本（草稿）。"
            )
            return None
        return self.edit_draft(version.id)

    def edit_draft(self, draft_id: int):
        from desktop.ui.draft_editor import DraftEditor

        self.ctx.notify(POLICIES)
        editor = DraftEditor(self.ctx, draft_id, self)
        self._keep(editor)
        return editor

    def open_whatif(self):
        from desktop.ui.whatif_dialog import WhatIfDialog

        version = self.selected_version()
        dialog = WhatIfDialog(
            self.ctx, self, version_id=version.id if version and version.is_draft else None
        )
        self._keep(dialog)
        return dialog

    def publish_selected(self) -> None:
        version = self.selected_version()
        if version is None or not version.is_draft:
            return
        messages.ask(
            self,
            f"发布 {version.doc_number}？\n发布后自{version.valid_from}起（至"
            f"{version.valid_to or '长期'}）用于计算，不能再直接修改（修改须另建草稿）。",
            lambda: self.publish(version.id),
            "发布政策版本",
        )

    def publish(self, version_id: int) -> bool:
        from desktop.services.policy_drafts import publish_version

        done = self.ctx.call(self, publish_version, self.ctx.db, version_id)
        if done is None:
            return False
        self.ctx.notify(POLICIES)
        text = f"已发布 {done.version.doc_number}，自{done.version.valid_from}起用于计算；请重新计算相关年度。"
        if done.cases is not None:
            text += "\n" + "\n".join(done.cases.lines())
        messages.show_info(self, text, "发布政策版本")
        return True

    def delete_selected(self) -> None:
        version = self.selected_version()
        if version is None:
            return
        what = "政策草稿" if version.is_draft else "已发布的政策版本"
        messages.ask(
            self,
            f"删除{what} {version.doc_number}（{version.rule_count}个条款）？删除后不能恢复。",
            lambda: self.delete(version.id),
            "删除政策版本",
        )

    def delete(self, version_id: int) -> bool:
        from desktop.services.policy_drafts import delete_version

        gone = self.ctx.call(self, delete_version, self.ctx.db, version_id)
        if gone is None:
            return False
        self.ctx.notify(POLICIES)
        extra = (
            f"；{gone.draft_awards}条草稿核定结果已删除，请重新计算" if gone.draft_awards else ""
        )
        messages.show_info(self, f"已删除 {gone.doc_number}{extra}", "删除政策版本")
        return True

    # -- 典型案例 -----------------------------------------------------------------------------------
    def selected_case(self):
        rows = selected_rows(self.case_table)
        return self.cases.row(rows[0]) if rows else None

    def open_case(self, case: Any):
        from desktop.ui.case_dialog import CaseDialog

        dialog = CaseDialog(self.ctx, case, self)
        dialog.accepted.connect(self._load_cases)
        self._keep(dialog)
        return dialog

    def edit_case(self):
        case = self.selected_case()
        if case is None:
            messages.show_info(self, "请先选择一个典型案例。")
            return None
        return self.open_case(case)

    def delete_case(self) -> None:
        case = self.selected_case()
        if case is None:
            return
        messages.ask(self, f"删除典型案例“{case.name}”？", lambda: self._delete_case(case.id))

    def _delete_case(self, case_id: int) -> None:
        from desktop.services.cases import delete_case

        if self.ctx.attempt(self, delete_case, self.ctx.db, case_id):
            self._load_cases()


class NewDraftDialog(GuardedDialog):
    """复制为新版本: the new draft's 文号, title and dates; the clauses are copied unchanged and
    edited in the draft editor, which opens next."""

    created = Signal(int)

    def __init__(self, ctx: AppContext, version: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.version = version
        self.new_version_id: int | None = None
        self.setWindowTitle(f"复制为新版本（草稿）— 依据 {version.doc_number}")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"以 {version.doc_number} 的全部条款为底稿新建草稿；草稿在发布前不参与计算，"
                "可逐条修改条款原文、参数、适用条件，新增或废止条款，并试算。"
            )
        )
        form = QFormLayout()
        self.doc_number = QLineEdit()
        self.doc_number.setPlaceholderText("新政策的文号，例如 临政字〔2026〕5号")
        self.title = QLineEdit(version.title)
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
        form.addRow("施行日期", self.valid_from)
        form.addRow("有效期至", until)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("新建草稿并编辑")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.doc_number.setFocus(Qt.FocusReason.OtherFocusReason)
        self.mark_clean()

    def save(self) -> bool:
        from desktop.services.policy_drafts import create_draft

        try:
            self.new_version_id = create_draft(
                self.ctx.db,
                self.version.id,
                doc_number=self.doc_number.text(),
                valid_from=self.valid_from.value() or "",
                valid_to=None if self.open_ended.isChecked() else self.valid_to.value(),
                title=self.title.text().strip() or None,
            )
        except DomainError as exc:
            messages.show_error(self, exc, "未能新建草稿")
            return False
        self.accept()
        self.created.emit(self.new_version_id)
        return True
