"""Reading an import workbook (.xlsx, .xls, .ods or .csv) into header-keyed rows, or a Chinese error.

The file is first checked by ``sheetscan`` (size, extent, structure; which rows and columns are
hidden) — no spreadsheet reader sees a file that did not pass — then read by ``sheetread``
(python-calamine in a memory-bounded child process, or the CSV reader). Then, here:

- the header row is found among the first rows, matching **visible** columns only; two visible
  columns for one field are refused, naming both;
- units of amount columns come from the header (``基数金额（万元）``) or a ``单位：万元`` line above it;
- a row whose first text cell is 合计/小计/总计 ends the data (落款 rows after it are not read);
- hidden data rows are read, and named in a notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import ImportRejected
from desktop.services.cells import normalize_header
from desktop.services.sheetscan import (
    HEADER_SEARCH_ROWS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    Layout,
    reject,
    scan,
)
from desktop.storage.files import file_state, read_head

__all__ = ["BEING_WRITTEN", "IN_USE", "MAX_ROWS", "Sheet", "column_letter", "read_sheet"]

IN_USE = (
    "文件“{name}”正被其他程序占用，无法读取；请在Excel/WPS中关闭它（或等它保存、复制完成）后再导入"
)
BEING_WRITTEN = "文件“{name}”在读取过程中发生了变化（可能正在保存、复制或下载），请等它完成后再导入"

_UNIT_SUFFIX = re.compile(
    r"^(.+?)(?:[(\[【]\s*(?:单位[:：])?\s*(万元|元)\s*[)\]】]|[/／](万元|元))$"
)
_UNIT_LINE = re.compile(r"(?<![报表])单位\s*[:：]\s*(万元|元)(?![\u4e00-\u9fff])")
_TOTAL = re.compile(r"^(合计|小计|总计)(?:$|[:：(（\s])")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Sheet:
    """The data rows of a sheet, keyed by canonical column name."""

    path: Path
    format: str
    headers: dict[str, int]  # canonical name → column index (0-based)
    labels: dict[str, str]  # canonical name → the header as written in the sheet
    units: dict[str, str]  # amount column → 元 | 万元
    header_row: int  # 1-based
    data_rows: list[tuple[int, dict[str, Any]]]
    notices: list[str] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)  # data rows that are hidden
    total_row: int | None = None  # the 合计 row that ended the data
    skipped_after_total: list[int] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(sheet row number, {canonical: value}) of every non-blank data row."""
        yield from self.data_rows

    def column(self, canonical: str) -> str:
        """How a message names a column: ``基数金额（万元）（E列）``."""
        return f"{self.labels[canonical]}（{column_letter(self.headers[canonical])}列）"


def _split_unit(key: str) -> tuple[str, str | None]:
    match = _UNIT_SUFFIX.match(key)
    if match:
        return match.group(1), match.group(2) or match.group(3)
    return key, None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _ranges(rows: list[int]) -> str:
    """[3, 4, 5, 9] → 第3—5、9行."""
    parts: list[str] = []
    start = prev = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == prev + 1:
            prev = row
            continue
        parts.append(f"{start}—{prev}" if prev > start else str(start))
        if row is not None:
            start = prev = row
    shown = "、".join(parts[:20]) + ("等" if len(parts) > 20 else "")
    return f"第{shown}行"


class _Matcher:
    def __init__(self, columns: dict[str, tuple[str, ...]]) -> None:
        self.exact: dict[str, str] = {}
        self.bases: dict[str, str] = {}
        for canonical, names in columns.items():
            for name in (canonical, *names):
                key = normalize_header(name)
                self.exact[key] = canonical
                base, _unit = _split_unit(key)
                self.bases.setdefault(base, canonical)

    def match(self, cell: Any) -> tuple[str, str | None] | None:
        if not isinstance(cell, str):
            return None
        key = normalize_header(cell)
        if not key:
            return None
        base, unit = _split_unit(key)
        if key in self.exact:
            return self.exact[key], unit
        if unit and base in self.bases:
            return self.bases[base], unit
        return None


def _file_checks(path: Path) -> bytes:
    name = path.name
    if not path.exists():
        raise reject(f"文件“{name}”不存在")
    if path.is_dir():
        raise reject(f"“{name}”是文件夹，不是Excel工作簿")
    size = path.stat().st_size
    if size == 0:
        raise reject(f"文件“{name}”是空文件（0字节），不是有效的Excel工作簿")
    if size > MAX_FILE_BYTES:
        raise reject(
            f"文件“{name}”有{size / 1024 / 1024:.0f} MB，超过单次导入上限"
            f"{MAX_FILE_BYTES // 1024 // 1024} MB，请拆分后导入"
        )
    try:
        return read_head(path, 8)  # retried while another program holds the file
    except PermissionError as exc:
        raise reject(IN_USE.format(name=name)) from exc


