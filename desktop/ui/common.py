"""What every view shares: the application context, the base view, table set-up, small dialogs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DomainError
from desktop.storage.database import Database
from desktop.ui import messages
from desktop.ui.forms import GuardedDialog
from desktop.ui.tables import RecordTable, configure
from desktop.ui.tasks import Task, Work, run_task

T = TypeVar("T")

# What a write changed; views redraw what depends on it (Anki's OpChanges, in small).
ENTERPRISES, LISTS, APPLICATIONS, AWARDS, POLICIES = (
    "enterprises",
    "lists",
    "applications",
    "awards",
    "policies",
)
EVERYTHING = frozenset({ENTERPRISES, LISTS, APPLICATIONS, AWARDS, POLICIES})


class AppContext(QObject):
    """The open database, the selected year and the change notifications, shared by all views."""

    yearChanged = Signal(int)
    dataChanged = Signal(object)  # frozenset of what changed

    def __init__(
        self,
        db: Database,
        year: int,
        window: QWidget | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.year = year
        self.window = window
        self.settings = settings  # where tables remember their column widths (None: nowhere)

    @property
    def db_path(self) -> Path:
        return self.db.path

    def set_year(self, year: int) -> None:
        if year != self.year:
            self.year = year
            self.yearChanged.emit(year)

    def notify(self, *what: str) -> None:
        self.dataChanged.emit(frozenset(what) if what else EVERYTHING)

    def call(
        self, parent: QWidget | None, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T | None:
        """Run a quick service call on the GUI thread; a ``DomainError`` is shown, None returned."""
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            messages.show_error(parent or self.window, exc)
            return None

    def attempt(
        self, parent: QWidget | None, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> bool:
        """Like :meth:`call` for writes that return nothing: True when the service accepted it."""
        try:
            fn(*args, **kwargs)
        except DomainError as exc:
            messages.show_error(parent or self.window, exc)
            return False
        return True

    def run(
        self,
        parent: QWidget | None,
        fn: Work,
        *,
        title: str,
        label: str = "正在处理，请稍候…",
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """Long work in a worker thread with its own ``Database`` (see ``tasks.py``)."""
        return run_task(
            parent or self.window,
            self.db_path,
            fn,
            title=title,
            label=label,
            user=self.db.user,
            on_success=on_success,
            on_error=on_error,
            role=self.db.role,
        )


class View(QWidget):
    """A main-window page. It reloads when it is shown after something it depends on changed."""

    title = ""
    depends_on: frozenset[str] = EVERYTHING
    follows_year = True

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._stale = True
        ctx.dataChanged.connect(self._on_data_changed)
        ctx.yearChanged.connect(self._on_year_changed)

    def refresh(self) -> None:  # subclasses load their data here
        raise NotImplementedError

    def reload(self) -> None:
        self._stale = False
        self.refresh()

    def _on_data_changed(self, what: frozenset[str]) -> None:
        if what & self.depends_on:
            self._mark_stale()

    def _on_year_changed(self, year: int) -> None:
        if self.follows_year:
            self._mark_stale()

    def _mark_stale(self) -> None:
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()


XLSX_FILTER = "Excel 工作簿 (*.xlsx)"
_open_dialogs: list[QWidget] = []


def keep_open(dialog: QWidget) -> QWidget:
    """Hold a Python reference to a modeless dialog until it finishes (environment.md: PySide6
    deletes a dialog nobody references while it is shown)."""
    _open_dialogs.append(dialog)
    dialog.finished.connect(
        lambda _r=0: _open_dialogs.remove(dialog) if dialog in _open_dialogs else None
    )
    return dialog


def open_dialogs() -> list[QWidget]:
    """The dialogs :func:`keep_open` holds, oldest first (tests drive the newest)."""
    return list(_open_dialogs)


def choose_open_file(
    parent: QWidget | None, title: str, filters: str, start: Path | None = None
) -> Path | None:
    """The file a clerk picks in the standard open dialog (in ``start``), or None if cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, str(start or ""), filters)
    return Path(path) if path else None


