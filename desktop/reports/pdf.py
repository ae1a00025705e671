"""Render a :class:`~desktop.reports.data.Report` as an A4 landscape PDF with reportlab.

The bundled WenQuanYi Micro Hei (TrueType outlines) is registered once and embedded as a subset.
Cells are wrapped here, line by line, with the font's own glyph widths (CJK may break between any
two characters, Latin words and numbers stay whole, no line starts with a closing punctuation mark),
so nothing is clipped. Tables are laid out by :class:`PagedTable`, which cuts the rows into one
reportlab ``Table`` per page (header row repeated, ``repeatRows=1``): linear in the number of rows,
where splitting one 10,000-row ``Table`` page by page is quadratic. ``第 X 页 共 Y 页`` comes from a
two-pass canvas (:class:`NumberedCanvas`).
"""

from __future__ import annotations

import bisect
import re
import threading
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
from desktop.reports.data import Report, ReportTable

FONT_NAME = "WQYMicroHei"
BODY_SIZE = 8.0
LEADING = 10.0
PAD_X = 3.0
PAD_Y = 2.5
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


class PagedTable:
    """A flowable of many rows, cut per page into reportlab Tables that repeat the header row."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # Built lazily as a subclass of reportlab's Flowable, so reportlab is imported on first use.
        return _paged_table_class()(*args, **kwargs)


@cache
def _paged_table_class() -> type:
    from reportlab.platypus import Table
    from reportlab.platypus.flowables import Flowable

    class _PagedTable(Flowable):
        def __init__(self, header: list[str], header_h: float, rows: list[list[str]], heights: list[float],
                     col_widths: list[float], style: list[tuple], row_style: Any, ticker: Ticker | None,
                     start: int = 0, prefix: list[float] | None = None) -> None:
            super().__init__()
            self.header, self.header_h = header, header_h
            self.rows, self.heights = rows, heights
            self.col_widths, self.style, self.row_style = col_widths, style, row_style
            self.ticker = ticker
            self.start = start
            if prefix is None:
                prefix = [0.0]
                for h in heights:
                    prefix.append(prefix[-1] + h)
            self.prefix = prefix
            self.width = sum(col_widths)
            self._table: Any = None

        def _height_to(self, end: int) -> float:
            return self.header_h + self.prefix[end] - self.prefix[self.start]

        def _fit(self, avail_h: float) -> int:
            """The end index of the rows that fit under the header in ``avail_h``."""
            target = avail_h - self.header_h + self.prefix[self.start] + 0.01
            return max(bisect.bisect_right(self.prefix, target) - 1, self.start)

        def _make(self, end: int) -> Any:
            data = [self.header, *self.rows[self.start:end]]
            heights = [self.header_h, *self.heights[self.start:end]]
            style = list(self.style)
            style.extend(self.row_style(self.start, end))
            table = Table(data, colWidths=self.col_widths, rowHeights=heights, repeatRows=1,
                          style=style, hAlign="CENTER")
            if self.ticker is not None:
                self.ticker.step(end - self.start, "正在排版PDF")
            return table

        def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
            self.height = self._height_to(len(self.rows))
            return self.width, self.height

        def split(self, avail_w: float, avail_h: float) -> list[Any]:
            end = self._fit(avail_h)
            if end <= self.start:
                return []  # not even one row fits under the header: next page
            first = self._make(end)
            if end >= len(self.rows):
                return [first]
            rest = _PagedTable(self.header, self.header_h, self.rows, self.heights, self.col_widths,
                               self.style, self.row_style, self.ticker, end, self.prefix)
            return [first, rest]

        def draw(self) -> None:
            table = self._make(len(self.rows))
            table.wrapOn(self.canv, self.width, self.height)
            table.drawOn(self.canv, 0, 0)

    return _PagedTable


@cache
def _numbered_canvas_class() -> type:
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        """Keeps every page until ``save`` so each can say ``第 X 页 共 Y 页``."""

        pages_written = 0

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

    return NumberedCanvas


def render_pdf(report: Report, path: Path, ticker: Ticker) -> int:
    """Write ``report`` to ``path``; returns the number of pages."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        CondPageBreak,
        Frame,
        KeepTogether,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
    )

    _font()
    page_w, page_h = landscape(A4)
    margin_x = 12 * mm
    top_block = 24 * mm  # title + 填报单位/填报日期/单位
    frame = Frame(margin_x, 12 * mm, page_w - 2 * margin_x, page_h - top_block - 12 * mm - 6 * mm,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")

    def on_page(canvas: Any, doc: Any) -> None:
        ticker.check()
        canvas.saveState()
        text = canvas.beginText()
        text.setTextRenderMode(2)  # fill + thin stroke: a bold title from a regular face
        canvas.setLineWidth(0.35)
        text.setFont(FONT_NAME, 16)
        title_w = canvas.stringWidth(report.title, FONT_NAME, 16)
        text.setTextOrigin((page_w - title_w) / 2, page_h - 12 * mm)
        text.textOut(report.title)
        canvas.drawText(text)
        canvas.setFont(FONT_NAME, 10)
        y = page_h - 20 * mm
        canvas.drawString(margin_x, y, f"填报单位：{report.org}")
        canvas.drawCentredString(page_w / 2, y, f"填报日期：{date_cn(report.as_of)}")
        canvas.drawRightString(page_w - margin_x, y, f"单位：{report.unit}")
        canvas.restoreState()

    doc = BaseDocTemplate(str(path), pagesize=(page_w, page_h), leftMargin=margin_x, rightMargin=margin_x,
                          topMargin=top_block, bottomMargin=12 * mm, title=report.title, author=report.org,
                          subject=report.title, creator="四强产业配套奖补管理系统")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])

    heading = ParagraphStyle("heading", fontName=FONT_NAME, fontSize=12, leading=16, spaceBefore=2,
                             spaceAfter=4, alignment=1)
    normal = ParagraphStyle("normal", fontName=FONT_NAME, fontSize=9, leading=12, wordWrap="CJK",
                            spaceAfter=3)
    words = ParagraphStyle("words", parent=normal, fontSize=10, leading=14, spaceBefore=4)

    missing = missing_glyphs(report.all_text())
    width = frame._width
    story: list[Any] = []
    for index, table in enumerate(report.tables):
        if index:
            story.append(CondPageBreak(60 * mm))
            story.append(Spacer(1, 4 * mm))
        if table.title != report.title:
            story.append(Paragraph(_escape(table.title), heading))
        if table.subtitle:
            story.append(Paragraph(_escape(_mark_missing(table.subtitle, missing)), normal))
        story.append(_table_flowable(table, report.unit, width, missing, ticker, HexColor))
        if table.total_fen is not None and table.rows:
            from desktop.core.money import amount_in_words

            story.append(Paragraph(f"合计（大写）：{amount_in_words(table.total_fen)}", words))
        for note in table.notes:
            story.append(Paragraph(_escape(f"注：{note}"), normal))
    if missing:
        story.append(Paragraph(_escape(_missing_note(report, missing)), normal))
    sign = Table([[f"{label}{SIGNATURE_BLANK}" for label in SIGNATURES]], colWidths=[width / 3] * 3,
                 style=[("FONT", (0, 0), (-1, -1), FONT_NAME, 11), ("ALIGN", (0, 0), (-1, -1), "CENTER")])
    story.append(KeepTogether([Spacer(1, 10 * mm), sign]))

    canvas_class = type("NumberedCanvas", (_numbered_canvas_class(),), {"pages_written": 0})
    doc.build(story, canvasmaker=canvas_class)
    return canvas_class.pages_written


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
    return (f"注：内置字体缺少{len(chars)}个字符（{listed}），表中以“{MISSING_MARK}”代替，"
            f"请以电子数据或Excel表为准核对：{places}")


