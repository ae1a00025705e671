"""``verify FILE``: rebuild the report a file records and compare it with the file itself.

The stamp in the file (``desktop.services.fingerprint``) says which report, year, unit and
enterprise were exported. The report is rebuilt from the current database and compared twice:
its fingerprint with the stamp's (has the data changed since the export?), and its rows with the
rows *in the file* — the cells of each sheet (Excel) or the text of the pages (PDF, read with
pypdf, which the program ships) — so an edited amount or a fake file carrying a real file's stamp
is named row by row. Nothing here depends on a test-only library.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from desktop.core.errors import DomainError, NotFound, ValidationError
from desktop.reports import build_report
from desktop.reports.common import amount_text, amount_value
from desktop.reports.data import Report, ReportTable
from desktop.services.fingerprint import Stamp, changes_since, read_stamp, report_fingerprint
from desktop.storage.database import Database

MAX_NAMED = 10  # differing rows named one by one


@dataclass(frozen=True)
class Verification:
    ok: bool
    stamp: Stamp
    current: str | None  # the fingerprint the database gives now (None: report cannot be built)
    title: str
    lines: list[str]
    differing_rows: tuple[str, ...] = ()  # the rows of the file that differ from the rebuilt ones

    @property
    def message(self) -> str:
        return "\n".join(self.lines)


def _describe(stamp: Stamp, title: str) -> str:
    return f"{title}（导出时间 {stamp.exported_at.replace('T', ' ')}，导出人 {stamp.user}）"


def _row_label(table: ReportTable, row: list[Any], index: int) -> str:
    texts = [str(v) for v in row if isinstance(v, str) and v.strip()][:2]
    return f"“{table.sheet_name}”第{index + 1}条（{' '.join(texts)[:40]}）"


# -- Excel -------------------------------------------------------------------------------------
def _same_cell(kind: str, expected: Any, actual: Any, unit: str) -> bool:
    if expected is None or expected == "":
        return actual is None or actual == ""
    if kind == "amount":
        try:
            return Decimal(str(actual)) == amount_value(int(expected), unit)
        except (InvalidOperation, ValueError, TypeError):
            return False
    if kind == "int":
        return str(actual) == str(int(expected))
    return actual is not None and str(actual) == str(expected)


def _header_row(ws: Any, titles: list[str]) -> int | None:
    for r, values in enumerate(ws.iter_rows(min_row=1, max_row=12, values_only=True), start=1):
        if [("" if v is None else str(v)) for v in values[: len(titles)]] == titles:
            return r
    return None


def _excel_differences(report: Report, path: Path) -> list[str]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise DomainError(f"无法读取Excel文件“{path.name}”（{type(exc).__name__}）") from exc
    diffs: list[str] = []
    try:
        sheets = book.worksheets
        if len(sheets) < len(report.tables):
            return [f"文件中只有{len(sheets)}个工作表，报表应有{len(report.tables)}个"]
        for table, ws in zip(report.tables, sheets, strict=False):
            diffs.extend(_sheet_differences(report, table, ws))
    finally:
        book.close()
    return diffs


def _sheet_differences(report: Report, table: ReportTable, ws: Any) -> list[str]:
    titles = [c.title for c in table.columns]
    header = _header_row(ws, titles)
    if header is None:
        return [f"工作表“{ws.title}”的表头与报表“{table.sheet_name}”不符"]
    expected = list(table.rows)
    count = max(len(expected), 1)
    actual = list(ws.iter_rows(min_row=header + 1, max_row=header + count + 1, values_only=True))
    kinds = [c.kind for c in table.columns]
    diffs = []
    for i, row in enumerate(expected):
        cells = list(actual[i]) if i < len(actual) else []
        cells += [None] * (len(kinds) - len(cells))
        if not all(
            _same_cell(k, e, a, report.unit) for k, e, a in zip(kinds, row, cells, strict=False)
        ):
            diffs.append(_row_label(table, row, i))
    if table.totals is not None and len(actual) > len(expected):
        cells = list(actual[len(expected) if expected else 1])
        cells += [None] * (len(kinds) - len(cells))
        if not all(
            _same_cell(k, e, a, report.unit)
            for k, e, a in zip(kinds, table.totals, cells, strict=False)
            if e is not None and k == "amount"
        ):
            diffs.append(f"“{table.sheet_name}”合计行")
    return diffs


# -- PDF ---------------------------------------------------------------------------------------
_SPACE = re.compile(r"\s+")


def _pdf_text(data: bytes) -> str:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        return "".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DomainError(f"无法读取PDF文件的文字（{type(exc).__name__}）") from exc


def _cell_texts(table: ReportTable, row: list[Any], unit: str) -> str:
    out = []
    for column, value in zip(table.columns, row, strict=True):
        if value is None:
            continue
        if column.kind == "amount":
            out.append(amount_text(value, unit))
        else:
            out.append(str(value))
    return _SPACE.sub("", "".join(out))[:300]  # a cell cut in the PDF keeps its start


def _pdf_differences(report: Report, path: Path) -> list[str]:
    text = _SPACE.sub("", _pdf_text(path.read_bytes()))
    diffs = []
    position = 0
    for table in report.tables:
        for i, row in enumerate(table.rows):
            wanted = _cell_texts(table, row, report.unit)
            found = text.find(wanted, position)
            if found < 0:
                diffs.append(_row_label(table, row, i))
            else:
                position = found + len(wanted)
        if table.totals is not None:
            wanted = _cell_texts(table, table.totals, report.unit)
            if wanted and text.find(wanted) < 0:
                diffs.append(f"“{table.sheet_name}”合计行")
    return diffs


def file_differences(report: Report, path: Path) -> list[str]:
    """The rows of the file that differ from ``report`` (empty: the file shows exactly it)."""
    with path.open("rb") as handle:
        magic = handle.read(5)
    if magic.startswith(b"%PDF"):
        return _pdf_differences(report, path)
    return _excel_differences(report, path)


# -- verify ------------------------------------------------------------------------------------
def verify_report(db: Database, path: str | Path) -> Verification:
    """Rebuild the report recorded in ``path`` from ``db``; compare fingerprints and rows."""
    path = Path(path)
    stamp = read_stamp(path)
    title = stamp.name
    try:
        report = build_report(
            db,
            stamp.name,
            year=stamp.year,
            credit_code=stamp.credit_code,
            unit=stamp.unit,
            org=stamp.org,
            as_of=stamp.as_of,
        )
    except (NotFound, ValidationError) as exc:
        return Verification(
            False,
            stamp,
            None,
            title,
            [
                f"报表与数据库不一致：{_describe(stamp, title)}导出后数据有变动，"
                f"现已无法生成同一报表（{exc}）"
            ],
        )
    title = report.title
    current = report_fingerprint(report)
    differing = file_differences(report, path)
    if current == stamp.fingerprint and not differing:
        return Verification(
            True,
            stamp,
            current,
            title,
            [
                f"报表与数据库一致：{_describe(stamp, title)}，数据指纹 {current}，各行内容与数据库相同"
            ],
        )
    lines = []
    if current != stamp.fingerprint:
        lines.append(
            f"报表与数据库不一致：{_describe(stamp, title)}自导出后有变动"
            f"（报表的数据指纹 {stamp.fingerprint}，按当前数据库为 {current}）"
        )
    else:
        lines.append(
            f"报表与数据库不一致：{_describe(stamp, title)}的数据指纹相符，但文件内容被改动"
            "（或文件是带着真实报表指纹的伪造文件）"
        )
    if differing:
        lines.append(f"与按数据库重新生成的报表不同的行（{len(differing)}处）：")
        lines.extend(f"  {d}" for d in differing[:MAX_NAMED])
        if len(differing) > MAX_NAMED:
            lines.append(f"  ……另有{len(differing) - MAX_NAMED}处")
    if current != stamp.fingerprint:
        count, recent = changes_since(db, stamp.exported_at)
        if count:
            lines.append(f"导出后变更日志中有{count}条相关记录，最近的：")
            lines.extend(recent)
        else:
            lines.append(
                "变更日志中没有导出后的相关记录：报表可能来自另一个数据库文件，或数据库被直接改动"
            )
    return Verification(False, stamp, current, title, lines, tuple(differing))