def _load(path: Path) -> tuple[Layout, list[list[Any]], list[str]]:
    """Check and read the file; (layout, cell rows, notices).

    A workbook still being saved or copied changes under the reader: its size or time before and
    after the reading differ, and it is refused as such rather than half read."""
    magic = _file_checks(path)
    before = file_state(path)
    try:
        loaded = _read(path, magic)
    except ImportRejected:
        if file_state(path) != before:
            raise reject(BEING_WRITTEN.format(name=path.name)) from None
        raise
    except PermissionError as exc:
        raise reject(IN_USE.format(name=path.name)) from exc
    if file_state(path) != before:
        raise reject(BEING_WRITTEN.format(name=path.name))
    return loaded


def _read(path: Path, magic: bytes) -> tuple[Layout, list[list[Any]], list[str]]:
    from desktop.services import sheetread

    name = path.name
    notices: list[str] = []
    if magic.startswith((b"PK", b"\xd0\xcf\x11\xe0")):
        layout = scan(path, magic)
        data = sheetread.read_values(path, layout.sheet_index, bounded=not layout.regular)
        if layout.skipped_sheets:
            notices.append(
                "已跳过隐藏的工作表“"
                + "”“".join(layout.skipped_sheets)
                + f"”，读取的是“{layout.sheet_name}”"
            )
        return layout, data, notices
    if path.suffix.lower() in (".csv", ".txt"):
        data, encoding = sheetread.read_csv(path)
        if encoding.startswith("GBK"):
            notices.append(f"CSV文件按{encoding}编码读取")
        return Layout("csv"), data, notices
    raise reject(
        f"文件“{name}”不是Excel工作簿（.xlsx/.xls/.ods），可能是文本或其他文件改了扩展名；"
        "CSV文件请保持.csv扩展名后再导入"
    )


def _unit_lines(data: list[list[Any]], above: int) -> list[tuple[int, str, str]]:
    """(row number, cell text, unit) of every ``单位：万元`` / ``单位：元`` above the header."""
    found = []
    for index in range(min(above, len(data))):
        for cell in data[index]:
            if isinstance(cell, str) and "单位" in cell:
                match = _UNIT_LINE.search(normalize_header(cell))
                if match:
                    found.append((index + 1, cell.strip(), match.group(1)))
    return found


def _find_header(
    data: list[list[Any]], matcher: _Matcher, required: tuple[str, ...], hidden_cols: set[int]
) -> tuple[int, dict[str, list[tuple[int, str, str | None]]], list[tuple[int, str, str]]] | None:
    for index, raw in enumerate(data[:HEADER_SEARCH_ROWS]):
        found: dict[str, list[tuple[int, str, str | None]]] = {}
        ignored: list[tuple[int, str, str]] = []
        for col, cell in enumerate(raw):
            matched = matcher.match(cell)
            if matched is None:
                continue
            if col in hidden_cols:
                ignored.append((col, str(cell).strip(), matched[0]))
                continue
            found.setdefault(matched[0], []).append((col, str(cell).strip(), matched[1]))
        if all(r in found for r in required):
            return index, found, ignored
    return None


def _units(
    found: dict[str, list[tuple[int, str, str | None]]],
    amounts: tuple[str, ...],
    lines: list[tuple[int, str, str]],
    header_row: int,
    name: str,
) -> tuple[dict[str, str], list[str]]:
    units: dict[str, str] = {}
    notices: list[str] = []
    line_units = {u for _r, _t, u in lines}
    if len(line_units) > 1:
        shown = "、".join(f"第{r}行“{t}”" for r, t, _u in lines)
        raise reject(f"工作簿“{name}”表头上方的单位说明不一致（{shown}），请只保留一种单位")
    line = lines[0] if lines else None
    for canonical in amounts:
        if canonical not in found:
            continue
        col, label, header_unit = found[canonical][0]
        where = f"{label}（{column_letter(col)}列）"
        if header_unit and line and header_unit != line[2]:
            raise reject(
                f"工作簿“{name}”第{header_row}行表头{where}注明单位为{header_unit}，"
                f"而第{line[0]}行注明“{line[1]}”，单位不一致：请核对后修改其中之一再导入"
            )
        unit = header_unit or (line[2] if line else "元")
        units[canonical] = unit
        if unit == "万元":
            source = "见表头" if header_unit else f"见第{line[0]}行“{line[1]}”" if line else ""
            notices.append(
                f"{where}以万元为单位（{source}），已按1万元=10,000元换算为元（精确到分）"
            )
    return units, notices


