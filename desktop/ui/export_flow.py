"""Exports: choose report, format and unit → worker thread (``desktop.reports.export_report``) →
offer to open the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import FileInUse
from desktop.reports import REPORTS
from desktop.storage.files import next_free_name
from desktop.ui import messages
from desktop.ui.common import AppContext
from desktop.ui.tasks import Task

FORMATS = {"excel": ("Excel 工作簿", "xlsx"), "pdf": ("PDF 文件", "pdf")}


def report_title(name: str) -> str:
    kind = REPORTS.get(name)
    return kind.title if kind is not None else name


def dialog_reports() -> dict[str, str]:
    """The reports the export dialog offers: all but the one-enterprise ones (those are exported
    from the enterprise's record)."""
    return {k: kind.title for k, kind in REPORTS.items() if not kind.needs_credit_code}


def default_file_name(name: str, fmt: str, year: int) -> str:
    title = report_title(name).split("（")[0]
    return f"{year}年度{title}.{FORMATS[fmt][1]}"


def open_file(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def run_export(
    ctx: AppContext,
    parent: QWidget | None,
    name: str,
    fmt: str,
    out_path: Path,
    *,
    unit: str = "元",
    year: int | None = None,
    credit_code: str | None = None,
    on_done: Callable[[Any], None] | None = None,
    offer_open: bool = True,
) -> Task:
    """Write report ``name`` in a worker thread; ``credit_code`` for the one-enterprise ledger."""
    year = None if name == "ledger" else (ctx.year if year is None else year)
    out_path = Path(out_path)

    def work(db, progress, cancel):
        from desktop.reports import export_report

        return export_report(
            db,
            name,
            fmt,
            out_path,
            year=year,
            credit_code=credit_code,
            unit=unit,
            progress=progress,
            cancel=cancel,
        )

    def succeeded(result: Any) -> None:
        path = Path(getattr(result, "path", out_path))
        rows = getattr(result, "rows", None)
        text = (
            f"已导出：{path}"
            + (f"（{rows}行）" if rows is not None else "")
            + (
                f"\n数据指纹：{result.fingerprint}（印在页脚，可据此核对报表与数据库是否一致）"
                if getattr(result, "fingerprint", "")
                else ""
            )
            + "\n现在打开该文件吗？"
        )
        if offer_open:
            messages.ask(parent, text, lambda: open_file(path), title="导出完成")
        if on_done is not None:
            on_done(result)

    def again(path: Path) -> None:
        run_export(
            ctx,
            parent,
            name,
            fmt,
            path,
            unit=unit,
            year=year,
            credit_code=credit_code,
            on_done=on_done,
            offer_open=offer_open,
        )

    def failed(error: BaseException) -> None:
        if isinstance(error, FileInUse):  # open in Excel/WPS: 重试 after closing it, or 另存为
            messages.file_in_use(
                parent,
                error,
                retry=lambda: again(out_path),
                save_as=lambda: save_as(parent, out_path, fmt, again),
                title="导出报表未完成",
            )
        else:
            messages.show_error(parent, error, title="导出报表未完成")

    return ctx.run(
        parent,
        work,
        title="导出报表",
        label=f"正在生成{report_title(name)}…",
        on_success=succeeded,
        on_error=failed,
    )


def save_as(parent: QWidget | None, current: Path, fmt: str, then: Callable[[Path], None]) -> None:
    """Ask for another file name (proposing ``名称(2).xlsx``) and go on with it, unless cancelled."""
    title, ext = FORMATS["pdf" if fmt == "pdf" else "excel"]
    path, _ = QFileDialog.getSaveFileName(
        parent, "另存为", str(next_free_name(current)), f"{title} (*.{ext})"
    )
    if path:
        then(Path(path))


class ExportDialog(QDialog):
    """Which report, which format, which unit; then a file name, then the export."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, report: str = "detail"
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("导出报表")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.report = QComboBox()
        for key, title in dialog_reports().items():
            self.report.addItem(title, key)
        self.report.setCurrentIndex(max(self.report.findData(report), 0))
        self.format = QComboBox()
        for key, (title, ext) in FORMATS.items():
            self.format.addItem(f"{title}（.{ext}）", key)
        self.unit = QComboBox()
        self.unit.addItems(["元", "万元"])
        form.addRow("年度", QLabel(f"{ctx.year}年度（在工具栏中切换）"))
        form.addRow("报表", self.report)
        form.addRow("格式", self.format)
        form.addRow("金额单位", self.unit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._choose_file)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.task: Task | None = None

    def _choose_file(self) -> None:
        name, fmt = self.report.currentData(), self.format.currentData()
        title, ext = FORMATS[fmt]
        path, _ = QFileDialog.getSaveFileName(
            self, "保存报表", default_file_name(name, fmt, self.ctx.year), f"{title} (*.{ext})"
        )
        if not path:
            return
        self.accept()
        self.task = run_export(
            self.ctx, self.parentWidget(), name, fmt, Path(path), unit=self.unit.currentText()
        )