def char_width(widget: QWidget, chars: float) -> int:
    """Pixels for ``chars`` CJK characters in the widget's font, plus cell padding."""
    return int(widget.fontMetrics().horizontalAdvance("中") * chars) + 16


def make_table(
    model,
    parent: QWidget | None = None,
    *,
    widths: Sequence[float] | None = None,
    sortable: bool = True,
    multi: bool = False,
    stretch_last: bool = True,
    name: str = "",
    settings: QSettings | None = None,
) -> RecordTable:
    """A :class:`RecordTable` over ``model``: sortable by every column through its proxy, rows
    selected as records, widths from the model's columns (remembered under ``name``)."""
    view = RecordTable(model, parent, name=name, settings=settings, sortable=False)
    if sortable:  # no arrow until the clerk sorts: rows arrive in the service's order
        view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)
    columns = getattr(model, "columns", None) or getattr(model, "COLUMNS", None) or ()
    if widths is None:
        widths = [c.width for c in columns]
    minimums = [
        c.shrink_to if getattr(c, "shrink_to", None) is not None else c.width for c in columns
    ]
    if len(minimums) != len(widths):
        minimums = list(widths)
    configure(
        view,
        multi=multi,
        stretch_last=stretch_last,
        widths=[char_width(view, w) for w in widths],
        minimums=[char_width(view, w) for w in minimums],
    )
    return view


def selected_rows(view: QTableView) -> list[int]:
    """The selected rows of ``view`` as rows of its source model (never proxy positions)."""
    if isinstance(view, RecordTable):
        return sorted(view.source_rows())
    return sorted({i.row() for i in view.selectionModel().selectedRows()})


class ReasonDialog(GuardedDialog):
    """Asks for a required reason. ``submit(reason)`` returns True when the action succeeded;
    on False (e.g. the service refused an empty reason) the dialog stays open."""

    def __init__(
        self, parent: QWidget | None, title: str, prompt: str, submit: Callable[[str], bool]
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._submit = submit
        layout = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("请填写理由（必填，将记入审核记录）")
        self.editor.setMinimumSize(420, 110)
        layout.addWidget(self.editor)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.mark_clean()

    def reason(self) -> str:
        return self.editor.toPlainText()

    def _accept(self) -> None:
        if self._submit(self.reason()):
            self.accept()


class TextDialog(QDialog):
    """Read-only text (the calculation trace, import warnings) that can be copied, printed and
    saved as PDF (QTextDocument through QPrinter, in the bundled font)."""

    def __init__(self, parent: QWidget | None, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.title = title
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setMinimumSize(720, 420)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("复制全部")
        self.print_button = QPushButton("打印…")
        self.pdf_button = QPushButton("保存为PDF…")
        for button in (self.copy_button, self.print_button, self.pdf_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_all)
        self.print_button.clicked.connect(self.print_dialog)
        self.pdf_button.clicked.connect(self.choose_pdf)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy_all(self) -> str:
        from PySide6.QtGui import QGuiApplication

        text = self.text.toPlainText()
        QGuiApplication.clipboard().setText(text)
        return text

    def document(self):
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setDefaultFont(self.font())
        doc.setPlainText(f"{self.title}\n\n{self.text.toPlainText()}")
        return doc

    def print_to(self, printer) -> None:
        self._doc = self.document()  # kept alive while the printer uses it
        self._doc.print_(printer)

    def print_dialog(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        self._printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(self._printer, self)
        dialog.setWindowTitle("打印")
        dialog.accepted.connect(lambda: self.print_to(self._printer))
        self._print_dialog = dialog
        dialog.open()

    def choose_pdf(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(
            self, "保存为PDF", f"{self.title.replace('/', '-')}.pdf", "PDF 文件 (*.pdf)"
        )
        if path:
            self.save_pdf(Path(path if path.lower().endswith(".pdf") else path + ".pdf"))

    def save_pdf(self, path: Path) -> Path:
        from PySide6.QtGui import QPageSize
        from PySide6.QtPrintSupport import QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setOutputFileName(str(path))
        self.print_to(printer)
        return path
