"""Reading our PDFs back as a reviewer does: the text of each table cell line by line, and the
page's lines (paragraphs, 落款), with pdfplumber."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pdfplumber

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,4}〔\d{4}〕\d{1,4}号")
MM = 72 / 25.4


@dataclass(frozen=True)
class Cell:
    page: int
    column: str  # the header text of the cell's column (lines joined)
    lines: list[str]

    @property
    def text(self) -> str:
        return "".join(self.lines)


def pages_text(path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _cell_of(char: dict, boxes: list[tuple[float, float, float, float]]) -> int | None:
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    for n, (x0, top, x1, bottom) in enumerate(boxes):
        if x0 <= x <= x1 and top <= y <= bottom:
            return n
    return None


def _table_cells(page, table) -> list[list[str]]:
    """The text of each cell of ``table``, row by row (chars assigned to cells in one pass)."""
    from pdfplumber.utils import extract_text

    boxes, where = [], []
    for r, row in enumerate(table.rows):
        for c, box in enumerate(row.cells):
            if box is not None:
                boxes.append(box)
                where.append((r, c))
    x0, top, x1, bottom = table.bbox
    rows_by_top = sorted(range(len(boxes)), key=lambda n: boxes[n][1])
    ordered = [boxes[n] for n in rows_by_top]
    chars: dict[int, list[dict]] = {}
    for ch in page.chars:
        if (
            x0 <= ch["x0"]
            and ch["x1"] <= x1 + 1
            and top <= ch["top"]
            and ch["bottom"] <= bottom + 1
        ):
            n = _cell_of(ch, ordered)
            if n is not None:
                chars.setdefault(rows_by_top[n], []).append(ch)
    out = [["" for _ in row.cells] for row in table.rows]
    for n, found in chars.items():
        r, c = where[n]
        out[r][c] = extract_text(found)
    return out


def cells(path) -> list[Cell]:
    """Every body cell of every table, with its column's header."""
    out: list[Cell] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for table in page.find_tables():
                rows = _table_cells(page, table)
                header = [t.replace("\n", "") for t in rows[0]]
                for texts in rows[1:]:
                    for column, text in zip(header, texts, strict=False):
                        if text:
                            out.append(Cell(number, column, text.split("\n")))
    return out


def broken_doc_numbers(lines: list[str], known: set[str]) -> list[str]:
    """Where a line ends (and the next starts) inside one of the ``known`` 文号."""
    found = []
    for a, b in zip(lines, lines[1:], strict=False):
        for number in known:
            for k in range(1, len(number)):
                if a.endswith(number[:k]) and b.startswith(number[k:]):
                    found.append(f"{a} / {b}")
    return found


def numbers_in(texts) -> set[str]:
    return {m for t in texts if t for m in DOC_NUMBER.findall(t)}
