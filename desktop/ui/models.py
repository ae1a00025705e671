"""Table models. Like Anki's browser and calibre's BooksModel, the registry model holds only row
ids and fetches the rows it is asked to draw, page by page, so it stays fast at 100,000 rows.
The other lists (a year's awards, applications, list members) are small enough to hold whole.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap

from desktop.core import status
from desktop.core.money import format_yuan, yuan_string
from desktop.ui import theme
from desktop.ui.tables import COPY_ROLE, SORT_ROLE

Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class Column:
    """One column: ``value`` gives the raw value (for sorting), ``kind`` how it is shown."""

    title: str
    value: Callable[[Any], Any]
    kind: str = "text"  # text | amount (fen) | int | center
    width: float = 10  # initial width in CJK characters
    tooltip: bool = False  # long text: full value as tooltip
    shrink_to: float | None = None  # in a narrow window it may shrink to this (text elides)

    def text(self, row: Any) -> str:
        raw = self.value(row)
        if raw is None:
            return ""
        if self.kind == "amount":
            return format_yuan(int(raw))
        return str(raw)

    def copy_text(self, row: Any) -> str:
        """What Ctrl+C gives: amounts as plain numbers (1500000.00) so spreadsheets read them."""
        raw = self.value(row)
        if raw is None:
            return ""
        if self.kind == "amount":
            return yuan_string(int(raw))
        return self.text(row)

    @property
    def alignment(self) -> int:
        if self.kind in ("amount", "int"):
            return _RIGHT
        if self.kind == "center":
            return _CENTER
        return _LEFT


# -- the registry: ids in memory, rows fetched lazily --------------------------------------------


class EnterpriseTableModel(QAbstractTableModel):
    """Rows are enterprise ids (from ``search_enterprise_ids``); ``fetch(ids)`` returns
    ``{id: Enterprise}`` for one page (``enterprises_by_ids``). Pages are cached, oldest dropped."""

    PAGE = 200
    MAX_PAGES = 30
    # Every role data() answers (the proxy asks nothing else of 110k rows' cells).
    ROLES = frozenset(
        int(r)
        for r in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.UserRole,
            SORT_ROLE,
            COPY_ROLE,
        )
    )

    COLUMNS = (
        Column("统一社会信用代码", lambda e: e.credit_code, "text", 14, True, 8),
        Column("企业名称", lambda e: e.name, "text", 22, True, 8),
        Column("所属镇街", lambda e: e.town, "text", 8, False, 5),
        Column("是否规上", lambda e: "是" if e.above_scale else "否", "center", 5),
        Column("四强产业", lambda e: e.industry or "", "text", 6),
        Column("联系人", lambda e: e.contact or "", "text", 6, True, 4),
        Column("联系电话", lambda e: e.phone or "", "text", 9, True, 5),
    )
    FIELDS = ("credit_code", "name", "town", "above_scale", "industry", "contact", "phone")

    def __init__(
        self,
        fetch: Callable[[list[int]], dict[int, Any]],
        parent=None,
        sort_values: Callable[[list[int], str], list[Any]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._sort_values = sort_values
        self._ids: list[int] = []
        self._pages: OrderedDict[int, dict[int, Any]] = OrderedDict()
        self.fetch_count = 0  # how many pages were fetched (tests check laziness)

    def set_fetch(self, fetch: Callable[[list[int]], dict[int, Any]]) -> None:
        self._fetch = fetch
        self.set_ids(self._ids)

    def set_ids(self, ids: Sequence[int]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._pages.clear()
        self.endResetModel()

    def ids(self) -> list[int]:
        return list(self._ids)

    def enterprise_id(self, row: int) -> int:
        return self._ids[row]

    def record_id(self, row: int) -> int:
        return self._ids[row]

    def sort_keys(self, column: int) -> list[Any]:
        """One sort value per row, in one query when the view gave ``sort_values``."""
        if self._sort_values is not None:
            return self._sort_values(self._ids, self.FIELDS[column])
        getter = self.COLUMNS[column].value
        return [
            getter(e) if (e := self.enterprise(r)) is not None else None
            for r in range(len(self._ids))
        ]

    def row_of(self, enterprise_id: int) -> int:
        try:
            return self._ids.index(enterprise_id)
        except ValueError:
            return -1

    def enterprise(self, row: int) -> Any | None:
        page_no = row // self.PAGE
        page = self._pages.get(page_no)
        if page is None:
            chunk = self._ids[page_no * self.PAGE : (page_no + 1) * self.PAGE]
            page = self._fetch(chunk)
            self.fetch_count += 1
            self._pages[page_no] = page
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row])

    # Qt interface
    def rowCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE):
            if role == SORT_ROLE:
                item = self.enterprise(index.row())
                return None if item is None else column.value(item)
            item = self.enterprise(index.row())
            if item is None:
                return (
                    "（已删除）"
                    if index.column() == 1 and role == Qt.ItemDataRole.DisplayRole
                    else None
                )
            if role == Qt.ItemDataRole.ToolTipRole and not column.tooltip:
                return None
            return column.text(item)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section].title if 0 <= section < len(self.COLUMNS) else None
        return str(section + 1)


# -- small lists held whole ----------------------------------------------------------------------


class ListTableModel(QAbstractTableModel):
    """A list of row objects shown through ``columns``. Rows never move: a view sorts them
    through its proxy (``desktop.ui.tables``) by ``sort_keys``; ``record_id`` names a row's
    record and ``sum_of`` totals the ``sum_column`` of chosen rows for the status bar."""

    columns: tuple[Column, ...] = ()
    sum_column: int | None = None

    def __init__(self, parent=None, columns: Sequence[Column] | None = None) -> None:
        super().__init__(parent)
        if columns is not None:
            self.columns = tuple(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row(self, index: int) -> Any:
        return self._rows[index]

    def record_id(self, index: int) -> Any:
        row = self._rows[index]
        for name in ("id", "enterprise_id"):
            value = getattr(row, name, None)
            if value is not None:
                return value
        return index

    def row_of_id(self, record_id: Any) -> int:
        return next((i for i in range(len(self._rows)) if self.record_id(i) == record_id), -1)

    def sort_keys(self, column: int) -> list[Any]:
        getter = self.columns[column].value
        return [getter(r) for r in self._rows]

    def sum_of(self, rows: Sequence[int]) -> tuple[str, int]:
        if self.sum_column is None:
            return "", 0
        column = self.columns[self.sum_column]
        title = column.title.replace("（元）", "")
        return title, sum(int(column.value(self._rows[r]) or 0) for r in rows)

    def rowCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == Qt.ItemDataRole.UserRole:
            return row
        if role == SORT_ROLE:
            return column.value(row)
        if role == COPY_ROLE:
            return column.copy_text(row)
        return self.style_data(row, column, index.column(), role)

    def style_data(self, row: Any, column: Column, col: int, role: int) -> Any:
        """Colours, fonts, icons: for subclasses."""
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title if 0 <= section < len(self.columns) else None
        return str(section + 1)


# -- 核定结果 -------------------------------------------------------------------------------------

LOCKED_STATUSES = status.GRANTED


def lock_icon() -> QIcon:
    """A small padlock drawn with QPainter (the bundled font has no lock glyph).

    Drawn at 4× (14×14 logical pixels) so it stays sharp at 125 % and 150 % display scaling
    instead of being enlarged from 14 pixels."""
    ratio = 4
    pixmap = QPixmap(14 * ratio, 14 * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor("#555555")
    pen = painter.pen()
    pen.setColor(colour)
    pen.setWidthF(1.6)
    painter.setPen(pen)
    painter.drawArc(3, 1, 8, 9, 0, 180 * 16)
    painter.drawLine(3, 6, 3, 7)
    painter.drawLine(11, 6, 11, 7)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(1, 6, 12, 8, 1.5, 1.5)
    painter.end()
    return QIcon(pixmap)


class AwardTableModel(ListTableModel):
    """A year's 核定结果 (``AwardView`` rows); approved and paid rows are drawn locked.

    核定金额 is what the award gives (0.00 for 不予奖补 and 已撤销, whose computed amount is in
    the tooltip), as ``list awards --json`` reports it."""

    columns = (
        Column("编号", lambda a: a.id, "int", 3),
        Column("企业名称", lambda a: a.enterprise_name, "text", 14, True, 6),
        Column("统一社会信用代码", lambda a: a.credit_code, "text", 10.5, True, 5),
        Column("所属镇街", lambda a: a.town, "text", 5.5, False, 4),
        Column("条款编号", lambda a: a.rule_code, "text", 5, False, 4.5),
        Column("事项日期", lambda a: a.event_date, "center", 6, False, 5.5),
        Column("计算基数（元）", lambda a: a.basis_fen, "amount", 7.5, False, 6.5),
        Column("核定金额（元）", lambda a: a.granted_fen, "amount", 7.5),
        Column("状态", lambda a: a.status, "center", 5.5),
        Column("计算说明", lambda a: _award_note(a), "text", 20, True, 4),
    )
    AMOUNT_COLUMN = 7
    STATUS_COLUMN = 8
    sum_column = AMOUNT_COLUMN

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lock = lock_icon()
        self._bold = QFont()
        self._bold.setBold(True)

    def total_fen(self) -> int:
        return sum(a.granted_fen for a in self._rows)

    def style_data(self, row: Any, column: Column, col: int, role: int) -> Any:
        locked = row.status in LOCKED_STATUSES
        if role == Qt.ItemDataRole.ToolTipRole:
            return _award_tooltip(row, col)
        if role == Qt.ItemDataRole.BackgroundRole and locked:
            return QBrush(theme.LOCKED_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.STATUS_COLUMN:
                return QBrush(theme.STATUS_COLOURS.get(row.status, QColor("black")))
            if locked or row.status in status.SUPERSEDED:
                return QBrush(theme.LOCKED_FOREGROUND)
            if row.granted_fen == 0 and col == self.AMOUNT_COLUMN:
                return QBrush(QColor(theme.ERROR_COLOUR))
        if (
            role == Qt.ItemDataRole.FontRole
            and col == self.STATUS_COLUMN
            and row.status != status.DRAFT
        ):
            return self._bold
        if role == Qt.ItemDataRole.DecorationRole and col == self.STATUS_COLUMN and locked:
            return self._lock
        return None


def _award_tooltip(award: Any, col: int) -> str | None:
    if col == AwardTableModel.AMOUNT_COLUMN and award.granted_fen != award.amount_fen:
        return f"计算金额 {format_yuan(award.amount_fen)} 元；{award.status}，不计入核定金额"
    if col == AwardTableModel.AMOUNT_COLUMN and award.amount_fen == 0:
        return "核定为0：未满足条件，不需审核（见计算说明）"
    if col == AwardTableModel.STATUS_COLUMN:
        text = status.DESCRIPTIONS.get(award.status, award.status)
        if award.supersedes:
            text += f"；更正已撤销的核定结果编号{award.supersedes}"
        if award.superseded_by:
            text += f"；已由核定结果编号{award.superseded_by}更正"
        return text
    return None


def _award_note(award: Any) -> str:
    text = award.explanation or ""
    if getattr(award, "supersedes", None):
        text = f"【更正编号{award.supersedes}】{text}"
    if getattr(award, "superseded_by", None):
        text = f"【已由编号{award.superseded_by}更正】{text}"
    if award.installment_no:
        text = f"【第{award.installment_no}期分年兑现{'，政策到期后延续' if award.after_expiry else ''}】{text}"
    if award.decision_reason:
        text += f"（{award.status}理由：{award.decision_reason}）"
    return text


def _rule_text(app: Any) -> str:
    if app.rule_code:
        return app.rule_code
    return f"按文号→{app.matched_code}" if app.matched_code else "按文号（未匹配）"


class ApplicationTableModel(ListTableModel):
    """A year's 奖补事项 (``ApplicationRow`` rows) with the amount the engine would give now and
    where its award stands (a matter whose award is approved is locked)."""

    columns = (
        Column("编号", lambda a: a.id, "int", 3),
        Column("企业名称", lambda a: a.enterprise_name, "text", 15, True, 6),
        Column("条款", _rule_text, "text", 8, True, 4.5),
        Column("事项日期", lambda a: a.event_date.isoformat(), "center", 6, False, 5.5),
        Column(
            "基数/核定金额（元）",
            lambda a: a.basis_fen if a.basis_fen is not None else a.manual_amount_fen,
            "amount",
            9.5,
            False,
            6.5,
        ),
        Column("认定级别", lambda a: a.level or "", "center", 4.5, False, 3.5),
        Column("市级政策文号", lambda a: a.city_document or "", "text", 10, True, 4),
        Column("预计金额（元）", lambda a: a.preview_fen, "amount", 8),
        Column("审核状态", lambda a: a.award_status or "未计算", "center", 5.5),
        Column("计算说明", lambda a: a.preview_text, "text", 20, True, 4),
    )
    AMOUNT_COLUMN = 7
    STATUS_COLUMN = 8
    sum_column = AMOUNT_COLUMN

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lock = lock_icon()

    def style_data(self, row: Any, column: Column, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.AMOUNT_COLUMN and row.preview_fen == 0:
                return QBrush(QColor(theme.ERROR_COLOUR))
            if col == self.STATUS_COLUMN and row.award_status:
                return QBrush(theme.STATUS_COLOURS.get(row.award_status, QColor("black")))
        if role == Qt.ItemDataRole.BackgroundRole and row.locked:
            return QBrush(theme.LOCKED_BACKGROUND)
        if role == Qt.ItemDataRole.DecorationRole and col == self.STATUS_COLUMN and row.locked:
            return self._lock
        if role == Qt.ItemDataRole.ToolTipRole and col == self.STATUS_COLUMN:
            if row.locked:
                return "核定结果已审核，事项已锁定；如需更正，请先在“核定与审核”中撤销审核"
            return status.DESCRIPTIONS.get(row.award_status or "", "尚未计算核定结果")
        return None


class MemberTableModel(ListTableModel):
    """A year's 四强 list, newly listed (LZ41-3 candidates) highlighted."""

    columns = (
        Column("统一社会信用代码", lambda m: m.credit_code, "text", 14, True, 8),
        Column("企业名称", lambda m: m.name, "text", 22, True, 8),
        Column("所属镇街", lambda m: m.town, "text", 8, False, 5),
        Column("较上年", lambda m: m.change, "center", 8, False, 5),
    )

    def style_data(self, row: Any, column: Column, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.change == "新列入":
                return QBrush(theme.NEW_BACKGROUND)
            if row.change == "移出":
                return QBrush(theme.DROPPED_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and col == 3:
            if row.change == "新列入":
                return QBrush(QColor(theme.OK_COLOUR))
            if row.change == "移出":
                return QBrush(QColor(theme.ERROR_COLOUR))
        return None


class ReportTableModel(QAbstractTableModel):
    """Shows one ``desktop.reports.data.ReportTable`` (the same numbers the exports print)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._table: Any = None
        self._bold = QFont()
        self._bold.setBold(True)

    def set_table(self, table: Any) -> None:
        self.beginResetModel()
        self._table = table
        self.endResetModel()

    def _all_rows(self) -> list[list[Any]]:
        if self._table is None:
            return []
        rows = list(self._table.rows)
        if self._table.totals is not None:
            rows.append(self._table.totals)
        return rows

    def rowCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._all_rows())

    def columnCount(self, parent: Index | None = None) -> int:
        return (
            0
            if parent is not None and parent.isValid() or self._table is None
            else len(self._table.columns)
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        rows = self._all_rows()
        if not index.isValid() or not (0 <= index.row() < len(rows)):
            return None
        column = self._table.columns[index.column()]
        value = rows[index.row()][index.column()]
        is_total = self._table.totals is not None and index.row() == len(rows) - 1
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return ""
            if column.kind == "amount":
                return format_yuan(int(value))
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.kind in ("amount", "int") and not (is_total and isinstance(value, str)):
                return _RIGHT
            return _CENTER if column.align == "center" else _LEFT
        if role == Qt.ItemDataRole.FontRole and is_total:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and is_total:
            return QBrush(QColor("#f3f3f3"))
        if role == Qt.ItemDataRole.ToolTipRole and column.wrap and value:
            return str(value)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or self._table is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            cols = self._table.columns
            return cols[section].title if 0 <= section < len(cols) else None
        return None
