"""Render a :class:`~desktop.reports.data.Report` as an A4 landscape PDF with reportlab.

The bundled WenQuanYi Micro Hei (TrueType outlines) is registered once and embedded as a subset.
Cells are wrapped here, line by line, with the font's own glyph widths (CJK may break between any
two characters, Latin words and numbers stay whole, no line starts with a closing punctuation mark),
so nothing is clipped. Tables are laid out by ``PagedTable``, which cuts the rows per page (the
header row repeated on each, like ``Table(repeatRows=1)``) and draws each page's cells as one text
object: linear in the number of rows, where splitting one 10,000-row reportlab ``Table`` page by
page is quadratic and its per-cell drawing several times slower. ``第 X 页 共 Y 页`` comes from a
two-pass canvas (``NumberedCanvas``).
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from desktop.reports.common import (
    SIGNATURE_BLANK,
    SIGNATURES,
    Ticker,
    amount_text,
    date_cn,
)
from desktop.reports.data import Report, ReportTable, totals_label_span

FONT_NAME = "WQYMicroHei"
BODY_SIZE = 8.0
LEADING = 10.0
PAD_X = 3.0
PAD_Y = 2.5
MM = 72 / 25.4  # points per millimetre
MISSING_MARK = "〓"  # printed instead of a character the font lacks (explained in a note)

_NO_LINE_START = set("，。、；：？！）》」』】〕〉”’%,.;:?!)]}…—·")
_NO_LINE_END = set("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9_.,%/+\-]+|\n|.", re.S)
_register_lock = threading.Lock()


@cache
def _font() -> Any:
    """Register the bundled font with reportlab (once per process) and return it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from desktop.resources import font_path

    with _register_lock:
        try:
            return pdfmetrics.getFont(FONT_NAME)
        except KeyError:
            font = TTFont(FONT_NAME, str(font_path()), subfontIndex=0)
            pdfmetrics.registerFont(font)
            return font


def missing_glyphs(texts: Any) -> set[str]:
    """Characters of ``texts`` the bundled font has no glyph for (reportlab would print blanks)."""
    cmap = _font().face.charToGlyph
    seen: set[str] = set()
    for text in texts:
        if text:
            seen.update(text)
    return {ch for ch in seen if ord(ch) not in cmap and not ch.isspace() and ord(ch) >= 32}


class Wrapper:
    """Greedy line breaking with real glyph widths, cached per character and per text."""

    def __init__(self, size: float) -> None:
        self.size = size
        self._font = _font()
        self._widths: dict[str, float] = {}
        self._cache: dict[tuple[str, float], str] = {}

    def width(self, text: str) -> float:
        widths = self._widths
        total = 0.0
        for ch in text:
            w = widths.get(ch)
            if w is None:
                w = widths[ch] = self._font.stringWidth(ch, self.size)
            total += w
        return total

    def wrap(self, text: str, max_width: float) -> str:
        """``text`` with ``\\n`` inserted so that no line is wider than ``max_width``."""
        key = (text, max_width)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        if "\n" not in text and self.width(text) <= max_width:
            result = text
        else:
            result = "\n".join(self._lines(text, max_width))
        if len(text) <= 40:  # repeated short texts (rule names, towns); long ones rarely repeat
            self._cache[key] = result
        return result

    def _lines(self, text: str, max_width: float) -> list[str]:
        lines: list[str] = []
        cur, cur_w = "", 0.0
        for tok in _TOKEN.findall(text):
            if tok == "\n":
                lines.append(cur)
                cur, cur_w = "", 0.0
                continue
            w = self.width(tok)
            if cur_w + w <= max_width:
                cur, cur_w = cur + tok, cur_w + w
                continue
            if tok.isspace():
                continue  # a space at a break is dropped
            if len(tok) > 1 and w > max_width:  # a Latin word wider than the cell: break it
                for ch in tok:
                    cw = self.width(ch)
                    if cur_w + cw > max_width and cur:
                        lines.append(cur)
                        cur, cur_w = "", 0.0
                    cur, cur_w = cur + ch, cur_w + cw
                continue
            if tok in _NO_LINE_START and len(cur) > 1:
                carry = cur[-1]  # take the previous character along, so the mark is not alone
                lines.append(cur[:-1])
                cur = carry + tok
            elif cur and cur[-1] in _NO_LINE_END and len(cur) > 1:
                lines.append(cur[:-1])
                cur = cur[-1] + tok
            else:
                if cur:
                    lines.append(cur.rstrip())
                cur = tok
            cur_w = self.width(cur)
        lines.append(cur)
        return lines


