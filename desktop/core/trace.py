"""What a calculation rested on, as typed records (stored as JSON with each award).

The engine builds a :class:`Trace` for every award; ``desktop.core.explain`` renders it to Chinese
in one place for the GUI, ``explain`` and reports. Every text in it is already Chinese (parameter
labels and values, check details, steps): no English key or value reaches a clerk.

Traces written by the first version of the program (a dict with ``checks``, ``steps`` and raw
``parameters``) are read too, so the explanation of an award approved back then still renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True)
class Matter:
    """The 奖补事项 as the calculation saw it."""

    id: int
    event_date: str
    rule_code: str | None
    city_document: str | None
    basis_fen: int | None
    level: str | None
    same_matter_key: str | None
    manual_amount_fen: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class ParamLine:
    label: str
    value: str


@dataclass(frozen=True)
class Check:
    """One eligibility condition and its outcome (``condition`` is its stable key)."""

    condition: str
    label: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Winner:
    """The award that a 就高不重复 loser yields to, and what it was granted."""

    application_id: int
    rule_code: str
    event_date: str
    amount_fen: int
    award_id: int | None = None  # known once stored (a decided award)
    status: str | None = None  # a decided award's status
    same_matter_key: str | None = None  # None: several rules of one matter


@dataclass(frozen=True)
class Installment:
    no: int
    of: int
    due_year: int
    after_expiry: bool
    amount_fen: int
    label: str
    start: int = 2  # the installments run from this year of the award on (2: the second year)


@dataclass
class Trace:
    matter: Matter
    rule_id: int | None = None
    rule_code: str = ""
    citation: str = ""  # 临政字〔2021〕41号三（二）, also for a version not in force (nearest)
    match: str | None = None  # how the clause was chosen when the matter named none
    parameters: list[ParamLine] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why not granted (empty: granted)
    summary: str = ""  # the arithmetic in words, with any cap it met (for the 计算说明 line)
    amount_fen: int = 0
    winner: Winner | None = None
    installment: Installment | None = None
    decision: str | None = None  # a person's decision the result keeps (status), if any

    @property
    def eligible(self) -> bool:
        return not self.reasons

    # -- JSON --------------------------------------------------------------------------------
    def encode(self) -> str:
        """The stored text: :meth:`to_json` as compact JSON, non-ASCII kept (orjson writes the
        nested records itself, in field order: a year encodes 50,000 traces)."""
        data = {k: v for k, v in self.__dict__.items() if v is not None and v != [] and v != ""}
        data["v"] = 2
        return orjson.dumps(data).decode()

    def to_json(self) -> dict[str, Any]:
        """What is stored: ``dataclasses.asdict`` of the trace without its empty top-level
        values, plus ``"v": 2`` (written out here: asdict deep-copies, and a year has 50,000)."""
        data = dict(self.__dict__)
        data["matter"] = _record(self.matter)
        data["parameters"] = [_record(p) for p in self.parameters]
        data["checks"] = [_record(c) for c in self.checks]
        data["steps"] = list(self.steps)
        data["reasons"] = list(self.reasons)
        data["winner"] = None if self.winner is None else _record(self.winner)
        data["installment"] = None if self.installment is None else _record(self.installment)
        data["v"] = 2
        return {k: v for k, v in data.items() if v is not None and v != [] and v != ""}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trace:
        if data.get("v") != 2:
            return _legacy(data)
        return cls(
            matter=Matter(**data["matter"]),
            rule_id=data.get("rule_id"),
            rule_code=data.get("rule_code", ""),
            citation=data.get("citation", ""),
            match=data.get("match"),
            parameters=[ParamLine(**p) for p in data.get("parameters", [])],
            checks=[Check(**c) for c in data.get("checks", [])],
            steps=list(data.get("steps", [])),
            reasons=list(data.get("reasons", [])),
            summary=data.get("summary", ""),
            amount_fen=int(data.get("amount_fen", 0)),
            winner=Winner(**data["winner"]) if data.get("winner") else None,
            installment=Installment(**data["installment"]) if data.get("installment") else None,
            decision=data.get("decision"),
        )


def _record(obj: Any) -> dict[str, Any]:
    """A frozen record of primitives (Matter, ParamLine, Check, Winner, Installment) as a dict, in
    field order (as ``dataclasses.asdict`` gives it, without its deep copy)."""
    return dict(obj.__dict__)


# Labels of the first version's raw parameter keys and values (read-only compatibility).
_LEGACY_LABELS = {
    "rate": "比例",
    "cap": "上限（元）",
    "cap_scope": "上限口径",
    "basis_label": "计算基数",
    "amount": "奖励金额（元）",
    "amounts": "各级别金额（元）",
    "one_time": "一次性奖励（元）",
    "yearly": "每年补贴（元）",
    "years": "补贴年数",
    "first_year_offset": "自第几年起",
    "yearly_label": "分年补贴名称",
    "reference": "依据文件",
}
_LEGACY_VALUES = {
    "per-enterprise-rule-year": "每户企业每年度按本条款累计",
    "per-application": "每个事项",
}


def _legacy_value(value: Any) -> str:
    if isinstance(value, dict):
        return "，".join(f"{k} {v}" for k, v in value.items())
    return _LEGACY_VALUES.get(str(value), "无" if value is None else str(value))


def _legacy(data: dict[str, Any]) -> Trace:
    app = data.get("application", {})
    basis = app.get("basis")
    matter = Matter(
        id=int(app.get("id", 0)),
        event_date=str(app.get("event_date", "")),
        rule_code=app.get("rule_code"),
        city_document=app.get("city_document"),
        basis_fen=None
        if basis in (None, "")
        else int(str(basis).replace(",", "").replace(".", "")),
        level=app.get("level"),
        same_matter_key=app.get("same_matter_key"),
    )
    inst = data.get("installment")
    return Trace(
        matter=matter,
        rule_id=data.get("rule_id"),
        parameters=[
            ParamLine(_LEGACY_LABELS.get(k, k), _legacy_value(v))
            for k, v in (data.get("parameters") or {}).items()
        ],
        checks=[
            Check(
                c.get("condition", ""),
                c.get("label", ""),
                bool(c.get("passed")),
                c.get("detail", ""),
            )
            for c in data.get("checks", [])
        ],
        steps=list(data.get("steps", [])),
        installment=Installment(
            int(inst["no"]),
            int(inst["of"]),
            int(inst["due_year"]),
            bool(inst["after_expiry"]),
            0,
            "分年补贴",
        )
        if inst
        else None,
    )
