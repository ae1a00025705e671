"""Rules as data: the closed vocabulary of methods and conditions, and date-versioned lookup.

A rule code (e.g. ``LZ41-2``) is stable; each policy version carries its own parameters for it.
Choosing the version in force on an event date is the catalogue's job, never an ``if`` in a
formula (compare OpenFisca's dated parameters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any

from desktop.core.errors import ValidationError
from desktop.core.money import parse_amount

METHODS: dict[str, str] = {
    "ratio": "按比例配套",
    "fixed": "定额奖励",
    "level": "按认定级别定额",
    "installments": "一次性奖励加分年补贴",
    "manual": "按相关政策人工核定",
}
CONDITIONS: dict[str, str] = {
    "on_list": "列入当年度四强企业名单",
    "above_scale": "规模以上工业企业",
    "newly_listed": "首次新列入四强统计范围",
    "first_time": "首次享受（此前未获同类奖励）",
}
LEVELS: tuple[str, ...] = ("国家级", "省级", "市级")
DEFAULT_FUND_SOURCE = "区级财政"
CAP_SCOPES: dict[str, str] = {
    "per-enterprise-rule-year": "每户企业每年度按本条款累计",
    "per-application": "每个事项",
}


@lru_cache(maxsize=8192)
def format_date_cn(value: date) -> str:
    """2025-12-31 → 2025年12月31日 (the way the documents write dates)."""
    return f"{value.year}年{value.month}月{value.day}日"


def normalize_document(text: str | None) -> str:
    """Compare 文号 loosely: NFKC, no spaces, all bracket styles alike."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return text.translate(str.maketrans("〔〕[]【】（）()", "〔〕〔〕〔〕〔〕〔〕"))


@dataclass(frozen=True)
class RuleVersion:
    """One rule as one policy version defines it."""

    rule_id: int
    code: str
    clause: str
    name: str
    method: str
    params: Mapping[str, Any]
    conditions: tuple[str, ...]
    first_time_key: str | None
    city_documents: tuple[str, ...]
    clause_text: str
    doc_number: str
    version_id: int
    valid_from: date
    valid_to: date | None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fund_source(self) -> str:
        """资金来源 the rule pays from (a parameter; 区级财政 unless it names another)."""
        return str(self.params.get("fund_source") or DEFAULT_FUND_SOURCE)

    @property
    def method_label(self) -> str:
        return METHODS.get(self.method, self.method)

    @property
    def parameters_text(self) -> str:
        return "，".join(f"{k}={v}" for k, v in self.params.items())

    @property
    def citation(self) -> str:
        """e.g. 临政字〔2021〕41号三（二）"""
        return f"{self.doc_number}{self.clause}"

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    # Typed access to the parameters, converted once per rule version (the engine calls these for
    # every application); malformed data fails naming the rule.
    @cached_property
    def _rate(self) -> Decimal:
        return _decimal(self, "rate")

    def rate(self) -> Decimal:
        return self._rate

    @cached_property
    def _cap(self) -> int | None:
        cap = self.params.get("cap")
        return None if cap in (None, "") else _fen(self, "cap")

    def cap_fen(self) -> int | None:
        return self._cap

    def cap_scope(self) -> str:
        return str(self.params.get("cap_scope") or "per-enterprise-rule-year")

    @cached_property
    def _amount(self) -> int:
        return _fen(self, "amount")

    def amount_fen(self) -> int:
        return self._amount

    @cached_property
    def _levels(self) -> dict[str, int]:
        amounts = self.params.get("amounts") or {}
        return {lvl: _fen(self, "amounts", amounts[lvl]) for lvl in LEVELS if lvl in amounts}

    def level_amounts_fen(self) -> dict[str, int]:
        return self._levels

    @cached_property
    def installment_plan(self) -> tuple[int, int, int, int]:
        """(one-time fen, yearly fen, years, first-year offset) of an ``installments`` rule."""
        return (
            _fen(self, "one_time"),
            _fen(self, "yearly"),
            int(self.params["years"]),
            int(self.params["first_year_offset"]),
        )

    def basis_label(self) -> str:
        return str(self.params.get("basis_label") or "计算基数")

    @cached_property
    def validity_text(self) -> str:
        end = format_date_cn(self.valid_to) if self.valid_to else "长期"
        return f"{self.doc_number}有效期（{format_date_cn(self.valid_from)}至{end}）"