@dataclass
class _Grid:
    """A table laid out for drawing: every cell already split into lines that fit its column."""

    col_widths: list[float]
    aligns: list[str]  # per column: left / right / center
    header: list[list[str]]
    header_h: float
    rows: list[list[list[str]]]
    heights: list[float]
    shaded: set[int]  # row indexes drawn on a light background (the 合计 row)
    spanned: dict[int, int]  # row index → how many leading columns its first cell spans
    prefix: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.prefix = [0.0]
        for h in self.heights:
            self.prefix.append(self.prefix[-1] + h)


class _Encoder:
    """Text → PDF show-text operators for the bundled TrueType font, cached per text.

    Does what reportlab's ``PDFTextObject._formatText`` does for a TrueType font (subset split,
    PDF string escaping), once per distinct text, so a page of cells is one text object.
    """

    def __init__(self, canvas: Any) -> None:
        self.font = _font()
        self.doc = canvas._doc
        self.escape = canvas._escape
        self.cache: dict[str, list[tuple[int, str]]] = {}
        self.names: dict[int, str] = {}

    def ops(self, text: str) -> list[tuple[int, str]]:
        hit = self.cache.get(text)
        if hit is None:
            hit = [
                (subset, f"({self.escape(t)}) Tj")
                for subset, t in self.font.splitString(text, self.doc)
            ]
            self.cache[text] = hit
        return hit

    def name(self, subset: int) -> str:
        hit = self.names.get(subset)
        if hit is None:
            hit = self.names[subset] = self.font.getSubsetInternalName(subset, self.doc)
        return hit


def _draw_rows(
    canvas: Any, grid: _Grid, start: int, end: int, wrapper: Wrapper, grey: Any, light: Any
) -> None:
    """Draw the header and rows ``start:end`` of ``grid`` with (0, 0) at the bottom left."""
    encoders = canvas.__dict__.setdefault("_siqiang_encoders", {})
    encoder = encoders.get(id(canvas._doc))
    if encoder is None:
        encoder = encoders[id(canvas._doc)] = _Encoder(canvas)
    widths = grid.col_widths
    xs = [0.0]
    for w in widths:
        xs.append(xs[-1] + w)
    total_w = xs[-1]
    height = grid.header_h + grid.prefix[end] - grid.prefix[start]

    # Backgrounds first, then text, then the grid on top.
    canvas.saveState()
    canvas.setFillColor(grey)
    canvas.rect(0, height - grid.header_h, total_w, grid.header_h, stroke=0, fill=1)
    tops = [height - grid.header_h]
    for i in range(start, end):
        tops.append(tops[-1] - grid.heights[i])
    canvas.setFillColor(light)
    for i in grid.shaded:
        if start <= i < end:
            k = i - start
            canvas.rect(0, tops[k + 1], total_w, tops[k] - tops[k + 1], stroke=0, fill=1)
    canvas.restoreState()

    size, leading = BODY_SIZE, LEADING
    code = ["BT"]
    current = [-1]

    def cell(lines: list[str], x0: float, x1: float, top: float, bottom: float, align: str) -> None:
        middle = (top + bottom) / 2
        first = middle + (len(lines) - 1) * leading / 2 - 0.36 * size
        for n, line in enumerate(lines):
            if not line:
                continue
            if align == "right":
                x = x1 - PAD_X - wrapper.width(line)
            elif align == "center":
                x = (x0 + x1 - wrapper.width(line)) / 2
            else:
                x = x0 + PAD_X
            code.append(f"1 0 0 1 {x:.2f} {first - n * leading:.2f} Tm")
            for subset, op in encoder.ops(line):
                if subset != current[0]:
                    code.append(f"{encoder.name(subset)} {size:g} Tf")
                    current[0] = subset
                code.append(op)

    for j, lines in enumerate(grid.header):
        cell(lines, xs[j], xs[j + 1], height, tops[0], "center")
    for k, i in enumerate(range(start, end)):
        row = grid.rows[i]
        span = grid.spanned.get(i, 1)
        first_col = 0
        if span > 1:
            cell(row[0], 0, xs[span], tops[k], tops[k + 1], "center")
            first_col = span
        for j, lines in enumerate(row):
            if lines and j >= first_col:
                cell(lines, xs[j], xs[j + 1], tops[k], tops[k + 1], grid.aligns[j])
    code.append("ET")
    canvas.addLiteral("\n".join(code))

    canvas.saveState()
    canvas.setLineWidth(0.5)
    segments = [(0, y, total_w, y) for y in (height, *tops)]
    segments.append((0, height, 0, tops[-1]))
    segments.append((total_w, height, total_w, tops[-1]))
    inner = xs[1:-1]
    segments.extend((x, height, x, tops[0]) for x in inner)
    for k, i in enumerate(range(start, end)):
        span = grid.spanned.get(i, 1)
        segments.extend((x, tops[k], x, tops[k + 1]) for x in xs[span:-1])
    canvas.lines(segments)
    canvas.restoreState()