def _table_flowable(table: ReportTable, unit: str, width: float, missing: set[str], ticker: Ticker,
                    color: Any) -> Any:
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
    header = [_header_text(wrapper, c.title, inner[i]) for i, c in enumerate(cols)]
    header_h = max(h.count("\n") + 1 for h in header) * LEADING + 2 * PAD_Y + 2
    rows: list[list[str]] = []
    heights: list[float] = []
    for i, cells in enumerate(body):
        lines = 1
        for j in range(n):
            text = cells[j]
            if text:
                wrapped = wrapper.wrap(text, inner[j])
                cells[j] = wrapped
                k = wrapped.count("\n") + 1
                if k > lines:
                    lines = k
        rows.append(cells)
        heights.append(lines * LEADING + 2 * PAD_Y)
        if i % 500 == 499:
            ticker.check()
    if not rows:
        rows.append([table.empty_text] + [""] * (n - 1))
        heights.append(LEADING + 2 * PAD_Y + 4)
    if totals is not None:
        cells = [wrapper.wrap(t, inner[j]) if t else "" for j, t in enumerate(totals)]
        rows.append(cells)
        heights.append(max(c.count("\n") + 1 for c in cells) * LEADING + 2 * PAD_Y + 2)

    grey = color("#D9D9D9")
    light = color("#F2F2F2")
    style: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT_NAME, BODY_SIZE, LEADING),
        ("GRID", (0, 0), (-1, -1), 0.5, color("#000000")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), PAD_Y),
        ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y),
        ("BACKGROUND", (0, 0), (-1, 0), grey),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
    ]
    for j, column in enumerate(cols):
        style.append(("ALIGN", (j, 1), (j, -1), column.alignment.upper()))
    has_totals = totals is not None
    empty = not table.rows
    data_rows = len(rows)

    def row_style(start: int, end: int) -> list[tuple]:
        extra: list[tuple] = []
        if has_totals and end == data_rows:  # the 合计 row is in this page's table
            extra.append(("BACKGROUND", (0, -1), (-1, -1), light))
            extra.append(("ALIGN", (0, -1), (0, -1), "CENTER"))
        if empty and start == 0:
            extra.append(("SPAN", (0, 1), (-1, 1)))
            extra.append(("ALIGN", (0, 1), (-1, 1), "CENTER"))
        return extra

    return PagedTable(header, header_h, rows, heights, col_widths, style, row_style, ticker)


