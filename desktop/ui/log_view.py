"""变更日志: the change log for auditors, filtered by user, date range and enterprise.

A dialog (系统 → 变更日志…) over ``services.changelog``: a table model holding the entries of the
current filter (newest first, at most ``changelog.DEFAULT_LIMIT``), a detail pane with the full
old and new values and the entry's hash, and 导出Excel for the whole filtered log (in the
background: a large log takes a while).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DomainError
from desktop.services import changelog
from desktop.storage.database import Database
from desktop.ui import messages
from desktop.ui.tables import RecordTable

ALL_USERS = "（全部）"
_WIDTHS = (3.5, 10, 5, 5, 5, 14, 22, 22)  # in CJK characters


class LogTableModel(QAbstractTableModel):
    """The entries of one query; the long value columns show their full text as a tooltip."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[changelog.LogEntry] = []
        self._cells: list[tuple[Any, ...]] = []

    def set_entries(self, entries: list[changelog.LogEntry]) -> None:
        self.beginResetModel()
        self.entries = entries
        self._cells = [e.cells() for e in entries]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(changelog.HEADERS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        value = self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = str(value)
            return text if len(text) <= 120 else text[:119] + "…"
        if role == Qt.ItemDataRole.ToolTipRole and index.column() >= 5 and value:
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return changelog.HEADERS[section]
        return None

    def entry(self, row: int) -> changelog.LogEntry:
        return self.entries[row]

    def record_id(self, row: int) -> int:
        return self.entries[row].id

    def sort_keys(self, column: int) -> list[Any]:
        return [cells[column] for cells in self._cells]


def _date_filter(label: str) -> tuple[QCheckBox, QDateEdit]:
    check = QCheckBox(label)
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setEnabled(False)
    check.toggled.connect(edit.setEnabled)
    return check, edit


class LogDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.export_task = None
        self.setWindowTitle("变更日志")
        layout = QVBoxLayout(self)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("操作人："))
        self.user_combo = QComboBox()
        self.user_combo.setMinimumContentsLength(8)
        filters.addWidget(self.user_combo)
        self.from_check, self.from_date = _date_filter("起始日期")
        self.to_check, self.to_date = _date_filter("截止日期")
        for widget in (self.from_check, self.from_date, self.to_check, self.to_date):
            filters.addWidget(widget)
        filters.addWidget(QLabel("企业："))
        self.enterprise_edit = QLineEdit()
        self.enterprise_edit.setPlaceholderText("统一社会信用代码或名称")
        self.enterprise_edit.setClearButtonEnabled(True)
        self.enterprise_edit.returnPressed.connect(self.refresh)
        filters.addWidget(self.enterprise_edit, 1)
        self.query_button = QPushButton("查询")
        self.query_button.setDefault(True)
        self.query_button.clicked.connect(self.refresh)
        filters.addWidget(self.query_button)
        self.export_button = QPushButton("导出Excel…")
        self.export_button.clicked.connect(self.export_clicked)
        filters.addWidget(self.export_button)
        layout.addLayout(filters)

        self.model = LogTableModel(self)
        # A RecordTable: sortable by every column, Ctrl+C copies rows, the selection is records.
        self.table = RecordTable(self.model, sortable=False)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        em = self.fontMetrics().horizontalAdvance("中")
        for column, width in enumerate(_WIDTHS):
            self.table.setColumnWidth(column, int(width * em) + 12)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("选中一条记录，在此查看修改前后的完整内容和哈希")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        self.status = QLabel()
        bottom.addWidget(self.status, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.resize(1200, 680)
        self._load_users()
        self.refresh()

    # -- filters -------------------------------------------------------------------------------
    def _load_users(self) -> None:
        current = self.user_combo.currentText()
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        self.user_combo.addItem(ALL_USERS)
        self.user_combo.addItems(changelog.log_users(self.db))
        index = self.user_combo.findText(current)
        self.user_combo.setCurrentIndex(max(index, 0))
        self.user_combo.blockSignals(False)

    def filters(self) -> dict[str, Any]:
        user = self.user_combo.currentText()
        return {
            "user": None if user in ("", ALL_USERS) else user,
            "date_from": self.from_date.date().toPython() if self.from_check.isChecked() else None,
            "date_to": self.to_date.date().toPython() if self.to_check.isChecked() else None,
            "enterprise": self.enterprise_edit.text().strip() or None,
        }

    def set_filters(
        self,
        *,
        user: str | None = None,
        date_from: Any = None,
        date_to: Any = None,
        enterprise: str | None = None,
    ) -> None:
        """Set the filters (as a clerk would) and query."""
        self.user_combo.setCurrentIndex(max(self.user_combo.findText(user or ALL_USERS), 0))
        for check, edit, value in (
            (self.from_check, self.from_date, date_from),
            (self.to_check, self.to_date, date_to),
        ):
            check.setChecked(value is not None)
            if value is not None:
                edit.setDate(QDate(value.year, value.month, value.day))
        self.enterprise_edit.setText(enterprise or "")
        self.refresh()

    # -- query ---------------------------------------------------------------------------------
    def refresh(self) -> bool:
        filters = self.filters()
        try:
            entries = changelog.query_log(self.db, limit=changelog.DEFAULT_LIMIT, **filters)
            total = (
                changelog.count_log(self.db, **filters)
                if len(entries) >= changelog.DEFAULT_LIMIT
                else len(entries)
            )
        except DomainError as exc:
            messages.show_error(self, exc, "查询变更日志")
            return False
        self.model.set_entries(entries)
        self.detail.clear()
        shown = (
            f"，显示最近{len(entries)}条（请缩小范围，或导出Excel查看全部）"
            if total > len(entries)
            else ""
        )
        self.status.setText(
            f"{changelog.filter_text(**filters)}：共{total}条{shown}。"
            "变更日志只能追加，每条与上一条以哈希链接，可用“数据库检查”核对。"
        )
        return True

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        e = self.model.entry(self.table.proxy.source_row(current.row()))
        self.detail.setPlainText(
            f"第{e.id}条  {e.at_text}  {e.user}  {e.action}  {e.table_label}（{e.table_name}） {e.row_key or ''}\n"
            f"原值：{e.old_text or '—'}\n"
            f"新值：{e.new_text or '—'}\n"
            f"哈希：{e.hash}"
        )

    # -- export --------------------------------------------------------------------------------
    def export_clicked(self) -> None:
        from datetime import date

        suggested = Path(self.db.path).parent / f"变更日志-{date.today():%Y%m%d}.xlsx"
        path, _ = QFileDialog.getSaveFileName(
            self, "导出变更日志", str(suggested), "Excel 工作簿 (*.xlsx)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path):
        """Export the whole filtered log to ``path`` in the background; returns the task."""
        from desktop.ui.tasks import run_task

        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        filters = self.filters()

        def work(db: Database, progress, _cancel) -> int:
            return changelog.export_log(db, path, progress=progress, **filters)

        def done(count: int) -> None:
            messages.show_info(self, f"已导出变更日志{count}条：{path}", "导出变更日志")

        self.export_task = run_task(
            self,
            self.db.path,
            work,
            title="导出变更日志",
            label="正在导出变更日志…",
            user=self.db.user,
            role=self.db.role,
            cancellable=False,
            on_success=done,
        )
        return self.export_task


def open_log_dialog(db: Database, parent: QWidget | None = None) -> LogDialog:
    dialog = LogDialog(db, parent)
    dialog.setModal(False)
    dialog.show()
    return dialog