@cache
def _flowable_classes() -> tuple[type, type]:
    """reportlab's Flowable is imported on first use, so the classes are built lazily."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus.flowables import Flowable

    grey, light = HexColor("#D9D9D9"), HexColor("#F2F2F2")

    class TableChunk(Flowable):
        """The header plus rows ``start:end``: exactly what fits on one page."""

        def __init__(self, grid: _Grid, start: int, end: int, wrapper: Wrapper) -> None:
            super().__init__()
            self.grid, self.start, self.end, self.wrapper = grid, start, end, wrapper
            self.width = sum(grid.col_widths)
            self.height = grid.header_h + grid.prefix[end] - grid.prefix[start]
            self.hAlign = "CENTER"

        def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
            return self.width, self.height

        def draw(self) -> None:
            _draw_rows(self.canv, self.grid, self.start, self.end, self.wrapper, grey, light)

    class PagedTable(Flowable):
        """Many rows cut per page; the header row is repeated on every page.

        ``split`` finds the rows that fit with a bisection over the prefix sums of the row
        heights and hands back a :class:`TableChunk` plus the rest (an index, rows are not copied),
        so laying out n rows costs O(n) — splitting one big reportlab ``Table`` is O(n²).
        ``tail`` (合计大写, notes, the signature block) is drawn under the last rows and kept on
        their page: the last rows move to the next page with it rather than leave it alone there.
        """

        def __init__(
            self,
            grid: _Grid,
            wrapper: Wrapper,
            ticker: Ticker | None,
            start: int = 0,
            tail: tuple[Any, ...] = (),
        ) -> None:
            super().__init__()
            self.grid, self.wrapper, self.ticker, self.start, self.tail = (
                grid,
                wrapper,
                ticker,
                start,
                tail,
            )
            self.table_w = sum(grid.col_widths)
            self.width = self.table_w
            self._tail: list[tuple[Any, float, float, float]] = []

        def _measure_tail(self, avail_w: float) -> float:
            self._tail = []
            total = 0.0
            for f in self.tail:
                _w, h = f.wrap(avail_w, 10_000)
                before, after = f.getSpaceBefore(), f.getSpaceAfter()
                self._tail.append((f, h, before, after))
                total += before + h + after
            return total

        def _table_h(self, end: int | None = None) -> float:
            g = self.grid
            return g.header_h + g.prefix[len(g.rows) if end is None else end] - g.prefix[self.start]

        def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
            self.width = max(avail_w, self.table_w)
            self.tail_h = self._measure_tail(avail_w)
            self.height = self._table_h() + self.tail_h
            return self.width, self.height

        def split(self, avail_w: float, avail_h: float) -> list[Any]:
            g = self.grid
            n = len(g.rows)
            target = avail_h - g.header_h + g.prefix[self.start] + 0.01
            end = min(bisect.bisect_right(g.prefix, target) - 1, n)
            if end >= n:  # the rows fit but the tail does not: two rows go over with it
                end = n - 2
            if end == n - 1 and end in g.shaded:
                end -= 1  # never leave the 合计 row alone on a page: take the last row along
            if end <= self.start:
                return []  # not even one row fits under the header: next page
            if self.ticker is not None:
                self.ticker.step(end - self.start, "正在排版PDF")
            first = TableChunk(g, self.start, end, self.wrapper)
            return [first, PagedTable(g, self.wrapper, self.ticker, end, self.tail)]

        def draw(self) -> None:
            canvas = self.canv
            x_off = (self.width - self.table_w) / 2
            canvas.saveState()
            canvas.translate(x_off, self.tail_h)
            _draw_rows(
                canvas, self.grid, self.start, len(self.grid.rows), self.wrapper, grey, light
            )
            canvas.restoreState()
            if self.ticker is not None:
                self.ticker.step(len(self.grid.rows) - self.start, "正在排版PDF")
            y = self.tail_h
            for f, h, before, after in self._tail:
                y -= before + h
                f.drawOn(canvas, 0, y)
                y -= after

    return TableChunk, PagedTable


@cache
def _numbered_canvas_class() -> type:
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        """Keeps every page until ``save`` so each can say ``第 X 页 共 Y 页``."""

        pages_written = 0
        stamp: Any = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                Canvas.showPage(self)
            type(self).pages_written = total
            Canvas.save(self)

        def _footer(self, total: int) -> None:
            width, _height = self._pagesize
            self.setFont(FONT_NAME, 9)
            self.drawCentredString(width / 2, 16, f"第 {self._pageNumber} 页 共 {total} 页")
            if self.stamp is not None:  # export time, user, data fingerprint (fingerprint.py)
                self.setFont(FONT_NAME, 7.5)
                self.drawString(34, 16, self.stamp.who_when())
                self.drawRightString(width - 34, 16, self.stamp.fingerprint_text())

    return NumberedCanvas


def render_pdf(report: Report, path: Path, ticker: Ticker) -> int:
    """Write ``report`` to ``path``; returns the number of pages."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        CondPageBreak,
        Frame,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
    )

    _font()
    page_w, page_h = landscape(A4)
    margin_x = 12 * mm
    top_block = 24 * mm  # title + 填报单位/填报日期/单位
    frame = Frame(
        margin_x,
        12 * mm,
        page_w - 2 * margin_x,
        page_h - top_block - 12 * mm - 6 * mm,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )

    title_lines, title_size = _fit_title(
        _mark_missing(report.title, missing_glyphs([report.title])), page_w - 2 * margin_x
    )

    def on_page(canvas: Any, doc: Any) -> None:
        ticker.check()
        canvas.saveState()
        text = canvas.beginText()
        text.setTextRenderMode(2)  # fill + thin stroke: a bold title from a regular face
        canvas.setLineWidth(0.35 * title_size / 16)
        text.setFont(FONT_NAME, title_size)
        top = page_h - (12 * mm if len(title_lines) == 1 else 9.5 * mm)
        for n, line in enumerate(title_lines):
            line_w = canvas.stringWidth(line, FONT_NAME, title_size)
            text.setTextOrigin((page_w - line_w) / 2, top - n * title_size * 1.25)
            text.textOut(line)
        canvas.drawText(text)
        canvas.setFont(FONT_NAME, 10)
        y = page_h - 20 * mm
        canvas.drawString(margin_x, y, f"填报单位：{report.org}")
        canvas.drawCentredString(page_w / 2, y, f"填报日期：{date_cn(report.as_of)}")
        canvas.drawRightString(page_w - margin_x, y, f"单位：{report.unit}")
        canvas.restoreState()

    doc = BaseDocTemplate(
        str(path),
        pagesize=(page_w, page_h),
        leftMargin=margin_x,
        rightMargin=margin_x,
        topMargin=top_block,
        bottomMargin=12 * mm,
        title=report.title,
        author=report.org,
        subject=report.title,
        creator="四强产业配套奖补管理系统",
        keywords=report.stamp.encode() if report.stamp is not None else "",
        initialFontName=FONT_NAME,
        initialFontSize=BODY_SIZE,
    )  # no stray Helvetica
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])

    heading = ParagraphStyle(
        "heading",
        fontName=FONT_NAME,
        fontSize=12,
        leading=16,
        spaceBefore=2,
        spaceAfter=4,
        alignment=1,
    )
    normal = ParagraphStyle(
        "normal", fontName=FONT_NAME, fontSize=9, leading=12, wordWrap="CJK", spaceAfter=3
    )
    words = ParagraphStyle("words", parent=normal, fontSize=10, leading=14, spaceBefore=4)

    missing = missing_glyphs(report.all_text())
    width = frame._width
    sign = Table(
        [[f"{label}{SIGNATURE_BLANK}" for label in SIGNATURES]],
        colWidths=[width / 3] * 3,
        style=[
            ("FONT", (0, 0), (-1, -1), FONT_NAME, 11),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("TOPPADDING", (0, 0), (-1, -1), 10 * mm),
        ],
    )
    story: list[Any] = []
    for index, table in enumerate(report.tables):
        last = index == len(report.tables) - 1
        if index:
            story.append(CondPageBreak(45 * mm))
            story.append(Spacer(1, 4 * mm))
        if table.title != report.title:
            story.append(Paragraph(_escape(table.title), heading))
        if table.subtitle:
            story.append(Paragraph(_escape(_mark_missing(table.subtitle, missing)), normal))
        tail: list[Any] = []
        if table.total_fen is not None and table.rows:
            from desktop.core.money import amount_in_words

            tail.append(Paragraph(f"合计（大写）：{amount_in_words(table.total_fen)}", words))
        tail.extend(Paragraph(_escape(f"注：{note}"), normal) for note in table.notes)
        if last:
            if missing:
                tail.append(Paragraph(_escape(_missing_note(report, missing)), normal))
            tail.append(sign)
        story.append(
            _table_flowable(table, report.unit, width, missing, ticker, tuple(tail), frame._height)
        )

    canvas_class = type(
        "NumberedCanvas", (_numbered_canvas_class(),), {"pages_written": 0, "stamp": report.stamp}
    )
    doc.build(story, canvasmaker=canvas_class)
    return canvas_class.pages_written


