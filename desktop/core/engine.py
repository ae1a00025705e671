"""The award engine: pure functions from facts to awards, each with its explanation trace.

Input is one enterprise's applications (any years), its facts (规上, the years it was on the 四强
list), the rule catalogue, and the decisions a person already took (approved, rejected, revoked),
which the engine respects but never changes. Output is one :class:`AwardResult` per application,
rule and payment; the caller decides which award year it stores.

Order of work, per enterprise:
1. each application is evaluated on its own for each candidate rule (its rule code, or the rules
   matching its city document): policy version in force on the event date, every eligibility
   condition, the method's amount (limited by the rule's own cap);
2. 就高不重复: of several candidate rules of one application, and of the applications marked as
   one matter (同一事项), only the highest is granted, the others get 0 with that reason;
3. in date order, first-time keys and per-enterprise-per-rule-per-year caps are applied, so the
   application that crosses the cap gets the remainder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from desktop.core import status
from desktop.core.money import apply_rate, format_rate, format_yuan
from desktop.core.rules import CONDITIONS, Catalogue, RuleVersion, format_date_cn

LOCKED_GRANTED = status.GRANTED
LOCKED_DENIED = status.DENIED  # a revoked award is no decision: its matter is computed anew
UNMATCHED_CODE = "未匹配"


class Application(NamedTuple):
    """One 奖补事项 as the engine sees it (a NamedTuple: a year builds ~100,000 of them)."""

    id: int
    enterprise_id: int
    rule_code: str | None
    event_date: date
    basis_fen: int | None = None
    level: str | None = None
    city_document: str | None = None
    same_matter_key: str | None = None
    manual_amount_fen: int | None = None
    description: str | None = None


class EnterpriseFacts(NamedTuple):
    enterprise_id: int
    above_scale: bool
    list_years: frozenset[int] = frozenset()


class Decision(NamedTuple):
    """A person's decision on a stored award: the engine keeps it as it is."""

    status: str
    amount_fen: int


AwardKey = tuple[int, str, int]  # (application id, rule code, installment no)


@dataclass
class AwardResult:
    application_id: int
    enterprise_id: int
    rule_code: str
    rule_id: int | None
    year: int
    installment_no: int
    basis_fen: int | None
    amount_fen: int
    eligible: bool
    explanation: str
    trace: dict[str, Any]
    after_expiry: bool = False

    @property
    def key(self) -> AwardKey:
        return (self.application_id, self.rule_code, self.installment_no)


@dataclass
class _Candidate:
    """One application under one rule, evaluated on its own."""

    app: Application
    code: str
    rule: RuleVersion | None
    checks: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    amount_fen: int = 0  # the year's (or one-time) amount before cross-application limits
    summary: str = ""  # the arithmetic in words, before cross-application limits
    first_time_pending: bool = False

    @property
    def eligible(self) -> bool:
        return not self.reasons


def evaluate_enterprise(
    applications: Iterable[Application],
    facts: EnterpriseFacts,
    catalogue: Catalogue,
    decisions: Mapping[AwardKey, Decision] | None = None,
) -> list[AwardResult]:
    """Every award (and installment) that ``applications`` give rise to, with explanations."""
    decisions = decisions or {}
    apps = sorted(applications, key=lambda a: (a.event_date, a.id))
    candidates: dict[int, list[_Candidate]] = {a.id: _candidates(a, facts, catalogue) for a in apps}

    # 就高不重复 within an application (several matching rules): keep the highest.
    winners: dict[int, _Candidate] = {}
    losers: list[tuple[_Candidate, str]] = []
    for app in apps:
        options = candidates[app.id]
        best = _pick_best(options, app, decisions)
        winners[app.id] = best
        for other in options:
            if other is not best:
                losers.append(
                    (other, f"就高不重复：本事项已按{best.code}核定，不再按{other.code}重复奖补")
                )

    # 就高不重复 across applications marked as the same matter.
    groups: dict[str, list[Application]] = {}
    for app in apps:
        if app.same_matter_key:
            groups.setdefault(app.same_matter_key, []).append(app)
    matter_losers: dict[int, str] = {}
    for key, members in groups.items():
        if len(members) < 2:
            continue
        best_app = _pick_best_matter(members, winners, decisions)
        winner = winners[best_app.id]
        for member in members:
            if member is not best_app:
                matter_losers[member.id] = (
                    f"就高不重复：同一事项（编号{key}）已按{winner.code}"
                    f"（{format_date_cn(best_app.event_date)}事项）核定，本事项不再重复奖补"
                )

    results: list[AwardResult] = []
    granted_keys: dict[str, Application] = {}
    cap_used: dict[tuple[str, int], int] = {}
    for app in apps:
        cand = winners[app.id]
        locked = decisions.get((app.id, cand.code, 0))
        if app.id in matter_losers:
            cand.reasons.append(matter_losers[app.id])
        if cand.first_time_pending and cand.rule is not None:
            earlier = granted_keys.get(cand.rule.first_time_key or cand.code)
            check = {
                "condition": "first_time",
                "label": CONDITIONS["first_time"],
                "passed": earlier is None,
            }
            if earlier is not None:
                why = f"此前已于{format_date_cn(earlier.event_date)}享受同类奖励（事项{earlier.id}），仅限首次"
                check["detail"] = why
                cand.reasons.append(why)
            else:
                check["detail"] = "此前未享受同类奖励"
            cand.checks.append(check)
        results.extend(_finish(cand, facts, locked, decisions, cap_used))
        granted = locked.status in LOCKED_GRANTED if locked else cand.eligible
        if granted and cand.rule is not None and "first_time" in cand.rule.conditions:
            granted_keys.setdefault(cand.rule.first_time_key or cand.code, app)
    for cand, why in losers:
        cand.reasons.append(why)
        cand.amount_fen = 0
        results.extend(
            _finish(cand, facts, decisions.get((cand.app.id, cand.code, 0)), decisions, {})
        )
    return results


