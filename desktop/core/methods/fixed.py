"""``fixed``: a fixed amount for the recognition (e.g. 新认定智慧工厂 300,000 元)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.core.methods.base import Computed, MatterInput, Method
from desktop.core.money import format_yuan
from desktop.core.params import AMOUNT, ParamSpec


@dataclass(frozen=True)
class FixedParams:
    amount_fen: int
    fund_source: str | None = None


class Fixed(Method[FixedParams]):
    key = "fixed"
    label = "定额奖励"
    specs = (ParamSpec("amount", "奖励金额", AMOUNT, hint="如 30万 或 300,000"),)

    def build(self, values: dict[str, Any], code: str) -> FixedParams:
        return FixedParams(values["amount"], values["fund_source"])

    def values(self, params: FixedParams) -> dict[str, Any]:
        return {"amount": params.amount_fen, "fund_source": params.fund_source}

    def compute(self, params: FixedParams, matter: MatterInput, rule_name: str) -> Computed:
        text = f"{rule_name}，定额奖励 {format_yuan(params.amount_fen)} 元"
        return Computed(params.amount_fen, steps=[text], summary=text)

    def summary(self, params: FixedParams) -> str:
        return f"定额{format_yuan(params.amount_fen)}元"
