"""``manual``: the amount is set by a clerk under a referenced policy, with the document and a
reason; never computed. A row without the amount or without the reason is refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.core.errors import ValidationError
from desktop.core.methods.base import Computed, MatterInput, MatterNeeds, Method
from desktop.core.money import format_yuan
from desktop.core.params import TEXT, ParamSpec


@dataclass(frozen=True)
class ManualParams:
    reference: str
    fund_source: str | None = None


class Manual(Method[ManualParams]):
    key = "manual"
    label = "按相关政策人工核定"
    specs = (ParamSpec("reference", "依据文件", TEXT, hint="如 临发〔2020〕10号"),)

    def build(self, values: dict[str, Any], code: str) -> ManualParams:
        return ManualParams(values["reference"], values["fund_source"])

    def values(self, params: ManualParams) -> dict[str, Any]:
        return {"reference": params.reference, "fund_source": params.fund_source}

    def needs(self, params: ManualParams) -> MatterNeeds:
        return MatterNeeds(manual_amount=True)

    def check_matter(self, params: ManualParams, matter: MatterInput, code: str) -> None:
        if matter.manual_amount_fen is None:
            raise ValidationError(
                f"条款{code}为人工核定条款，须填写核定金额（元）", field="核定金额（元）"
            )
        if not (matter.description or "").strip():
            raise ValidationError(
                f"条款{code}为人工核定条款，须在事项说明中写明核定理由", field="事项说明"
            )

    def compute(self, params: ManualParams, matter: MatterInput, rule_name: str) -> Computed:
        out = Computed()
        if matter.manual_amount_fen is None:
            out.reasons.append("人工核定条款尚未录入核定金额")
            return out
        if not (matter.description or "").strip():
            out.reasons.append("人工核定条款未写明核定理由")
            return out
        doc = f"（事项文号{matter.city_document}）" if matter.city_document else ""
        out.amount_fen = matter.manual_amount_fen
        out.summary = (
            f"按{params.reference}{doc}人工核定 {format_yuan(matter.manual_amount_fen)} 元，"
            f"理由：{matter.description}"
        )
        out.steps.append(out.summary)
        return out

    def summary(self, params: ManualParams) -> str:
        return f"按{params.reference}人工核定"
