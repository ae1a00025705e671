"""Checking a workbook's structure before any spreadsheet reader sees it.

python-calamine aborts the whole process (SIGABRT, not an exception) when a crafted file makes it
allocate a huge grid or a huge table: one far cell reference (in any attribute order, lower case,
with a namespace prefix, through a character reference…), a far ``<row r=…>`` followed by cells
without ``r=``, a shared-strings table declaring two billion entries, repeated ODS cells, a BIFF
cell at row 65535. So every way a sheet declares cells is read here first, by a bounded streaming
scan that never builds the grid, and a file whose extent or size is absurd is refused with a
Chinese message. The same scan collects what calamine does not report: which rows and columns
are hidden, and which sheet is the first visible one.

Formats: ``xlsx`` (zip with xl/workbook.xml), ``ods`` (zip with content.xml), ``xls`` (OLE
compound file with a BIFF5/BIFF8 Workbook stream); CSV is text and needs no scan.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import IO

from desktop.core.errors import ImportRejected

MAX_FILE_BYTES = 100 * 1024 * 1024  # a 200,000-row workbook is ~20 MB
MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 500
MAX_CELLS = 5_000_000  # the area calamine allocates (rows × columns of the used range)
MAX_SHARED_STRINGS = 4_000_000
MAX_PART_BYTES = 400 * 1024 * 1024  # one uncompressed zip member
MAX_TOTAL_BYTES = 800 * 1024 * 1024  # all members together
MAX_MEMBERS = 10_000
MAX_TAG_BYTES = 1 << 20  # one XML start tag
_CHUNK = 1 << 20
REGULAR_BYTES = 32 * 1024 * 1024  # up to this (uncompressed) a regular .xlsx is read in-process


def reject(message: str) -> ImportRejected:
    return ImportRejected([], file_message=message)


@dataclass
class Layout:
    """What the scan found out about the sheet to be read."""

    format: str  # xlsx | ods | xls | csv
    sheet_index: int = 0
    sheet_name: str = ""
    hidden_rows: set[int] = field(default_factory=set)  # 1-based sheet row numbers
    hidden_columns: set[int] = field(default_factory=set)  # 0-based column indexes
    skipped_sheets: list[str] = field(default_factory=list)  # hidden sheets before it
    # An .xlsx of moderate size whose every sheet has the standard form (r= on every cell and
    # row): the scan's bounds are exact for it, so it may be read without the child process.
    regular: bool = False


@dataclass
class _Extent:
    sheet: str
    max_row: int = 0
    max_col: int = 0
    cells: int = 0

    def cell(self, row: int, col: int, name: str) -> None:
        self.cells += 1
        if row > self.max_row:
            self.max_row = row
        if col > self.max_col:
            self.max_col = col
        if (
            self.max_row > MAX_ROWS + HEADER_SEARCH_ROWS
            or self.max_col > MAX_COLUMNS
            or self.max_row * self.max_col > MAX_CELLS
            or self.cells > MAX_CELLS
        ):
            raise reject(
                f"工作簿“{name}”的工作表“{self.sheet}”数据区域过大（最远的单元格在第{self.max_row}行、"
                f"第{self.max_col}列，单次最多导入{MAX_ROWS}行、{MAX_COLUMNS}列），"
                "请删除表格右侧和下方多余的单元格后再导入"
            )


# -- XML tag scanning (bounded, streaming) -------------------------------------------------------

_ATTR = re.compile(rb"""([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_COLUMN_REF = re.compile(r"\$?([A-Za-z]{1,7})\$?(\d{1,12})")


def _segments(stream: IO[bytes], name: str) -> Iterator[bytes]:
    """The stream in pieces that each end just before a ``<`` (no tag is cut in two)."""
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        data = tail + chunk
        if not chunk:
            yield data
            return
        cut = data.rfind(b"<")
        if cut < 0:
            cut = len(data)
        yield data[:cut]
        tail = data[cut:]
        if len(tail) > MAX_TAG_BYTES:
            raise reject(f"文件“{name}”中有异常的超长XML标记，不是正常的工作簿，无法导入")


_QUOTED = rb"""((?:[^>"']+|"[^"]*"|'[^']*')*)>"""


def _tag_pattern(*names: bytes) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(n) for n in names)
    return re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(" + alternatives + rb")(?=[\s/>])" + _QUOTED)


def _attributes(body: bytes) -> dict[bytes, bytes]:
    attrs: dict[bytes, bytes] = {}
    for key, v1, v2 in _ATTR.findall(body):
        raw = v1 or v2
        if b"&" in raw:
            raw = unescape(raw.decode("utf-8", "replace")).encode("utf-8")
        attrs[key.rsplit(b":", 1)[-1]] = raw
    if body.rstrip().endswith(b"/"):
        attrs[b"/"] = b"1"
    return attrs


def _tags(
    stream: IO[bytes], names: tuple[bytes, ...], name: str
) -> Iterator[tuple[bytes, dict[bytes, bytes]]]:
    """(local tag name, attributes) of every start tag whose local name is in ``names``.

    Attribute values may contain ``>`` (legal XML), so a tag ends at the first ``>`` outside
    quotes; element and attribute names are matched without their namespace prefix, values are
    unescaped (``&#88;`` is ``X``), as an XML parser would.
    """
    tag = _tag_pattern(*names)
    for segment in _segments(stream, name):
        for match in tag.finditer(segment):
            yield match.group(1), _attributes(match.group(2))


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def _int(value: bytes | None, what: str, name: str) -> int:
    text = _text(value or b"").strip()
    if not text.isdigit() or len(text) > 12:
        raise reject(f"文件“{name}”中的{what}“{text[:20]}”无法识别，不是正常的工作簿，无法导入")
    return int(text)


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _cell_ref(value: bytes, name: str) -> tuple[int, int]:
    match = _COLUMN_REF.fullmatch(_text(value).strip())
    if not match:
        raise reject(f"文件“{name}”中的单元格位置“{_text(value)[:20]}”无法识别，不是正常的工作簿")
    return int(match.group(2)), _column_number(match.group(1))


_TRUE = {b"1", b"true"}


# -- zip containers ------------------------------------------------------------------------------


class _Checked:
    """A zip archive whose members are read with their real (not declared) size bounded."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.archive, self.name = archive, name
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise reject(f"文件“{name}”包含{len(infos)}个部件，不是正常的工作簿，无法导入")
        total = 0
        for info in infos:
            if info.file_size > MAX_PART_BYTES:
                raise self._too_big()
            total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise self._too_big()
        self.total = total
        self.names = {i.filename for i in infos}

    def _too_big(self) -> ImportRejected:
        return reject(
            f"工作簿“{self.name}”解压后过大（超过{MAX_TOTAL_BYTES // 1024 // 1024} MB），"
            "不是正常的导入表格，请只保留需要导入的数据后再导入"
        )

    def read(self, member: str) -> bytes:
        with self.archive.open(member) as stream:  # zipfile stops at the declared size, checks CRC
            return stream.read(MAX_PART_BYTES + 1)

    def open(self, member: str) -> IO[bytes]:
        return self.archive.open(member)

    def verify(self, path: Path) -> None:
        """Inflate every member from its raw bytes and check it ends exactly at its declared size.

        zipfile stops reading at the declared size; another reader may not, so a member whose
        deflate stream runs on past it (a bomb behind a small declared size) is refused here.
        """
        with path.open("rb") as raw:
            for info in self.archive.infolist():
                if info.flag_bits & 1:
                    raise reject(f"文件“{self.name}”已加密，请在Excel中取消密码后再导入")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise reject(f"文件“{self.name}”使用了不支持的压缩方式，请用Excel另存后再导入")
                raw.seek(info.header_offset)
                header = raw.read(30)
                if len(header) < 30 or header[:4] != b"PK\x03\x04":
                    raise reject(f"文件“{self.name}”已损坏或不是有效的Excel工作簿，无法读取")
                name_length, extra_length = struct.unpack_from("<HH", header, 26)
                raw.seek(info.header_offset + 30 + name_length + extra_length)
                if info.compress_type == zipfile.ZIP_STORED:
                    if info.compress_size != info.file_size:
                        raise self._too_big()
                    continue
                self._inflate(raw, info)

    def _inflate(self, raw: IO[bytes], info: zipfile.ZipInfo) -> None:
        inflater = zlib.decompressobj(-15)
        left, produced = info.compress_size, 0
        while left > 0 and not inflater.eof:
            chunk = raw.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            while not inflater.eof:  # until this input is used up and no output is pending
                out = inflater.decompress(chunk, _CHUNK)
                produced += len(out)
                if produced > info.file_size:
                    raise self._too_big()
                chunk = inflater.unconsumed_tail
                if not out and not chunk:
                    break
        if not inflater.eof or produced != info.file_size:
            raise reject(f"文件“{self.name}”已损坏（部件“{info.filename}”不完整），无法读取")


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1] + target.split("/")
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        elif part not in ("", "."):
            out.append(part)
    return "/".join(out)


def _relationships(box: _Checked) -> tuple[dict[str, str], list[str]]:
    """(relationship id → part, shared-strings parts) of xl/workbook.xml."""
    rels: dict[str, str] = {}
    shared = [n for n in box.names if n.lower().endswith("sharedstrings.xml")]
    if "xl/_rels/workbook.xml.rels" in box.names:
        stream = io.BytesIO(box.read("xl/_rels/workbook.xml.rels"))
        for _tag, attrs in _tags(stream, (b"Relationship",), box.name):
            if b"Id" in attrs and b"Target" in attrs:
                target = _resolve("xl/workbook.xml", _text(attrs[b"Target"]))
                rels[_text(attrs[b"Id"])] = target
                if _text(attrs.get(b"Type", b"")).endswith("/sharedStrings"):
                    shared.append(target)
    return rels, shared


def _first_visible(sheets: list[tuple[str, bool]], name: str) -> int:
    if not sheets:
        raise reject(f"工作簿“{name}”中没有工作表")
    chosen = next((i for i, (_n, hidden) in enumerate(sheets) if not hidden), None)
    if chosen is None:
        raise reject(f"工作簿“{name}”中的工作表都已隐藏，请取消隐藏要导入的工作表")
    return chosen


def _scan_xlsx(box: _Checked) -> Layout:
    name = box.name
    rels, shared_parts = _relationships(box)
    sheets: list[tuple[str, str | None, bool]] = []
    for _tag, attrs in _tags(io.BytesIO(box.read("xl/workbook.xml")), (b"sheet",), name):
        hidden = _text(attrs.get(b"state", b"visible")).lower() in ("hidden", "veryhidden")
        sheets.append(
            (_text(attrs.get(b"name", b"")), rels.get(_text(attrs.get(b"id", b""))), hidden)
        )
    chosen = _first_visible([(s[0], s[2]) for s in sheets], name)
    layout = Layout(
        "xlsx", chosen, sheets[chosen][0], skipped_sheets=[s[0] for s in sheets[:chosen]]
    )
    for part in set(shared_parts):
        if part in box.names:
            _check_shared_strings(box, part)
    for part in [n for n in box.names if n.lower().endswith("styles.xml")]:
        _check_counts(box, part)
    # Every worksheet part is checked (whatever calamine may resolve), the chosen one for layout.
    parts = {n for n in box.names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    parts |= {t for _n, t, _h in sheets if t and t in box.names}
    target = sheets[chosen][1]
    if target is None or target not in box.names:
        raise reject(f"工作簿“{name}”已损坏：找不到工作表“{sheets[chosen][0]}”的内容")
    regular = box.total <= REGULAR_BYTES
    for part in sorted(parts):
        sheet_name = next((s[0] for s in sheets if s[1] == part), part.rsplit("/", 1)[-1])
        regular &= _scan_worksheet(box, part, sheet_name, layout if part == target else None)
    layout.regular = regular
    return layout


def _check_shared_strings(box: _Checked, part: str) -> None:
    count = 0
    with box.open(part) as stream:
        for tag, attrs in _tags(stream, (b"sst", b"si"), box.name):
            if tag == b"sst":
                for key in (b"count", b"uniqueCount"):
                    if (
                        key in attrs
                        and _int(attrs[key], "共享字符串数", box.name) > MAX_SHARED_STRINGS
                    ):
                        raise _too_many_strings(box.name)
            else:
                count += 1
                if count > MAX_SHARED_STRINGS:
                    raise _too_many_strings(box.name)


def _too_many_strings(name: str) -> ImportRejected:
    return reject(
        f"工作簿“{name}”的共享字符串表声明了超过{MAX_SHARED_STRINGS}个字符串，"
        "不是正常的导入表格（可能已损坏或被篡改），无法导入"
    )


def _check_counts(box: _Checked, part: str) -> None:
    """Style tables declare their sizes in ``count=``; an absurd one is refused."""
    with box.open(part) as stream:
        for _tag, attrs in _tags(
            stream,
            (b"numFmts", b"cellXfs", b"cellStyleXfs", b"fonts", b"fills", b"borders", b"dxfs"),
            box.name,
        ):
            if b"count" in attrs and _int(attrs[b"count"], "样式数", box.name) > 1_000_000:
                raise reject(
                    f"工作簿“{box.name}”的样式表声明了异常多的样式，不是正常的工作簿，无法导入"
                )


_OTHER_TAGS = _tag_pattern(b"dimension", b"col")
_PLAIN_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"')
_PLAIN_ROW_REF = re.compile(rb'<row r="(\d{1,7})"([^>]*)>')
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_R_ATTRIBUTE = re.compile(rb"r\s*=")
_ENDINGS = (b" ", b">", b"/", b"\t", b"\n", b"\r")


def _scan_worksheet(box: _Checked, part: str, sheet: str, layout: Layout | None) -> bool:
    """The extent of one worksheet part (and, for the chosen sheet, its hidden rows/columns).

    Every writer we know (Excel, WPS, LibreOffice, openpyxl) writes each cell and row tag as
    ``<c r="A1" …>`` / ``<row r="1" …>``; such sheets are checked in bulk (a few regular
    expressions and counts over whole chunks). Any other form — cells or rows without ``r=``,
    another attribute order, lower case, namespace prefixes, character references, a second
    ``r=`` — sends the sheet to the tag-by-tag check, which reads it as an XML parser would.
    """
    if _scan_worksheet_fast(box, part, sheet, layout):
        return True
    if layout is not None:
        layout.hidden_rows.clear()
        layout.hidden_columns.clear()
    _scan_worksheet_exact(box, part, sheet, layout)
    return False


def _scan_worksheet_fast(box: _Checked, part: str, sheet: str, layout: Layout | None) -> bool:
    extent = _Extent(sheet)
    inside = False  # within <sheetData>
    with box.open(part) as stream:
        for segment in _segments(stream, box.name):
            if _PREFIXED.search(segment):
                return False
            refs = _PLAIN_CELL_REF.findall(segment)
            rows = _PLAIN_ROW_REF.findall(segment)
            if len(refs) != sum(segment.count(b"<c" + e) for e in _ENDINGS):
                return False
            if len(rows) != sum(segment.count(b"<row" + e) for e in _ENDINGS):
                return False
            region, inside = _sheet_data(segment, inside)
            if len(_R_ATTRIBUTE.findall(region)) != len(refs) + len(rows):
                return False  # a second r=, or "r=" in a text: read tag by tag
            if refs:
                letters, digits = zip(*refs, strict=True)
                extent.cells += len(refs) - 1
                extent.cell(
                    max(map(int, set(digits))),
                    max(_column_number(c.decode()) for c in set(letters)),
                    box.name,
                )
            if rows:
                numbers, _bodies = zip(*rows, strict=True)
                extent.cell(max(map(int, numbers)), 1, box.name)
                extent.cells -= 1
                if layout is not None:
                    for number, body in rows:
                        if b"hidden" in body and _attributes(body).get(b"hidden") in _TRUE:
                            layout.hidden_rows.add(int(number))
            for match in _OTHER_TAGS.finditer(segment):
                attrs = _attributes(match.group(2))
                _dimension_or_column(match.group(1), attrs, extent, layout, box.name)
    return True


def _sheet_data(segment: bytes, inside: bool) -> tuple[bytes, bool]:
    """The part of ``segment`` inside ``<sheetData>…</sheetData>``, and whether it stays open."""
    start = 0
    if not inside:
        start = segment.find(b"<sheetData")
        if start < 0:
            return b"", False
    end = segment.find(b"</sheetData", start)
    if end < 0:
        return segment[start:], True
    return segment[start:end], False


def _dimension_or_column(
    tag: bytes, attrs: dict[bytes, bytes], extent: _Extent, layout: Layout | None, name: str
) -> None:
    if tag == b"dimension":
        for ref in attrs.get(b"ref", b"A1").split(b":"):
            extent.cell(*_cell_ref(ref, name), name)
            extent.cells -= 1
    elif layout is not None:  # <col min max hidden width>: hidden columns
        hidden = attrs.get(b"hidden") in _TRUE or attrs.get(b"width", b"1").strip() in (
            b"0",
            b"0.0",
        )
        if hidden and b"min" in attrs:
            low = _int(attrs[b"min"], "列号", name)
            high = _int(attrs.get(b"max", attrs[b"min"]), "列号", name)
            layout.hidden_columns.update(range(low - 1, min(high, MAX_COLUMNS)))


def _scan_worksheet_exact(box: _Checked, part: str, sheet: str, layout: Layout | None) -> None:
    extent = _Extent(sheet)
    row = col = 0
    with box.open(part) as stream:
        for tag, attrs in _tags(stream, (b"row", b"c", b"dimension", b"col"), box.name):
            if tag == b"c":
                if b"r" in attrs:
                    cell_row, col = _cell_ref(attrs[b"r"], box.name)
                    extent.cell(max(cell_row, row), col, box.name)
                else:
                    col += 1
                    extent.cell(max(row, 1), col, box.name)
            elif tag == b"row":
                row = _int(attrs[b"r"], "行号", box.name) if b"r" in attrs else row + 1
                col = 0
                extent.cell(row, 1, box.name)
                extent.cells -= 1  # a row is no cell, but its number counts for the extent
                if layout is not None and attrs.get(b"hidden") in _TRUE:
                    layout.hidden_rows.add(row)
            else:
                _dimension_or_column(tag, attrs, extent, layout, box.name)


# -- ODS -------------------------------------------------------------------------------------------


def _repeat(attrs: dict, key: bytes, name: str) -> int:
    return _int(attrs[key], "重复次数", name) if key in attrs else 1


_HIDDEN_VISIBILITY = (b"collapse", b"filter")
_ODS_TAGS = (
    b"style",
    b"table-properties",
    b"table",
    b"table-column",
    b"table-row",
    b"table-cell",
    b"covered-table-cell",
)


class _OdsScan:
    """content.xml: tables in order (a table style with display=false hides one), columns, rows
    and cells with their ``number-…-repeated`` counts."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.hidden_styles: set[bytes] = set()
        self.style = b""
        self.tables: list[tuple[str, bool]] = []
        self.layout: Layout | None = None
        self.current: Layout | None = None
        self.extent: _Extent | None = None
        self.row = self.col = self.row_start = 0

    def tag(self, tag: bytes, attrs: dict[bytes, bytes]) -> None:
        if tag == b"style":
            self.style = attrs.get(b"name", b"")
        elif tag == b"table-properties":
            if attrs.get(b"display") == b"false":
                self.hidden_styles.add(self.style)
        elif tag == b"table":
            self.table(attrs)
        elif self.extent is None:
            return
        elif tag == b"table-column":
            repeat = _repeat(attrs, b"number-columns-repeated", self.name)
            if self.current is not None and attrs.get(b"visibility") in _HIDDEN_VISIBILITY:
                self.current.hidden_columns.update(
                    range(self.col, min(self.col + repeat, MAX_COLUMNS))
                )
            self.col += repeat
        elif tag == b"table-row":
            repeat = _repeat(attrs, b"number-rows-repeated", self.name)
            if self.current is not None and attrs.get(b"visibility") in _HIDDEN_VISIBILITY:
                last = min(self.row + repeat, MAX_ROWS)
                self.current.hidden_rows.update(range(self.row + 1, last + 1))
            self.row_start, self.row = self.row + 1, self.row + repeat
            self.col = 0
        else:  # a cell, repeated across columns (and with its row, down rows)
            repeat = _repeat(attrs, b"number-columns-repeated", self.name)
            self.col += repeat
            if b"value-type" in attrs or b"/" not in attrs:  # not an empty cell
                self.extent.cells += repeat * (self.row - self.row_start + 1) - 1
                self.extent.cell(max(self.row, 1), self.col, self.name)

    def table(self, attrs: dict[bytes, bytes]) -> None:
        hidden = attrs.get(b"style-name", b"") in self.hidden_styles
        self.tables.append((_text(attrs.get(b"name", b"")), hidden))
        self.extent = _Extent(self.tables[-1][0])
        self.row = self.col = self.row_start = 0
        self.current = None
        if self.layout is None and not hidden:
            self.layout = self.current = Layout("ods", len(self.tables) - 1, self.tables[-1][0])
            self.layout.skipped_sheets = [t[0] for t in self.tables[:-1]]


def _scan_ods(box: _Checked) -> Layout:
    if "content.xml" not in box.names:
        raise reject(f"文件“{box.name}”已损坏或不是有效的工作簿，无法读取（缺少content.xml）")
    state = _OdsScan(box.name)
    with box.open("content.xml") as stream:
        for tag, attrs in _tags(stream, _ODS_TAGS, box.name):
            state.tag(tag, attrs)
    if state.layout is None:
        raise reject(f"工作簿“{box.name}”中没有可见的工作表")
    return state.layout


# -- XLS (OLE compound file, BIFF5/BIFF8) ----------------------------------------------------------

_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE


class _Compound:
    """Just enough of [MS-CFB] to fetch one stream, with every size and chain bounded."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.name = data, name
        if len(data) < 512:
            raise self._broken()
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise self._broken()
        self.size = 1 << shift
        (n_fat, first_dir, _tx, self.cutoff, first_mini, n_mini, first_difat, n_difat) = (
            struct.unpack_from("<IIIIIIII", data, 0x2C)
        )
        self.sectors = (len(data) - 512) // self.size + 1
        if n_fat > self.sectors or n_difat > self.sectors or n_mini > self.sectors:
            raise self._broken()
        self.fat = self._fat(n_fat, first_difat, n_difat)
        directory = self._chain(first_dir, self.fat, self._sector, self.size, None)
        self.entries: dict[str, tuple[int, int]] = {}
        root = self._directory(directory, shift)
        self.mini_stream = b""
        self.minifat: list[int] = []
        if root is not None and root[1]:
            if root[1] > len(data):
                raise self._broken()
            self.mini_stream = self._chain(root[0], self.fat, self._sector, self.size, root[1])
            table = self._chain(first_mini, self.fat, self._sector, self.size, None)
            self.minifat = list(struct.unpack_from(f"<{len(table) // 4}I", table))

    def _fat(self, n_fat: int, first_difat: int, n_difat: int) -> list[int]:
        difat = [s for s in struct.unpack_from("<109I", self.data, 0x4C) if s < self.sectors]
        sector = first_difat
        for _ in range(n_difat):
            if sector >= self.sectors:
                break
            entries = struct.unpack_from(f"<{self.size // 4}I", self._sector(sector))
            difat += [s for s in entries[:-1] if s < self.sectors]
            sector = entries[-1]
        fat: list[int] = []
        for s in difat[:n_fat]:
            fat.extend(struct.unpack_from(f"<{self.size // 4}I", self._sector(s)))
        return fat

    def _directory(self, directory: bytes, shift: int) -> tuple[int, int] | None:
        """Fill ``entries`` (stream name → start, size); the root entry's (start, size)."""
        root: tuple[int, int] | None = None
        for offset in range(0, len(directory) - 127, 128):
            length = struct.unpack_from("<H", directory, offset + 64)[0]
            kind = directory[offset + 66]
            start, size = struct.unpack_from("<IQ", directory, offset + 0x74)
            if shift == 9:
                size &= 0xFFFFFFFF
            entry_name = directory[offset : offset + max(0, min(length, 64) - 2)].decode(
                "utf-16-le", "replace"
            )
            if kind == 5 and root is None:
                root = (start, size)
            elif kind == 2:
                self.entries.setdefault(entry_name, (start, size))
        return root

    def _broken(self) -> ImportRejected:
        return reject(f"文件“{self.name}”已损坏或不是有效的Excel工作簿，无法读取")

    def _sector(self, number: int) -> bytes:
        start = 512 + number * self.size
        if number >= self.sectors or start + self.size > len(self.data) + self.size:
            raise self._broken()
        return self.data[start : start + self.size].ljust(self.size, b"\0")

    def _mini(self, number: int) -> bytes:
        start = number * 64
        if start + 64 > len(self.mini_stream):
            raise self._broken()
        return self.mini_stream[start : start + 64]

    def _chain(self, first: int, fat: list[int], read, unit: int, size: int | None) -> bytes:
        out, sector, seen = [], first, 0
        limit = len(fat)
        while sector not in (_END, _FREE):
            if sector >= limit or seen > limit:
                raise self._broken()
            out.append(read(sector))
            seen += 1
            sector = fat[sector]
            if size is not None and seen * unit >= size:
                break
        data = b"".join(out)
        if size is not None:
            if len(data) < size:
                raise self._broken()
            data = data[:size]
        return data

    def stream(self, entry_name: str) -> bytes | None:
        if entry_name not in self.entries:
            return None
        start, size = self.entries[entry_name]
        if size > len(self.data):
            raise self._broken()
        if size < self.cutoff:
            return self._chain(start, self.minifat, self._mini, 64, size)
        return self._chain(start, self.fat, self._sector, self.size, size)


_CELL_RECORDS = {
    0x0203,
    0x00FD,
    0x0204,
    0x027E,
    0x0205,
    0x0006,
    0x0201,
    0x00D6,
    0x0406,
    0x0003,
    0x0004,
    0x0002,
    0x0005,
    0x0001,
}
_MULTI_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, …, last column


def _records(data: bytes, start: int) -> Iterator[tuple[int, int, bytes]]:
    offset = start
    while offset + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, offset)
        body = data[offset + 4 : offset + 4 + length]
        yield offset, kind, body
        offset += 4 + length


