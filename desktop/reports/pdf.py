"""Render a :class:`~desktop.reports.data.Report` as an A4 landscape PDF with reportlab.

The page is set as government tables are: a serif 宋体-like face (Noto Serif SC, SIL OFL 1.1, its
TrueType outlines embedded as a subset; bold for titles, headers and 合计), margins of 20 mm at the
top and on the binding (left) side, 15 mm at the bottom (the footer inside it) and on the right; on
the last page the 大写 合计 and the 落款 — 填表人 / 审核人 / 负责人, then 填报单位（盖章） and the
date line right-aligned with room for the seal (GB/T 9704's 落款).

Cells are broken into lines here (``linebreak``) with the font's own glyph widths, so nothing is
clipped and no 文号 or word of a name is cut. Tables are laid out by ``PagedTable``, which cuts the
rows per page (the header repeated on each) and draws each page's cells as one text object: linear
in the number of rows, where splitting one 10,000-row reportlab ``Table`` is quadratic.
``第 X 页 共 Y 页`` comes from a two-pass canvas (``NumberedCanvas``).
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Spacer
from reportlab.platypus.flowables import Flowable

from desktop.reports.common import (
    DATE_BLANK,
    ORG_LABEL,
    SIGNATURES,
    Ticker,
    amount_text,
    date_cn,
)
from desktop.reports.data import Report, ReportTable, totals_label_span
from desktop.reports.linebreak import (
    LineBreaker,
    doc_numbers,
    name_words,
    text_units,
    word_units,
)

FONT_NAME = "NotoSerifSC"
BOLD_NAME = "NotoSerifSC-Bold"
_FONT_FILES = {FONT_NAME: "NotoSerifSC_400Regular.ttf", BOLD_NAME: "NotoSerifSC_700Bold.ttf"}
BODY_SIZE = 8.0
SMALLER_SIZES = (7.5, 7.0, 6.5)  # a name whose longest word is wider than its column steps down
LEADING = 10.0
PAD_X = 3.0
PAD_Y = 2.5
MM = 72 / 25.4  # points per millimetre
MARGIN_TOP = 20 * MM
MARGIN_BOTTOM = 15 * MM
MARGIN_BINDING = 20 * MM  # left: the sheets are bound on the left
MARGIN_OUTER = 15 * MM
FOOTER_BASELINE = 8 * MM
HEAD_BLOCK = 17 * MM  # title and 填报单位/填报日期/单位 lines, below the top margin
TITLE_SIZE = 16
META_SIZE = 10.5
MISSING_MARK = "〓"  # printed instead of a character the font lacks (explained in a note)

_GREY, _LIGHT = HexColor("#D9D9D9"), HexColor("#F2F2F2")
_register_lock = threading.Lock()
_build_lock = threading.Lock()


@cache
def _font(name: str = FONT_NAME) -> Any:
    """Register a bundled face with reportlab (once per process) and return it."""
    from desktop.resources import resource_path

    with _register_lock:
        try:
            return pdfmetrics.getFont(name)
        except KeyError:
            font = TTFont(name, str(resource_path("fonts", _FONT_FILES[name])))
            pdfmetrics.registerFont(font)
            return font


def missing_glyphs(texts: Iterable[str]) -> set[str]:
    """Characters of ``texts`` the bundled font has no glyph for (reportlab would print blanks)."""
    cmap = _font().face.charToGlyph
    seen = set("".join(t for t in texts if t))
    return {ch for ch in seen if ord(ch) not in cmap and not ch.isspace() and ord(ch) >= 32}


class _Widths(dict):
    """Width of each text seen, measured once (a dict: lookups stay in C)."""

    def __init__(self, measure) -> None:
        super().__init__()
        self.measure = measure

    def __missing__(self, text: str) -> float:
        width = self[text] = self.measure(text)
        return width


class Wrapper:
    """Line breaking at one size of one face, glyph widths and short results cached."""

    def __init__(self, size: float, name: str = FONT_NAME) -> None:
        self.size = size
        self.name = name
        self._font = _font(name)
        self._chars = _Widths(lambda ch: self._font.stringWidth(ch, size))
        self._cache: dict[tuple[str, float, bool], list[str]] = {}
        self._fits: dict[tuple[str, float], bool] = {}
        self._breaker = LineBreaker(self._chars)

    def width(self, text: str) -> float:
        return sum(map(self._chars.__getitem__, text))

    def lines(self, text: str, max_width: float, keep_words: bool = False) -> list[str]:
        """``text`` broken into lines no wider than ``max_width`` (names between words only)."""
        key = (text, max_width, keep_words)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        if "\n" not in text and self.width(text) <= max_width:
            result = [text]
        else:
            result = self._breaker.lines(text, max_width, word_units if keep_words else text_units)
        if len(text) <= 60:  # repeated short texts (names, rule names, towns)
            self._cache[key] = result
        return result

    def words_fit(self, text: str, max_width: float) -> bool:
        key = (text, max_width)
        hit = self._fits.get(key)
        if hit is None:
            hit = self._fits[key] = all(self.width(w) <= max_width for w in name_words(text))
        return hit


# -- laying out a table ------------------------------------------------------------------------


@dataclass
class _Grid:
    """A table laid out for drawing: every cell already split into lines that fit its column."""

    col_widths: list[float]
    aligns: list[str]  # per column: left / right / center
    header: list[list[str]]
    header_h: float
    rows: list[list[list[str]]]
    heights: list[float]
    shaded: set[int]  # row indexes drawn on a light background in bold (合计, subtotals)
    spanned: dict[int, int]  # row index → how many leading columns its first cell spans
    sizes: dict[tuple[int, int], float] = field(default_factory=dict)  # cells set smaller
    prefix: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.prefix = [0.0]
        for h in self.heights:
            self.prefix.append(self.prefix[-1] + h)


class _Encoder:
    """Text → PDF show-text operators for one TrueType face, cached per text.

    Does what reportlab's ``PDFTextObject._formatText`` does for a TrueType font (subset split,
    PDF string escaping), with two translation tables — character → its subset, character → its
    escaped code — so a line is encoded by ``str.translate`` rather than character by character.
    """

    _RUNS = re.compile(r"(.)\1*", re.S)

    def __init__(self, canvas: Any, name: str) -> None:
        self.font = _font(name)
        self.doc = canvas._doc
        self.escape = canvas._escape
        self.cache: dict[str, list[tuple[str, str]]] = {}
        self.known: set[str] = set()
        self.subset_of: dict[int, str] = {}  # ord(char) → a marker character of its subset
        self.code_of: dict[int, str] = {}  # ord(char) → its code in that subset, escaped
        self.fonts: dict[str, str] = {}  # marker → the subset's font name

    def _learn(self, chars: set[str]) -> None:
        for ch in sorted(chars):
            ((subset, code),) = self.font.splitString(ch, self.doc)  # assigns the subset code
            marker = chr(0xF0000 + subset)
            self.subset_of[ord(ch)] = marker
            self.code_of[ord(ch)] = self.escape(code)
            if marker not in self.fonts:
                self.fonts[marker] = self.font.getSubsetInternalName(subset, self.doc)
        self.known |= chars

    def ops(self, text: str) -> list[tuple[str, str]]:
        hit = self.cache.get(text)
        if hit is not None:
            return hit
        new = set(text) - self.known
        if new:
            self._learn(new)
        subsets = text.translate(self.subset_of)
        if subsets.count(subsets[0]) == len(subsets):
            hit = [(self.fonts[subsets[0]], f"({text.translate(self.code_of)}) Tj")]
        else:
            code_of, fonts = self.code_of, self.fonts
            hit = [
                (fonts[m.group(1)], f"({text[m.start() : m.end()].translate(code_of)}) Tj")
                for m in self._RUNS.finditer(subsets)
            ]
        if len(text) <= 60:
            self.cache[text] = hit
        return hit


def _encoders(canvas: Any) -> tuple[_Encoder, _Encoder]:
    store = canvas.__dict__.setdefault("_siqiang_encoders", {})
    pair = store.get(id(canvas._doc))
    if pair is None:
        pair = store[id(canvas._doc)] = (_Encoder(canvas, FONT_NAME), _Encoder(canvas, BOLD_NAME))
    return pair


class _TextOps:
    """Collects one text object: positioned lines, switching font and size only when needed.
    Lines of a left-aligned cell follow each other with ``T*`` (the leading is set once)."""

    def __init__(self, canvas: Any, widths: dict[float, Wrapper]) -> None:
        self.regular, self.bold = _encoders(canvas)
        self.widths = widths
        self.code = ["BT", f"{LEADING:g} TL"]
        self.font = ""
        self.size = 0.0

    def cell(
        self,
        lines: list[str],
        box: tuple[float, float, float, float],
        align: str,
        size: float = BODY_SIZE,
        bold: bool = False,
    ) -> None:
        x0, x1, top, bottom = box
        first = (top + bottom) / 2 + (len(lines) - 1) * LEADING / 2 - 0.36 * size
        ops = (self.bold if bold else self.regular).ops
        code = self.code
        if align == "left":
            code.append(f"1 0 0 1 {x0 + PAD_X:.2f} {first:.2f} Tm")
            for n, line in enumerate(lines):
                if n:
                    code.append("T*")
                self._show(ops(line), size)
            return
        measure = self.widths[size].width if not bold else _bold_width(size)
        for n, line in enumerate(lines):
            if line:
                w = measure(line)
                x = x1 - PAD_X - w if align == "right" else (x0 + x1 - w) / 2
                code.append(f"1 0 0 1 {x:.2f} {first - n * LEADING:.2f} Tm")
                self._show(ops(line), size)

    def _show(self, ops: list[tuple[str, str]], size: float) -> None:
        for name, op in ops:
            if name != self.font or size != self.size:
                self.code.append(f"{name} {size:g} Tf")
                self.font, self.size = name, size
            self.code.append(op)

    def text(self) -> str:
        return "\n".join([*self.code, "ET"])


@cache
def _bold_wrapper(size: float) -> Wrapper:
    return Wrapper(size, BOLD_NAME)


def _bold_width(size: float):
    return _bold_wrapper(size).width


def _row_tops(grid: _Grid, start: int, end: int, height: float) -> list[float]:
    tops = [height - grid.header_h]
    for i in range(start, end):
        tops.append(tops[-1] - grid.heights[i])
    return tops


def _draw_backgrounds(canvas: Any, grid: _Grid, start: int, end: int, tops: list[float]) -> None:
    total_w = sum(grid.col_widths)
    canvas.saveState()
    canvas.setFillColor(_GREY)
    canvas.rect(0, tops[0], total_w, grid.header_h, stroke=0, fill=1)
    canvas.setFillColor(_LIGHT)
    for i in grid.shaded:
        if start <= i < end:
            k = i - start
            canvas.rect(0, tops[k + 1], total_w, tops[k] - tops[k + 1], stroke=0, fill=1)
    canvas.restoreState()


def _draw_texts(
    canvas: Any, grid: _Grid, start: int, end: int, tops: list[float], xs: list[float], wrappers
) -> None:
    ops = _TextOps(canvas, wrappers)
    height = tops[0] + grid.header_h
    for j, lines in enumerate(grid.header):
        ops.cell(lines, (xs[j], xs[j + 1], height, tops[0]), "center", bold=True)
    aligns, sizes, cell = grid.aligns, grid.sizes, ops.cell
    for k, i in enumerate(range(start, end)):
        row = grid.rows[i]
        bold = i in grid.shaded
        span = grid.spanned.get(i, 1)
        top, bottom = tops[k], tops[k + 1]
        if span > 1:
            cell(row[0], (0, xs[span], top, bottom), "center", bold=bold)
        for j in range(span if span > 1 else 0, len(row)):
            if row[j]:
                size = sizes.get((i, j), BODY_SIZE) if sizes else BODY_SIZE
                cell(row[j], (xs[j], xs[j + 1], top, bottom), aligns[j], size, bold)
    canvas.addLiteral(ops.text())


def _draw_rules(
    canvas: Any, grid: _Grid, start: int, end: int, tops: list[float], xs: list[float]
) -> None:
    """The grid as plain path operators (reportlab's ``lines`` formats every number slowly)."""
    height = tops[0] + grid.header_h
    total_w = xs[-1]
    ops = ["q 0.5 w 0 G"]
    ops.extend(f"0 {y:.2f} m {total_w:.2f} {y:.2f} l" for y in (height, *tops))
    ops.append(f"0 {height:.2f} m 0 {tops[-1]:.2f} l")
    ops.append(f"{total_w:.2f} {height:.2f} m {total_w:.2f} {tops[-1]:.2f} l")
    ops.extend(f"{x:.2f} {height:.2f} m {x:.2f} {tops[0]:.2f} l" for x in xs[1:-1])
    for k, i in enumerate(range(start, end)):
        span = grid.spanned.get(i, 1)
        y0, y1 = tops[k], tops[k + 1]
        ops.extend(f"{x:.2f} {y0:.2f} m {x:.2f} {y1:.2f} l" for x in xs[span:-1])
    ops.append("S Q")
    canvas.addLiteral("\n".join(ops))


def _draw_rows(canvas: Any, grid: _Grid, start: int, end: int, wrappers) -> None:
    """Draw the header and rows ``start:end`` of ``grid`` with (0, 0) at the bottom left."""
    xs = [0.0]
    for w in grid.col_widths:
        xs.append(xs[-1] + w)
    height = grid.header_h + grid.prefix[end] - grid.prefix[start]
    tops = _row_tops(grid, start, end, height)
    _draw_backgrounds(canvas, grid, start, end, tops)
    _draw_texts(canvas, grid, start, end, tops, xs, wrappers)
    _draw_rules(canvas, grid, start, end, tops, xs)


class TextLines(Flowable):
    """A paragraph broken by the same rules as the cells (no 文号 cut, no orphan character); a
    ``hang`` prefix such as ``注：`` indents the lines after the first."""

    def __init__(
        self,
        text: str,
        size: float = 9.0,
        *,
        bold: bool = False,
        align: str = "left",
        hang: str = "",
        space_before: float = 0.0,
        space_after: float = 3.0,
    ) -> None:
        super().__init__()
        self.text, self.size, self.bold, self.align, self.hang = text, size, bold, align, hang
        self.leading = size * 1.35
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self.wrapper = _bold_wrapper(size) if bold else _regular_wrapper(size)
        self.lines: list[str] = []

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        indent = self.wrapper.width(self.hang)  # every line stands under the text, not the prefix
        self.lines = self.wrapper.lines(self.text, avail_w - indent) or [""]
        self.width = avail_w
        self.height = len(self.lines) * self.leading
        return avail_w, self.height

    def draw(self) -> None:
        c = self.canv
        c.setFont(BOLD_NAME if self.bold else FONT_NAME, self.size)
        indent = self.wrapper.width(self.hang)
        for n, line in enumerate(self.lines):
            y = self.height - (n + 1) * self.leading + (self.leading - self.size) / 2 + 1
            if self.align == "center":
                c.drawCentredString(self.width / 2, y, line)
            else:
                c.drawString(indent, y, line)
        if self.hang and self.lines:
            c.drawString(
                0.0, self.height - self.leading + (self.leading - self.size) / 2 + 1, self.hang
            )


@cache
def _regular_wrapper(size: float) -> Wrapper:
    return Wrapper(size)


Measured = list[tuple[Any, float, float, float]]  # flowable, height, space before, space after


def _measure(items: tuple, width: float, page_width: float) -> tuple[Measured, float]:
    """Heights of ``items`` laid out ``width`` wide (the 落款: ``page_width``, see ``page_wide``)."""
    out: Measured = []
    total = 0.0
    for f in items:
        _w, h = f.wrap(page_width if getattr(f, "page_wide", False) else width, 10_000)
        before, after = f.getSpaceBefore(), f.getSpaceAfter()
        out.append((f, h, before, after))
        total += before + h + after
    return out, total


def _draw_stack(canvas: Any, items: Measured, x: float, top: float) -> float:
    """Draw ``items`` downwards from ``top`` at ``x``; returns where they end."""
    y = top
    for f, h, before, after in items:
        y -= before + h
        f.drawOn(canvas, 0.0 if getattr(f, "page_wide", False) else x, y)
        y -= after
    return y


class TableChunk(Flowable):
    """The table's heading (first chunk only), its header and rows ``start:end``: one page."""

    def __init__(self, grid: _Grid, start: int, end: int, wrappers, head: Measured) -> None:
        super().__init__()
        self.grid, self.start, self.end, self.wrappers, self.head = grid, start, end, wrappers, head
        self.table_w = sum(grid.col_widths)
        self.head_h = sum(h + b + a for _f, h, b, a in head)
        self.width = self.table_w
        self.height = self.head_h + grid.header_h + grid.prefix[end] - grid.prefix[start]

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = max(avail_w, self.table_w)
        return self.width, self.height

    def draw(self) -> None:
        x_off = (self.width - self.table_w) / 2
        _draw_stack(self.canv, self.head, x_off, self.height)
        self.canv.saveState()
        self.canv.translate(x_off, 0)
        _draw_rows(self.canv, self.grid, self.start, self.end, self.wrappers)
        self.canv.restoreState()


class PagedTable(Flowable):
    """A table cut per page, its header row repeated on every page.

    ``split`` finds the rows that fit with a bisection over the prefix sums of the row heights and
    hands back a :class:`TableChunk` plus the rest (an index, rows are not copied), so laying out n
    rows costs O(n). ``head`` (the table's heading and subtitle) stays with the first rows;
    ``tail`` (合计大写, notes, the 落款) is drawn under the last rows and kept on their page: the last
    rows move to the next page with it rather than leave it alone there. A small table that does
    not fit where it is moves whole to the next page. Heading and tail line up with the table.
    """

    SMALL = 8  # rows: a table this short is never split

    def __init__(
        self,
        grid: _Grid,
        wrappers,
        ticker: Ticker | None,
        start: int = 0,
        *,
        head: tuple = (),
        tail: tuple = (),
        frame_h: float = 0.0,
    ) -> None:
        super().__init__()
        self.grid, self.wrappers, self.ticker, self.start = grid, wrappers, ticker, start
        self.head, self.tail, self.frame_h = head, tail, frame_h
        self.table_w = sum(grid.col_widths)
        self.width = self.table_w
        self._head: Measured = []
        self._tail: Measured = []
        self.head_h = self.tail_h = 0.0

    def _rows_h(self, end: int | None = None) -> float:
        g = self.grid
        return g.header_h + g.prefix[len(g.rows) if end is None else end] - g.prefix[self.start]

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = max(avail_w, self.table_w)
        block = min(self.table_w, avail_w)
        if self.start == 0:
            self._head, self.head_h = _measure(self.head, block, self.width)
        else:
            self._head, self.head_h = [], 0.0
        self._tail, self.tail_h = _measure(self.tail, block, self.width)
        self.height = self.head_h + self._rows_h() + self.tail_h
        return self.width, self.height

    def split(self, avail_w: float, avail_h: float) -> list[Any]:
        g = self.grid
        n = len(g.rows)
        self.wrap(avail_w, avail_h)
        if self.start == 0 and n <= self.SMALL and self.height <= self.frame_h:
            return []  # a short table moves whole to the next page
        target = avail_h - self.head_h - g.header_h + g.prefix[self.start] + 0.01
        end = min(bisect.bisect_right(g.prefix, target) - 1, n)
        if end >= n:  # the rows fit but the tail does not: two rows go over with it
            end = n - 2
        while end > self.start and end < n and (end in g.shaded or end - 1 in g.shaded):
            end -= 1  # never leave a 合计 (or a run of subtotals) alone: take a data row along
        if end <= self.start:
            return []  # not even one row fits under the header: next page
        if self.ticker is not None:
            self.ticker.step(end - self.start, "正在排版PDF")
        first = TableChunk(g, self.start, end, self.wrappers, self._head)
        rest = PagedTable(g, self.wrappers, self.ticker, end, tail=self.tail, frame_h=self.frame_h)
        return [first, rest]

    def draw(self) -> None:
        canvas = self.canv
        x_off = (self.width - self.table_w) / 2
        _draw_stack(canvas, self._head, x_off, self.height)
        canvas.saveState()
        canvas.translate(x_off, self.tail_h)
        _draw_rows(canvas, self.grid, self.start, len(self.grid.rows), self.wrappers)
        canvas.restoreState()
        if self.ticker is not None:
            self.ticker.step(len(self.grid.rows) - self.start, "正在排版PDF")
        _draw_stack(canvas, self._tail, x_off, self.tail_h)


class SignatureBlock(Flowable):
    """The 落款: 填表人 / 审核人 / 负责人 with lines to sign on, then — right-aligned, the date
    four characters in from the right edge and the unit's name centred over it (GB/T 9704) —
    填报单位（盖章） and the date line, with the room above them a seal (Ø 42 mm) needs."""

    SIZE = 11.0
    SEAL_ROOM = 20 * MM  # between the signature line and the 填报单位 line
    page_wide = True  # right-aligned on the page, not under a narrow table

    def __init__(self, org: str) -> None:
        super().__init__()
        self.org = org
        self.height = 8 * MM + self.SEAL_ROOM + 8 * MM + 4 * MM

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = avail_w
        return avail_w, self.height

    def draw(self) -> None:
        c, size, width = self.canv, self.SIZE, self.width
        c.saveState()
        c.setFont(FONT_NAME, size)
        c.setLineWidth(0.5)
        y = self.height - 6 * MM
        x = 0.0
        for label in SIGNATURES:
            c.drawString(x, y, label)
            start = x + c.stringWidth(label, FONT_NAME, size) + 2
            c.line(start, y - 2, start + 30 * MM, y - 2)
            x += width * 0.22
        date_y = y - self.SEAL_ROOM - 8 * MM
        org_y = date_y + 8 * MM
        date_w = c.stringWidth(DATE_BLANK, FONT_NAME, size)
        date_right = width - 4 * size  # 右空四字
        centre = date_right - date_w / 2
        org_text = ORG_LABEL + self.org
        org_w = c.stringWidth(org_text, FONT_NAME, size)
        org_x = min(centre - org_w / 2, width - org_w)
        c.drawString(org_x, org_y, org_text)
        c.drawString(date_right - date_w, date_y, DATE_BLANK)
        c.restoreState()


class NumberedCanvas(Canvas):
    """Keeps every page until ``save`` so each can say ``第 X 页 共 Y 页``."""

    stamp_holder: Any = None  # set per build (see render_pdf): the stamp in, the page count out

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
        self.stamp_holder.pages = total
        Canvas.save(self)

    def _footer(self, total: int) -> None:
        width, _height = self._pagesize
        self.setFont(FONT_NAME, 9)
        middle = MARGIN_BINDING + (width - MARGIN_BINDING - MARGIN_OUTER) / 2
        self.drawCentredString(middle, FOOTER_BASELINE, f"第 {self._pageNumber} 页 共 {total} 页")
        stamp = self.stamp_holder.stamp
        if stamp is not None:  # export time, user, data fingerprint (fingerprint.py)
            self.setFont(FONT_NAME, 7.5)
            left, right = stamp.footer()  # who and when; fingerprint, chain head, 管理员密钥
            self.drawString(MARGIN_BINDING, FOOTER_BASELINE, left)
            self.drawRightString(width - MARGIN_OUTER, FOOTER_BASELINE, right)


@contextmanager
def _binary_streams():
    """Page streams without ASCII85 (reportlab's pure-Python encoder costs seconds on a long
    report and makes the file a quarter larger); restored afterwards."""
    with _build_lock:
        before = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = before


# -- the document --------------------------------------------------------------------------------


@dataclass
class _Page:
    width: float
    height: float
    title_lines: list[str]
    title_size: float

    @property
    def frame_width(self) -> float:
        return self.width - MARGIN_BINDING - MARGIN_OUTER

    @property
    def frame_height(self) -> float:
        return self.height - MARGIN_TOP - HEAD_BLOCK - MARGIN_BOTTOM


def _fit_title(title: str, max_width: float) -> tuple[list[str], float]:
    """The page title at 16 pt, or smaller (down to 11 pt), or on two lines of 11 pt."""
    bold = _font(BOLD_NAME)
    for size in (16, 15, 14, 13, 12, 11):
        if bold.stringWidth(title, size) <= max_width:
            return [title], size
    return _bold_wrapper(11).lines(title, max_width)[:2], 11


def _page_header(report: Report, page: _Page, ticker: Ticker):
    def on_page(canvas: Any, doc: Any) -> None:
        ticker.check()
        canvas.saveState()
        size = page.title_size
        top = page.height - MARGIN_TOP - 0.88 * size
        middle = MARGIN_BINDING + page.frame_width / 2
        canvas.setFont(BOLD_NAME, size)
        for n, line in enumerate(page.title_lines):
            canvas.drawCentredString(middle, top - n * size * 1.25, line)
        canvas.setFont(FONT_NAME, META_SIZE)
        y = page.height - MARGIN_TOP - HEAD_BLOCK + 3.5 * MM
        canvas.drawString(MARGIN_BINDING, y, f"填报单位：{report.org}")
        canvas.drawCentredString(middle, y, f"填报日期：{date_cn(report.as_of)}")
        canvas.drawRightString(page.width - MARGIN_OUTER, y, f"单位：{report.unit}")
        canvas.restoreState()

    return on_page


def _tail(table: ReportTable, report: Report, last: bool, missing: set[str]) -> tuple:
    from desktop.core.money import amount_in_words

    tail: list[Any] = []
    if table.total_fen is not None and table.rows:
        words = f"{table.words_label}：人民币{amount_in_words(table.total_fen)}"
        tail.append(TextLines(words, 10.5, space_before=4))
    tail.extend(TextLines(note, hang="注：") for note in table.notes)
    if last:
        if missing:
            tail.append(TextLines(_missing_note(report, missing), hang="注："))
        tail.append(SignatureBlock(report.org))
    return tuple(tail)


def _head(table: ReportTable, report: Report, missing: set[str]) -> tuple:
    head: list[Any] = []
    if table.title != report.title:
        head.append(TextLines(table.title, 12, bold=True, align="center", space_after=4))
    if table.subtitle:
        head.append(TextLines(_mark_missing(table.subtitle, missing)))
    return tuple(head)


def _story(report: Report, page: _Page, ticker: Ticker, missing: set[str]) -> list[Any]:
    story: list[Any] = []
    for index, table in enumerate(report.tables):
        if index:
            story.append(Spacer(1, 5 * MM))
        head = _head(table, report, missing)
        tail = _tail(table, report, index == len(report.tables) - 1, missing)
        story.append(_table_flowable(table, report.unit, page, missing, ticker, head, tail))
    return story


class _Holder:
    """What the canvas of one build shares with it: the stamp for the footer, the page count."""

    def __init__(self, stamp: Any) -> None:
        self.stamp = stamp
        self.pages = 0


def render_pdf(report: Report, path: Path, ticker: Ticker, missing: set[str] | None = None) -> int:
    """Write ``report`` to ``path``; returns the number of pages. ``missing``: the characters
    the font lacks, when the caller has looked already (:func:`missing_glyphs`)."""
    if missing is None:
        missing = missing_glyphs(report.all_text())
    _font()
    page_w, page_h = landscape(A4)
    lines, size = _fit_title(
        _mark_missing(report.title, missing_glyphs([report.title])),
        page_w - MARGIN_BINDING - MARGIN_OUTER,
    )
    page = _Page(page_w, page_h, lines, size)
    frame = Frame(
        MARGIN_BINDING,
        MARGIN_BOTTOM,
        page.frame_width,
        page.frame_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc = BaseDocTemplate(
        str(path),
        pagesize=(page_w, page_h),
        leftMargin=MARGIN_BINDING,
        rightMargin=MARGIN_OUTER,
        topMargin=MARGIN_TOP + HEAD_BLOCK,
        bottomMargin=MARGIN_BOTTOM,
        title=report.title,
        author=report.org,
        subject=report.title,
        creator="四强产业配套奖补管理系统",
        keywords=report.stamp.encode() if report.stamp is not None else "",
        initialFontName=FONT_NAME,
        initialFontSize=BODY_SIZE,
    )  # no stray Helvetica
    doc.addPageTemplates(
        [PageTemplate(id="page", frames=[frame], onPage=_page_header(report, page, ticker))]
    )
    holder = _Holder(report.stamp)
    canvas_class = type("ReportCanvas", (NumberedCanvas,), {"stamp_holder": holder})
    story = _story(report, page, ticker, missing)
    with _binary_streams():
        doc.build(story, canvasmaker=canvas_class)
    return holder.pages


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
        f"内置字体缺少{len(chars)}个字符（{listed}），表中以“{MISSING_MARK}”代替，"
        f"请以电子数据或Excel表为准核对：{places}"
    )


# -- cells ---------------------------------------------------------------------------------------


def _texts(table: ReportTable, unit: str, missing: set[str], row: list[Any]) -> list[str]:
    out = []
    for column, value in zip(table.columns, row, strict=True):
        if value is None:
            out.append("")
        elif column.kind == "amount":
            out.append(amount_text(value, unit))
        elif column.kind == "int":
            out.append(str(value))
        else:
            out.append(_mark_missing(str(value), missing))
    return out


class _CellSetter:
    """Breaks cell texts into lines for given column widths; a name whose longest word does not
    fit its column steps down a size rather than break inside the word."""

    def __init__(
        self, table: ReportTable, inner: list[float], max_lines: int, body: list[list[str]]
    ) -> None:
        self.wrapper = Wrapper(BODY_SIZE)
        self.smaller = [Wrapper(s) for s in SMALLER_SIZES]
        self.keep = [c.keep_words for c in table.columns]
        self.inner = inner
        self.max_lines = max_lines
        # columns whose every text fits on one line (most of the fixed ones): nothing to break
        width = self.wrapper.width
        self.one_line = [
            not c.wrap and max((width(r[j]) for r in body), default=0.0) <= inner[j]
            for j, c in enumerate(table.columns)
        ]

    def cell(self, text: str, j: int) -> tuple[list[str], float]:
        width, size, wrapper = self.inner[j], BODY_SIZE, self.wrapper
        if self.keep[j] and not wrapper.words_fit(text, width):
            for smaller in self.smaller:
                wrapper, size = smaller, smaller.size
                if smaller.words_fit(text, width):
                    break
        lines = wrapper.lines(text, width, self.keep[j])
        if len(lines) > self.max_lines:  # one cell taller than a page: cut, and say so
            lines = lines[: self.max_lines - 1] + ["……（全文见Excel表）"]
        return lines, size

    def row(self, texts: list[str], i: int, sizes: dict) -> tuple[list[list[str]], int]:
        cells: list[list[str]] = []
        most = 1
        one_line = self.one_line
        for j, text in enumerate(texts):
            if not text:
                cells.append([])
                continue
            if one_line[j]:
                cells.append([text])
                continue
            lines, size = self.cell(text, j)
            if size != BODY_SIZE:
                sizes[(i, j)] = size
            most = max(most, len(lines))
            cells.append(lines)
        return cells, most


def _table_flowable(
    table: ReportTable,
    unit: str,
    page: _Page,
    missing: set[str],
    ticker: Ticker,
    head: tuple,
    tail: tuple,
) -> Any:
    wrapper = Wrapper(BODY_SIZE)
    body = [_texts(table, unit, missing, r) for r in table.rows]
    summary = [
        _texts(table, unit, missing, r)
        for r in (*table.subtotals, *([table.totals] if table.totals else []))
    ]
    col_widths = _column_widths(table, body, summary, wrapper, page.frame_width)
    inner = [w - 2 * PAD_X for w in col_widths]
    bold = _bold_wrapper(BODY_SIZE)
    header = [_header_lines(bold, c.title, inner[i]) for i, c in enumerate(table.columns)]
    header_h = max(len(h) for h in header) * LEADING + 2 * PAD_Y + 2
    max_lines = max(int((page.frame_height - header_h - 45 * MM) / LEADING), 3)
    setter = _CellSetter(table, inner, max_lines, body)
    rows: list[list[list[str]]] = []
    heights: list[float] = []
    sizes: dict[tuple[int, int], float] = {}
    for i, texts in enumerate(body):
        cells, lines = setter.row(texts, i, sizes)
        rows.append(cells)
        heights.append(lines * LEADING + 2 * PAD_Y)
        if i % 500 == 499:
            ticker.check()
    spanned: dict[int, int] = {}
    shaded: set[int] = set()
    if not rows:
        spanned[0] = len(table.columns)
        rows.append([[table.empty_text]] + [[] for _ in table.columns[1:]])
        heights.append(LEADING + 2 * PAD_Y + 4)
    for values, texts in zip(
        (*table.subtotals, *([table.totals] if table.totals else [])), summary, strict=True
    ):
        span = totals_label_span(values)
        label_w = sum(inner[:span]) + 2 * PAD_X * (span - 1)
        cells = [bold.lines(texts[0], label_w)] + [
            bold.lines(t, inner[j]) if t else [] for j, t in enumerate(texts) if j
        ]
        shaded.add(len(rows))
        spanned[len(rows)] = span
        rows.append(cells)
        heights.append(max(len(c) for c in cells) * LEADING + 2 * PAD_Y + 2)
    aligns = [c.alignment for c in table.columns]
    grid = _Grid(col_widths, aligns, header, header_h, rows, heights, shaded, spanned, sizes)
    wrappers = {BODY_SIZE: wrapper, **{w.size: w for w in setter.smaller}}
    return PagedTable(grid, wrappers, ticker, head=head, tail=tail, frame_h=page.frame_height)


def _column_widths(
    table: ReportTable,
    body: list[list[str]],
    summary: list[list[str]],
    wrapper: Wrapper,
    width: float,
) -> list[float]:
    """Fixed columns get their widest cell; wrapped columns share the rest so rows stay low."""
    pad = 2 * PAD_X + 1
    unit_w = wrapper.width("中")
    lowest, useful = _column_needs(table, body, summary, wrapper, pad, unit_w)
    out = list(lowest)
    if sum(out) > width:  # too wide even with wrapped columns at their narrowest: scale all
        scale = width / sum(out)
        return [w * scale for w in out]
    wrap_cols = [j for j, c in enumerate(table.columns) if c.wrap]
    _fit_lines(table, body, wrapper, width, out, useful, wrap_cols, pad, unit_w)
    _share_spare(table, width, out, useful, wrap_cols)
    natural = sum(out)  # a small table widens a little; it is centred, not stretched
    target = min(width, max(natural * 1.5, width * 0.6))
    if natural < target:
        out = [w * target / natural for w in out]
    return out


def _column_needs(table, body, summary, wrapper, pad, unit_w) -> tuple[list[float], dict]:
    """Per column the narrowest width it may have, and (wrapped columns) the widest it can use."""
    lowest: list[float] = []
    useful: dict[int, float] = {}
    bold = _bold_wrapper(BODY_SIZE)
    for j, column in enumerate(table.columns):
        values = {r[j] for r in body if r[j]}
        sums = [r[j] for r in summary if r[j]] if j else []
        title_min = max(bold.width(part) for part in _title_parts(column.title))
        fixed = max([title_min, 2 * unit_w, *(bold.width(s) for s in sums)])
        if not column.wrap:
            widest = max((wrapper.width(v) for v in values), default=0.0)
            lowest.append(max(widest, fixed) + pad)
            continue
        longest = max((wrapper.width(v) for v in values), default=0.0)
        floor = max(min(4 * unit_w, longest), fixed)
        # a name's longest word fits, and any 文号 of the column, up to twelve characters
        split = name_words if column.keep_words else doc_numbers
        units = (u for v in values for u in split(v))
        floor = max(floor, min(max(map(wrapper.width, units), default=0.0), 12 * unit_w))
        lowest.append(floor + pad)
        cap = column.width * unit_w * 3  # never more than needed, nor absurdly wide
        useful[j] = max(min(longest, cap), floor) + pad
    return lowest, useful


def _fit_lines(table, body, wrapper, width, out, useful, wrap_cols, pad, unit_w) -> None:
    """The smallest line count L such that, with every wrapped column wide enough to hold 90% of
    its texts in L lines, the table still fits. Names (``keep_words``) ask for fewer lines than
    the rest — at most two, whole words — where the page allows it: a reviewer reads them first."""
    step = len(body) // 400 + 1
    rows = body[::step]
    base = {j: out[j] for j in wrap_cols}
    fixed = sum(out) - sum(base.values())
    p90: dict[int, float] = {}
    for j in wrap_cols:
        ws = sorted(wrapper.width(r[j]) for r in rows if r[j])
        p90[j] = ws[int(len(ws) * 0.9)] if ws else 0.0

    def want(j: int, n_lines: int, names_first: bool) -> float:
        if names_first and table.columns[j].keep_words:
            n_lines, extra = max(1, min(n_lines - 1, 2)), 2 * unit_w  # words do not fill a line
        else:
            extra = unit_w / 2
        return min(max(base[j], p90[j] / n_lines + extra + pad), useful[j])

    for names_first in (True, False):
        for n_lines in range(1, 9):
            widths = {j: want(j, n_lines, names_first) for j in wrap_cols}
            if fixed + sum(widths.values()) <= width:
                for j, w in widths.items():
                    out[j] = w
                return


def _share_spare(table, width, out, useful, wrap_cols) -> None:
    """What is left goes to the wrapped columns that can still use it, so they wrap less."""
    spare = width - sum(out)
    hungry = [j for j in wrap_cols if useful[j] > out[j]]
    while spare > 0.5 and hungry:
        weight = sum(table.columns[j].width for j in hungry)
        given = 0.0
        for j in hungry:
            add = min(spare * table.columns[j].width / weight, useful[j] - out[j])
            out[j] += add
            given += add
        spare -= given
        hungry = [j for j in hungry if useful[j] - out[j] > 0.5]


def _header_lines(wrapper: Wrapper, title: str, max_width: float) -> list[str]:
    if wrapper.width(title) <= max_width:
        return [title]
    return [line for part in _title_parts(title) for line in wrapper.lines(part, max_width)]


def _title_parts(title: str) -> list[str]:
    """A header may wrap before its unit, e.g. 核定金额 / （元）."""
    if "（" in title and not title.startswith("（"):
        head, _, tail = title.partition("（")
        return [head, "（" + tail]
    return [title]