def _decimal(rule: RuleVersion, key: str) -> Decimal:
    try:
        return Decimal(str(rule.params[key]))
    except (KeyError, InvalidOperation) as exc:
        raise ValidationError(f"条款{rule.code}的参数“{key}”缺失或无效", field=key) from exc


def _fen(rule: RuleVersion, key: str, value: Any = None) -> int:
    raw = rule.params.get(key) if value is None else value
    return parse_amount(raw, field=f"条款{rule.code}参数“{key}”", allow_wan=False)


def validate_rule(method: str, params: Mapping[str, Any], conditions: Iterable[str]) -> None:
    """Refuse parameters the engine could not apply, with a message naming the field."""
    if method not in METHODS:
        raise ValidationError(
            f"计算方法“{method}”不在允许范围内（{'、'.join(METHODS)}）", field="method"
        )
    for condition in conditions:
        if condition not in CONDITIONS:
            raise ValidationError(f"适用条件“{condition}”不在允许范围内", field="conditions")
    from desktop.core.money import parse_rate

    def amount(key: str, value: Any) -> None:
        parse_amount(value, field=key, allow_wan=False)

    if method == "ratio":
        parse_rate(params.get("rate"))
        if params.get("cap") not in (None, ""):
            amount("上限", params["cap"])
        if (params.get("cap_scope") or "per-enterprise-rule-year") not in CAP_SCOPES:
            raise ValidationError("上限口径只能是每户每年度累计或每个事项", field="cap_scope")
    elif method == "fixed":
        amount("奖励金额", params.get("amount"))
    elif method == "level":
        amounts = params.get("amounts") or {}
        if not amounts or any(k not in LEVELS for k in amounts):
            raise ValidationError(
                "按级别定额须列出国家级/省级/市级中至少一级的金额", field="amounts"
            )
        for lvl, value in amounts.items():
            amount(f"{lvl}金额", value)
    elif method == "installments":
        amount("一次性奖励", params.get("one_time"))
        amount("每年补贴", params.get("yearly"))
        for key, label in (("years", "补贴年数"), ("first_year_offset", "起始年份偏移")):
            value = params.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 20:
                raise ValidationError(f"{label}须为0到20之间的整数", field=key)
    elif method == "manual" and not str(params.get("reference") or "").strip():
        raise ValidationError("人工核定条款须写明依据文件", field="reference")


class Catalogue:
    """All rule versions, looked up by code and event date."""

    def __init__(self, versions: Iterable[RuleVersion]) -> None:
        self._by_code: dict[str, list[RuleVersion]] = {}
        for version in versions:
            self._by_code.setdefault(version.code, []).append(version)
        for items in self._by_code.values():
            items.sort(key=lambda v: v.valid_from)
        self._by_document: dict[str, list[str]] = {}
        for code, items in self._by_code.items():
            for version in items:
                for doc in version.city_documents:
                    codes = self._by_document.setdefault(normalize_document(doc), [])
                    if code not in codes:
                        codes.append(code)

    def codes(self) -> list[str]:
        return list(self._by_code)

    def known(self, code: str) -> bool:
        return code in self._by_code

    def versions(self, code: str) -> list[RuleVersion]:
        return list(self._by_code.get(code, ()))

    def latest(self, code: str) -> RuleVersion:
        return self._by_code[code][-1]

    def in_force(self, code: str, on: date) -> RuleVersion | None:
        for version in reversed(self._by_code.get(code, ())):
            if version.in_force(on):
                return version
        return None

    def gap_reason(self, code: str, on: date) -> str:
        """Why no version of ``code`` applies on ``on`` (政策尚未施行 / 已到期)."""
        versions = self._by_code.get(code, [])
        if not versions:
            return f"条款编号{code}不存在"
        first = versions[0]
        if on < first.valid_from:
            return f"政策尚未施行（{first.doc_number}自{format_date_cn(first.valid_from)}起施行）"
        last = versions[-1]
        if last.valid_to is not None and on > last.valid_to:
            return f"政策已于{format_date_cn(last.valid_to)}到期"
        return f"事项日期{format_date_cn(on)}不在该条款任何政策版本的有效期内"

    def match_document(self, document: str | None) -> list[str]:
        """Rule codes whose city document is ``document`` (e.g. 淄政办字〔2021〕7号 → LZ41-2)."""
        return list(self._by_document.get(normalize_document(document), ()))

    def max_installment_span(self) -> int:
        span = 0
        for items in self._by_code.values():
            for v in items:
                if v.method == "installments":
                    span = max(
                        span, int(v.params["first_year_offset"]) + int(v.params["years"]) - 1
                    )
        return span
