"""Render a :class:`~desktop.reports.data.Report` as an .xlsx workbook (one sheet per table).

Amounts are real numbers (``#,##0.00``, or ``#,##0.0000`` for 万元) holding the exact value, so a
clerk's own SUM gives the same 合计. Each sheet is print-ready: A4 landscape, fit to width, title
block and column header repeated on every page, ``第 &P 页 共 &N 页`` in the footer.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from pathlib import Path
from typing import Any

from desktop.reports.common import (
    DATE_BLANK,
    ORG_LABEL,
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
from desktop.services.cells import write_cell  # text is never a formula

FONT = "宋体"
BODY_SIZE = 10
LINE_HEIGHT = 14.0  # points per wrapped line at 10 pt (13.5 plus a little air)
MAX_WIDTH = 60  # Excel character units


def render_excel(report: Report, path: Path, ticker: Ticker) -> None:
    """Write ``report`` to ``path`` (the caller handles temp files and atomic replace).

    openpyxl builds the workbook — styles, title block, 合计 row, notes, merges, print setup — but
    not the data rows: serialising ~100,000 styled cells through openpyxl costs over a second, so
    the rows are written here as ``<row>`` XML (exact numbers, inline strings, the column's style
    id) and spliced into each sheet's ``sheetData`` at their place. The result is an ordinary
    workbook; the tests read it back with openpyxl.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    styles = _Styles(report.unit)
    pending: list[tuple[Any, int, int, str]] = []
    for table in report.tables:
        ws = wb.create_sheet(_sheet_title(table.sheet_name, wb.sheetnames))
        _write_table(ws, report, table, styles, ticker, pending)
    wb.properties.title = report.title
    wb.properties.creator = report.org
    if report.stamp is not None:  # read back by `verify FILE` (services.fingerprint)
        report.stamp.write_properties(wb)
    ticker.check()
    buffer = io.BytesIO()
    wb.save(buffer)
    ticker.check()
    _splice_rows(
        buffer, path, {ws.path.lstrip("/"): (first, last, xml) for ws, first, last, xml in pending}
    )


def _splice_rows(workbook: io.BytesIO, path: Path, rows: dict[str, tuple[int, int, str]]) -> None:
    """Copy the zip ``workbook`` to ``path``, inserting the prepared rows into their sheets."""
    row_start = re.compile(rb'<row r="(\d+)"')
    workbook.seek(0)
    with zipfile.ZipFile(workbook) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in rows:
                first, last, xml = rows[info.filename]
                cut = data.index(b"</sheetData>")
                for match in row_start.finditer(data):
                    number = int(match.group(1))
                    if first <= number <= last:  # openpyxl must leave the data rows to us
                        raise RuntimeError(f"{info.filename}: row {number} written twice")
                    if number > last:
                        cut = match.start()
                        break
                data = data[:cut] + xml.encode("utf-8") + data[cut:]
            out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)


