"""``installments``: a one-time amount in the award year, then a yearly amount for some years
(e.g. 省级创新中心: 2,000,000 元, then 500,000 元 a year for 3 years from the second year).

Installments committed while the policy was in force keep falling due after it expires; each is
an award of its due year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.core.methods.base import Computed, MatterInput, Method, Payment
from desktop.core.money import format_yuan
from desktop.core.params import AMOUNT, INTEGER, TEXT, ParamSpec


@dataclass(frozen=True)
class InstallmentParams:
    one_time_fen: int
    yearly_fen: int
    years: int
    first_year_offset: int
    yearly_label: str
    fund_source: str | None = None


class Installments(Method[InstallmentParams]):
    key = "installments"
    label = "一次性奖励加分年补贴"
    specs = (
        ParamSpec("one_time", "一次性奖励", AMOUNT, hint="如 200万"),
        ParamSpec("yearly", "每年补贴", AMOUNT, hint="如 50万"),
        ParamSpec("years", "补贴年数", INTEGER, minimum=1, maximum=20),
        ParamSpec(
            "first_year_offset",
            "自认定后第几年起补贴",
            INTEGER,
            hint="1 为认定的次年",
            default=1,
            minimum=0,
            maximum=20,
        ),
        ParamSpec("yearly_label", "分年补贴名称", TEXT, default="分年补贴"),
    )

    def build(self, values: dict[str, Any], code: str) -> InstallmentParams:
        return InstallmentParams(
            values["one_time"],
            values["yearly"],
            values["years"],
            values["first_year_offset"],
            values["yearly_label"],
            values["fund_source"],
        )

    def values(self, params: InstallmentParams) -> dict[str, Any]:
        return {
            "one_time": params.one_time_fen,
            "yearly": params.yearly_fen,
            "years": params.years,
            "first_year_offset": params.first_year_offset,
            "yearly_label": params.yearly_label,
            "fund_source": params.fund_source,
        }

    def compute(self, params: InstallmentParams, matter: MatterInput, rule_name: str) -> Computed:
        text = f"{rule_name}，一次性奖励 {format_yuan(params.one_time_fen)} 元"
        return Computed(params.one_time_fen, steps=[text], summary=text)

    def schedule(self, params: InstallmentParams, year: int, first_fen: int) -> list[Payment]:
        payments = [Payment(0, year, first_fen, "一次性奖励")]
        for n in range(1, params.years + 1):
            due = year + params.first_year_offset + n - 1
            payments.append(Payment(n, due, params.yearly_fen, f"第{n}年{params.yearly_label}"))
        return payments

    def span(self, params: InstallmentParams) -> int:
        """How many years after the award year the last installment falls due."""
        return params.first_year_offset + params.years - 1

    def summary(self, params: InstallmentParams) -> str:
        start = "次年" if params.first_year_offset == 1 else f"第{params.first_year_offset + 1}年"
        return (
            f"一次性{format_yuan(params.one_time_fen)}元，自{start}起每年"
            f"{format_yuan(params.yearly_fen)}元、连续{params.years}年"
        )
