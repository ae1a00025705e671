"""典型案例: a clerk's worked example — a fictional enterprise's facts, its matters and what the
policy gives them — checked against a catalogue by the engine alone (nothing stored, nothing
written). The program checks them all whenever a draft is edited or published, so a change of
rules that breaks a case the office relies on is seen before it is adopted.

Stored form (JSON, amounts in 元 with two decimals as text)::

    facts    {"above_scale": true, "list_years": [2024]}
    matters  [{"rule_code": "LZ41-2", "event_date": "2024-03-15", "basis": "3205000.00"}, …]
    expected [{"matter": 1, "year": 2024, "amount": "961500.00", "reason": "…"}, …]

``matter`` is the matter's position in ``matters`` (from 1); ``amount`` is what that matter gives
in that award year (every payment falling due in it); ``reason`` (optional) words its
explanation must contain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop.core.engine import Application, EnterpriseFacts, evaluate_enterprise
from desktop.core.money import format_yuan, parse_optional_amount, yuan_string
from desktop.core.rules import Catalogue


@dataclass(frozen=True)
class CaseMatter:
    rule_code: str | None
    event_date: date
    basis_fen: int | None = None
    level: str | None = None
    city_document: str | None = None
    same_matter_key: str | None = None
    manual_amount_fen: int | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_code": self.rule_code,
            "event_date": self.event_date.isoformat(),
            "basis": None if self.basis_fen is None else yuan_string(self.basis_fen),
            "level": self.level,
            "city_document": self.city_document,
            "same_matter_key": self.same_matter_key,
            "manual_amount": None
            if self.manual_amount_fen is None
            else yuan_string(self.manual_amount_fen),
            "description": self.description,
        }
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseMatter:
        return cls(
            data.get("rule_code") or None,
            date.fromisoformat(str(data["event_date"])),
            parse_optional_amount(data.get("basis"), field="基数金额（元）"),
            data.get("level") or None,
            data.get("city_document") or None,
            data.get("same_matter_key") or None,
            parse_optional_amount(data.get("manual_amount"), field="核定金额（元）"),
            data.get("description") or None,
        )

    @property
    def label(self) -> str:
        """``LZ41-2 2024-03-15 基数3,205,000.00元``"""
        parts = [self.rule_code or self.city_document or "", self.event_date.isoformat()]
        if self.basis_fen is not None:
            parts.append(f"基数{format_yuan(self.basis_fen)}元")
        if self.level:
            parts.append(self.level)
        if self.manual_amount_fen is not None:
            parts.append(f"核定{format_yuan(self.manual_amount_fen)}元")
        if self.same_matter_key:
            parts.append(f"同一事项{self.same_matter_key}")
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Expectation:
    matter: int  # position in the case's matters, from 1
    year: int
    amount_fen: int
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "matter": self.matter,
            "year": self.year,
            "amount": yuan_string(self.amount_fen),
        }
        if self.reason:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Expectation:
        amount = parse_optional_amount(data.get("amount"), field="应得金额（元）")
        return cls(int(data["matter"]), int(data["year"]), amount or 0, data.get("reason") or None)


@dataclass(frozen=True)
class Case:
    id: int
    name: str
    above_scale: bool
    list_years: frozenset[int]
    matters: tuple[CaseMatter, ...]
    expected: tuple[Expectation, ...]
    note: str | None = None
    source: str = "录入"

    def facts_json(self) -> dict[str, Any]:
        return {"above_scale": self.above_scale, "list_years": sorted(self.list_years)}

    @property
    def facts_text(self) -> str:
        years = "、".join(str(y) for y in sorted(self.list_years))
        listed = f"列入{years}年度四强名单" if years else "未列入四强名单"
        return f"{'规上' if self.above_scale else '非规上'}，{listed}"


@dataclass(frozen=True)
class CaseLine:
    """One expectation of a case and what the engine gives now."""

    expectation: Expectation
    matter: CaseMatter
    amount_fen: int
    explanation: str

    @property
    def holds(self) -> bool:
        if self.amount_fen != self.expectation.amount_fen:
            return False
        return not self.expectation.reason or self.expectation.reason in self.explanation

    @property
    def text(self) -> str:
        e = self.expectation
        want = f"应得 {format_yuan(e.amount_fen)} 元"
        if e.reason:
            want += f"（说明含“{e.reason}”）"
        got = f"现得 {format_yuan(self.amount_fen)} 元"
        return f"事项{e.matter}（{self.matter.label}）{e.year}年度：{want}，{got}"


@dataclass(frozen=True)
class CaseOutcome:
    case: Case
    lines: tuple[CaseLine, ...] = field(default_factory=tuple)

    @property
    def holds(self) -> bool:
        return all(line.holds for line in self.lines)

    @property
    def failures(self) -> list[CaseLine]:
        return [line for line in self.lines if not line.holds]


def check_case(case: Case, catalogue: Catalogue) -> CaseOutcome:
    """What ``catalogue`` gives the case's matters now, against what the case expects."""
    apps = [
        Application(
            i,
            0,
            m.rule_code,
            m.event_date,
            m.basis_fen,
            m.level,
            m.city_document,
            m.same_matter_key,
            m.manual_amount_fen,
            m.description,
            order_key=f"{i:04d}",
        )
        for i, m in enumerate(case.matters, start=1)
    ]
    results = evaluate_enterprise(
        apps, EnterpriseFacts(0, case.above_scale, case.list_years), catalogue
    )
    lines = []
    for e in case.expected:
        mine = [r for r in results if r.application_id == e.matter and r.year == e.year]
        matter = case.matters[e.matter - 1]
        text = "；".join(r.explanation for r in mine) or f"{e.year}年度无核定结果"
        lines.append(CaseLine(e, matter, sum(r.amount_fen for r in mine), text))
    return CaseOutcome(case, tuple(lines))