def _fit_title(title: str, max_width: float) -> tuple[list[str], float]:
    """The page title at 16 pt, or smaller (down to 11 pt), or on two lines of 11 pt."""
    font = _font()
    for size in (16, 15, 14, 13, 12, 11):
        if font.stringWidth(title, size) <= max_width:
            return [title], size
    lines = Wrapper(11).wrap(title, max_width).split("\n")
    return lines[:2], 11


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mark_missing(text: str, missing: set[str]) -> str:
    if not missing or not text:
        return text
    return "".join(MISSING_MARK if ch in missing else ch for ch in text)


def _missing_note(report: Report, missing: set[str]) -> str:
    chars = sorted(missing)
    where: list[str] = []
    for table in report.tables:
        for row in table.rows:
            for column, value in zip(table.columns, row, strict=False):
                if column.kind == "text" and value and any(ch in missing for ch in str(value)):
                    shown = _mark_missing(str(value), missing)
                    if shown not in where:
                        where.append(shown)
    listed = "、".join(f"U+{ord(ch):04X}" for ch in chars)
    places = "；".join(where[:10]) + ("等" if len(where) > 10 else "")
    return (
        f"注：内置字体缺少{len(chars)}个字符（{listed}），表中以“{MISSING_MARK}”代替，"
        f"请以电子数据或Excel表为准核对：{places}"
    )


