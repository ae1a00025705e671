"""Tables that behave like a spreadsheet and select records, not row positions.

Every table shows its source model through a :class:`SortProxy`. Sorting reorders the proxy
only (a permutation computed with Python's sort on the source's own keys: numbers as numbers,
amounts by 分), so the source rows, and the records behind them, never move. Views read the
selection as source rows or record ids through ``mapToSource``; an action therefore acts on
exactly the records highlighted, however the clerk sorted or filtered.

:class:`RecordTable` adds what clerks expect from Excel/WPS: Ctrl+C copies the selected rows as
tab-separated text with the header, a right-click menu with the row's actions, column widths
remembered between sessions, the selected rows' amounts summed for the status bar, and columns
that shrink (names elide) so a narrow window still shows 状态 and 核定金额.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from desktop.core.money import format_yuan

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the raw value a column sorts by

COPY_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # the text Ctrl+C puts on the clipboard


def sort_key(value: Any) -> tuple[int, Any]:
    """Empty cells last; numbers compare as numbers, everything else as text."""
    if value is None or value == "":
        return (2, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value))


class SortProxy(QAbstractProxyModel):
    """A sorted view of a flat table model. The source decides the keys: ``sort_keys(column)``
    when it has it (a lazy model fetches them in one query), else ``SORT_ROLE`` data."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._to_source: list[int] = []
        self._from_source: list[int] = []
        self._column = -1
        self._order = Qt.SortOrder.AscendingOrder

    # -- wiring --------------------------------------------------------------------------------
    def setSourceModel(self, model: QAbstractItemModel) -> None:  # noqa: N802 (Qt API)
        self.beginResetModel()
        old = self.sourceModel()
        if old is not None:
            old.disconnect(self)
        super().setSourceModel(model)
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._source_reset)
        model.layoutAboutToBeChanged.connect(lambda *_: self.layoutAboutToBeChanged.emit())
        model.layoutChanged.connect(self._source_layout_changed)
        model.dataChanged.connect(self._source_data_changed)
        model.headerDataChanged.connect(self.headerDataChanged.emit)
        for signal in (model.rowsInserted, model.rowsRemoved, model.columnsInserted,
                       model.columnsRemoved):  # fmt: skip
            signal.connect(self._source_rows_changed)
        self._compute()
        self.endResetModel()

    def _source_reset(self) -> None:
        self._compute()
        self.endResetModel()

    def _source_rows_changed(self, *_args) -> None:
        self.beginResetModel()
        self._compute()
        self.endResetModel()

    def _source_layout_changed(self, *_args) -> None:
        self._compute()
        self.layoutChanged.emit()

    def _source_data_changed(self, top: QModelIndex, bottom: QModelIndex, roles=()) -> None:
        for row in range(top.row(), bottom.row() + 1):
            left = self.mapFromSource(top.siblingAtRow(row))
            right = self.mapFromSource(bottom.siblingAtRow(row))
            if left.isValid() and right.isValid():
                self.dataChanged.emit(left, right, roles)

    def _compute(self) -> None:
        source = self.sourceModel()
        count = source.rowCount() if source is not None else 0
        order = list(range(count))
        if source is None or not 0 <= self._column < source.columnCount():
            self._to_source, self._from_source = order, list(order)  # unsorted: the identity
            return
        keys = self._keys(self._column, count)
        order.sort(key=lambda r: keys[r], reverse=self._order == Qt.SortOrder.DescendingOrder)
        self._to_source = order
        self._from_source = [0] * count
        for proxy_row, source_row in enumerate(order):
            self._from_source[source_row] = proxy_row

    def _keys(self, column: int, count: int) -> list[tuple[int, Any]]:
        source = self.sourceModel()
        if hasattr(source, "sort_keys"):
            return [sort_key(v) for v in source.sort_keys(column)]
        return [sort_key(source.index(r, column).data(SORT_ROLE)) for r in range(count)]

    # -- sorting -------------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        sources = [self.mapToSource(i) for i in before]
        self._column, self._order = column, order
        self._compute()
        self.changePersistentIndexList(before, [self.mapFromSource(s) for s in sources])
        self.layoutChanged.emit()

    def sort_column(self) -> int:
        return self._column

    # -- the proxy interface -------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self._to_source)):
            return QModelIndex()
        if not (0 <= column < self.columnCount()):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._to_source)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        source = self.sourceModel()
        return 0 if parent.isValid() or source is None else source.columnCount()

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self.rowCount() > 0 and self.columnCount() > 0

    def mapToSource(self, proxy: Index) -> QModelIndex:  # noqa: N802
        source = self.sourceModel()
        if source is None or not proxy.isValid() or proxy.row() >= len(self._to_source):
            return QModelIndex()
        # createIndex, not index(): the row is known to exist, and index() would ask the source
        # its rowCount and columnCount (two Python calls) for every cell painted.
        return source.createIndex(self._to_source[proxy.row()], proxy.column())

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The source's data at the mapped cell: one Python call per cell and role, where Qt's
        default goes through mapToSource first (a table paints ~1,500 of them)."""
        source = self.sourceModel()
        row = index.row()
        if source is None or not index.isValid() or row >= len(self._to_source):
            return None
        roles = getattr(source, "ROLES", None)  # the roles a source ever answers, if it says
        if roles is not None and role not in roles:
            return None  # Qt asks 7 roles per cell painted; most are never answered

        return source.data(source.createIndex(self._to_source[row], index.column()), role)

    def mapFromSource(self, source: Index) -> QModelIndex:  # noqa: N802
        if not source.isValid() or source.row() >= len(self._from_source):
            return QModelIndex()
        return self.index(self._from_source[source.row()], source.column())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        source = self.sourceModel()
        if source is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return source.headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._to_source):
            return str(section + 1)
        return None

    def source_row(self, proxy_row: int) -> int:
        return self._to_source[proxy_row]

    def proxy_row(self, source_row: int) -> int:
        return self._from_source[source_row]


class RecordTable(QTableView):
    """A QTableView over a :class:`SortProxy`; see the module docstring."""

    summaryChanged = Signal(str)

    def __init__(
        self,
        model: QAbstractItemModel,
        parent: QWidget | None = None,
        *,
        name: str = "",
        settings: QSettings | None = None,
        sortable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy = SortProxy(self)
        self.proxy.setSourceModel(model)
        self.setModel(self.proxy)
        self.name = name
        self.settings = settings
        self.row_actions: list[QAction | None] = []
        self.preferred: list[int] = []
        self.minimums: list[int] = []
        self._fitting = False
        self._kept_ids: list[Any] = []
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSortingEnabled(sortable)
        self.copy_action = QAction("复制所选行", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(lambda _c=False: self.copy_selection())
        self.addAction(self.copy_action)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.horizontalHeader().sectionResized.connect(self._section_resized)
        self.selectionModel().selectionChanged.connect(lambda *_: self._emit_summary())
        model.modelAboutToBeReset.connect(self._keep_selection)
        model.modelReset.connect(self._restore_selection)

    # -- records -------------------------------------------------------------------------------
    def source_rows(self) -> list[int]:
        """The selected rows as source-model rows, in the order the clerk sees them."""
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.proxy.source_row(r) for r in rows if r < self.proxy.rowCount()]

    def record_id(self, source_row: int) -> Any:
        source = self.source
        if hasattr(source, "record_id"):
            return source.record_id(source_row)
        return source_row

    def selected_ids(self) -> list[Any]:
        return [self.record_id(r) for r in self.source_rows()]

    def shown_ids(self) -> list[Any]:
        """Every row's id, top to bottom as shown."""
        return [self.record_id(self.proxy.source_row(r)) for r in range(self.proxy.rowCount())]

    def select_source_rows(self, rows: Sequence[int]) -> None:
        selection = QItemSelection()
        last = self.proxy.columnCount() - 1
        for row in rows:
            if 0 <= row < self.proxy.rowCount():
                r = self.proxy.proxy_row(row)
                selection.select(self.proxy.index(r, 0), self.proxy.index(r, last))
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.selectionModel().select(selection, flags)
        if rows and 0 <= rows[0] < self.proxy.rowCount():
            current = self.proxy.index(self.proxy.proxy_row(rows[0]), 0)
            self.selectionModel().setCurrentIndex(
                current, QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.scrollTo(current)

    def select_source_row(self, row: int) -> None:
        self.select_source_rows([row])

    def select_ids(self, ids: Sequence[Any]) -> None:
        wanted = set(ids)
        count = self.source.rowCount()
        self.select_source_rows([r for r in range(count) if self.record_id(r) in wanted])

    def _keep_selection(self) -> None:
        self._kept_ids = self.selected_ids()

    def _restore_selection(self) -> None:
        if self._kept_ids and hasattr(self.source, "record_id"):
            self.select_ids(self._kept_ids)
        self._kept_ids = []
        self._emit_summary()

    # -- copy ----------------------------------------------------------------------------------
    def visible_columns(self) -> list[int]:
        header = self.horizontalHeader()
        logical = [header.logicalIndex(v) for v in range(header.count())]
        return [c for c in logical if not header.isSectionHidden(c)]

    def _cell_text(self, row: int, column: int) -> str:
        index = self.proxy.index(row, column)
        value = index.data(COPY_ROLE)
        if value is None:
            value = index.data(Qt.ItemDataRole.DisplayRole)
        text = "" if value is None else str(value)
        return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")

    def selection_text(self) -> str:
        """The selected rows as Excel/WPS paste them: header line, then one line per row."""
        columns = self.visible_columns()
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        header = [str(self.proxy.headerData(c, Qt.Orientation.Horizontal) or "") for c in columns]
        lines = ["\t".join(header)]
        lines += ["\t".join(self._cell_text(r, c) for c in columns) for r in rows]
        return "\r\n".join(lines) + "\r\n"

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # QAbstractItemView answers Ctrl+C itself with the current cell only; take it over.
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        super().keyPressEvent(event)

    def copy_selection(self) -> str:
        if not self.selectionModel().selectedRows():
            return ""
        text = self.selection_text()
        QGuiApplication.clipboard().setText(text)
        return text

    # -- right-click ---------------------------------------------------------------------------
    def set_row_actions(self, actions: Sequence[QAction | None]) -> None:
        """The actions of the right-click menu (``None`` is a separator); they read the
        selection themselves, so they act on the rows the menu was opened on."""
        self.row_actions = list(actions)

    def build_menu(self) -> QMenu:
        menu = QMenu(self)
        for action in self.row_actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        if self.row_actions:
            menu.addSeparator()
        menu.addAction(self.copy_action)
        return menu

    def _context_menu(self, pos) -> None:
        index = self.indexAt(pos)
        if index.isValid() and not self.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.selectRow(index.row())
        self._menu = self.build_menu()
        self._menu.popup(self.viewport().mapToGlobal(pos))

    # -- the status-bar sum --------------------------------------------------------------------
    def summary(self) -> str:
        rows = self.source_rows()
        if not rows:
            return ""
        text = f"已选 {len(rows)} 行"
        source = self.source
        if hasattr(source, "sum_of"):
            title, fen = source.sum_of(rows)
            if title:
                text += f"，{title}合计 {format_yuan(fen)} 元"
        return text

    def _emit_summary(self) -> None:
        self.summaryChanged.emit(self.summary())

    # -- column widths -------------------------------------------------------------------------
    def set_widths(self, widths: Sequence[int], minimums: Sequence[int]) -> None:
        """Initial widths (then the remembered ones win) and how far each may shrink."""
        self.preferred = list(widths)
        self.minimums = list(minimums)
        saved = self._saved_widths()
        if saved is not None and len(saved) == len(self.preferred):
            self.preferred = saved
        self._fit()

    def _key(self) -> str:
        return f"tables/{self.name}/widths"

    def _saved_widths(self) -> list[int] | None:
        if self.settings is None or not self.name:
            return None
        value = self.settings.value(self._key())
        if isinstance(value, str):
            value = value.split(",")
        try:
            return [max(int(v), 20) for v in value] if value else None
        except (TypeError, ValueError):
            return None

    def _section_resized(self, section: int, _old: int, new: int) -> None:
        if self._fitting or not (0 <= section < len(self.preferred)):
            return
        header = self.horizontalHeader()
        if header.stretchLastSection() and section == header.count() - 1:
            return  # the last column follows the window, not the clerk
        self.preferred[section] = new
        if self.settings is not None and self.name:
            self.settings.setValue(self._key(), ",".join(str(w) for w in self.preferred))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Show every column when the window is narrow: shrink the shrinkable ones (names,
        explanations) toward their minimum, in proportion to how much each can give."""
        if not self.preferred:
            return
        widths = list(self.preferred)
        header = self.horizontalHeader()
        count = min(len(widths), header.count())
        available = self.viewport().width()
        if header.stretchLastSection() and count:
            widths[count - 1] = self.minimums[count - 1] if self.minimums else widths[-1]
        overflow = sum(widths[:count]) - available
        slack = (
            [max(widths[i] - self.minimums[i], 0) for i in range(count)] if self.minimums else []
        )
        total_slack = sum(slack)
        if overflow > 0 and total_slack > 0:
            share = min(overflow / total_slack, 1.0)
            widths = [widths[i] - int(slack[i] * share + 0.999) for i in range(count)]
        self._fitting = True
        try:
            for i in range(count):
                if not (header.stretchLastSection() and i == count - 1):
                    header.resizeSection(i, widths[i])
        finally:
            self._fitting = False

    def column_fully_visible(self, column: int) -> bool:
        """True when the whole column lies inside the visible part of the table."""
        header = self.horizontalHeader()
        left = header.sectionViewportPosition(column)
        return (
            not header.isSectionHidden(column)
            and left >= 0
            and left + header.sectionSize(column) <= self.viewport().width()
        )


def configure(
    view: RecordTable,
    *,
    multi: bool,
    stretch_last: bool,
    widths: Sequence[int],
    minimums: Sequence[int],
) -> None:
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if multi
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    header.setStretchLastSection(stretch_last)
    header.setMinimumSectionSize(36)
    if view.isSortingEnabled():  # no arrow until the clerk sorts: rows come in the service's order
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    if widths:
        view.set_widths(widths, minimums)
