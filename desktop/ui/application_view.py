"""奖补事项: the selected year's applications, with add / edit / delete and workbook import."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

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


class ApplicationView(View):
    title = "奖补事项"
    depends_on = frozenset({APPLICATIONS, ENTERPRISES, LISTS, POLICIES, AWARDS})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._dialogs: list[QWidget] = []
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        layout.addWidget(self.heading)
        self.model = ApplicationTableModel(self)
        self.table = make_table(self.model, self, sortable=True)
        self.table.doubleClicked.connect(lambda index: self.edit(self.model.row(index.row())))
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

    def refresh(self) -> None:
        rows = list_applications(self.ctx.db, self.ctx.year)
        self.model.set_rows(rows)
        self.heading.setText(
            f"{self.ctx.year}年度奖补事项（按事项日期归属年度；“预计金额”为按当前数据的试算，"
            "以“核定与审核”中的核定结果为准）"
        )
        granted = sum(r.preview_fen for r in rows)
        self.total.setText(f"共 {len(rows)} 个事项，试算金额合计 {format_yuan(granted)} 元")

    def selected(self) -> ApplicationRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

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
        if row is None:
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
