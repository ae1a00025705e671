"""Workbook imports from the GUI: chosen file → worker thread → summary, or the table of bad rows.

Imports are all or nothing (``ImportRejected`` carries every bad row); the dialog shows them as
行号/错误 so the clerk can fix the workbook and try again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import ImportRejected
from desktop.ui import messages, theme
from desktop.ui.common import APPLICATIONS, AWARDS, ENTERPRISES, LISTS, AppContext
from desktop.ui.tasks import Task

KINDS = {
    "enterprises": ("企业名录", frozenset({ENTERPRISES})),
    "siqiang": ("四强企业名单", frozenset({LISTS, ENTERPRISES})),
    "applications": ("奖补事项", frozenset({APPLICATIONS, AWARDS})),
}


class ImportProblemsDialog(QDialog):
    """Why an import was refused: the file-level message, or one row per bad sheet row."""

    def __init__(
        self, parent: QWidget | None, what: str, path: Path, error: ImportRejected
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"导入未执行：{what}")
        self.error = error
        layout = QVBoxLayout(self)
        if error.file_message:
            headline = error.file_message
        else:
            headline = (
                f"工作簿“{path.name}”中发现 {len(error.problems)} 处错误，"
                "按“全有或全无”规则，本次没有写入任何数据。请按下表修改工作簿后重新导入。"
            )
        self.headline = QLabel(headline)
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet(f"color: {theme.ERROR_COLOUR}; font-weight: bold;")
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.headline)
        self.table = QTableWidget(len(error.problems), 2)
        self.table.setHorizontalHeaderLabels(["行号", "错误"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        for i, problem in enumerate(error.problems):
            row_item = QTableWidgetItem(f"第{problem.row}行" if problem.row else "—")
            row_item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(i, 0, row_item)
            self.table.setItem(i, 1, QTableWidgetItem(problem.message))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(error.problems))
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("复制错误清单")
        copy.clicked.connect(self.copy_to_clipboard)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(820, 460 if error.problems else 160)

    def rows(self) -> list[tuple[str, str]]:
        return [
            (self.table.item(i, 0).text(), self.table.item(i, 1).text())
            for i in range(self.table.rowCount())
        ]

    def copy_to_clipboard(self) -> None:
        lines = [self.headline.text()] + [f"{r}\t{m}" for r, m in self.rows()]
        QGuiApplication.clipboard().setText("\n".join(lines))


_open_dialogs: list[QDialog] = []


def choose_workbook(parent: QWidget | None, title: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(
        parent, title, "", "Excel 工作簿 (*.xlsx *.xlsm);;所有文件 (*)"
    )
    return Path(path) if path else None


def run_import(
    ctx: AppContext,
    parent: QWidget | None,
    kind: str,
    path: Path,
    *,
    year: int | None = None,
    on_done: Callable[[Any], None] | None = None,
) -> Task:
    """Import ``path`` in a worker thread; show the summary, or the bad rows in a dialog."""
    from desktop.services import importing

    what, changes = KINDS[kind]

    def work(db, progress, cancel):
        if kind == "enterprises":
            return importing.import_enterprises(db, path, progress=progress, cancel=cancel)
        if kind == "siqiang":
            return importing.import_siqiang_list(
                db, path, year=year, progress=progress, cancel=cancel
            )
        return importing.import_applications(db, path, progress=progress, cancel=cancel)

    def succeeded(report) -> None:
        ctx.notify(*changes)
        detail = "\n".join(report.warnings) or None
        text = report.summary()
        if report.duplicates:
            text += "\n已存在相同事项的行：" + "、".join(f"第{r}行" for r in report.duplicates[:30])
        if report.warnings:
            text += f"\n另有{len(report.warnings)}条提示，见“显示详细信息”。"
        messages.show_info(parent, text, f"导入{what}", detail)
        if on_done is not None:
            on_done(report)

    def failed(error: BaseException) -> None:
        if isinstance(error, ImportRejected):
            dialog = ImportProblemsDialog(parent, what, path, error)
            _open_dialogs.append(dialog)
            dialog.finished.connect(lambda _=0: _open_dialogs.remove(dialog))
            messages.history.append(messages.Shown("error", f"导入未执行：{what}", str(error)))
            dialog.open()
        else:
            messages.show_error(parent, error, f"导入{what}未完成")

    return ctx.run(
        parent,
        work,
        title=f"导入{what}",
        label=f"正在检查{what}工作簿…",
        on_success=succeeded,
        on_error=failed,
    )


def open_problem_dialogs() -> list[QDialog]:
    return list(_open_dialogs)
