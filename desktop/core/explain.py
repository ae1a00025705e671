"""The trace of an award in Chinese — the one place it is rendered, for the GUI, ``explain``,
reports and the audit dossier.

``award_line`` / ``installment_line`` give the one-line 计算说明 stored with each award;
``explain_lines`` the full explanation: the rule version and its text, how the clause was chosen,
every parameter, each condition with its outcome, each step, the winner of a 就高不重复, and the
decision taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.money import format_yuan
from desktop.core.rules import RuleVersion, format_date_cn
from desktop.core.trace import Trace


def _citation(trace: Trace) -> str:
    """``依据临政字〔2021〕41号三（二）：`` — or nothing when no clause applies at all (an unknown
    条款编号, a 文号 that names no clause): an empty 依据 would cite nothing."""
    if not trace.citation:
        return ""
    text = f"依据{trace.citation}"
    if trace.match:
        text += f"（{trace.match}）"
    return text + "："


def award_line(trace: Trace) -> str:
    """``依据临政字〔2021〕41号三（二）：市级资金 … × 30% = …，核定 961,500.00 元`` or
    ``依据…：不予奖补——<reasons>（<arithmetic>）``."""
    head = _citation(trace)
    if trace.eligible:
        return f"{head}{trace.summary}，核定 {format_yuan(trace.amount_fen)} 元"
    text = f"{head}不予奖补——{'；'.join(trace.reasons)}"
    if trace.summary:
        text += f"（{trace.summary}）"
    return text


def installment_line(trace: Trace, rule_name: str, valid_to: date | None) -> str:
    inst = trace.installment
    assert inst is not None
    head = _citation(trace)
    if not trace.eligible:
        return f"{head}不予奖补——{'；'.join(trace.reasons)}"
    when = format_date_cn(date.fromisoformat(trace.matter.event_date))
    text = (
        f"{head}{when}事项（{rule_name}），第{inst.no}年{inst.label}"
        f"（自第{inst.start}年起连续{inst.of}年），"
        f"核定 {format_yuan(inst.amount_fen)} 元"
    )
    if inst.after_expiry and valid_to is not None:
        text += f"（政策已于{format_date_cn(valid_to)}到期，本项为有效期内认定事项的延续兑现）"
    return text


@dataclass(frozen=True)
class AwardHeader:
    """Who and what an explained award is (from the stored row)."""

    award_id: int
    status: str
    enterprise: str
    credit_code: str
    town: str
    year: int
    installment_no: int
    amount_fen: int
    explanation: str
    decision_reason: str | None = None
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    supersedes: int | None = None


def _matter_line(trace: Trace) -> str:
    m = trace.matter
    basis = "—" if m.basis_fen is None else f"{format_yuan(m.basis_fen)} 元"
    parts = [
        f"基数 {basis}",
        f"认定级别 {m.level or '—'}",
        f"市级政策文号 {m.city_document or '—'}",
        f"同一事项编号 {m.same_matter_key or '—'}",
    ]
    if m.manual_amount_fen is not None:
        parts.append(f"人工核定金额 {format_yuan(m.manual_amount_fen)} 元")
    if m.description:
        parts.append(f"事项说明 {m.description}")
    return "事项数据：" + "；".join(parts)


def explain_lines(trace: Trace, header: AwardHeader, rule: RuleVersion | None) -> list[str]:
    m = trace.matter
    lines = [
        f"核定结果编号：{header.award_id}    状态：{header.status}",
        f"企业：{header.enterprise}（{header.credit_code}，{header.town}）",
        f"事项：编号{m.id}，事项日期{m.event_date}，年度{header.year}"
        + (f"，第{header.installment_no}期分年兑现" if header.installment_no else ""),
    ]
    if header.supersedes:
        lines.append(f"更正：本结果更正已撤销的核定结果{header.supersedes}")
    if rule is not None:
        end = rule.valid_to.isoformat() if rule.valid_to else "长期"
        lines.append(
            f"政策依据：{rule.citation}  条款{rule.code} {rule.name}"
            f"（版本有效期 {rule.valid_from.isoformat()} 至 {end}）"
        )
        if trace.match:
            lines.append(f"条款确定方式：{trace.match}")
        lines.append(f"条款原文：{rule.clause_text}")
    else:
        cited = f"（最近的版本：{trace.citation}）" if trace.citation else ""
        lines.append(f"政策依据：条款{trace.rule_code or '—'}在事项日期无有效版本{cited}")
    if trace.parameters:
        lines.append("参数：")
        lines.extend(f"  {p.label}：{p.value}" for p in trace.parameters)
    lines.append(_matter_line(trace))
    lines.append("条件检查：")
    lines.extend(
        f"  [{'通过' if c.passed else '不通过'}] {c.label}：{c.detail}" for c in trace.checks
    )
    if trace.steps:
        lines.append("计算步骤：")
        lines.extend(f"  {i}. {s}" for i, s in enumerate(trace.steps, start=1))
    if trace.winner is not None:
        w = trace.winner
        decided = f"，核定结果{w.award_id}{w.status}" if w.award_id else ""
        lines.append(
            f"就高不重复：已按{w.rule_code}（{format_date_cn(date.fromisoformat(w.event_date))}"
            f"事项{w.application_id}{decided}）核定 {format_yuan(w.amount_fen)} 元，本项不再重复奖补"
        )
    if trace.installment is not None:
        inst = trace.installment
        lines.append(
            f"分年兑现：第{inst.no}/{inst.of}期，兑现年度{inst.due_year}"
            + ("，政策到期后延续兑现" if inst.after_expiry else "")
        )
    lines.append(f"结论：{header.explanation}")
    lines.append(f"核定金额：{format_yuan(header.amount_fen)} 元")
    if header.decision_reason:
        lines.append(
            f"审核意见：{header.decision_reason}（{header.reviewed_by}，{header.reviewed_at}）"
        )
    elif header.reviewed_by:
        lines.append(f"审核：{header.reviewed_by}，{header.reviewed_at}")
    return lines