_XML_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _rows_xml(
    table: ReportTable,
    unit: str,
    first_row: int,
    style_ids: list[int],
    widths: list[float],
    ticker: Ticker,
) -> str:
    """The data rows as sheet XML. Amounts are exact decimals (fen / 100, or / 1,000,000 for 万元);
    text is always an inline string, so a name starting with "=" never becomes a formula. Each row
    gets an explicit height from its longest wrapped cell (CJK counted double, so the estimate
    errs tall): Excel would size such rows itself, LibreOffice and WPS keep the default height
    and would print the lines over each other."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(i) for i in range(1, len(table.columns) + 1)]
    kinds = [c.kind for c in table.columns]
    divisor, digits = (1_000_000, 6) if unit == "万元" else (100, 2)
    wrap_cols = [(i, max(int(widths[i] - 2.5), 1)) for i, c in enumerate(table.columns) if c.wrap]
    measured: dict[Any, int] = {}
    out: list[str] = []
    row = first_row - 1
    for start in range(0, len(table.rows), 500):
        chunk = table.rows[start : start + 500]
        for values in chunk:
            row += 1
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
            out.append(f'<row r="{row}" ht="{LINE_HEIGHT * lines + 3:g}" customHeight="1">')
            for i, value in enumerate(values):
                ref = f"{letters[i]}{row}"
                if value is None or value == "":
                    out.append(f'<c r="{ref}" s="{style_ids[i]}"/>')
                elif kinds[i] == "amount":
                    whole, part = divmod(int(value), divisor)
                    out.append(
                        f'<c r="{ref}" s="{style_ids[i]}"><v>{whole}.{part:0{digits}d}</v></c>'
                    )
                elif kinds[i] == "int":
                    out.append(f'<c r="{ref}" s="{style_ids[i]}"><v>{int(value)}</v></c>')
                else:
                    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32767].translate(_XML_ESCAPE)
                    space = ' xml:space="preserve"' if text != text.strip() else ""
                    out.append(
                        f'<c r="{ref}" s="{style_ids[i]}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
                    )
            out.append("</row>")
        ticker.step(len(chunk), f"正在写入“{table.sheet_name}”")
    return "".join(out)


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
        indent: int = 0,
    ) -> None:
        cell.font = self.Font(name=FONT, size=size, bold=bold)
        cell.alignment = self.Alignment(
            horizontal=horizontal, vertical=vertical, wrap_text=wrap, indent=indent
        )
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
            sums = [*table.subtotals, *([table.totals] if table.totals else [])]
            values = [r[i] for r in (*table.rows, *sums) if r[i] is not None]
            content = len(amount_text(max(values), report.unit)) if values else 4
        cap = column.width * 2 if column.wrap else MAX_WIDTH
        if column.kind != "amount":
            content = 4
            for value in {r[i] for r in table.rows if r[i] is not None}:
                content = max(content, display_width(str(value)))
                if content >= cap:
                    break  # capped anyway: no need to measure the rest
        width = min(max(content, 4), cap)
        air = 2 if column.alignment == "center" else 3  # room for the cell's indent
        widths.append(float(max(width, header, 4) + air))
    return widths


def _lines(text: str, width: float) -> int:
    usable = max(width - 1.5, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


def _write_table(
    ws: Any, report: Report, table: ReportTable, styles: _Styles, ticker: Ticker, pending: list
) -> None:
    widths = _column_widths(report, table)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[_letter(i)].width = width
    header_row = _title_block(ws, report, table, styles, widths)
    row = _data_rows(ws, report, table, styles, ticker, pending, header_row, widths)
    for values in table.subtotals:
        row = _total_row(ws, report, table, styles, row + 1, values)
    if table.totals is not None:
        row = _total_row(ws, report, table, styles, row + 1, table.totals)
    row = _words_and_notes(ws, table, styles, row, widths)
    _signature_block(ws, row + 2, widths, report.org, styles)
    _print_setup(ws, report, header_row)


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _title_block(ws: Any, report: Report, table: ReportTable, styles: _Styles, widths) -> int:
    """Title, then 填报单位 / 填报日期 / 单位, the table's subtitle and the column header; returns
    the header's row."""
    ncols = len(table.columns)
    write_cell(ws, 1, 1, table.title)
    ws.merge_cells(f"A1:{_letter(ncols)}1")
    styles.apply(ws["A1"], size=16, bold=True, horizontal="center", border=False, wrap=True)
    title_lines = math.ceil(display_width(table.title) * 1.7 / max(sum(widths), 1))
    ws.row_dimensions[1].height = 24 * max(title_lines, 1) + 6
    # 填报单位 / 填报日期 / 单位 in unmerged cells: the text spills over the empty neighbours,
    # where a merged cell of narrow columns would clip it.
    write_cell(ws, 2, ncols, f"单位：{report.unit}")
    styles.apply(ws.cell(2, ncols), size=11, horizontal="right", border=False)
    meta = [f"填报单位：{report.org}", f"填报日期：{date_cn(report.as_of)}"]
    row = _spread(ws, 2, widths[:-1], meta, (0.0, 0.4), styles) if ncols > 1 else 2
    ws.row_dimensions[2].height = 20
    if table.subtitle:
        row += 1
        _merged_text(ws, row, ncols, table.subtitle, styles, widths)
    row += 1
    header_lines = 1
    for i, column in enumerate(table.columns, start=1):
        write_cell(ws, row, i, column.title)
        styles.apply(ws.cell(row, i), bold=True, horizontal="center", wrap=True, fill="D9D9D9")
        header_lines = max(header_lines, _lines(column.title, widths[i - 1]))
    ws.row_dimensions[row].height = LINE_HEIGHT * header_lines + 6
    return row