def _encrypted(name: str) -> ImportRejected:
    return reject(f"文件“{name}”已设置打开密码（加密），请在Excel中取消密码后再导入")


def _biff_sheets(book: bytes, name: str) -> list[tuple[int, str, bool]]:
    """(stream position, name, hidden) of every worksheet in the globals substream."""
    sheets: list[tuple[int, str, bool]] = []
    for _offset, kind, body in _records(book, 0):
        if kind == 0x002F:  # FILEPASS
            raise _encrypted(name)
        if kind == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            position, state, sheet_type = struct.unpack_from("<IBB", body)
            if sheet_type == 0:
                sheets.append((position, _boundsheet_name(body[6:]), (state & 3) != 0))
        elif kind == 0x00FC and len(body) >= 8:  # SST: total and unique string counts
            if max(struct.unpack_from("<II", body)) > MAX_SHARED_STRINGS:
                raise _too_many_strings(name)
        elif kind == 0x000A:  # EOF
            break
    return sheets


def _scan_xls(path: Path, name: str) -> Layout:
    box = _Compound(path.read_bytes(), name)
    if "EncryptedPackage" in box.entries or "EncryptionInfo" in box.entries:
        raise _encrypted(name)
    book = box.stream("Workbook") or box.stream("Book")
    if book is None:
        raise reject(f"文件“{name}”不是Excel工作簿（其中没有工作簿数据），无法导入")
    sheets = _biff_sheets(book, name)
    chosen = _first_visible([(s[1], s[2]) for s in sheets], name)
    layout = Layout(
        "xls", chosen, sheets[chosen][1], skipped_sheets=[s[1] for s in sheets[:chosen]]
    )
    for index, (position, sheet_name, _hidden) in enumerate(sheets):
        if position >= len(book):
            raise reject(f"文件“{name}”已损坏：找不到工作表“{sheet_name}”的内容")
        _scan_biff_sheet(book, position, sheet_name, name, layout if index == chosen else None)
    return layout


