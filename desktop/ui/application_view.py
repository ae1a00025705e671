"""奖补事项: the selected year's applications, with add / edit / delete and workbook import.

Each matter shows where its award stands; a matter with an approved award opens read-only (with
the way to correct it) and cannot be deleted — the button says why before the clerk tries.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.core.money import format_yuan
from desktop.ui import messages
from desktop.ui.common import (
    APPLICATIONS,
    AWARDS,
    ENTERPRISES,
    LISTS,
    POLICIES,
    AppContext,
    View,
    make_table,
)
from desktop.ui.import_flow import choose_workbook, run_import
from desktop.ui.models import ApplicationTableModel
from desktop.ui.service_gaps import ApplicationRow, list_applications

LOCKED_TIP = "该事项的核定结果已审核，不能删除或修改；如确需更正，请先在“核定与审核”中撤销审核"
DECIDED_TIP = "该事项已有审核决定（不予奖补或已撤销），为保留审核记录不能删除"


class ApplicationView(View):
    title = "奖补事项"
    depends_on = frozenset({APPLICATIONS, ENTERPRISES, LISTS, POLICIES, AWARDS})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._dialogs: list[QWidget] = []
        self._rows: list[ApplicationRow] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("企业名称、信用代码或文号（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.search.setMaximumWidth(320)
        self.search.textChanged.connect(lambda _t: self._show_rows())
        top.addWidget(self.heading, 1)
        top.addWidget(self.search)
        layout.addLayout(top)
        self.model = ApplicationTableModel(self)
        self.table = make_table(self.model, self, name="applications", settings=ctx.settings)
        self.table.doubleClicked.connect(lambda _index: self._edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.total = QLabel()
        bottom.addWidget(self.total)
        bottom.addStretch(1)
        self.add_button = QPushButton("新增事项…")
        self.edit_button = QPushButton("修改…")
        self.delete_button = QPushButton("删除")
        self.import_button = QPushButton("导入奖补事项…")
        self.add_button.clicked.connect(lambda: self.edit(None))
        self.edit_button.clicked.connect(self._edit_selected)
        self.delete_button.clicked.connect(self._delete_selected)
        self.import_button.clicked.connect(self._import_clicked)
        for button in (self.add_button, self.edit_button, self.delete_button, self.import_button):
            bottom.addWidget(button)
        layout.addLayout(bottom)
        self.edit_action = QAction("修改/查看…", self)
        self.edit_action.triggered.connect(lambda _c=False: self._edit_selected())
        self.delete_action = QAction("删除", self)
        self.delete_action.triggered.connect(lambda _c=False: self._delete_selected())
        add_action = QAction("新增事项…", self)
        add_action.triggered.connect(lambda _c=False: self.edit(None))
        self.table.set_row_actions([self.edit_action, self.delete_action, None, add_action])
        self._update_buttons()

    def refresh(self) -> None:
        self._rows = list_applications(self.ctx.db, self.ctx.year)
        self.heading.setText(
            f"{self.ctx.year}年度奖补事项（按事项日期归属年度；“预计金额”为按当前数据的试算，"
            "以“核定与审核”中的核定结果为准）"
        )
        self._show_rows()

    def _show_rows(self) -> None:
        needle = self.search.text().strip().upper()
        rows = [
            r
            for r in self._rows
            if not needle
            or needle in r.enterprise_name.upper()
            or needle in r.credit_code
            or needle in (r.city_document or "").upper()
        ]
        self.model.set_rows(rows)
        granted = sum(r.preview_fen for r in rows)
        locked = sum(1 for r in rows if r.locked)
        self.total.setText(
            f"共 {len(rows)} 个事项，试算金额合计 {format_yuan(granted)} 元"
            + (f"；其中 {locked} 个已审核锁定" if locked else "")
        )
        self._update_buttons()

    def selected(self) -> ApplicationRow | None:
        rows = self.table.source_rows()
        return self.model.row(rows[0]) if rows else None

    def _update_buttons(self) -> None:
        """删除 is disabled, with the reason as tooltip, where the service would refuse it."""
        row = self.selected()
        tip = ""
        if row is not None and row.locked:
            tip = LOCKED_TIP
        elif row is not None and row.decided:
            tip = DECIDED_TIP
        can_delete = row is not None and not tip
        for widget in (self.delete_button, self.delete_action):
            widget.setEnabled(can_delete)
            widget.setToolTip(tip or ("删除所选事项" if row is not None else "请先选择事项"))
        self.edit_button.setEnabled(row is not None)
        self.edit_button.setText("查看…" if row is not None and row.locked else "修改…")
        self.edit_action.setEnabled(row is not None)

    def _edit_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.edit(row)

    def edit(self, row: ApplicationRow | None):
        from desktop.ui.application_form import ApplicationDialog

        dialog = ApplicationDialog(self.ctx, row, self)
        self._dialogs.append(dialog)

        def done(result: int) -> None:
            self._dialogs.remove(dialog)
            if result:
                self.ctx.notify(APPLICATIONS, AWARDS)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    def _delete_selected(self) -> None:
        row = self.selected()
        if row is None or not self.delete_button.isEnabled():
            return
        messages.ask(
            self,
            f"删除奖补事项（编号{row.id}，{row.enterprise_name}，{row.event_date}）？"
            "其尚未审核的核定结果将一并删除。",
            lambda: self.delete(row.id),
        )

    def delete(self, application_id: int) -> None:
        from desktop.services.applications import delete_application

        if self.ctx.attempt(self, delete_application, self.ctx.db, application_id):
            self.ctx.notify(APPLICATIONS, AWARDS)

    def _import_clicked(self) -> None:
        path = choose_workbook(self, "导入奖补事项")
        if path is not None:
            self.import_file(path)

    def import_file(self, path):
        return run_import(self.ctx, self, "applications", path)
