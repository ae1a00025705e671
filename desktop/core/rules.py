"""Rules as data, looked up by code and date.

A rule code (e.g. ``LZ41-2``) is stable; each policy version carries its own parameters for it.
Choosing the version in force on an event date is the catalogue's job, never an ``if`` in a
formula (compare OpenFisca's dated parameters). What a rule computes is its method's business
(``desktop.core.methods``): a :class:`RuleVersion` holds the stored parameters and hands out the
method's typed view of them, parsed once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from desktop.core.conditions import CONDITIONS, FIRST_TIME, parse_conditions
from desktop.core.methods import LEVELS, METHODS, MatterNeeds, Method, Payment, method
from desktop.core.methods.installments import Installments
from desktop.core.trace import ParamLine

__all__ = [
    "CONDITIONS",
    "LEVELS",
    "METHODS",
    "Catalogue",
    "RuleVersion",
    "format_date_cn",
    "normalize_document",
    "parse_rule",
]


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


def parse_rule(
    method_key: str, params: Mapping[str, Any], conditions: Iterable[str], code: str = ""
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Validate a rule's method, parameters and conditions as a clerk wrote them; returns the
    canonical stored parameters and condition keys. Refuses with a message naming the field."""
    found = method(method_key)
    typed = found.parse(params, code)
    return found.canonical(typed), parse_conditions(conditions)


@dataclass(frozen=True)
class RuleVersion:
    """One rule as one policy version defines it (``params``: the stored canonical form)."""

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

    # -- the method and its typed parameters (parsed once per version) --------------------------
    @property
    def method_obj(self) -> Method[Any]:
        return method(self.method)

    @cached_property
    def parameters(self) -> Any:
        """The method's typed parameters; malformed stored data fails naming the rule."""
        return self.method_obj.parse(self.params, self.code)

    @property
    def method_label(self) -> str:
        return self.method_obj.label

    def describe(self) -> list[ParamLine]:
        return self.method_obj.describe(self.parameters)

    @property
    def parameters_text(self) -> str:
        return "；".join(f"{p.label} {p.value}" for p in self.describe())

    @property
    def summary(self) -> str:
        return self.method_obj.summary(self.parameters)

    def needs(self) -> MatterNeeds:
        return self.method_obj.needs(self.parameters)

    def cap_fen(self) -> int | None:
        return self.method_obj.cap_fen(self.parameters)

    def schedule(self, year: int, first_fen: int) -> list[Payment]:
        return self.method_obj.schedule(self.parameters, year, first_fen)

    def total_fen(self, first_fen: int) -> int:
        return self.method_obj.total_fen(self.parameters, first_fen)

    @property
    def fund_source(self) -> str:
        """资金来源 the rule pays from (a parameter; 区级财政 unless it names another)."""
        return self.method_obj.fund_source(self.parameters)

    @property
    def first_time(self) -> bool:
        return FIRST_TIME in self.conditions

    @property
    def first_key(self) -> str:
        """What "the first time" is counted under (several rules may share one key)."""
        return self.first_time_key or self.code

    # -- the document ---------------------------------------------------------------------------
    @property
    def citation(self) -> str:
        """e.g. 临政字〔2021〕41号三（二）"""
        return f"{self.doc_number}{self.clause}"

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @cached_property
    def validity_text(self) -> str:
        end = format_date_cn(self.valid_to) if self.valid_to else "长期"
        return f"{self.doc_number}有效期（{format_date_cn(self.valid_from)}至{end}）"


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

    def all_versions(self) -> list[RuleVersion]:
        return [v for items in self._by_code.values() for v in items]

    def latest(self, code: str) -> RuleVersion:
        return self._by_code[code][-1]

    def in_force(self, code: str, on: date) -> RuleVersion | None:
        for version in reversed(self._by_code.get(code, ())):
            if version.in_force(on):
                return version
        return None

    def nearest(self, code: str, on: date) -> RuleVersion | None:
        """The version in force on ``on``, else the one whose validity is closest to it (what a
        "not in force" explanation cites)."""
        versions = self._by_code.get(code, [])
        if not versions:
            return None
        found = self.in_force(code, on)
        if found is not None:
            return found
        before = [v for v in versions if v.valid_from <= on]
        return before[-1] if before else versions[0]

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
        """How many years after its award year an award can still fall due."""
        span = 0
        for items in self._by_code.values():
            for v in items:
                found = v.method_obj
                if isinstance(found, Installments):
                    span = max(span, found.span(v.parameters))
        return span

    def codes_where(self, predicate: Any) -> set[str]:
        """Codes with at least one version for which ``predicate(version)`` holds."""
        return {code for code, items in self._by_code.items() if any(predicate(v) for v in items)}