def _boundsheet_name(raw: bytes) -> str:
    if not raw:
        return ""
    length = raw[0]
    if len(raw) >= 2 and raw[1] in (0, 1):  # BIFF8: length, flags, characters
        text = raw[2:]
        return (
            text[: length * 2].decode("utf-16-le", "replace")
            if raw[1]
            else text[:length].decode("latin-1")
        )
    return raw[1 : 1 + length].decode("gbk", "replace")


def _biff_layout(kind: int, body: bytes, layout: Layout) -> None:
    if kind == 0x0208 and len(body) >= 16:  # ROW: flags bit 5 = hidden (zero height)
        if struct.unpack_from("<H", body, 12)[0] & 0x20:
            layout.hidden_rows.add(struct.unpack_from("<H", body)[0] + 1)
    elif kind == 0x007D and len(body) >= 10:  # COLINFO: flags bit 0 = hidden
        low, high, _width, _xf, flags = struct.unpack_from("<HHHHH", body)
        if flags & 1:
            layout.hidden_columns.update(range(low, min(high + 1, MAX_COLUMNS)))


def _biff_dimensions(body: bytes) -> tuple[int, int]:
    """DIMENSIONS: (last row + 1, last column + 1), BIFF8 (32-bit rows) or BIFF5."""
    if len(body) >= 14:
        _r0, rows, _c0, cols = struct.unpack_from("<IIHH", body)
    elif len(body) >= 8:
        _r0, rows, _c0, cols = struct.unpack_from("<HHHH", body)
    else:
        return 0, 0
    return rows, cols


