"""Money: amounts are integer 分 (fen); arithmetic is ``Decimal``; rounding is half-up.

Nothing here touches floats except to *read* a float an Excel cell produced.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any

from desktop.core.errors import ValidationError

Fen = int
"""An amount of money in 分 (1 元 = 100 分)."""

MAX_FEN: Fen = 100_000_000_000_000
"""The largest accepted amount: 1,000,000,000,000.00 元."""

_MAX_YUAN = Decimal(MAX_FEN).scaleb(-2)
_CENT = Decimal("0.01")
_ONE = Decimal(1)
_FLOAT_TOLERANCE = Decimal("0.000001")  # 1e-6 元
_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _quote(value: Any) -> str:
    return f"“{value}”"


def _check_range(d: Decimal, shown: str, field: str) -> Fen:
    """Sign, precision and range checks on an amount in 元; returns fen."""
    if d < 0:
        raise ValidationError(f"{field}{_quote(shown)}不能为负数", field=field)
    if d > _MAX_YUAN:
        raise ValidationError(
            f"{field}{_quote(shown)}超过上限（{format_yuan(MAX_FEN)}元）", field=field
        )
    with localcontext() as ctx:
        ctx.prec = 60
        if d != d.quantize(_CENT, rounding=ROUND_HALF_UP):
            raise ValidationError(f"{field}{_quote(shown)}最多精确到分（两位小数）", field=field)
        return int(d.scaleb(2))


def _parse_text(value: str, field: str, allow_wan: bool) -> Fen:
    shown = value.strip()
    text = unicodedata.normalize("NFKC", shown).replace("，", ",").replace("\u2212", "-")
    text = "".join(text.split())
    if not text:
        raise ValidationError(f"{field}不能为空", field=field)
    invalid = ValidationError(f"{field}{_quote(shown)}不是有效的金额", field=field)
    if text.endswith("元"):
        text = text[:-1]
    wan = text.endswith("万")
    if wan:
        if not allow_wan:
            raise ValidationError(
                f"{field}{_quote(shown)}请以元为单位填写，不接受“万”", field=field
            )
        text = text[:-1]
    sign = ""
    if text[:1] in ("+", "-"):
        sign, text = text[0], text[1:]
    match = _NUMBER.fullmatch(text)
    if not text or match is None or not (match.group(1) or match.group(2)):
        if text and "," in text and _PLAIN_NUMBER.fullmatch(text.replace(",", "")):
            raise ValidationError(f"{field}{_quote(shown)}的千分位分隔符位置不正确", field=field)
        raise invalid
    digits = (match.group(1) or "0").replace(",", "")
    number = digits + ("." + match.group(2) if match.group(2) else "")
    d = Decimal(number)
    if wan:
        with localcontext() as ctx:
            ctx.prec = len(number) + 10
            d = d.scaleb(4)
    if sign == "-":
        d = -d
    return _check_range(d, shown, field)


def _parse_float(value: float, field: str) -> Fen:
    if math.isnan(value) or math.isinf(value):
        raise ValidationError(f"{field}{_quote(value)}不是有效的金额", field=field)
    d = Decimal(repr(value))
    if abs(d) <= _MAX_YUAN:
        with localcontext() as ctx:
            ctx.prec = 60
            rounded = d.quantize(_CENT, rounding=ROUND_HALF_UP)
            if d != rounded and abs(d - rounded) <= _FLOAT_TOLERANCE:
                d = rounded  # binary floating-point noise from Excel, e.g. 105.01999999999998
    return _check_range(d, str(value), field)


def parse_amount(value: Any, *, field: str = "金额", allow_wan: bool = True) -> Fen:
    """Parse an amount in 元 (int, float, Decimal or text) into fen.

    Text may use full-width characters, thousands separators in correct groups, a trailing
    ``元``, and (when ``allow_wan``) a trailing ``万``/``万元``. Raises ``ValidationError``
    naming ``field`` for anything negative, non-numeric, finer than 1 分 or over 1万亿元.
    """
    if value is None:
        raise ValidationError(f"{field}不能为空", field=field)
    if isinstance(value, bool):
        raise ValidationError(f"{field}{_quote(value)}不是有效的金额", field=field)
    if isinstance(value, int):
        return _check_range(Decimal(value), str(value), field)
    if isinstance(value, float):
        return _parse_float(value, field)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(f"{field}{_quote(value)}不是有效的金额", field=field)
        return _check_range(value, str(value), field)
    if isinstance(value, str):
        return _parse_text(value, field, allow_wan)
    raise ValidationError(f"{field}{_quote(value)}不是有效的金额", field=field)


def parse_optional_amount(value: Any, *, field: str = "金额", allow_wan: bool = True) -> Fen | None:
    """Like :func:`parse_amount`, but ``None`` or blank text means "no amount" (``None``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_amount(value, field=field, allow_wan=allow_wan)


def format_yuan(fen: Fen, *, thousands: bool = True) -> str:
    """``150000000`` → ``"1,500,000.00"`` (or ``"1500000.00"`` without thousands)."""
    return _format_yuan(int(fen), thousands)


@lru_cache(maxsize=16384)  # explanations repeat caps and fixed amounts thousands of times a year
def _format_yuan(fen: int, thousands: bool) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    whole = f"{yuan:,}" if thousands else str(yuan)
    return f"{sign}{whole}.{cents:02d}"


def yuan_string(fen: Fen) -> str:
    """Plain yuan text with exactly two decimals and no separators, for JSON."""
    return format_yuan(fen, thousands=False)


def fen_to_decimal(fen: Fen) -> Decimal:
    """Fen → yuan as a ``Decimal`` quantized to 0.01."""
    return Decimal(int(fen)).scaleb(-2).quantize(_CENT)


def decimal_to_fen(d: Decimal) -> Fen:
    """Yuan ``Decimal`` → fen, rounded half-up to the 分."""
    with localcontext() as ctx:
        ctx.prec = 60
        return int((Decimal(d) * 100).quantize(_ONE, rounding=ROUND_HALF_UP))


def format_wan(fen: Fen) -> str:
    """Amount in 万元 with four decimals (half-up) and thousands separators."""
    with localcontext() as ctx:
        ctx.prec = 60
        wan = (Decimal(int(fen)).scaleb(-6)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return f"{wan:,.4f}"


def apply_rate(fen: Fen, rate: Decimal) -> Fen:
    """``fen × rate`` rounded half-up to the 分, in ``Decimal`` (never float)."""
    if isinstance(rate, float):
        raise TypeError("apply_rate needs a Decimal rate, not a float")
    numerator, denominator = _ratio(Decimal(rate))
    product = int(fen) * numerator
    # Exact integer arithmetic: half-up (away from zero) rounding of product / denominator.
    quotient, remainder = divmod(abs(product), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if product >= 0 else -quotient


@lru_cache(maxsize=256)
def _ratio(rate: Decimal) -> tuple[int, int]:
    """A rate as an exact fraction (Decimal("0.30") → 3/10); rates are few, so cached."""
    return rate.as_integer_ratio()


def format_rate(rate: Decimal) -> str:
    """``Decimal("0.30")`` → ``"30%"``; ``Decimal("0.125")`` → ``"12.5%"``."""
    percent = (Decimal(rate) * 100).normalize()
    return f"{percent:f}%"


def parse_rate(value: Any, *, field: str = "比例") -> Decimal:
    """Parse ``"30%"``, ``"0.3"``, ``0.3`` or ``"３０％"``; the rate must satisfy 0 < rate ≤ 1."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"{field}不能为空", field=field)
    invalid = ValidationError(
        f"{field}{_quote(value)}不是有效的比例（例如“30%”或“0.3”）", field=field
    )
    if isinstance(value, bool):
        raise invalid
    try:
        if isinstance(value, Decimal):
            rate = value
        elif isinstance(value, int):
            rate = Decimal(value)
        elif isinstance(value, float):
            rate = Decimal(repr(value))
        elif isinstance(value, str):
            text = "".join(unicodedata.normalize("NFKC", value).split())
            percent = text.endswith("%")
            if percent:
                text = text[:-1]
            if not _PLAIN_NUMBER.fullmatch(text):
                raise invalid
            rate = Decimal(text) / 100 if percent else Decimal(text)
        else:
            raise invalid
    except InvalidOperation as exc:
        raise invalid from exc
    if not rate.is_finite():
        raise invalid
    if not (0 < rate <= 1):
        raise ValidationError(
            f"{field}{_quote(value)}须大于0且不超过100%（例如“30%”或“0.3”）", field=field
        )
    return rate


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")


def _group_words(n: int) -> str:
    """Words for 1 ≤ n ≤ 9999 (no leading 零); one 零 per inner run of zeros."""
    out: list[str] = []
    pending_zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            if out:
                pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[power])
    return "".join(out)


def _integer_words(n: int) -> str:
    """Words for n ≥ 1, recursing over 亿 and 万; 零 bridges a gap below a big unit."""
    for size, unit in ((10**8, "亿"), (10**4, "万")):
        if n >= size:
            high, rest = divmod(n, size)
            words = _integer_words(high) + unit
            if rest:
                if rest < size // 10:
                    words += "零"
                words += _integer_words(rest)
            return words
    return _group_words(n)


def amount_in_words(fen: Fen) -> str:
    """人民币大写 as 《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》 writes it, without the
    leading "人民币" (a caller prints that where the words stand alone), e.g. 150000000 → 壹佰伍拾万元整.

    Where the 办法 allows two forms, one is chosen and kept everywhere:

    * 到"元"为止 → ``…元整``; after 角 no 整 (``壹拾元伍角``, the 办法 allows either); after 分 never.
    * 第（一）项, 中间有"0": a 零 is written (￥1,409.50 → 壹仟肆佰零玖元伍角).
    * 第（二）项, 中间连续几个"0": one 零 (￥6,007.14 → 陆仟零柒元壹角肆分), also across 万/亿
      (``壹仟零壹万零壹元``, ``壹仟万零壹佰元``).
    * 第（三）项, 万位 or 元位 "0" while 千位 / 角位 is not: the 办法 allows one 零 or none. Chosen:
      no 零 after 万 before a non-zero 仟 (``壹拾万柒仟``), and a 零 after 元 before a non-zero 角
      (``壹仟陆佰捌拾元零叁角贰分``) — together the 办法's own first form of ￥107,000.53,
      ``壹拾万柒仟元零伍角叁分``.
    * 第（四）项, 角位 "0" and 分位 not: ``元零X分`` (￥16,409.02 → 壹万陆仟肆佰零玖元零贰分).
    * below one 元 only 角/分 are written (``伍分``, ``壹角``); zero is ``零元整``.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ValidationError(f"金额{_quote(fen)}不是有效的金额", field="金额")
    if fen < 0:
        raise ValidationError(f"金额“{format_yuan(fen)}”不能为负数，无法转换为大写", field="金额")
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    out = _integer_words(yuan) + "元" if yuan else ""
    if cents == 0:
        return out + "整"
    if yuan and (jiao == 0 or yuan % 10 == 0):
        out += "零"  # 第（四）项: 角位 0 before a 分; 第（三）项 as chosen: 元位 0 before a 角
    if jiao:
        out += _DIGITS[jiao] + "角"
    if fen_digit:
        out += _DIGITS[fen_digit] + "分"
    return out
