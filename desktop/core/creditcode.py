"""统一社会信用代码 (GB 32100-2015) with its embedded 组织机构代码 (GB 11714-1997).

Layout of the 18 characters: 1 登记管理部门码, 2 机构类别码, 3–8 行政区划码,
9–17 主体标识码（组织机构代码: 8-character body + its own check character), 18 校验码.
"""

from __future__ import annotations

import random
import re
import unicodedata

from desktop.core.errors import ValidationError

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015 (no I, O, Z, S, V); a character's value is its index."""

USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""Weights of positions 1–17 (3**(i-1) mod 31)."""

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714 weights of the 8-character organisation-code body."""

_FORBIDDEN = "IOZSV"
_VALUES = {ch: i for i, ch in enumerate(CHARSET)}
# Registration/kind pairs seen in practice (enterprise, individual business, cooperative…).
_KINDS = (("9", "1"), ("9", "2"), ("9", "3"), ("1", "1"), ("5", "1"), ("5", "2"), ("5", "3"))


def _org_value(ch: str) -> int:
    """GB 11714 value: digits as themselves, letters A=10 … Z=35."""
    if "0" <= ch <= "9":
        return ord(ch) - ord("0")
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise ValueError(f"not an organisation-code character: {ch!r}")


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body ('0'–'9' or 'X')."""
    if len(body8) != 8:
        raise ValueError(f"organisation-code body must have 8 characters: {body8!r}")
    total = sum(_org_value(ch) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    if c == 10:
        return "X"
    if c == 11:
        return "0"
    return str(c)


def _uscc_sum(first17: str) -> int:
    if len(first17) != 17 or any(ch not in _VALUES for ch in first17):
        raise ValueError(f"need 17 GB 32100 characters: {first17!r}")
    return sum(_VALUES[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character (18th) for the first 17 characters."""
    return CHARSET[(31 - _uscc_sum(first17) % 31) % 31]


def normalize_credit_code(code: str) -> str:
    """NFKC (full-width → half-width) and strip surrounding whitespace; no validation."""
    return unicodedata.normalize("NFKC", code or "").strip()


# A well-formed code: 2 characters of the set, 6 digits of 行政区划码, 10 of the set.
_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_ORG_VALUES = {ch: _org_value(ch) for ch in CHARSET}


def _checks_hold(text: str) -> bool:
    """Both check characters of a well-formed code (the fast path of an import's 10,000 rows)."""
    org = 11 - sum(_ORG_VALUES[ch] * w for ch, w in zip(text[8:16], ORG_WEIGHTS, strict=True)) % 11
    if text[16] != ("X" if org == 10 else "0" if org == 11 else str(org)):
        return False
    total = sum(_VALUES[ch] * w for ch, w in zip(text[:17], USCC_WEIGHTS, strict=True))
    return text[17] == CHARSET[(31 - total % 31) % 31]


def validate_credit_code(code: str, *, field: str = "统一社会信用代码") -> str:
    """Return the normalized code, or raise ``ValidationError(field=field)`` saying what is wrong.

    Checks, in order: empty, length, lower case, I/O/Z/S/V, other characters, digits in
    positions 3–8, the organisation-code check (17th), the GB 32100 check (18th).
    """
    text = normalize_credit_code(code)
    if _SHAPE.fullmatch(text) and _checks_hold(text):
        return text
    return _step_by_step(text, field)


def _step_by_step(text: str, field: str) -> str:
    """Every check in turn, raising at the first that fails with what is wrong (the fast path
    has already accepted any code that passes them all)."""
    if not text:
        raise ValidationError(f"{field}不能为空", field=field)
    if len(text) != 18:
        raise ValidationError(f"{field}应为18位，实际为{len(text)}位", field=field)
    for ch in text:
        if "a" <= ch <= "z":
            raise ValidationError(f"{field}含小写字母“{ch}”，字母须大写", field=field)
    for pos, ch in enumerate(text, start=1):
        if ch in _FORBIDDEN:
            raise ValidationError(
                f"{field}第{pos}位“{ch}”不是允许的字符（不使用I、O、Z、S、V）", field=field
            )
    for pos, ch in enumerate(text, start=1):
        if ch not in _VALUES:
            raise ValidationError(
                f"{field}第{pos}位“{ch}”不是允许的字符（只能是数字和大写字母）", field=field
            )
    region = text[2:8]
    if not region.isdigit():
        raise ValidationError(f"{field}第3—8位行政区划码须为数字，实际为“{region}”", field=field)
    org_expected = org_code_check_char(text[8:16])
    if text[16] != org_expected:
        raise ValidationError(
            f"{field}第17位（组织机构代码校验位）错误：应为“{org_expected}”，实际为“{text[16]}”",
            field=field,
        )
    expected = uscc_check_char(text[:17])
    if text[17] != expected:
        raise ValidationError(
            f"{field}第18位校验位错误：按GB 32100-2015应为“{expected}”，实际为“{text[17]}”",
            field=field,
        )
    return text


def explain_check(code: str) -> str:
    """One Chinese paragraph showing how the 18th character of ``code`` is computed."""
    text = normalize_credit_code(code)
    rule = (
        "第18位校验码按GB 32100-2015计算：前17位每位字符取其代码值"
        "（0—9为本身，A=10、B=11……Y=30，不使用I、O、Z、S、V），"
        "乘以对应权数（1、3、9、27、19、26、16、17、20、29、25、13、8、24、10、30、28）后求和，"
        "校验码代码值 = 31 − 和 mod 31（结果为31时取0）"
    )
    first17 = text[:17]
    if len(first17) != 17 or any(ch not in _VALUES for ch in first17):
        return rule + "。当前代码不足17位有效字符，无法计算。"
    total = _uscc_sum(first17)
    value = (31 - total % 31) % 31
    terms = "+".join(f"{_VALUES[ch]}×{w}" for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    actual = text[17] if len(text) >= 18 else "（缺）"
    verdict = "一致" if actual == CHARSET[value] else "不一致"
    return (
        f"{rule}。本代码：{terms} = {total}，{total} mod 31 = {total % 31}，"
        f"校验码代码值为{value}，即“{CHARSET[value]}”；实际第18位为“{actual}”，{verdict}。"
    )


def make_credit_code(
    registration: str = "9",
    kind: str = "1",
    region: str = "370305",
    org_body: str = "MA3C4HB1",
) -> str:
    """Build a valid code from its parts, computing both check characters."""
    if len(registration) != 1 or registration not in _VALUES:
        raise ValueError(f"bad registration code: {registration!r}")
    if len(kind) != 1 or kind not in _VALUES:
        raise ValueError(f"bad kind code: {kind!r}")
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"bad region code: {region!r}")
    if len(org_body) != 8 or any(ch not in _VALUES for ch in org_body):
        raise ValueError(f"bad organisation-code body: {org_body!r}")
    first17 = registration + kind + region + org_body + org_code_check_char(org_body)
    return first17 + uscc_check_char(first17)


def random_credit_code(rng: random.Random, region: str = "370305") -> str:
    """A valid code with a random registration kind and a random digit/letter org body."""
    registration, kind = rng.choice(_KINDS)
    body = "".join(rng.choice(CHARSET) for _ in range(8))
    return make_credit_code(registration, kind, region, body)