def _column_widths(table: ReportTable, body: list[list[str]], totals: list[str] | None, wrapper: Wrapper,
                   width: float) -> list[float]:
    """Fixed columns get their widest cell; wrapped columns share the rest by their weights."""
    cols = table.columns
    pad = 2 * PAD_X + 1
    unit_w = wrapper.width("中")
    need: list[float] = []
    for j, column in enumerate(cols):
        sample = [r[j] for r in body]
        if totals is not None:
            sample.append(totals[j])
        title_min = max(wrapper.width(part) for part in _title_parts(column.title))
        if column.wrap:
            cap = column.width * unit_w
            widest = 0.0
            for s in set(sample):
                if s:
                    widest = max(widest, wrapper.width(s))
                    if widest >= cap:
                        break
            need.append(max(min(widest, cap), 4 * unit_w, title_min) + pad)
        else:
            widest = max((wrapper.width(s) for s in set(sample) if s), default=0.0)
            need.append(max(widest, title_min, 2 * unit_w) + pad)
    total = sum(need)
    wrap_cols = [j for j, c in enumerate(cols) if c.wrap]
    if total < width:
        # Give the spare width to wrapped columns whose text is longer than their share.
        spare = width - total
        weights = {j: cols[j].width for j in wrap_cols} or {j: 1.0 for j in range(len(cols))}
        weight_sum = sum(weights.values())
        return [w + spare * weights.get(j, 0) / weight_sum for j, w in enumerate(need)]
    # Too wide: shrink wrapped columns first (down to 3 characters), then everything.
    over = total - width
    shrinkable = {j: need[j] - (3 * unit_w + pad) for j in wrap_cols if need[j] > 3 * unit_w + pad}
    room = sum(shrinkable.values())
    out = list(need)
    if room > 0:
        take = min(over, room)
        for j, r in shrinkable.items():
            out[j] -= take * r / room
        over -= take
    if over > 0.01:
        scale = width / sum(out)
        out = [w * scale for w in out]
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