def _candidates(app: Application, facts: EnterpriseFacts, catalogue: Catalogue) -> list[_Candidate]:
    if app.rule_code:
        codes = [app.rule_code]
    else:
        codes = catalogue.match_document(app.city_document)
    if not codes:
        cand = _Candidate(app, app.rule_code or UNMATCHED_CODE, None)
        cand.reasons.append(
            f"条款编号{app.rule_code}不存在"
            if app.rule_code
            else f"市级政策文号“{app.city_document or ''}”未对应任何条款，请填写条款编号"
        )
        return [cand]
    return [_evaluate(app, code, facts, catalogue) for code in codes]


def _evaluate(
    app: Application, code: str, facts: EnterpriseFacts, catalogue: Catalogue
) -> _Candidate:
    rule = catalogue.in_force(code, app.event_date)
    cand = _Candidate(app, code, rule)
    if not catalogue.known(code):
        cand.reasons.append(f"条款编号{code}不存在")
        return cand
    if rule is None:
        reason = catalogue.gap_reason(code, app.event_date)
        cand.checks.append(
            {
                "condition": "validity",
                "label": "政策有效期",
                "passed": False,
                "detail": f"{reason}（事项日期{format_date_cn(app.event_date)}）",
            }
        )
        cand.reasons.append(reason)
        return cand
    cand.checks.append(
        {
            "condition": "validity",
            "label": "政策有效期",
            "passed": True,
            "detail": f"事项日期{format_date_cn(app.event_date)}在{rule.validity_text}内",
        }
    )
    year = app.event_date.year
    for condition in rule.conditions:
        if condition == "on_list":
            ok = year in facts.list_years
            detail = f"{'已' if ok else '未'}列入{year}年度四强企业名单"
        elif condition == "above_scale":
            ok = facts.above_scale
            detail = "规模以上工业企业" if ok else "非规模以上工业企业"
        elif condition == "newly_listed":
            earlier = sorted(y for y in facts.list_years if y < year)
            if year not in facts.list_years:
                ok, detail = False, f"未列入{year}年度四强企业名单，不属于新列入"
            elif earlier:
                ok, detail = False, f"此前已列入{earlier[0]}年度四强企业名单，不属于首次新列入"
            else:
                ok, detail = True, f"{year}年度首次列入四强企业名单"
        elif condition == "first_time":
            cand.first_time_pending = True  # decided in date order, across applications
            continue
        else:  # validate_rule keeps the vocabulary closed; be explicit if the data is corrupt
            ok, detail = False, f"未知的适用条件“{condition}”"
        cand.checks.append(
            {
                "condition": condition,
                "label": CONDITIONS.get(condition, condition),
                "passed": ok,
                "detail": detail,
            }
        )
        if not ok:
            cand.reasons.append(detail)
    _amount(cand)
    return cand


