"""Turning what a clerk typed (in a form or a workbook cell) into typed values, or a Chinese error.

Shared by the import service and the forms, so a value is accepted or refused the same way
everywhere.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from desktop.core.errors import ValidationError
from desktop.core.text import unsafe_character

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 200


def clean_text(value: Any) -> str:
    """Cell → trimmed text ('' for empty); numbers written without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def text_field(
    value: Any,
    field: str,
    *,
    required: bool = False,
    max_length: int = MAX_TEXT,
    single_line: bool = False,
) -> str | None:
    """A free-text field: trimmed, NFKC-normalised spaces, bounded length; no control, bidi or
    zero-width characters (``desktop.core.text``), and with ``single_line`` (names) no line
    breaks either. The refusal names the field."""
    text = clean_text(value)
    text = text.replace("\u3000", " ").strip()
    if _CONTROL.search(text):
        raise ValidationError(f"{field}含有不可见的控制字符", field=field)
    bad = unsafe_character(text, single_line=single_line)
    if bad:
        raise ValidationError(f"{field}含有{bad}，请删除后重新输入", field=field)
    if not text:
        if required:
            raise ValidationError(f"{field}不能为空", field=field)
        return None
    if len(text) > max_length:
        raise ValidationError(f"{field}过长（{len(text)}个字，最多{max_length}个字）", field=field)
    return text


def parse_date(value: Any, *, field: str = "日期") -> date:
    """Excel date, datetime, or text 2024-03-15 / 2024/3/15 / 2024年3月15日 (years 2000–2100)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"{field}不能为空", field=field)
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or not 1 <= value < 2958466:
            raise ValidationError(f"{field}“{value}”不是有效日期", field=field)
        result = (datetime(1899, 12, 30) + timedelta(days=float(value))).date()
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
        text = text.split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", text) else text
        text = re.sub(r"\s+00:00(:00)?$", "", text)
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    result = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    raise ValidationError(f"{field}“{value}”不是有效日期", field=field) from None
                break
        else:
            raise ValidationError(
                f"{field}“{value}”无法识别，请写成2024-03-15、2024/3/15或2024年3月15日", field=field
            )
    if not 2000 <= result.year <= 2100:
        raise ValidationError(
            f"{field}“{result.isoformat()}”超出合理范围（2000—2100年）", field=field
        )
    return result


_YES = {"是", "y", "yes", "1", "true", "规上", "√", "✓"}
_NO = {"否", "n", "no", "0", "false", "规下", ""}


def parse_yes_no(value: Any, *, field: str) -> bool:
    text = unicodedata.normalize("NFKC", clean_text(value)).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationError(f"{field}只能填“是”或“否”，实际为“{clean_text(value)}”", field=field)


def parse_choice(
    value: Any, choices: tuple[str, ...] | list[str], *, field: str, required: bool
) -> str | None:
    text = clean_text(value)
    text = unicodedata.normalize("NFKC", text).replace(" ", "") if text else text
    if not text:
        if required:
            raise ValidationError(f"{field}不能为空", field=field)
        return None
    aliases = {
        "新医药": "医药健康",
        "大数据": "电子信息",
        "国家": "国家级",
        "省": "省级",
        "市": "市级",
    }
    text = aliases.get(text, text)
    if text not in choices:
        raise ValidationError(
            f"{field}“{clean_text(value)}”不在可选范围内（{'、'.join(choices)}）", field=field
        )
    return text


def normalize_header(text: Any) -> str:
    """Header cell → comparable key: trimmed, NFKC (full-width brackets become half-width), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", clean_text(text)))


_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[Ee]\+\d{1,3}")  # Excel: 9.13703E+17


def credit_code_text(value: Any, *, field: str = "统一社会信用代码") -> str:
    """The credit code cell as text; a code the spreadsheet turned into a number is refused.

    An 18-digit code stored as a number keeps only 15 significant digits (shown as 9.13703E+17):
    the lost digits cannot be recovered, so the clerk is told to format the column as text.
    """
    shown = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown = f"{value:.0f}" if isinstance(value, float) and math.isfinite(value) else str(value)
    elif isinstance(value, str) and _SCIENTIFIC.fullmatch(value.strip()):
        shown = value.strip()
    if shown is not None:
        raise ValidationError(
            f"{field}“{shown}”存成了数字：该列被表格存为数字格式，18位代码的末几位已丢失、无法恢复。"
            f"请将{field}列设置为“文本”格式，重新填写或粘贴代码后再导入",
            field=field,
        )
    return clean_text(value)


_WAN_PLAIN = re.compile(r"[+]?(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?")
_WAN_NOISE = 10**-10  # float noise tolerated, as for amounts in 元 (1e-6 元 = 1e-10 万元)


def _wan_decimal(value: Any) -> Any:
    """A non-negative plain number as ``Decimal``, or None (hand the cell on unchanged)."""
    from decimal import Decimal, InvalidOperation

    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            return None
        amount = Decimal(repr(value))
        rounded = amount.quantize(Decimal("0.000001"))
        if amount != rounded and abs(amount - rounded) <= Decimal(repr(_WAN_NOISE)):
            return rounded
        return amount
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
        return amount if amount.is_finite() and amount >= 0 else None
    text = "".join(unicodedata.normalize("NFKC", str(value)).replace("，", ",").split())
    match = _WAN_PLAIN.fullmatch(text)
    if not text or match is None or not (match.group(1) or match.group(2)):
        return None
    try:
        return Decimal(text.replace(",", "").lstrip("+"))
    except InvalidOperation:
        return None


def wan_to_yuan(value: Any, *, field: str) -> Any:
    """A cell of a column in 万元 → the same amount in 元 (exact ``Decimal``), for the 元 parser.

    Plain numbers are multiplied by 10,000; more than six decimals (finer than 1 分) are refused.
    A cell that carries its own unit (``320.5万元``, ``3,205,000元``), a blank, a negative or
    anything non-numeric is handed on unchanged for the amount parser to accept or refuse.
    """
    from decimal import Decimal, InvalidOperation

    amount = _wan_decimal(value)
    if amount is None:
        return value
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        raise ValidationError(
            f"{field}“{clean_text(value)}”超过六位小数：以万元为单位最多六位小数（即精确到分）",
            field=field,
        )
    yuan = amount.scaleb(4)
    try:
        return yuan.quantize(Decimal("0.01"))  # exact: at most six decimals in 万元
    except InvalidOperation:  # too large to print with 分: the amount parser refuses it
        return yuan


# -- writing cells -----------------------------------------------------------------------------
def safe_cell(cell: Any, value: Any) -> Any:
    """Put ``value`` into an openpyxl cell (also a write-only ``WriteOnlyCell``): text always
    stays text — a name starting with ``=`` is never a formula. Every workbook writer uses this
    (reports, the change-log export, and whatever writes a workbook later)."""
    cell.value = value
    if isinstance(value, str) and cell.data_type != "s":
        cell.data_type = "s"
    return cell


def write_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """``ws.cell(row, column, value)``, formula-safe (see :func:`safe_cell`)."""
    return safe_cell(ws.cell(row=row, column=column), value)


def text_row(ws: Any, values: Any) -> list[Any]:
    """A row for a write-only sheet's ``append``: each value in a formula-safe cell."""
    from openpyxl.cell import WriteOnlyCell

    return [safe_cell(WriteOnlyCell(ws), v) for v in values]
