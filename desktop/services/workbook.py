"""Reading an import workbook (.xlsx, first sheet) into header-keyed rows, or a Chinese error.

python-calamine reads a 10,000-row sheet about 10× faster than openpyxl's read-only mode, which
is what keeps an import under a second; values come back as str/float/int/bool/date/datetime.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import ImportRejected
from desktop.services.cells import normalize_header
from desktop.storage.files import file_state, read_head

MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_CELLS = 20_000_000
HEADER_SEARCH_ROWS = 10
IN_USE = (
    "文件“{name}”正被其他程序占用，无法读取；请在Excel/WPS中关闭它（或等它保存、复制完成）后再导入"
)
BEING_WRITTEN = "文件“{name}”在读取过程中发生了变化（可能正在保存、复制或下载），请等它完成后再导入"
_CELL_REF = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})(\d{1,7})"')
_SHEET_TARGET = re.compile(rb'Target="/?(?:xl/)?(worksheets/[^"]+)"')


@dataclass(frozen=True)
class Sheet:
    """The data rows of a sheet: ``rows`` yields (sheet row number, {canonical header: value})."""

    path: Path
    headers: dict[str, int]  # canonical name → column index
    header_row: int  # 1-based
    data: list[list[Any]]

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for offset, raw in enumerate(self.data):
            values = {
                name: (raw[col] if col < len(raw) else None) for name, col in self.headers.items()
            }
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
                continue  # blank line
            yield self.header_row + 1 + offset, values


def _reject(message: str) -> ImportRejected:
    return ImportRejected([], file_message=message)


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _check_extent(path: Path) -> None:
    """Refuse a sheet whose used area is absurd *before* calamine allocates it.

    One stray cell at XFD1048576 makes calamine try to allocate the whole grid, which aborts the
    process; so the first sheet's cell references are scanned from the zip first.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            sheet = "xl/worksheets/sheet1.xml"
            if "xl/_rels/workbook.xml.rels" in names and "xl/workbook.xml" in names:
                workbook = archive.read("xl/workbook.xml")
                first = re.search(rb'<(?:\w+:)?sheet [^>]*r:id="([^"]+)"', workbook)
                rels = archive.read("xl/_rels/workbook.xml.rels")
                if first:
                    rel = re.search(
                        rb'<Relationship [^>]*Id="' + re.escape(first.group(1)) + rb'"[^>]*>', rels
                    )
                    target = _SHEET_TARGET.search(rel.group(0)) if rel else None
                    if target:
                        sheet = "xl/" + target.group(1).decode()
            if sheet not in names:
                return  # let calamine report what is wrong
            max_row = max_col = 0
            with archive.open(sheet) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    data = tail + chunk
                    for col, row in _CELL_REF.findall(data):
                        max_row = max(max_row, int(row))
                        max_col = max(max_col, _column_number(col))
                    tail = data[-64:]
    except (
        zipfile.BadZipFile,
        OSError,
        KeyError,
        EOFError,
        zipfile.LargeZipFile,
        zlib.error,
        ValueError,
        NotImplementedError,  # an unsupported compression method
        RuntimeError,  # an encrypted member
    ):
        return  # calamine gives the file-level message
    if (
        max_row > MAX_ROWS + HEADER_SEARCH_ROWS
        or max_col > MAX_COLUMNS
        or max_row * max_col > MAX_CELLS
    ):
        raise _reject(
            f"工作簿“{path.name}”的数据区域过大（最远的单元格在第{max_row}行、第{max_col}列），"
            "请删除表格右侧和下方多余的单元格后再导入"
        )


def read_sheet(
    path: str | Path, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> Sheet:
    """Open ``path`` and map its header row onto ``columns`` (canonical name → accepted synonyms)."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise _reject(f"文件“{name}”不存在")
    if path.is_dir():
        raise _reject(f"“{name}”是文件夹，不是Excel工作簿")
    size = path.stat().st_size
    if size == 0:
        raise _reject(f"文件“{name}”是空文件（0字节），不是有效的Excel工作簿")
    try:
        magic = read_head(path, 8)  # retried while another program holds the file
    except PermissionError as exc:
        raise _reject(IN_USE.format(name=name)) from exc
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise _reject(
            f"文件“{name}”是旧版Excel（.xls）或加密文件，请在Excel中另存为.xlsx格式后再导入"
        )
    if not magic.startswith(b"PK"):
        raise _reject(
            f"文件“{name}”不是.xlsx格式的Excel工作簿（可能是CSV、文本或其他文件改了扩展名）"
        )
    before = file_state(path)  # a workbook still being saved or copied changes under the reader
    _check_extent(path)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        if not book.sheet_names:
            raise _reject(f"工作簿“{name}”中没有工作表")
        sheet = book.get_sheet_by_index(0)
        data = sheet.to_python(skip_empty_area=False)
    except ImportRejected:
        raise
    except Exception as exc:  # calamine raises several types for broken zips and XML
        if file_state(path) != before:
            raise _reject(BEING_WRITTEN.format(name=name)) from exc
        raise _reject(
            f"文件“{name}”已损坏或不是有效的Excel工作簿，无法读取（{type(exc).__name__}）"
        ) from exc
    if file_state(path) != before:
        raise _reject(BEING_WRITTEN.format(name=name))
    if len(data) > MAX_ROWS:
        raise _reject(f"工作簿“{name}”有{len(data)}行，超过单次导入上限{MAX_ROWS}行，请拆分后导入")
    synonyms = {
        normalize_header(s): canonical
        for canonical, names in columns.items()
        for s in (canonical, *names)
    }
    for index, raw in enumerate(data[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for col, cell in enumerate(raw):
            canonical = synonyms.get(normalize_header(cell))
            if canonical and canonical not in found:
                found[canonical] = col
        if all(r in found for r in required):
            return Sheet(path, found, index + 1, data[index + 1 :])
    if not data or not any(any(c not in (None, "") for c in r) for r in data):
        raise _reject(f"工作簿“{name}”的第一个工作表是空的")
    raise _reject(
        f"工作簿“{name}”缺少表头：第一个工作表的表头行中应有{'、'.join(required)}"
        f"（可选列：{'、'.join(c for c in columns if c not in required)}）"
    )
