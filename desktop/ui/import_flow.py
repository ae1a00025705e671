"""Workbook imports from the GUI: file → check on a worker → preview → 确定 → write → 撤销本次导入.

Nothing is written before the clerk has seen the preview (counts to add / change / leave, the
changed fields per enterprise old → new, the notices: hidden rows, units converted, rows after
合计 skipped) and pressed 确定. The write then runs on a worker with the preview's fingerprint, so
a file or database that changed meanwhile is refused. A refused workbook shows every bad row
(行号/错误). After the write the clerk can undo the whole import (撤销本次导入) while nothing later
depends on it (``desktop.services.import_batches``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
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
from desktop.ui.common import (
    APPLICATIONS,
    AWARDS,
    ENTERPRISES,
    LISTS,
    AppContext,
    choose_open_file,
    keep_open,
    make_table,
    open_dialogs,
)
from desktop.ui.models import Column, ListTableModel
from desktop.ui.tasks import Task

KINDS = {
    "enterprises": ("企业名录", frozenset({ENTERPRISES}), "enterprises"),
    "siqiang": ("四强企业名单", frozenset({LISTS, ENTERPRISES}), "siqiang-list"),
    "applications": ("奖补事项", frozenset({APPLICATIONS, AWARDS}), "applications"),
}
EVERYTHING_IMPORTED = frozenset({ENTERPRISES, LISTS, APPLICATIONS, AWARDS})
FILE_FILTER = (
    "表格文件 (*.xlsx *.xlsm *.xls *.ods *.csv);;Excel 工作簿 (*.xlsx *.xlsm *.xls);;"
    "OpenDocument 表格 (*.ods);;CSV 文件 (*.csv);;所有文件 (*)"
)


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
            headline = error.file_message + "\n本次没有写入任何数据。"
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
        self.resize(820, 460 if error.problems else 180)

    def rows(self) -> list[tuple[str, str]]:
        return [
            (self.table.item(i, 0).text(), self.table.item(i, 1).text())
            for i in range(self.table.rowCount())
        ]

    def copy_to_clipboard(self) -> None:
        lines = [self.headline.text()] + [f"{r}\t{m}" for r, m in self.rows()]
        QGuiApplication.clipboard().setText("\n".join(lines))


@dataclass(frozen=True)
class PreviewLine:
    """One changed field of one enterprise (or one matter / list place) in the preview."""

    change: Any
    item: str
    old: str
    new: str


def preview_lines(changes: list[Any]) -> list[PreviewLine]:
    return [PreviewLine(c, *field) for c in changes for field in (c.fields or (("", "", ""),))]


CHANGE_COLUMNS = (
    Column("行号", lambda p: f"第{p.change.row}行" if p.change.row else "—", "center", 5),
    Column("统一社会信用代码", lambda p: p.change.credit_code, "text", 13),
    Column("企业名称", lambda p: p.change.name, "text", 15, tooltip=True),
    Column("操作", lambda p: p.change.action, "center", 4),
    Column("项目", lambda p: p.item, "text", 7),
    Column("原值", lambda p: p.old, "text", 13, tooltip=True),
    Column("新值", lambda p: p.new, "text", 20, tooltip=True),
)


def counts_text(report: Any) -> str:
    """新增 / 修改 / 不变 in the words of the import's kind."""
    if report.kind == "四强企业名单":
        return "；".join(
            f"{c.year}年度名单：新增 {len(c.added)} 户，移出 {len(c.dropped)} 户，保留 {c.kept} 户"
            for c in report.list_changes
        )
    if report.kind == "奖补事项":
        return f"新增 {report.added} 条，已存在（不再导入）{len(report.duplicates)} 条"
    return f"新增 {report.added} 户，修改 {report.updated} 户，不变 {report.unchanged} 户"


