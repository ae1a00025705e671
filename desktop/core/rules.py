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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import Any

from desktop.core.conditions import CONDITIONS, FIRST_TIME, parse_conditions
from desktop.core.methods import LEVELS, METHODS, MatterNeeds, Method, Payment, method
from desktop.core.methods.installments import Installments
from desktop.core.trace import ParamLine

__all__ = [
    "CONDITIONS",
    "DRAFT_VERSION",
    "PUBLISHED_VERSION",
    "LEVELS",
    "METHODS",
    "Catalogue",
    "RuleVersion",
    "VersionSpan",
    "format_date_cn",
    "normalize_document",
    "parse_rule",
]


# A policy version's status: a draft (草拟) is edited freely and ignored by the calculation (试算
# uses it); a published one (已发布) is in force over its dates and edited only through a new draft.
DRAFT_VERSION = "草拟"
PUBLISHED_VERSION = "已发布"


@lru_cache(maxsize=8192)
def format_date_cn(value: date) -> str:
    """2025-12-31 → 2025年12月31日 (the way the documents write dates)."""
    return f"{value.year}年{value.month}月{value.day}日"


_BRACKETS = str.maketrans("〔〕[]【】（）()", "〔〕〔〕〔〕〔〕〔〕")


@lru_cache(maxsize=4096)
def normalize_document(text: str | None) -> str:
    """Compare 文号 loosely: NFKC, no spaces, all bracket styles alike."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return text.translate(_BRACKETS)


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
    policy_id: int = 0  # the policy the version belongs to (versions descended by draft/copy)

    # -- the method and its typed parameters (parsed once per version) --------------------------
    @cached_property
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
        return list(self._described)

    @cached_property
    def _described(self) -> tuple[ParamLine, ...]:
        return tuple(self.method_obj.describe(self.parameters))

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


@dataclass(frozen=True)
class VersionSpan:
    """One policy version as explanations mention it: its 文号, dates and rule codes."""

    version_id: int
    policy_id: int
    doc_number: str
    valid_from: date
    valid_to: date | None
    codes: frozenset[str]

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def _outside(version: RuleVersion, start: date, end: date | None) -> list[RuleVersion]:
    """The parts of ``version``'s validity outside ``start``..``end`` (cut around a draft)."""
    parts: list[RuleVersion] = []
    if version.valid_from < start:
        before = start - timedelta(days=1)
        until = before if version.valid_to is None else min(version.valid_to, before)
        parts.append(replace(version, valid_to=until))
    if end is not None and (version.valid_to is None or version.valid_to > end):
        after = max(version.valid_from, end + timedelta(days=1))
        parts.append(replace(version, valid_from=after))
    return parts


def _policy_spans(versions: Iterable[RuleVersion]) -> dict[int, list[VersionSpan]]:
    """Each policy's versions (a version cut around a draft counts once per part), by start."""
    parts: dict[tuple[int, int, date, date | None], set[str]] = {}
    docs: dict[int, str] = {}
    for v in versions:
        parts.setdefault((v.policy_id, v.version_id, v.valid_from, v.valid_to), set()).add(v.code)
        docs[v.version_id] = v.doc_number
    spans: dict[int, list[VersionSpan]] = {}
    for (policy_id, version_id, start, end), codes in parts.items():
        spans.setdefault(policy_id, []).append(
            VersionSpan(version_id, policy_id, docs[version_id], start, end, frozenset(codes))
        )
    for items in spans.values():
        items.sort(key=lambda sp: sp.valid_from)
    return spans


class Catalogue:
    """All rule versions, looked up by code and event date.

    ``drafts``: the versions not yet published; the calculation ignores them, the explanations
    name them (a matter under a clause only a draft has, a matter after the policy's end)."""

    def __init__(self, versions: Iterable[RuleVersion], drafts: Iterable[VersionSpan] = ()) -> None:
        self.drafts = tuple(drafts)
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
        self._spans = _policy_spans(self.all_versions())

    def with_version(
        self,
        rules: Iterable[RuleVersion],
        policy_id: int,
        valid_from: date,
        valid_to: date | None,
    ) -> Catalogue:
        """This catalogue with another version of policy ``policy_id`` in force from
        ``valid_from`` to ``valid_to`` (a draft for 试算): within those dates it replaces the
        versions of the same policy, whose validity is cut around it; outside them they apply."""
        kept: list[RuleVersion] = []
        for version in self.all_versions():
            if version.policy_id == policy_id:
                kept.extend(_outside(version, valid_from, valid_to))
            else:
                kept.append(version)
        return Catalogue([*kept, *rules], self.drafts)

    def draft_with(self, code: str) -> VersionSpan | None:
        """The draft that has ``code`` when no published version does (None otherwise)."""
        if code in self._by_code:
            return None
        return next((d for d in self.drafts if code in d.codes), None)

    def unknown_reason(self, code: str) -> str:
        """Why a code the catalogue lacks gives nothing."""
        draft = self.draft_with(code)
        if draft is not None:
            return f"条款{code}仅见于草拟中的政策版本{draft.doc_number}，该版本发布后方可计算"
        return f"条款编号{code}不存在"

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
        """Why no version of ``code`` applies on ``on``: 政策尚未施行; the clause is not in the
        version then in force (retired); or the policy has expired — naming the version that
        would be needed (and a draft of it, if one is being prepared)."""
        versions = self._by_code.get(code, [])
        if not versions:
            return self.unknown_reason(code)
        first = versions[0]
        if on < first.valid_from:
            return f"政策尚未施行（{first.doc_number}自{format_date_cn(first.valid_from)}起施行）"
        spans = self._spans.get(first.policy_id, [])
        current = next((sp for sp in reversed(spans) if sp.covers(on)), None)
        if current is not None:
            return (
                f"条款{code}未列入{current.doc_number}（自{format_date_cn(current.valid_from)}"
                "起施行），该条款已不再执行"
            )
        ends = [sp.valid_to for sp in spans]
        last_end = None if any(e is None for e in ends) else max(e for e in ends if e)
        if last_end is not None and on > last_end:
            successor = format_date_cn(last_end + timedelta(days=1))
            text = (
                f"政策已于{format_date_cn(last_end)}到期，"
                f"需录入继任政策（自{successor}起）的版本后计算"
            )
            draft = next(
                (d for d in self.drafts if d.policy_id == first.policy_id and d.covers(on)), None
            )
            if draft is not None:
                text += f"（继任政策{draft.doc_number}尚在草拟，发布后方可计算）"
            return text
        return f"事项日期{format_date_cn(on)}不在该条款任何政策版本的有效期内"

    def match_document(self, document: str | None) -> list[str]:
        """Rule codes whose city document is ``document`` (e.g. 淄政办字〔2021〕7号 → LZ41-2)."""
        return list(self._by_document.get(normalize_document(document), ()))

    def max_installment_span(self) -> int:
        """How many years after its award year an award can still fall due."""
        return self._span

    @cached_property
    def _span(self) -> int:
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

    @cached_property
    def installment_codes(self) -> frozenset[str]:
        """Codes with a version paid in installments."""
        return frozenset(self.codes_where(lambda v: isinstance(v.method_obj, Installments)))

    @cached_property
    def first_keys(self) -> Mapping[str, frozenset[str]]:
        """Rule code → the first-time keys its versions count under (codes without one absent)."""
        out: dict[str, set[str]] = {}
        for version in self.all_versions():
            if version.first_time:
                out.setdefault(version.code, set()).add(version.first_key)
        return {code: frozenset(keys) for code, keys in out.items()}
