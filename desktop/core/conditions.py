"""The eligibility conditions of the closed vocabulary, one object each: its key (stored), its
Chinese label, the names a clerk writes (``四强名单|规上|首次|新列入``) and how it is judged.

``first_time`` depends on the enterprise's other awards, so the engine decides it across matters
in date order (approved awards first, whatever their date); its object only names it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop.core.errors import ValidationError
from desktop.core.trace import Check


@dataclass(frozen=True)
class Facts:
    """What the conditions read of an enterprise."""

    above_scale: bool
    list_years: frozenset[int]


@dataclass(frozen=True)
class Condition:
    key: str
    label: str
    short: str  # the name a clerk writes (CLI --condition, editor)

    def judge(self, facts: Facts, year: int) -> Check:
        raise NotImplementedError


class OnList(Condition):
    def judge(self, facts: Facts, year: int) -> Check:
        ok = year in facts.list_years
        return Check(self.key, self.label, ok, f"{'已' if ok else '未'}列入{year}年度四强企业名单")


class AboveScale(Condition):
    def judge(self, facts: Facts, year: int) -> Check:
        ok = facts.above_scale
        return Check(self.key, self.label, ok, "规模以上工业企业" if ok else "非规模以上工业企业")


class NewlyListed(Condition):
    def judge(self, facts: Facts, year: int) -> Check:
        earlier = sorted(y for y in facts.list_years if y < year)
        if year not in facts.list_years:
            return Check(self.key, self.label, False, f"未列入{year}年度四强企业名单，不属于新列入")
        if earlier:
            return Check(
                self.key,
                self.label,
                False,
                f"此前已列入{earlier[0]}年度四强企业名单，不属于首次新列入",
            )
        return Check(self.key, self.label, True, f"{year}年度首次列入四强企业名单")


class FirstTime(Condition):
    """Judged by the engine across the enterprise's matters (see module text)."""

    def judge(self, facts: Facts, year: int) -> Check:  # pragma: no cover - never called
        raise RuntimeError("first_time is judged across matters by the engine")


FIRST_TIME = "first_time"
CONDITIONS: dict[str, Condition] = {
    c.key: c
    for c in (
        OnList("on_list", "列入当年度四强企业名单", "四强名单"),
        AboveScale("above_scale", "规模以上工业企业", "规上"),
        NewlyListed("newly_listed", "首次新列入四强统计范围", "新列入"),
        FirstTime(FIRST_TIME, "首次享受（此前未获同类奖励）", "首次"),
    )
}


def parse_conditions(names: Iterable[str]) -> tuple[str, ...]:
    """Condition keys from keys, labels or short names; anything else is refused."""
    keys: list[str] = []
    for name in names:
        text = str(name).strip()
        found = next((c for c in CONDITIONS.values() if text in (c.key, c.label, c.short)), None)
        if found is None:
            offered = "、".join(c.short for c in CONDITIONS.values())
            raise ValidationError(
                f"适用条件“{text}”不在允许范围内（{offered}）", field="conditions"
            )
        if found.key not in keys:
            keys.append(found.key)
    return tuple(keys)


def labels(keys: Iterable[str]) -> str:
    """``列入当年度四强企业名单、首次享受…`` (``—`` for none)."""
    return "、".join(CONDITIONS[k].label for k in keys if k in CONDITIONS) or "—"
