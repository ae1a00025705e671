"""What every calculation method provides. One module per method (ratio, fixed, level,
installments, manual) owns its typed parameters, its amount, its schedule, its description and
the matter fields its forms need; everything else in the program asks the method.

Adding a method = one module beside these and its entry in ``desktop.core.methods.METHODS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar

from desktop.core.errors import ValidationError
from desktop.core.params import (
    OPTIONAL_TEXT,
    ParamSpec,
    canonical_value,
    display_value,
    edit_text,
    find_spec,
    parse_value,
)
from desktop.core.trace import ParamLine

DEFAULT_FUND_SOURCE = "区级财政"
FUND_SOURCE = ParamSpec(
    "fund_source", "资金来源", OPTIONAL_TEXT, hint="留空为区级财政", default=None
)


@dataclass(frozen=True)
class MatterInput:
    """What a method reads of one 奖补事项."""

    event_date: date
    basis_fen: int | None = None
    level: str | None = None
    manual_amount_fen: int | None = None
    description: str | None = None
    city_document: str | None = None


@dataclass(frozen=True)
class MatterNeeds:
    """Which matter fields a form or an import row must show for this method."""

    basis_label: str | None = None  # a 基数 is needed, under this name
    levels: tuple[str, ...] = ()  # a 认定级别 among these is needed
    manual_amount: bool = False  # a 核定金额 and its reason are needed


@dataclass
class Computed:
    """One matter under one rule, on its own (before caps across matters and first-time keys)."""

    amount_fen: int = 0
    reasons: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    summary: str = ""  # the arithmetic in words, for the one-line 计算说明


@dataclass(frozen=True)
class Payment:
    """One payment of an award: installment 0 in the award year, then any later ones."""

    no: int
    year: int
    amount_fen: int
    label: str


P = TypeVar("P")


class Method(Generic[P]):
    key: ClassVar[str]
    label: ClassVar[str]
    specs: ClassVar[tuple[ParamSpec, ...]]

    # -- parameters --------------------------------------------------------------------------
    def all_specs(self) -> tuple[ParamSpec, ...]:
        return (*self.specs, FUND_SOURCE)

    def parse(self, raw: Mapping[str, Any], code: str = "") -> P:
        """Typed parameters from stored or clerk-written values; unknown keys are refused."""
        flat = _flatten(raw)
        specs = self.all_specs()
        known = {s.key for s in specs}
        unknown = [k for k in flat if k not in known]
        if unknown:
            where = f"条款{code}" if code else "本条款"
            raise ValidationError(
                f"{where}（{self.label}）没有参数“{'、'.join(unknown)}”；可设参数："
                + "、".join(s.label for s in specs),
                field=unknown[0],
            )
        values = {s.key: parse_value(s, flat.get(s.key), code) for s in specs}
        return self.build(values, code)

    def build(self, values: dict[str, Any], code: str) -> P:
        raise NotImplementedError

    def values(self, params: P) -> dict[str, Any]:
        """Typed values by parameter key (the inverse of :meth:`build`)."""
        raise NotImplementedError

    def with_changes(
        self, stored: Mapping[str, Any], changes: Mapping[str, Any], code: str = ""
    ) -> dict[str, Any]:
        """The canonical parameters after a clerk's changes (``{"比例": "25%", "cap": "150万"}``:
        by key or Chinese label, values as written); refused at once if anything is invalid."""
        flat = _flatten(stored)
        specs = self.all_specs()
        for name, value in _flatten(changes).items():
            spec = find_spec(specs, name)
            if spec is None:
                where = f"条款{code}" if code else "本条款"
                raise ValidationError(
                    f"{where}（{self.label}）没有参数“{name}”；可设参数："
                    + "、".join(f"{s.label}（{s.key}）" for s in specs),
                    field=str(name),
                )
            flat[spec.key] = value
        return self.canonical(self.parse(flat, code))

    def edit_texts(self, params: P) -> dict[str, str]:
        """What an editor field shows for each parameter (text that parses back to the value)."""
        values = self.values(params)
        return {s.key: edit_text(s, values.get(s.key)) for s in self.all_specs()}

    def canonical(self, params: P) -> dict[str, Any]:
        """The stored JSON form: one canonical text per value, absent values left out."""
        flat = {
            s.key: canonical_value(s, v)
            for s in self.all_specs()
            if (v := self.values(params).get(s.key)) is not None
        }
        return _nest(flat)

    def describe(self, params: P) -> list[ParamLine]:
        """Every parameter with its Chinese label and value, for the trace, GUI and reports."""
        values = self.values(params)
        return [
            ParamLine(s.label, display_value(s, values.get(s.key)))
            for s in self.all_specs()
            if values.get(s.key) is not None or s.none_text
        ]

    def fund_source(self, params: P) -> str:
        return str(self.values(params).get("fund_source") or DEFAULT_FUND_SOURCE)

    # -- a matter --------------------------------------------------------------------------------
    def needs(self, params: P) -> MatterNeeds:
        return MatterNeeds()

    def check_matter(self, params: P, matter: MatterInput, code: str) -> None:
        """Refuse a matter row this method cannot be applied to (rules.md "Bad rows")."""

    def compute(self, params: P, matter: MatterInput, rule_name: str) -> Computed:
        raise NotImplementedError

    def cap_fen(self, params: P) -> int | None:
        """The cap across an enterprise's matters of one award year (None: no such cap)."""
        return None

    def schedule(self, params: P, year: int, first_fen: int) -> list[Payment]:
        """Every payment the award gives rise to: by default one, in the award year."""
        return [Payment(0, year, first_fen, "")]

    def total_fen(self, params: P, first_fen: int) -> int:
        """What the award is worth in all (就高不重复 compares this)."""
        return sum(p.amount_fen for p in self.schedule(params, 2000, first_fen))

    def summary(self, params: P) -> str:
        """The rule in a few words, e.g. ``市级资金×30%，上限1,500,000.00元``."""
        return "；".join(f"{p.label} {p.value}" for p in self.describe(params))


def _flatten(raw: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                flat[f"{key}.{sub}"] = inner
        else:
            flat[key] = value
    return flat


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        head, dot, sub = key.partition(".")
        if dot:
            out.setdefault(head, {})[sub] = value
        else:
            out[key] = value
    return out