def _first_text(raw: list[Any], hidden_cols: set[int]) -> str:
    for col, cell in enumerate(raw):
        if col in hidden_cols or _blank(cell):
            continue
        if isinstance(cell, str):
            return re.sub(r"\s+", "", cell)
    return ""


def read_sheet(
    path: str | Path,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    *,
    amounts: tuple[str, ...] = (),
) -> Sheet:
    """Open ``path`` and map its header row onto ``columns`` (canonical name → accepted synonyms).

    ``amounts`` names the columns that hold money (their unit is read from the header or a
    ``单位：`` line above it); every other refusal is an ``ImportRejected`` with a file message.
    """
    path = Path(path)
    name = path.name
    layout, data, notices = _load(path)
    if len(data) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise reject(f"工作簿“{name}”有{len(data)}行，超过单次导入上限{MAX_ROWS}行，请拆分后导入")
    hidden_cols = layout.hidden_columns
    matcher = _Matcher(columns)
    header = _find_header(data, matcher, required, hidden_cols)
    if header is None:
        if not data or not any(any(not _blank(c) for c in r) for r in data):
            raise reject(f"工作簿“{name}”的第一个工作表是空的")
        hidden_hint = ""
        if hidden_cols and _find_header(data, matcher, required, set()) is not None:
            hidden_hint = "（表头中有的列已隐藏：只读取可见的列，请取消隐藏）"
        raise reject(
            f"工作簿“{name}”缺少表头{hidden_hint}：第一个工作表的表头行中应有{'、'.join(required)}"
            f"（可选列：{'、'.join(c for c in columns if c not in required)}）"
        )
    index, found, ignored = header
    header_row = index + 1
    for canonical, places in found.items():
        if len(places) > 1:
            shown = "、".join(f"{column_letter(c)}列“{label}”" for c, label, _u in places)
            raise reject(
                f"工作簿“{name}”第{header_row}行表头中{shown}都对应“{canonical}”，无法确定读取哪一列："
                "请删除或改名多余的列后再导入"
            )
    for col, label, canonical in ignored:
        if canonical in found:
            notices.append(f"隐藏的{column_letter(col)}列“{label}”未读取（只读取可见的列）")
        else:
            notices.append(
                f"隐藏的{column_letter(col)}列“{label}”未读取（只读取可见的列），"
                f"本次导入视为没有“{canonical}”列"
            )
    units, unit_notices = _units(found, amounts, _unit_lines(data, index), header_row, name)
    notices.extend(unit_notices)
    headers = {c: places[0][0] for c, places in found.items()}
    labels = {c: places[0][1] for c, places in found.items()}
    sheet = Sheet(path, layout.format, headers, labels, units, header_row, [], notices)
    _collect_rows(sheet, data, index + 1, layout)
    return sheet


def _collect_rows(sheet: Sheet, data: list[list[Any]], start: int, layout: Layout) -> None:
    hidden_cols, hidden_rows = layout.hidden_columns, layout.hidden_rows
    items = list(sheet.headers.items())
    for offset in range(start, len(data)):
        raw = data[offset]
        row_no = offset + 1
        if sheet.total_row is not None:
            if any(not _blank(c) for c in raw):
                sheet.skipped_after_total.append(row_no)
            continue
        if _TOTAL.match(_first_text(raw, hidden_cols)):
            sheet.total_row = row_no
            continue
        values = {name: (raw[col] if col < len(raw) else None) for name, col in items}
        if all(_blank(v) for v in values.values()):
            continue  # blank line
        if row_no in hidden_rows:
            sheet.hidden_rows.append(row_no)
        sheet.data_rows.append((row_no, values))
    if sheet.hidden_rows:
        sheet.notices.append(
            f"{_ranges(sheet.hidden_rows)}是隐藏行（可能被筛选隐藏），已一并导入，请确认这些行也应导入"
        )
    if sheet.total_row is not None:
        text = f"第{sheet.total_row}行是合计行，数据读到第{sheet.total_row - 1}行为止，合计行未导入"
        if sheet.skipped_after_total:
            text += f"；其后的{_ranges(sheet.skipped_after_total)}（如制表人、审核人等落款）未读取"
        sheet.notices.append(text)