def _amount(cand: _Candidate) -> None:
    """The amount of the rule's method for this application alone (rule's own cap applied)."""
    rule, app = cand.rule, cand.app
    assert rule is not None
    method = rule.method
    if method == "ratio":
        if app.basis_fen is None:
            cand.reasons.append(f"缺少计算基数（{rule.basis_label()}）")
            return
        rate = rule.rate()
        raw = apply_rate(app.basis_fen, rate)
        text = f"{rule.basis_label()} {format_yuan(app.basis_fen)} 元 × {format_rate(rate)} = {format_yuan(raw)} 元"
        cand.steps.append(text)
        cap = rule.cap_fen()
        if cap is not None and raw > cap:
            cand.steps.append(f"超过上限 {format_yuan(cap)} 元，按上限计")
            text += f"，超过上限 {format_yuan(cap)} 元"
            raw = cap
        cand.amount_fen, cand.summary = raw, text
    elif method == "fixed":
        amount = rule.amount_fen()
        cand.amount_fen = amount
        cand.summary = f"{rule.name}，定额奖励 {format_yuan(amount)} 元"
        cand.steps.append(cand.summary)
    elif method == "level":
        amounts = rule.level_amounts_fen()
        offered = "、".join(amounts)
        if not app.level:
            cand.reasons.append(f"未填写认定级别（本条款适用{offered}）")
            return
        if app.level not in amounts:
            cand.reasons.append(f"本条款不含{app.level}奖励（仅{offered}）")
            return
        cand.amount_fen = amounts[app.level]
        cand.summary = f"{rule.name}（{app.level}），奖励 {format_yuan(cand.amount_fen)} 元"
        cand.steps.append(cand.summary)
    elif method == "installments":
        one_time = rule.installment_plan[0]
        cand.amount_fen = one_time
        cand.summary = f"{rule.name}，一次性奖励 {format_yuan(one_time)} 元"
        cand.steps.append(cand.summary)
    elif method == "manual":
        reference = rule.params.get("reference", "")
        if app.manual_amount_fen is None:
            cand.reasons.append("人工核定条款尚未录入核定金额")
            return
        cand.amount_fen = app.manual_amount_fen
        doc = f"（事项文号{app.city_document}）" if app.city_document else ""
        why = f"，理由：{app.description}" if app.description else ""
        cand.summary = f"按{reference}{doc}人工核定 {format_yuan(app.manual_amount_fen)} 元{why}"
        cand.steps.append(cand.summary)
    else:
        cand.reasons.append(f"计算方法“{method}”不在允许范围内")


def _pick_best(
    options: list[_Candidate], app: Application, decisions: Mapping[AwardKey, Decision]
) -> _Candidate:
    for cand in options:  # a person's approval of one candidate decides it
        locked = decisions.get((app.id, cand.code, 0))
        if locked and locked.status in LOCKED_GRANTED:
            return cand
    return max(
        options, key=lambda c: (c.eligible, c.amount_fen if c.eligible else 0, -options.index(c))
    )


def _pick_best_matter(
    members: list[Application],
    winners: Mapping[int, _Candidate],
    decisions: Mapping[AwardKey, Decision],
) -> Application:
    for app in members:
        locked = decisions.get((app.id, winners[app.id].code, 0))
        if locked and locked.status in LOCKED_GRANTED:
            return app

    def score(app: Application) -> tuple[bool, int, int]:
        cand = winners[app.id]
        total = _total_value(cand) if cand.eligible else 0
        return (cand.eligible, total, -members.index(app))

    return max(members, key=score)


def _total_value(cand: _Candidate) -> int:
    rule = cand.rule
    if rule is not None and rule.method == "installments":
        _, yearly, years, _ = rule.installment_plan
        return cand.amount_fen + yearly * years
    return cand.amount_fen