def _merged_text(ws: Any, row: int, ncols: int, text: str, styles: _Styles, widths) -> None:
    write_cell(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    styles.apply(ws.cell(row, 1), size=BODY_SIZE, wrap=True, border=False)
    ws.row_dimensions[row].height = LINE_HEIGHT * _lines(text, sum(widths)) + 4


def _data_rows(
    ws: Any,
    report: Report,
    table: ReportTable,
    styles: _Styles,
    ticker: Ticker,
    pending: list,
    header_row: int,
    widths: list[float],
) -> int:
    """One prototype style per column (its style id is what every data cell refers to), the rows
    as prepared XML; returns the last row used."""
    ncols = len(table.columns)
    proto_row = header_row + 1
    style_ids = []
    for i, column in enumerate(table.columns, start=1):
        cell = ws.cell(proto_row, i)
        styles.apply(
            cell,
            horizontal=column.alignment,
            wrap=column.wrap,
            number_format=styles.number_format if column.kind == "amount" else None,
            indent=0 if column.alignment == "center" else 1,  # a little air at the cell border
        )
        style_ids.append(cell.style_id)
    if table.rows:
        for i in range(1, ncols + 1):
            del ws._cells[(proto_row, i)]
        xml = _rows_xml(table, report.unit, proto_row, style_ids, widths, ticker)
        pending.append((ws, proto_row, proto_row + len(table.rows) - 1, xml))
        return header_row + len(table.rows)
    write_cell(ws, proto_row, 1, table.empty_text)
    ws.merge_cells(start_row=proto_row, start_column=1, end_row=proto_row, end_column=ncols)
    for i in range(1, ncols + 1):
        styles.apply(ws.cell(proto_row, i), horizontal="center")
    ws.row_dimensions[proto_row].height = 20
    return proto_row


def _total_row(
    ws: Any, report: Report, table: ReportTable, styles: _Styles, row: int, values: list
) -> int:
    """A 合计 or subtotal row: bold on grey, its label spanning up to the first total."""
    for i, (column, value) in enumerate(zip(table.columns, values, strict=True), start=1):
        if column.kind == "amount" and value is not None:
            value = amount_value(value, report.unit)
        write_cell(ws, row, i, value)
        styles.apply(
            ws.cell(row, i),
            bold=True,
            horizontal="center" if i == 1 else column.alignment,
            number_format=styles.number_format if column.kind == "amount" else None,
            fill="F2F2F2",
        )
    span = totals_label_span(values)
    if span > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    ws.row_dimensions[row].height = 20
    return row


def _words_and_notes(ws: Any, table: ReportTable, styles: _Styles, row: int, widths) -> int:
    """The 大写 合计 line (as the PDF prints it), then the notes; returns the last row used."""
    from desktop.core.money import amount_in_words

    ncols = len(table.columns)
    if table.total_fen is not None and table.rows:
        row += 1
        words = f"{table.words_label}：人民币{amount_in_words(table.total_fen)}"
        write_cell(ws, row, 1, words)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        styles.apply(ws.cell(row, 1), size=11, border=False)
        ws.row_dimensions[row].height = 22
    for note in table.notes:
        row += 1
        _merged_text(
            ws, row, ncols, note if note.startswith("注") else f"注：{note}", styles, widths
        )
    return row


def _print_setup(ws: Any, report: Report, header_row: int) -> None:
    """A4 landscape, fit to width, title block and header on every page; margins of 20 mm at the
    top and on the binding (left) side, 15 mm at the bottom (the footer inside it) and right."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.freeze_panes = f"A{header_row + 1}"  # (ws.cell() would create a cell there)
    ws.print_title_rows = f"1:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = round(20 / 25.4, 3)
    ws.page_margins.right = round(15 / 25.4, 3)
    ws.page_margins.top = round(20 / 25.4, 3)
    ws.page_margins.bottom = round(15 / 25.4, 3)
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.font = f"{FONT},常规"
    ws.oddFooter.center.size = 9
    ws.evenFooter.center.text = ws.oddFooter.center.text
    if report.stamp is not None:  # export time, user and data fingerprint on every page
        for footer in (ws.oddFooter, ws.evenFooter):
            left, right = report.stamp.footer()
            footer.left.text = left.replace("&", "&&")
            footer.right.text = right.replace("&", "&&")
            for part in (footer.left, footer.right):
                part.font, part.size = f"{FONT},常规", 8


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
        write_cell(ws, r, col, text)
        styles.apply(ws.cell(r, col), size=11, border=False)
        ws.row_dimensions[r].height = 20
    return places[-1][0]


def _signature_block(ws: Any, row: int, widths: list[float], org: str, styles: _Styles) -> None:
    """The 落款 as the PDF has it: 填表人 / 审核人 / 负责人 across the left, then, right-aligned
    under rows left free for the seal, 填报单位（盖章） and the date line (右空四字)."""
    texts = [f"{label}{SIGNATURE_BLANK[:10]}" for label in SIGNATURES]
    last = _spread(ws, row, widths, texts, (0.0, 0.22, 0.44), styles)
    for r in range(row, last + 1):
        ws.row_dimensions[r].height = 24
    ncols = len(widths)
    first = _right_block_start(widths, display_width(ORG_LABEL + org) + 4)
    for offset in (1, 2):  # room for the seal
        ws.row_dimensions[last + offset].height = 20
    for r, text, indent in ((last + 3, ORG_LABEL + org, 0), (last + 4, DATE_BLANK, 4)):
        write_cell(ws, r, first, text)
        if ncols > first:
            ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=ncols)
        styles.apply(ws.cell(r, first), size=11, horizontal="right", border=False, indent=indent)
        ws.row_dimensions[r].height = 22


def _right_block_start(widths: list[float], needed: float) -> int:
    """The first column of the right-hand block wide enough for ``needed`` Excel units."""
    total = 0.0
    for i in range(len(widths), 0, -1):
        total += widths[i - 1]
        if total >= needed:
            return i
    return 1
