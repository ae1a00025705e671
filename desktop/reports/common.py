"""Small pieces both renderers share: units, progress/cancel, the paper's form fields."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from desktop.core.errors import Cancelled, DomainError, ValidationError

Progress = Callable[[int, int, str], None]
UNITS = ("元", "万元")
CHUNK = 500  # rows between two progress reports / cancel checks
SIGNATURES = ("填表人：", "审核人：", "负责人：")  # the 落款, in the order they sign
ORG_LABEL = "填报单位（盖章）："
DATE_BLANK = "　　　　年　　月　　日"  # filled in by hand when the seal is put on
SIGNATURE_BLANK = "________________"


class ExportCancelled(Cancelled):
    """The user cancelled an export; no file was written (nor an old one touched)."""

    def __init__(self, *_annotations: object) -> None:
        # reportlab re-raises errors from inside a build as ``type(e)(annotated message)``;
        # the message a clerk sees stays the same.
        DomainError.__init__(self, "已取消导出")


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise ValidationError(f"金额单位“{unit}”无效，应为“元”或“万元”", field="单位")
    return unit


def date_cn(value: date) -> str:
    """``2024-05-06`` → ``2024年5月6日`` (the paper's 填报日期)."""
    return f"{value.year}年{value.month}月{value.day}日"


def amount_value(fen: int, unit: str) -> Decimal:
    """The exact number an Excel cell holds: 元 with two decimals, or 万元 with six (no 分 lost)."""
    if unit == "万元":
        return (Decimal(int(fen)) / 1_000_000).quantize(Decimal("0.000001"))
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def amount_text(fen: int, unit: str) -> str:
    """The printed amount: ``1,500,000.00`` 元 or ``150.0000`` 万元."""
    from desktop.core.money import format_wan, format_yuan

    return format_wan(fen) if unit == "万元" else format_yuan(fen)


def number_format(unit: str) -> str:
    return "#,##0.0000" if unit == "万元" else "#,##0.00"


def display_width(text: str) -> int:
    """Width in half-width units: a CJK (or other wide) character counts 2, ASCII 1."""
    return (len(text.encode("utf-8")) + len(text)) // 2


class Ticker:
    """Reports progress and polls the cancel flag once per :data:`CHUNK` of work."""

    def __init__(
        self, total: int, progress: Progress | None, cancel: threading.Event | None
    ) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.progress = progress
        self.cancel = cancel
        self._next = 0

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ExportCancelled()

    def step(self, n: int, message: str) -> None:
        self.done = min(self.done + n, self.total)
        if self.done >= self._next or self.done == self.total:
            self._next = self.done + CHUNK
            self.check()
            if self.progress is not None:
                self.progress(self.done, self.total, message)

    def report(self, done: int, message: str) -> None:
        self.done = min(max(done, self.done), self.total)
        self.check()
        if self.progress is not None:
            self.progress(self.done, self.total, message)
