"""Test helpers: write import workbooks with openpyxl, valid rows for the three imports, row counts.

Rows are plain sequences in header order (``None`` leaves the cell empty); ``date`` and
``datetime`` values become real Excel dates, everything else is written as given.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook

from desktop.core.creditcode import make_credit_code

ENTERPRISE_HEADERS = (
    "统一社会信用代码",
    "企业名称",
    "所属镇街",
    "是否规上",
    "四强产业",
    "联系人",
    "联系电话",
)
LIST_HEADERS = ("统一社会信用代码", "企业名称")
APPLICATION_HEADERS = (
    "统一社会信用代码",
    "企业名称",
    "条款编号",
    "事项日期",
    "基数金额（元）",
    "认定级别",
    "市级政策文号",
    "事项说明",
)
TABLES = ("enterprises", "siqiang_list", "applications", "awards", "change_log")
TOWNS = ("辛店街道", "闻韶街道", "齐都镇", "临淄经济开发区")
INDUSTRIES = ("新材料", "智能装备", "医药健康", "电子信息", None)


def write_xlsx(
    path: str | Path | BinaryIO,
    headers: Sequence[Any] | None,
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str | None = None,
) -> Path:
    """Write one sheet: the header row (unless ``headers`` is None), then ``rows``.

    ``path`` may also be a binary stream (e.g. ``io.BytesIO``); it is returned as given.
    """
    if isinstance(path, str | os.PathLike):
        path = Path(path)
    book = Workbook()
    sheet = book.active
    if sheet_title:
        sheet.title = sheet_title
    out_row = 1
    if headers is not None:
        for col, value in enumerate(headers, start=1):
            sheet.cell(row=out_row, column=col, value=value)
        out_row += 1
    for values in rows:
        for col, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = sheet.cell(row=out_row, column=col, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
        out_row += 1
    book.save(path)
    return path


def write_records(
    path: str | Path, headers: Sequence[str], records: Iterable[Mapping[str, Any]], **kwargs: Any
) -> Path:
    """Like :func:`write_xlsx`, for rows given as {header: value} (missing keys → empty cells)."""
    return write_xlsx(path, headers, [[r.get(h) for h in headers] for r in records], **kwargs)


def code(n: int) -> str:
    """The n-th valid credit code (deterministic, distinct for 0 ≤ n < 10**6)."""
    return make_credit_code("9", "1", "370305", f"MA{n:06d}")


def enterprise_name(n: int) -> str:
    return f"淄博测试{n:04d}新材料有限公司"


def enterprise_row(n: int, **changes: Any) -> dict[str, Any]:
    """A valid 企业名录 row for enterprise number ``n``; keyword arguments override columns."""
    row = {
        "统一社会信用代码": code(n),
        "企业名称": enterprise_name(n),
        "所属镇街": TOWNS[n % len(TOWNS)],
        "是否规上": "是" if n % 3 else "否",
        "四强产业": INDUSTRIES[n % len(INDUSTRIES)],
        "联系人": "王经理",
        "联系电话": f"0533-71{n:05d}",
    }
    row.update(changes)
    return row


def list_row(n: int, **changes: Any) -> dict[str, Any]:
    row = {"统一社会信用代码": code(n), "企业名称": enterprise_name(n)}
    row.update(changes)
    return row


def application_row(n: int, **changes: Any) -> dict[str, Any]:
    """A valid LZ41-2 application (ratio rule with a basis) of enterprise ``n`` in 2024."""
    row = {
        "统一社会信用代码": code(n),
        "企业名称": enterprise_name(n),
        "条款编号": "LZ41-2",
        "事项日期": date(2024, 3, 15),
        "基数金额（元）": 1_000_000 + n,
        "认定级别": None,
        "市级政策文号": None,
        "事项说明": f"第{n}号测试事项",
    }
    row.update(changes)
    return row


def write_enterprises(path: str | Path, records: Iterable[Mapping[str, Any]]) -> Path:
    return write_records(path, ENTERPRISE_HEADERS, records)


def write_list(path: str | Path, records: Iterable[Mapping[str, Any]]) -> Path:
    return write_records(path, LIST_HEADERS, records)


def write_applications(path: str | Path, records: Iterable[Mapping[str, Any]]) -> Path:
    return write_records(path, APPLICATION_HEADERS, records)


def register_enterprises(db: Any, numbers: Iterable[int]) -> None:
    """Put enterprises ``numbers`` into the registry directly (not through the import)."""
    from desktop.services.registry import EnterpriseInput, upsert_enterprises

    items = []
    for n in numbers:
        r = enterprise_row(n)
        items.append(
            EnterpriseInput(
                credit_code=r["统一社会信用代码"],
                name=r["企业名称"],
                town=r["所属镇街"],
                above_scale=r["是否规上"] == "是",
                industry=r["四强产业"],
                contact=r["联系人"],
                phone=r["联系电话"],
            )
        )
    upsert_enterprises(db, items, action="测试")


def row_counts(db: Any) -> dict[str, int]:
    """Row counts of the tables an import may touch."""
    return {t: db.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}


def snapshot(db: Any) -> tuple[dict[str, int], str | None]:
    """Row counts plus the newest change-log hash (a rejected import must leave both alone)."""
    last = db.scalar("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1")
    return row_counts(db), last


# -- crafted files: small files that declare huge sheets (each must be refused, never crash) -----

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
    'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_HEADER_ROW = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="s"><v>2</v></c></row>'
)


def _strings(extra: str = "", attrs: str = 'count="3" uniqueCount="3"') -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" {attrs}><si><t>统一社会信用代码</t></si><si><t>企业名称</t></si>'
        f"<si><t>所属镇街</t></si>{extra}</sst>"
    )


def crafted_xlsx(
    body: str, *, before: str = "", after: str = "", strings: str | None = None
) -> bytes:
    """An .xlsx whose sheet is the header row (credit code, name, town), then ``body`` rows."""
    import io
    import zipfile

    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main">{before}<sheetData>{_HEADER_ROW}{body}</sheetData>{after}</worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CT)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", strings if strings is not None else _strings())
    return buffer.getvalue()


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods_cell(text: str, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{rep}><text:p>{text}</text:p></table:table-cell>'


def crafted_ods(rows: str) -> bytes:
    """An .ods whose first table is the header row, then ``rows`` (table-row elements)."""
    import io
    import zipfile

    header = (
        "<table:table-row>"
        + "".join(_ods_cell(t) for t in ENTERPRISE_HEADERS[:3])
        + "</table:table-row>"
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        f"{header}{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:'
        'tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


CRAFTED_XLSX: dict[str, dict[str, str]] = {
    # each names a way a sheet declares a cell far away, or a table far too large
    "far cell, attributes reordered": {
        "body": '<row r="1048576"><c s="0" r="XFD1048576" t="n"><v>1</v></c></row>'
    },
    "far cell, plain": {"body": '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'},
    "far cell, lower case": {"body": '<row r="2"><c r="xfd1048576" t="n"><v>1</v></c></row>'},
    "far cell, single quotes": {"body": "<row r='2'><c r='XFD1048576' t='n'><v>1</v></c></row>"},
    "far cell, spaces around =": {
        "body": '<row r="2"><c r = "XFD1048576" t="n"><v>1</v></c></row>'
    },
    "far cell, character reference": {
        "body": '<row r="2"><c r="&#88;FD1048576" t="n"><v>1</v></c></row>'
    },
    "far cell, second r attribute": {
        "body": '<row r="2"><c r="A2" r="XFD1048576" t="n"><v>1</v></c></row>'
    },
    "far cell, r without a space before it": {
        "body": '<row r="2"><c t="n"r="XFD1048576"><v>1</v></c></row>'
    },
    "far cell, '>' inside an attribute value": {
        "body": '<row r="2"><c t="n" x=">" r="XFD1048576"><v>1</v></c></row>'
    },
    "far row, cells without r=": {
        "body": '<row r="1048576">' + '<c t="n"><v>1</v></c>' * 600 + "</row>"
    },
    "cells without r= across 16,384 columns": {
        "body": '<row r="2">' + '<c t="n"><v>1</v></c>' * 16384 + "</row>"
    },
    "rows without r= past the row limit": {"body": '<row><c t="n"><v>1</v></c></row>' * 200_020},
    "row number with 12 digits": {
        "body": '<row r="999999999999"><c r="A999999999999" t="n"><v>1</v></c></row>'
    },
    "dimension A1:XFD1048576": {"body": "", "before": '<dimension ref="A1:XFD1048576"/>'},
    "shared strings: uniqueCount two billion": {
        "body": "",
        "strings": _strings(attrs='count="3" uniqueCount="2000000000"'),
    },
    "shared strings: count two billion": {
        "body": "",
        "strings": _strings(attrs='count="2000000000" uniqueCount="3"'),
    },
}
CRAFTED_ODS: dict[str, str] = {
    "repeated cell × repeated rows": (
        '<table:table-row table:number-rows-repeated="1048570">'
        + _ods_cell("x", 16384)
        + "</table:table-row>"
    ),
    "one cell repeated across 16,384 columns": "<table:table-row>"
    + _ods_cell("x", 16384)
    + "</table:table-row>",
    "rows repeated past the row limit": (
        '<table:table-row table:number-rows-repeated="300000">'
        + _ods_cell("x")
        + "</table:table-row>"
    ),
}


_BOMBS = {
    "xlsx: shared strings inflating to 900 MB": False,
    "xlsx: shared strings declared 2 KB, inflating to 900 MB": True,
}
CRAFTED_NAMES: tuple[str, ...] = (
    *(f"xlsx: {k}" for k in CRAFTED_XLSX),
    *(f"ods: {k}" for k in CRAFTED_ODS),
    *_BOMBS,
)


@functools.cache
def crafted_file(name: str) -> tuple[str, bytes]:
    """One crafted form by name: (file suffix, bytes)."""
    kind, _, key = name.partition(": ")
    if name in _BOMBS:
        return ".xlsx", _string_bomb(lie=_BOMBS[name])
    if kind == "ods":
        return ".ods", crafted_ods(CRAFTED_ODS[key])
    return ".xlsx", crafted_xlsx(**CRAFTED_XLSX[key])


def crafted_files() -> dict[str, tuple[str, bytes]]:
    """Every crafted form: name → (file suffix, bytes)."""
    return {name: crafted_file(name) for name in CRAFTED_NAMES}


def _string_bomb(*, lie: bool = False) -> bytes:
    """A shared-strings part of ~1 MB compressed that inflates to ~900 MB; with ``lie`` its
    declared size (central directory and local header) says 2,000 bytes."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in (
            ("[Content_Types].xml", _CT),
            ("_rels/.rels", _RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ):
            archive.writestr(name, text)
        sheet = (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{_HEADER_ROW}</sheetData></worksheet>'
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(_strings()[: -len("</sst>")].encode())
            chunk = b"<si><t>" + b"A" * (1 << 20) + b"</t></si>"
            for _ in range(900):
                part.write(chunk)
            part.write(b"</sst>")
    data = bytearray(buffer.getvalue())
    if lie:
        name = b"xl/sharedStrings.xml"

        for signature, size_at, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
            start = 0
            while (start := data.find(signature, start)) >= 0:
                if data[start + name_at : start + name_at + len(name)] == name:
                    data[start + size_at : start + size_at + 4] = (2000).to_bytes(4, "little")
                start += 4

    return bytes(data)
