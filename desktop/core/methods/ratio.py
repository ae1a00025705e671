"""``ratio``: basis × rate, rounded half-up to the 分, limited by the cap.

The cap's scope is a parameter: per enterprise, rule and award year (the sum of one enterprise's
awards under the rule in one year never exceeds it — the engine applies that across matters), or
per matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop.core.errors import ValidationError
from desktop.core.methods.base import Computed, MatterInput, MatterNeeds, Method
from desktop.core.money import apply_rate, format_rate, format_yuan
from desktop.core.params import CHOICE, OPTIONAL_AMOUNT, RATE, TEXT, ParamSpec

PER_ENTERPRISE_YEAR = "per-enterprise-rule-year"
PER_MATTER = "per-application"
CAP_SCOPES = {PER_ENTERPRISE_YEAR: "每户企业每年度按本条款累计", PER_MATTER: "每个事项"}


@dataclass(frozen=True)
class RatioParams:
    rate: Decimal
    cap_fen: int | None
    cap_scope: str
    basis_label: str
    fund_source: str | None = None


class Ratio(Method[RatioParams]):
    key = "ratio"
    label = "按比例配套"
    specs = (
        ParamSpec("rate", "比例", RATE, hint="如 30% 或 0.3"),
        ParamSpec(
            "cap",
            "上限",
            OPTIONAL_AMOUNT,
            hint="如 150万 或 1,500,000；留空为不设上限",
            none_text="不设上限",
        ),
        ParamSpec("cap_scope", "上限口径", CHOICE, default=PER_ENTERPRISE_YEAR, choices=CAP_SCOPES),
        ParamSpec("basis_label", "计算基数", TEXT, hint="如 市级资金", default="计算基数"),
    )

    def build(self, values: dict[str, Any], code: str) -> RatioParams:
        return RatioParams(
            values["rate"],
            values["cap"],
            values["cap_scope"],
            values["basis_label"],
            values["fund_source"],
        )

    def values(self, params: RatioParams) -> dict[str, Any]:
        return {
            "rate": params.rate,
            "cap": params.cap_fen,
            "cap_scope": params.cap_scope,
            "basis_label": params.basis_label,
            "fund_source": params.fund_source,
        }

    def needs(self, params: RatioParams) -> MatterNeeds:
        return MatterNeeds(basis_label=params.basis_label)

    def check_matter(self, params: RatioParams, matter: MatterInput, code: str) -> None:
        if matter.basis_fen is None:
            raise ValidationError(
                f"条款{code}按比例计算（{params.basis_label}），须填写基数金额（元）",
                field="基数金额（元）",
            )
        if matter.basis_fen <= 0:
            raise ValidationError(
                f"条款{code}按比例计算，基数金额须大于0（{params.basis_label}为0时没有可配套的金额）",
                field="基数金额（元）",
            )

    def compute(self, params: RatioParams, matter: MatterInput, rule_name: str) -> Computed:
        out = Computed()
        if matter.basis_fen is None:
            out.reasons.append(f"缺少计算基数（{params.basis_label}）")
            return out
        if matter.basis_fen <= 0:
            out.reasons.append(f"计算基数（{params.basis_label}）为0，没有可配套的金额")
            return out
        raw = apply_rate(matter.basis_fen, params.rate)
        text = (
            f"{params.basis_label} {format_yuan(matter.basis_fen)} 元 × "
            f"{format_rate(params.rate)} = {format_yuan(raw)} 元"
        )
        out.steps.append(text)
        if params.cap_fen is not None and raw > params.cap_fen:
            out.steps.append(f"超过上限 {format_yuan(params.cap_fen)} 元，按上限计")
            text += f"，超过上限 {format_yuan(params.cap_fen)} 元"
            raw = params.cap_fen
        out.amount_fen, out.summary = raw, text
        return out

    def cap_fen(self, params: RatioParams) -> int | None:
        return params.cap_fen if params.cap_scope == PER_ENTERPRISE_YEAR else None

    def summary(self, params: RatioParams) -> str:
        cap = "不设上限" if params.cap_fen is None else f"最高{format_yuan(params.cap_fen)}元"
        return f"{params.basis_label}×{format_rate(params.rate)}，{cap}"
