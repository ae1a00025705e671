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
from desktop.reports.data import Report, ReportTable, totals_label_span

FONT = "宋体"
BODY_SIZE = 10
LINE_HEIGHT = 14.0  # points per wrapped line at 10 pt (13.5 plus a little air)
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
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.Alignment, self.Font, self.PatternFill = Alignment, Font, PatternFill
        self.number_format = number_format(unit)

    def apply(
        self,
        cell: Any,
        *,
        size: float = BODY_SIZE,
        bold: bool = False,
        horizontal: str = "left",
        wrap: bool = False,
        border: bool = True,
        fill: str | None = None,
        number_format: str | None = None,
        vertical: str = "center",
    ) -> None:
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
        cap = column.width * 2 if column.wrap else MAX_WIDTH
        if column.kind != "amount":
            content = 4
            for value in {r[i] for r in table.rows if r[i] is not None}:
                content = max(content, display_width(str(value)))
                if content >= cap:
                    break  # capped anyway: no need to measure the rest
        width = min(max(content, 4), cap)
        widths.append(float(max(width, header, 4) + 2))
    return widths


def _lines(text: str, width: float) -> int:
    usable = max(width - 1.5, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


def _write_table(
    ws: Any, report: Report, table: ReportTable, styles: _Styles, ticker: Ticker
) -> None:
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
    styles.apply(ws["A1"], size=16, bold=True, horizontal="center", border=False, wrap=True)
    title_lines = math.ceil(display_width(table.title) * 1.7 / max(sum(widths), 1))
    ws.row_dimensions[1].height = 24 * max(title_lines, 1) + 6
    # 填报单位 / 填报日期 / 单位 in unmerged cells: the text spills over the empty neighbours,
    # where a merged cell of narrow columns would clip it.
    ws.cell(2, ncols, f"单位：{report.unit}")
    styles.apply(ws.cell(2, ncols), size=11, horizontal="right", border=False)
    meta = [f"填报单位：{report.org}", f"填报日期：{date_cn(report.as_of)}"]
    row = _spread(ws, 2, widths[:-1], meta, (0.0, 0.4), styles) if ncols > 1 else 2
    ws.row_dimensions[2].height = 20
    if table.subtitle:
        row += 1
        ws.cell(row, 1, table.subtitle)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        styles.apply(ws.cell(row, 1), size=BODY_SIZE, wrap=True, border=False)
        ws.row_dimensions[row].height = LINE_HEIGHT * _lines(table.subtitle, sum(widths)) + 4

    # Column header.
    row += 1
    header_row = row
    for i, column in enumerate(table.columns, start=1):
        ws.cell(row, i, column.title)
    header_lines = 1
    for i, column in enumerate(table.columns, start=1):
        styles.apply(ws.cell(row, i), bold=True, horizontal="center", wrap=True, fill="D9D9D9")
        header_lines = max(header_lines, _lines(column.title, widths[i - 1]))
    ws.row_dimensions[row].height = LINE_HEIGHT * header_lines + 6

    # Data rows: one prototype style per column, copied into every cell of that column.
    proto_row = row + 1
    protos = []
    for i, column in enumerate(table.columns, start=1):
        cell = ws.cell(proto_row, i)
        styles.apply(
            cell,
            horizontal=column.alignment,
            wrap=column.wrap,
            number_format=styles.number_format if column.kind == "amount" else None,
        )
        protos.append(copy(cell._style))
    # Cells are built directly (values are already typed: int fen, int, str), which is several
    # times faster than ws.cell(...).value = ...; text is always stored as text, so a name that
    # starts with "=" never becomes a formula. Each row gets an explicit height from its longest
    # wrapped cell (CJK counted double, so the estimate errs tall): Excel sizes such rows itself,
    # but LibreOffice and WPS keep the default height and would print lines over each other.
    kinds = [c.kind for c in table.columns]
    scale = 1_000_000 if report.unit == "万元" else 100
    cells = ws._cells
    dims = ws.row_dimensions
    measured: dict[Any, int] = {}
    wrap_cols = [(i, max(int(widths[i] - 1.5), 1)) for i, c in enumerate(table.columns) if c.wrap]
    for start in range(0, len(table.rows), 500):
        chunk = table.rows[start : start + 500]
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
            lines = 1
            for i, usable in wrap_cols:
                text = values[i]
                if text:
                    width = measured.get(text)
                    if width is None:
                        width = measured[text] = display_width(str(text))
                    n = -(-width // usable)
                    if n > lines:
                        lines = n
            dims[row].height = LINE_HEIGHT * lines + 3
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
            styles.apply(
                ws.cell(row, i),
                bold=True,
                horizontal="center" if i == 1 else column.alignment,
                number_format=styles.number_format if column.kind == "amount" else None,
            )
        span = totals_label_span(table.totals)
        if span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        ws.row_dimensions[row].height = 20

    for note in table.notes:
        row += 1
        ws.cell(row, 1, f"注：{note}" if not note.startswith("注") else note)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        styles.apply(ws.cell(row, 1), wrap=True, border=False)
        ws.row_dimensions[row].height = LINE_HEIGHT * _lines(note, sum(widths)) + 4

    _signature_block(ws, row + 2, widths, styles)

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


def _spread(
    ws: Any, row: int, widths: list[float], texts: list[str], at: tuple[float, ...], styles: _Styles
) -> int:
    """Write ``texts`` on one line, each from about ``at`` of the width (text spills to the right
    over empty cells), or joined in one cell, or if even that is too wide one text per line.
    Returns the last row used."""
    total = sum(widths)
    starts = [0.0]
    for w in widths:
        starts.append(starts[-1] + w)
    columns: list[int] = []
    for k in range(len(texts)):
        earliest = starts[columns[-1] - 1] + display_width(texts[k - 1]) + 4 if columns else 0.0
        target = max(total * at[k], earliest)
        col = next((i + 1 for i, x in enumerate(starts[:-1]) if x >= target - 0.01), None)
        if col is None:
            break
        columns.append(col)
    fits = (
        len(columns) == len(texts)
        and starts[columns[-1] - 1] + display_width(texts[-1]) <= total + 2
    )
    joined = "　　　　".join(texts)
    if fits:
        places = [(row, c) for c in columns]
    elif display_width(joined) <= total:  # one cell, the gaps written as spaces
        places, texts = [(row, 1)], [joined]
    else:
        places = [(row + k, 1) for k in range(len(texts))]
    for (r, col), text in zip(places, texts, strict=True):
        ws.cell(r, col, text)
        styles.apply(ws.cell(r, col), size=11, border=False)
        ws.row_dimensions[r].height = 20
    return places[-1][0]


def _signature_block(ws: Any, row: int, widths: list[float], styles: _Styles) -> None:
    """单位负责人 / 审核人 / 填表人 at 0, ⅓ and ⅔ of the table's width (or one per line)."""
    texts = [f"{label}{SIGNATURE_BLANK[:10]}" for label in SIGNATURES]
    last = _spread(ws, row, widths, texts, (0.0, 1 / 3, 2 / 3), styles)
    for r in range(row, last + 1):
        ws.row_dimensions[r].height = 24