class ImportPreviewDialog(QDialog):
    """What an import would do; 确定 writes it, 取消 writes nothing."""

    def __init__(
        self, parent: QWidget | None, what: str, path: Path, report: Any, *, year: int | None
    ) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(f"导入预览：{what}")
        layout = QVBoxLayout(self)
        scope = f"（{year}年度）" if year is not None and report.kind == "四强企业名单" else ""
        intro = QLabel(
            f"工作簿“{path.name}”{scope}共 {report.rows} 行数据。"
            + (
                "请核对下列变化，点“确定”写入；点“取消”不写入任何数据。"
                if report.writes
                else "与现有数据一致，无需写入。"
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.counts = QLabel(counts_text(report))
        self.counts.setStyleSheet("font-weight: bold; font-size: 11pt;")
        layout.addWidget(self.counts)
        self.warnings = QLabel("\n".join(f"⚠ {w}" for w in report.warnings))
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(f"color: {theme.WARNING_COLOUR};")
        self.warnings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings.setVisible(bool(report.warnings))
        layout.addWidget(self.warnings)
        self.model = ListTableModel(self, CHANGE_COLUMNS)
        self.model.set_rows(preview_lines(report.changes))
        self.table = make_table(self.model, self, widths=[c.width for c in CHANGE_COLUMNS])
        self.table.setVisible(bool(report.changes))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("确定" if report.writes else "关闭")
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("取消")
        cancel.setVisible(report.writes)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.write_task: Task | None = None
        self.resize(1100, 620 if report.changes else 260)

    def change_rows(self) -> list[tuple[str, ...]]:
        return [tuple(c.text(row) for c in CHANGE_COLUMNS) for row in self.model.rows()]


class ImportDoneDialog(QDialog):
    """The import's summary, with 撤销本次导入."""

    def __init__(self, parent: QWidget | None, what: str, report: Any, undo) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"导入{what}")
        layout = QVBoxLayout(self)
        text = report.summary()
        if report.duplicates:
            text += "\n已存在相同事项的行：" + "、".join(f"第{r}行" for r in report.duplicates[:30])
        if report.backup is not None:
            text += f"\n导入前的备份：{report.backup.name}"
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        self.undo_button = QPushButton("撤销本次导入")
        self.undo_button.setToolTip("把本次导入写入的数据全部撤回（其后没有依赖它的变动时）")
        self.undo_button.setVisible(report.batch_id is not None)
        self.undo_button.clicked.connect(lambda: (self.accept(), undo()))
        buttons.addButton(self.undo_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 160)


def choose_workbook(parent: QWidget | None, title: str) -> Path | None:
    return choose_open_file(parent, title, FILE_FILTER)


def _show_problems(parent: QWidget | None, what: str, path: Path, error: BaseException) -> None:
    if isinstance(error, ImportRejected):
        dialog = keep_open(ImportProblemsDialog(parent, what, path, error))
        messages.history.append(messages.Shown("error", f"导入未执行：{what}", str(error)))
        dialog.open()
    else:
        messages.show_error(parent, error, f"导入{what}未完成")


def run_import(
    ctx: AppContext,
    parent: QWidget | None,
    kind: str,
    path: Path,
    *,
    year: int | None = None,
    on_done: Callable[[Any], None] | None = None,
) -> Task:
    """Check ``path`` on a worker and show the preview (or the bad rows); 确定 writes it."""
    from desktop.services import importing

    what, changes, service_kind = KINDS[kind]

    def check(db, progress, cancel):
        return importing.run_import(
            db, service_kind, path, year=year, dry_run=True, progress=progress, cancel=cancel
        )

    def previewed(report) -> None:
        dialog = keep_open(ImportPreviewDialog(parent, what, path, report, year=year))
        messages.history.append(messages.Shown("preview", f"导入预览：{what}", counts_text(report)))

        def answered(result: int) -> None:
            if result == QDialog.DialogCode.Accepted and report.writes:
                dialog.write_task = _write(ctx, parent, kind, path, year, report, on_done)

        dialog.finished.connect(answered)
        dialog.open()

    return ctx.run(
        parent,
        check,
        title=f"导入{what}",
        label=f"正在检查{what}工作簿…",
        on_success=previewed,
        on_error=lambda error: _show_problems(parent, what, path, error),
    )


def _write(ctx, parent, kind, path, year, preview, on_done) -> Task:
    from desktop.services import importing

    what, changes, service_kind = KINDS[kind]

    def work(db, progress, cancel):
        return importing.run_import(
            db,
            service_kind,
            path,
            year=year,
            progress=progress,
            cancel=cancel,
            expect=preview.fingerprint,
        )

    def written(report) -> None:
        ctx.notify(*changes)
        messages.history.append(messages.Shown("info", f"导入{what}", report.summary()))
        keep_open(
            ImportDoneDialog(parent, what, report, lambda: undo_last_import(ctx, parent))
        ).open()
        if on_done is not None:
            on_done(report)

    return ctx.run(
        parent,
        work,
        title=f"导入{what}",
        label=f"正在写入{what}…",
        on_success=written,
        on_error=lambda error: _show_problems(parent, what, path, error),
    )


def undo_last_import(ctx: AppContext, parent: QWidget | None) -> Task:
    """撤销本次导入 (or, from the menu, the last import): check, confirm, undo on a worker."""
    from desktop.services import import_batches

    def check(db, progress, cancel):
        return import_batches.undo_last_import(db, dry_run=True)

    def confirm(report) -> None:
        messages.ask(
            parent,
            f"撤销{report.batch.describe()}？该次导入写入的数据将全部撤回（导入前已有的数据恢复原样）。",
            lambda: _undo(ctx, parent),
            "撤销本次导入",
        )

    return ctx.run(
        parent,
        check,
        title="撤销本次导入",
        label="正在检查能否撤销…",
        on_success=confirm,
        on_error=lambda error: messages.show_error(parent, error, "不能撤销本次导入"),
    )


def _undo(ctx: AppContext, parent: QWidget | None) -> Task:
    from desktop.services import import_batches

    def done(report) -> None:
        ctx.notify(*EVERYTHING_IMPORTED)
        messages.show_info(
            parent, report.summary(), "撤销本次导入", "\n".join(report.lines) or None
        )

    return ctx.run(
        parent,
        lambda db, progress, cancel: import_batches.undo_last_import(db),
        title="撤销本次导入",
        label="正在撤销…",
        on_success=done,
        on_error=lambda error: messages.show_error(parent, error, "不能撤销本次导入"),
    )


def open_problem_dialogs() -> list[QDialog]:
    return [d for d in open_dialogs() if isinstance(d, ImportProblemsDialog)]


def open_preview_dialogs() -> list[ImportPreviewDialog]:
    return [d for d in open_dialogs() if isinstance(d, ImportPreviewDialog)]


def open_done_dialogs() -> list[ImportDoneDialog]:
    return [d for d in open_dialogs() if isinstance(d, ImportDoneDialog)]