def _table_flowable(
    table: ReportTable,
    unit: str,
    width: float,
    missing: set[str],
    ticker: Ticker,
    tail: tuple[Any, ...] = (),
    frame_h: float = 500.0,
) -> Any:
    wrapper = Wrapper(BODY_SIZE)
    cols = table.columns
    n = len(cols)

    # Cell texts (amounts formatted, missing glyphs marked) before measuring.
    def texts(row: list[Any]) -> list[str]:
        out = []
        for column, value in zip(cols, row, strict=True):
            if value is None:
                out.append("")
            elif column.kind == "amount":
                out.append(amount_text(value, unit))
            elif column.kind == "int":
                out.append(str(value))
            else:
                out.append(_mark_missing(str(value), missing))
        return out

    body = [texts(r) for r in table.rows]
    totals = texts(table.totals) if table.totals is not None else None
    col_widths = _column_widths(table, body, totals, wrapper, width)

    inner = [w - 2 * PAD_X for w in col_widths]
    header = [_header_text(wrapper, c.title, inner[i]).split("\n") for i, c in enumerate(cols)]
    header_h = max(len(h) for h in header) * LEADING + 2 * PAD_Y + 2
    rows: list[list[list[str]]] = []
    heights: list[float] = []
    max_lines = max(int((frame_h - header_h - 40 * MM) / LEADING), 3)
    for i, texts_ in enumerate(body):
        lines = 1
        cells: list[list[str]] = []
        for j in range(n):
            text = texts_[j]
            if text:
                split = wrapper.wrap(text, inner[j]).split("\n")
                if len(split) > max_lines:  # one cell taller than a page: cut, and say so
                    split = split[: max_lines - 1] + ["……（全文见Excel表）"]
                if len(split) > lines:
                    lines = len(split)
                cells.append(split)
            else:
                cells.append([])
        rows.append(cells)
        heights.append(lines * LEADING + 2 * PAD_Y)
        if i % 500 == 499:
            ticker.check()
    spanned: dict[int, int] = {}
    shaded: set[int] = set()
    if not rows:
        spanned[0] = n
        rows.append([[table.empty_text]] + [[] for _ in range(n - 1)])
        heights.append(LEADING + 2 * PAD_Y + 4)
    if totals is not None:
        cells = [wrapper.wrap(t, inner[j]).split("\n") if t else [] for j, t in enumerate(totals)]
        shaded.add(len(rows))
        spanned[len(rows)] = totals_label_span(table.totals)
        cells[0] = ["合计"]
        rows.append(cells)
        heights.append(max(len(c) for c in cells) * LEADING + 2 * PAD_Y + 2)
    aligns = [c.alignment for c in cols]
    grid = _Grid(col_widths, aligns, header, header_h, rows, heights, shaded, spanned)
    _chunk, paged = _flowable_classes()
    return paged(grid, wrapper, ticker, tail=tail)


