"""Reading an import workbook (.xlsx, first sheet) into header-keyed rows, or a Chinese error.

python-calamine reads a 10,000-row sheet about 10× faster than openpyxl's read-only mode, which
is what keeps an import under a second; values come back as str/float/int/bool/date/datetime.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import ImportRejected
from desktop.services.cells import normalize_header

MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 10


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
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise _reject(
            f"文件“{name}”是旧版Excel（.xls）或加密文件，请在Excel中另存为.xlsx格式后再导入"
        )
    if not magic.startswith(b"PK"):
        raise _reject(
            f"文件“{name}”不是.xlsx格式的Excel工作簿（可能是CSV、文本或其他文件改了扩展名）"
        )
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
        raise _reject(
            f"文件“{name}”已损坏或不是有效的Excel工作簿，无法读取（{type(exc).__name__}）"
        ) from exc
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
