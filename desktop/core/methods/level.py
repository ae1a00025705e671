"""``level``: an amount per recognition level (国家级/省级/市级); a level the rule lacks is not
eligible."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.core.errors import ValidationError
from desktop.core.methods.base import Computed, MatterInput, MatterNeeds, Method
from desktop.core.money import format_yuan
from desktop.core.params import OPTIONAL_AMOUNT, ParamSpec

LEVELS: tuple[str, ...] = ("国家级", "省级", "市级")


@dataclass(frozen=True)
class LevelParams:
    amounts: tuple[tuple[str, int], ...]  # (level, 分) in LEVELS order, only levels offered
    fund_source: str | None = None

    def amount_of(self, level: str) -> int | None:
        return dict(self.amounts).get(level)

    @property
    def offered(self) -> tuple[str, ...]:
        return tuple(lvl for lvl, _ in self.amounts)


class Level(Method[LevelParams]):
    key = "level"
    label = "按认定级别定额"
    specs = tuple(
        ParamSpec(f"amounts.{lvl}", f"{lvl}金额", OPTIONAL_AMOUNT, hint="留空为该级别不奖励")
        for lvl in LEVELS
    )

    def build(self, values: dict[str, Any], code: str) -> LevelParams:
        amounts = tuple(
            (lvl, values[f"amounts.{lvl}"]) for lvl in LEVELS if values[f"amounts.{lvl}"]
        )
        if not amounts:
            where = f"条款{code}" if code else "按级别定额条款"
            raise ValidationError(f"{where}须列出国家级/省级/市级中至少一级的金额", field="amounts")
        return LevelParams(amounts, values["fund_source"])

    def values(self, params: LevelParams) -> dict[str, Any]:
        out: dict[str, Any] = {f"amounts.{lvl}": fen for lvl, fen in params.amounts}
        out["fund_source"] = params.fund_source
        return out

    def needs(self, params: LevelParams) -> MatterNeeds:
        return MatterNeeds(levels=params.offered)

    def check_matter(self, params: LevelParams, matter: MatterInput, code: str) -> None:
        if not matter.level:
            raise ValidationError(
                f"条款{code}按认定级别奖励，须填写认定级别（{'、'.join(params.offered)}）",
                field="认定级别",
            )

    def compute(self, params: LevelParams, matter: MatterInput, rule_name: str) -> Computed:
        out = Computed()
        offered = "、".join(params.offered)
        if not matter.level:
            out.reasons.append(f"未填写认定级别（本条款适用{offered}）")
            return out
        amount = params.amount_of(matter.level)
        if amount is None:
            out.reasons.append(f"本条款不含{matter.level}奖励（仅{offered}）")
            return out
        out.amount_fen = amount
        out.summary = f"{rule_name}（{matter.level}），奖励 {format_yuan(amount)} 元"
        out.steps.append(out.summary)
        return out

    def summary(self, params: LevelParams) -> str:
        return "；".join(f"{lvl}{format_yuan(fen)}元" for lvl, fen in params.amounts)