def _scan_biff_sheet(book: bytes, start: int, sheet: str, name: str, layout: Layout | None) -> None:
    extent = _Extent(sheet)
    records = _records(book, start)
    first = next(records, None)
    if first is None or first[1] not in (0x0809, 0x0409, 0x0209, 0x0009):  # BOF
        raise reject(f"文件“{name}”已损坏：工作表“{sheet}”的位置不正确")
    for _offset, kind, body in records:
        if kind == 0x000A:  # EOF of the sheet
            return
        if kind in _CELL_RECORDS and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            extent.cell(row + 1, col + 1, name)
        elif kind in _MULTI_RECORDS and len(body) >= 6:
            row, col = struct.unpack_from("<HH", body)
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            extent.cells += max(0, last - col)
            extent.cell(row + 1, max(col, last) + 1, name)
        elif kind == 0x0200:
            rows, cols = _biff_dimensions(body)
            if rows and cols:
                extent.cell(rows, cols, name)
                extent.cells -= 1
        elif layout is not None:
            _biff_layout(kind, body, layout)


# -- the entry point -------------------------------------------------------------------------------


def scan(path: Path, magic: bytes) -> Layout:
    """Check ``path`` (an xlsx, ods or xls file by its first bytes) and return its layout."""
    name = path.name
    try:
        if magic.startswith(b"\xd0\xcf\x11\xe0"):
            return _scan_xls(path, name)
        with zipfile.ZipFile(path) as archive:
            box = _Checked(archive, name)
            box.verify(path)
            if "xl/workbook.xml" in box.names:
                layout = _scan_xlsx(box)
            elif "content.xml" in box.names and "mimetype" in box.names:
                mimetype = box.read("mimetype")[:200]
                if b"spreadsheet" not in mimetype:
                    raise reject(f"文件“{name}”是OpenDocument文档，但不是电子表格，无法导入")
                layout = _scan_ods(box)
            elif "xl/workbook.bin" in box.names:
                raise reject(f"文件“{name}”是Excel二进制工作簿（.xlsb），请另存为.xlsx后再导入")
            else:
                raise reject(f"文件“{name}”已损坏或不是有效的Excel工作簿，无法读取")
            return layout
    except ImportRejected:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        KeyError,
        EOFError,
        zlib.error,
        ValueError,
        struct.error,
        NotImplementedError,  # an unsupported compression method
        RuntimeError,  # an encrypted member
        IndexError,
        OverflowError,
    ) as exc:
        raise reject(
            f"文件“{name}”已损坏或不是有效的Excel工作簿，无法读取（{type(exc).__name__}）"
        ) from exc
