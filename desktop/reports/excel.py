"""Render a :class:`~desktop.reports.data.Report` as an .xlsx workbook (one sheet per table).

Amounts are real numbers (``#,##0.00``, or ``#,##0.0000`` for 万元) holding the exact value, so a
clerk's own SUM gives the same 合计. Each sheet is print-ready: A4 landscape, fit to width, title
block and column header repeated on every page, ``第 &P 页 共 &N 页`` in the footer.
"""

from __future__ import annotations

import math
from copy import copy
from pathlib import Path
from typing import Any

from desktop.reports.common import (
    SIGNATURE_BLANK,
    SIGNATURES,
    Ticker,
    amount_text,
    amount_value,
    date_cn,
    display_width,
    number_format,
)
from desktop.reports.data import Report, ReportTable

FONT = "宋体"
BODY_SIZE = 10
LINE_HEIGHT = 13.5  # points per wrapped line at 10 pt
MAX_WIDTH = 60  # Excel character units


def render_excel(report: Report, path: Path, ticker: Ticker) -> None:
    """Write ``report`` to ``path`` (the caller handles temp files and atomic replace)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    styles = _Styles(report.unit)
    for table in report.tables:
        ws = wb.create_sheet(_sheet_title(table.sheet_name, wb.sheetnames))
        _write_table(ws, report, table, styles, ticker)
    wb.properties.title = report.title
    wb.properties.creator = report.org
    ticker.check()
    wb.save(path)


def _sheet_title(name: str, taken: list[str]) -> str:
    base = name[:31]
    title, n = base, 2
    while title in taken:
        title = f"{base[:28]}({n})"
        n += 1
    return title


class _Styles:
    """StyleArrays prepared once; cells get a copy (much faster than assigning Font/Border per cell)."""

    def __init__(self, unit: str) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self._wb = Workbook()  # scratch: styles are registered in the target workbook on assign
        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.Alignment, self.Font, self.PatternFill = Alignment, Font, PatternFill
        self.number_format = number_format(unit)

    def apply(self, cell: Any, *, size: float = BODY_SIZE, bold: bool = False, horizontal: str = "left",
              wrap: bool = False, border: bool = True, fill: str | None = None,
              number_format: str | None = None, vertical: str = "center") -> None:
        cell.font = self.Font(name=FONT, size=size, bold=bold)
        cell.alignment = self.Alignment(horizontal=horizontal, vertical=vertical, wrap_text=wrap)
        if border:
            cell.border = self.border
        if fill:
            cell.fill = self.PatternFill("solid", start_color=fill, end_color=fill)
        if number_format:
            cell.number_format = number_format


def _column_widths(report: Report, table: ReportTable) -> list[float]:
    """Widths in Excel units: content-fitted (CJK = 2), long text capped and wrapped instead."""
    widths = []
    for i, column in enumerate(table.columns):
        header = max(display_width(part) for part in column.title.replace("（", "\n（").split("\n"))
        if column.kind == "amount":
            values = [r[i] for r in table.rows if r[i] is not None]
            if table.totals and table.totals[i] is not None:
                values.append(table.totals[i])
            content = len(amount_text(max(values), report.unit)) if values else 4
        else:
            content = max((display_width(str(r[i])) for r in table.rows if r[i] is not None), default=4)
        cap = column.width * 2 if column.wrap else MAX_WIDTH
        width = min(max(content, 4), cap)
        widths.append(float(max(width, header, 4) + 2))
    return widths


def _lines(text: str, width: float) -> int:
    usable = max(width - 1.5, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


def _write_table(ws: Any, report: Report, table: ReportTable, styles: _Styles, ticker: Ticker) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    ncols = len(table.columns)
    last = get_column_letter(ncols)
    widths = _column_widths(report, table)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    # Title block: title, then 填报单位 / 填报日期 / 单位, then the table's subtitle.
    ws.append([table.title])
    ws.merge_cells(f"A1:{last}1")
    styles.apply(ws["A1"], size=16, bold=True, horizontal="center", border=False)
    ws.row_dimensions[1].height = 30
    third = max(ncols // 3, 1)
    meta = [None] * ncols
    meta[0] = f"填报单位：{report.org}"
    meta[third] = f"填报日期：{date_cn(report.as_of)}"
    meta[ncols - 1] = f"单位：{report.unit}"
    ws.append(meta)
    if ncols >= 3:
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=third)
        if ncols - 1 > third + 1:
            ws.merge_cells(start_row=2, start_column=third + 1, end_row=2, end_column=ncols - 1)
    for col, align in ((1, "left"), (third + 1, "center"), (ncols, "right")):
        styles.apply(ws.cell(2, col), size=11, horizontal=align, border=False)
    ws.row_dimensions[2].height = 20
    row = 2
    if table.subtitle:
        row += 1
        ws.append([table.subtitle])
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        styles.apply(ws.cell(row, 1), size=BODY_SIZE, wrap=True, border=False)
        ws.row_dimensions[row].height = LINE_HEIGHT * _lines(table.subtitle, sum(widths)) + 4

    # Column header.
    row += 1
    header_row = row
    ws.append([c.title for c in table.columns])
    header_lines = 1
    for i, column in enumerate(table.columns, start=1):
        styles.apply(ws.cell(row, i), bold=True, horizontal="center", wrap=True, fill="D9D9D9")
        header_lines = max(header_lines, _lines(column.title, widths[i - 1]))
    ws.row_dimensions[row].height = LINE_HEIGHT * header_lines + 6

    # Data rows: values first (ws.append is the fast path), then a copied style per column.
    proto_row = row + 1
    protos = []
    for i, column in enumerate(table.columns, start=1):
        cell = ws.cell(proto_row, i)
        styles.apply(cell, horizontal=column.alignment, wrap=column.wrap,
                     number_format=styles.number_format if column.kind == "amount" else None)
        protos.append(copy(cell._style))
    # Cells are built directly (values are already typed: int fen, int, str), which is several
    # times faster than ws.cell(...).value = ...; text is always stored as text, so a name that
    # starts with "=" never becomes a formula. Data rows get no explicit height: Excel and
    # LibreOffice size rows with wrapped text themselves on opening, so nothing is clipped.
    kinds = [c.kind for c in table.columns]
    scale = 1_000_000 if report.unit == "万元" else 100
    cells = ws._cells
    for start in range(0, len(table.rows), 500):
        chunk = table.rows[start:start + 500]
        for values in chunk:
            row += 1
            texts = [v for v, k in zip(values, kinds, strict=True) if k == "text" and v]
            dirty = bool(texts) and ILLEGAL_CHARACTERS_RE.search("".join(texts)) is not None
            for i, value in enumerate(values):
                cell = Cell(ws, row, i + 1, style_array=protos[i])
                if value is not None:
                    kind = kinds[i]
                    if kind == "amount":
                        # fen / scale is correctly rounded; its repr is the exact decimal (37037.03).
                        cell._value = value / scale
                    elif kind == "int":
                        cell._value = value
                    else:
                        text = str(value)
                        cell._value = ILLEGAL_CHARACTERS_RE.sub("", text) if dirty else text
                        cell.data_type = "s"
                cells[(row, i + 1)] = cell
        ticker.step(len(chunk), f"正在写入“{table.sheet_name}”")
    if not table.rows:
        row += 1
        ws.cell(row, 1, table.empty_text)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        for i in range(1, ncols + 1):
            styles.apply(ws.cell(row, i), horizontal="center")
        ws.row_dimensions[row].height = 20

    if table.totals is not None:
        row += 1
        for i, (column, value) in enumerate(zip(table.columns, table.totals, strict=True), start=1):
            if column.kind == "amount" and value is not None:
                value = amount_value(value, report.unit)
            ws.cell(row, i, value)
            styles.apply(ws.cell(row, i), bold=True,
                         horizontal="center" if i == 1 else column.alignment,
                         number_format=styles.number_format if column.kind == "amount" else None)
        ws.row_dimensions[row].height = 20

    for note in table.notes:
        row += 1
        ws.cell(row, 1, f"注：{note}" if not note.startswith("注") else note)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        styles.apply(ws.cell(row, 1), wrap=True, border=False)
        ws.row_dimensions[row].height = LINE_HEIGHT * _lines(note, sum(widths)) + 4

    _signature_block(ws, row + 2, ncols, styles)

    ws.freeze_panes = ws.cell(header_row + 1, 1).coordinate
    ws.print_title_rows = f"1:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.font = f"{FONT},常规"
    ws.oddFooter.center.size = 9
    ws.evenFooter.center.text = ws.oddFooter.center.text


def _signature_block(ws: Any, row: int, ncols: int, styles: _Styles) -> None:
    """单位负责人 / 审核人 / 填表人, spread over three equal blocks of columns."""
    size = max(ncols // 3, 1)
    for k, label in enumerate(SIGNATURES):
        start = 1 + k * size
        if start > ncols:
            break
        end = ncols if k == len(SIGNATURES) - 1 else min(start + size - 1, ncols)
        ws.cell(row, start, f"{label}{SIGNATURE_BLANK}")
        if end > start:
            ws.merge_cells(start_row=row, start_column=start, end_row=row, end_column=end)
        styles.apply(ws.cell(row, start), size=11, border=False)
    ws.row_dimensions[row].height = 24