def _finish(
    cand: _Candidate,
    facts: EnterpriseFacts,
    locked: Decision | None,
    decisions: Mapping[AwardKey, Decision],
    cap_used: dict[tuple[str, int], int],
) -> list[AwardResult]:
    """Apply the cross-application cap and build the result(s) with their explanation."""
    app, rule = cand.app, cand.rule
    year = app.event_date.year
    citation = f"依据{rule.citation}" if rule else "依据"
    amount = cand.amount_fen if cand.eligible else 0
    text = cand.summary
    if (
        cand.eligible
        and rule is not None
        and rule.method == "ratio"
        and rule.cap_scope() == "per-enterprise-rule-year"
    ):
        cap = rule.cap_fen()
        if cap is not None:
            used = cap_used.get((cand.code, year), 0)
            remaining = max(cap - used, 0)
            if used:
                if remaining == 0:
                    text += f"；该企业{year}年度已按本条款核定 {format_yuan(used)} 元，已达上限 {format_yuan(cap)} 元"
                    cand.reasons.append(f"该企业{year}年度按本条款已达上限 {format_yuan(cap)} 元")
                elif amount > remaining:
                    text += (
                        f"；该企业{year}年度已按本条款核定 {format_yuan(used)} 元，"
                        f"上限 {format_yuan(cap)} 元尚余 {format_yuan(remaining)} 元"
                    )
                cand.steps.append(
                    f"本年度已核定 {format_yuan(used)} 元，上限余额 {format_yuan(remaining)} 元"
                )
            amount = min(amount, remaining)
    if locked is not None and locked.status in LOCKED_GRANTED:
        amount_for_usage = locked.amount_fen
    elif locked is not None and locked.status in LOCKED_DENIED:
        amount_for_usage = 0
    else:
        amount_for_usage = amount if cand.eligible else 0
    if rule is not None and rule.method == "ratio":
        cap_used[(cand.code, year)] = cap_used.get((cand.code, year), 0) + amount_for_usage

    if cand.eligible:
        explanation = f"{citation}：{text}，核定 {format_yuan(amount)} 元"
    else:
        explanation = f"{citation}：不予奖补——{'；'.join(cand.reasons)}"
        if text:
            explanation += f"（{text}）"
        amount = 0
    trace = _trace(cand, amount, explanation)
    first = AwardResult(
        app.id,
        app.enterprise_id,
        cand.code,
        rule.rule_id if rule else None,
        year,
        0,
        app.basis_fen,
        amount,
        cand.eligible,
        explanation,
        trace,
    )
    results = [first]
    if rule is not None and rule.method == "installments":
        results.extend(_installments(cand, first, locked))
    return results


def _installments(
    cand: _Candidate, first: AwardResult, locked: Decision | None
) -> list[AwardResult]:
    rule, app = cand.rule, cand.app
    assert rule is not None
    _, yearly, years, offset = rule.installment_plan
    label = rule.params.get("yearly_label") or "分年补贴"
    yearly_text = format_yuan(yearly)
    out = []
    for n in range(1, years + 1):
        due = app.event_date.year + offset + n - 1
        after = rule.valid_to is not None and due > rule.valid_to.year
        base = (
            f"依据{rule.citation}：{format_date_cn(app.event_date)}事项（{rule.name}），"
            f"第{n}年{label}（自第{offset + 1}年起连续{years}年），"
        )
        if locked is not None and locked.status in LOCKED_DENIED:
            eligible, amount = False, 0
            explanation = (
                f"依据{rule.citation}：不予奖补——首年奖励{locked.status}，后续{label}不再兑现"
            )
        elif not first.eligible:
            eligible, amount = False, 0
            explanation = f"依据{rule.citation}：不予奖补——首年奖励不符合条件，后续{label}不再兑现（{first.explanation}）"
        else:
            eligible, amount = True, yearly
            explanation = base + f"核定 {yearly_text} 元"
            if after:
                explanation += (
                    f"（政策已于{format_date_cn(rule.valid_to)}到期，"
                    "本项为有效期内认定事项的延续兑现）"
                )
        trace = dict(first.trace)
        trace["installment"] = {
            "no": n,
            "of": years,
            "due_year": due,
            "after_expiry": after,
            "yearly": yearly_text,
        }
        out.append(
            AwardResult(
                app.id,
                app.enterprise_id,
                cand.code,
                rule.rule_id,
                due,
                n,
                app.basis_fen,
                amount,
                eligible,
                explanation,
                trace,
                after,
            )
        )
    return out


def _trace(cand: _Candidate, amount: int, explanation: str) -> dict[str, Any]:
    """What the calculation rested on. The rule's wording and dates are reached via ``rule_id``."""
    rule, app = cand.rule, cand.app
    trace: dict[str, Any] = {
        "application": {
            "id": app.id,
            "event_date": app.event_date.isoformat(),
            "rule_code": app.rule_code,
            "city_document": app.city_document,
            "basis": None if app.basis_fen is None else format_yuan(app.basis_fen),
            "level": app.level,
            "same_matter_key": app.same_matter_key,
        },
        "checks": cand.checks,
        "steps": cand.steps,
    }
    if rule is not None:
        trace["rule_id"] = rule.rule_id
        trace["parameters"] = rule.params
    return trace