def _column_widths(
    table: ReportTable,
    body: list[list[str]],
    totals: list[str] | None,
    wrapper: Wrapper,
    width: float,
) -> list[float]:
    """Fixed columns get their widest cell; wrapped columns share the rest so rows stay low."""
    cols = table.columns
    pad = 2 * PAD_X + 1
    unit_w = wrapper.width("中")
    wrap_cols = [j for j, c in enumerate(cols) if c.wrap]
    out: list[float] = []
    useful: dict[int, float] = {}
    for j, column in enumerate(cols):
        values = {r[j] for r in body if r[j]}
        if totals is not None and totals[j]:
            values.add(totals[j])
        title_min = max(wrapper.width(part) for part in _title_parts(column.title))
        if column.wrap:
            lowest = max(
                min(4 * unit_w, max((wrapper.width(v) for v in values), default=0.0)), title_min
            )
            out.append(lowest + pad)
            cap = column.width * unit_w * 3  # never more than needed, nor absurdly wide
            widest = 0.0
            for v in values:
                widest = max(widest, wrapper.width(v))
                if widest >= cap:
                    break
            useful[j] = max(min(widest, cap), lowest) + pad
        else:
            widest = max((wrapper.width(v) for v in values), default=0.0)
            out.append(max(widest, title_min, 2 * unit_w) + pad)
    spare = width - sum(out)
    if spare < 0:  # too wide even with wrapped columns at their narrowest: scale everything
        scale = width / sum(out)
        return [w * scale for w in out]

    # Find the smallest line count L such that, with every wrapped column wide enough to hold
    # 90% of its texts in L lines, the table still fits; then share what is left.
    step = len(body) // 400 + 1
    rows = body[::step]
    base = {j: out[j] for j in wrap_cols}
    fixed = sum(out) - sum(base.values())
    p90: dict[int, float] = {}
    for j in wrap_cols:
        ws = sorted(wrapper.width(r[j]) for r in rows if r[j])
        p90[j] = ws[int(len(ws) * 0.9)] if ws else 0.0
    for n_lines in range(1, 9):
        want = {
            j: min(max(base[j], p90[j] / n_lines + unit_w / 2 + pad), useful[j]) for j in wrap_cols
        }
        if fixed + sum(want.values()) <= width:
            for j, w in want.items():
                out[j] = w
            break
    # What is left goes first to wrapped columns that can still use it (so they wrap less) ...
    spare = width - sum(out)
    hungry = [j for j in wrap_cols if useful[j] > out[j]]
    while spare > 0.5 and hungry:
        weight = sum(cols[j].width for j in hungry)
        given = 0.0
        for j in hungry:
            add = min(spare * cols[j].width / weight, useful[j] - out[j])
            out[j] += add
            given += add
        spare -= given
        hungry = [j for j in hungry if useful[j] - out[j] > 0.5]
    # ... then, for a small table, every column widens a little; it is centred, not stretched.
    natural = sum(out)
    target = min(width, max(natural * 1.5, width * 0.6))
    if natural < target:
        out = [w * target / natural for w in out]
    return out


def _header_text(wrapper: Wrapper, title: str, max_width: float) -> str:
    if wrapper.width(title) <= max_width:
        return title
    return "\n".join(wrapper.wrap(part, max_width) for part in _title_parts(title))


def _title_parts(title: str) -> list[str]:
    """A header may wrap before its unit, e.g. 核定金额 / （元）."""
    if "（" in title and not title.startswith("（"):
        head, _, tail = title.partition("（")
        return [head, "（" + tail]
    return [title]
