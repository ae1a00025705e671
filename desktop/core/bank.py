"""Bank details of a payee: what a payment needs and how an account number is checked."""

from __future__ import annotations

import re
import unicodedata

from desktop.core.errors import ValidationError

MIN_DIGITS, MAX_DIGITS = 8, 32
_SEPARATORS = re.compile(r"[\s\-]")


def normalize_account(text: str | None) -> str:
    """An account number as written (full-width digits, spaces and dashes allowed) → digits."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))


def validate_bank_account(text: str | None, *, field: str = "银行账号") -> str:
    """The account's digits; ``ValidationError`` when it is empty, not all digits or of a length
    no Chinese bank account has (8–32 digits)."""
    account = normalize_account(text)
    if not account:
        raise ValidationError(f"{field}为空", field=field)
    if not account.isdigit():
        raise ValidationError(f"{field}“{text}”含有数字以外的字符", field=field)
    if not MIN_DIGITS <= len(account) <= MAX_DIGITS:
        raise ValidationError(
            f"{field}“{text}”为{len(account)}位，应为{MIN_DIGITS}至{MAX_DIGITS}位数字", field=field
        )
    return account


def bank_details_problem(bank_name: str | None, account: str | None) -> str | None:
    """Why a payee's bank details cannot be used for a payment (None: they can)."""
    if not (bank_name or "").strip() or not (account or "").strip():
        return "缺少银行账户"
    try:
        validate_bank_account(account)
    except ValidationError as exc:
        return f"缺少银行账户（{exc}）"
    return None
