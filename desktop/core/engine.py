"""The award engine: pure functions from facts to awards, each with its typed trace.

Input is one enterprise's matters (any years), its facts (规上, the years it was on the 四强 list),
the rule catalogue, and the decisions people took on stored awards. Output is one
:class:`AwardResult` per matter, rule and payment. The result never depends on the order in which
matters were entered or years were calculated:

1. Each matter is evaluated on its own under each candidate rule (its 条款编号, or every rule whose
   city document it names): the version in force on its date, every condition, the method's
   amount (limited by the rule's own cap).
2. Decisions stand. An award a person granted (审核中, 已审核, 已拨付, 拨付失败) keeps its amount
   and counts, at that amount, toward the cap of its enterprise, rule and award year and as "the
   first time" of its first-time key — whatever its date. A 不予奖补 award stays at 0 and counts
   for nothing; a revoked (已撤销) award is not a decision any more: its matter is computed anew.
3. The undecided matters are applied in date order (ties by their content, never by entry order):
   each gets what is left under the cap, and a first-time key goes to the earliest eligible one.
4. 就高不重复: of the candidate rules of one matter, and of the matters marked as one matter
   (同一事项, across award years too), one is granted — the one that would actually be granted
   the most after caps and first-time limits (installments: in all). The others get 0 with a
   reason that names the winner and its amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

from desktop.core import status
from desktop.core.conditions import CONDITIONS, FIRST_TIME, Facts
from desktop.core.explain import award_line, installment_line
from desktop.core.methods import Computed, MatterInput
from desktop.core.methods.installments import Installments
from desktop.core.money import format_yuan
from desktop.core.rules import Catalogue, RuleVersion, format_date_cn
from desktop.core.trace import Check, Installment, Matter, Trace, Winner

UNMATCHED_CODE = "未匹配"
MAX_SIMULATED_GROUPS = 8  # beyond this many 同一事项 groups in one enterprise, choose greedily


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
    order_key: str = ""  # the matter's content key: orders matters of the same date


class EnterpriseFacts(NamedTuple):
    enterprise_id: int
    above_scale: bool
    list_years: frozenset[int] = frozenset()


class Decision(NamedTuple):
    """A person's decision on a stored award: the engine keeps it as it is."""

    status: str
    amount_fen: int
    award_id: int | None = None


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
    trace: Trace
    after_expiry: bool = False

    @property
    def key(self) -> AwardKey:
        return (self.application_id, self.rule_code, self.installment_no)


# -- one matter under one rule, on its own ------------------------------------------------------


@dataclass
class _Option:
    app: Application
    code: str
    rule: RuleVersion | None  # the version in force on the matter's date
    cited: RuleVersion | None  # what the explanation cites (the nearest version if none in force)
    match: str | None
    checks: list[Check]
    reasons: list[str]
    computed: Computed
    decision: Decision | None

    @property
    def granted_decision(self) -> bool:
        return self.decision is not None and self.decision.status in status.GRANTED

    @property
    def denied_decision(self) -> bool:
        return self.decision is not None and self.decision.status in status.DENIED

    @property
    def contends(self) -> bool:
        """Eligible on its own and not refused by a person: may be the one granted."""
        return not self.reasons and not self.denied_decision and self.rule is not None

    @property
    def cap_key(self) -> tuple[str, int]:
        return (self.code, self.app.event_date.year)


def _candidates(
    app: Application,
    facts: Facts,
    catalogue: Catalogue,
    decisions: Mapping[AwardKey, Decision],
) -> list[_Option]:
    if app.rule_code:
        codes, match = [app.rule_code], None
    else:
        codes = catalogue.match_document(app.city_document)
        match = f"按市级政策文号{app.city_document}匹配本条款"
    if not codes:
        reason = (
            f"条款编号{app.rule_code}不存在"
            if app.rule_code
            else f"市级政策文号“{app.city_document or ''}”未对应任何条款，请填写条款编号"
        )
        return [
            _Option(
                app,
                app.rule_code or UNMATCHED_CODE,
                None,
                None,
                None,
                [],
                [reason],
                Computed(),
                None,
            )
        ]
    return [_evaluate(app, code, match, facts, catalogue, decisions) for code in codes]


def _evaluate(
    app: Application,
    code: str,
    match: str | None,
    facts: Facts,
    catalogue: Catalogue,
    decisions: Mapping[AwardKey, Decision],
) -> _Option:
    rule = catalogue.in_force(code, app.event_date)
    decision = decisions.get((app.id, code, 0))
    option = _Option(
        app,
        code,
        rule,
        rule if rule is not None else catalogue.nearest(code, app.event_date),
        match,
        [],
        [],
        Computed(),
        decision,
    )
    when = format_date_cn(app.event_date)
    if not catalogue.known(code):
        option.reasons.append(catalogue.unknown_reason(code))
        return option
    if rule is None:
        reason = catalogue.gap_reason(code, app.event_date)
        option.checks.append(Check("validity", "政策有效期", False, f"{reason}（事项日期{when}）"))
        option.reasons.append(reason)
        return option
    option.checks.append(
        Check("validity", "政策有效期", True, f"事项日期{when}在{rule.validity_text}内")
    )
    year = app.event_date.year
    for key in rule.conditions:
        if key == FIRST_TIME:
            continue  # decided across matters, in date order (see _Pass)
        condition = CONDITIONS.get(key)
        if condition is None:  # the vocabulary is closed when rules are saved; corrupt data
            check = Check(key, key, False, f"未知的适用条件“{key}”")
        else:
            check = condition.judge(facts, year)
        option.checks.append(check)
        if not check.passed:
            option.reasons.append(check.detail)
    matter = MatterInput(
        app.event_date,
        app.basis_fen,
        app.level,
        app.manual_amount_fen,
        app.description,
        app.city_document,
    )
    option.computed = rule.method_obj.compute(rule.parameters, matter, rule.name)
    option.reasons.extend(option.computed.reasons)
    return option


# -- caps and first-time keys across matters ---------------------------------------------------


@dataclass(frozen=True)
class _Taken:
    """Who holds a first-time key."""

    app: Application
    amount_fen: int
    decision: Decision | None


@dataclass
class _State:
    cap_used: dict[tuple[str, int], int] = field(default_factory=dict)
    cap_decided: dict[tuple[str, int], list[tuple[int | None, int]]] = field(default_factory=dict)
    first_taken: dict[str, _Taken] = field(default_factory=dict)

    def copy(self) -> _State:
        return _State(dict(self.cap_used), dict(self.cap_decided), dict(self.first_taken))


@dataclass
class _Outcome:
    """What one option is granted in one pass (installment 0)."""

    amount_fen: int
    reasons: list[str]
    steps: list[str]
    checks: list[Check]
    limit_text: str = ""
    winner: Winner | None = None


def _decided_text(decided: list[tuple[int | None, int]]) -> str:
    parts = [f"核定结果{award_id} {format_yuan(fen)} 元" for award_id, fen in decided if award_id]
    return f"（其中已审核：{'、'.join(parts)}）" if parts else ""


def _apply_limits(option: _Option, state: _State) -> _Outcome:
    """Grant ``option`` what caps and first-time keys leave it, and record its use in ``state``."""
    rule = option.rule
    assert rule is not None
    outcome = _Outcome(option.computed.amount_fen, [], [], [])
    if rule.first_time:
        taken = state.first_taken.get(rule.first_key)
        if taken is None:
            outcome.checks.append(
                Check(FIRST_TIME, CONDITIONS[FIRST_TIME].label, True, "此前未享受同类奖励")
            )
        else:
            why = _first_time_reason(option.app, taken)
            outcome.checks.append(Check(FIRST_TIME, CONDITIONS[FIRST_TIME].label, False, why))
            outcome.reasons.append(why)
            outcome.amount_fen = 0
    cap = rule.cap_fen()
    if cap is not None and not outcome.reasons:
        key, year = option.cap_key, option.app.event_date.year
        used = state.cap_used.get(key, 0)
        remaining = max(cap - used, 0)
        if used:
            decided = _decided_text(state.cap_decided.get(key, []))
            outcome.steps.append(
                f"本年度已核定 {format_yuan(used)} 元{decided}，上限余额 {format_yuan(remaining)} 元"
            )
            if remaining == 0:
                outcome.limit_text = (
                    f"；该企业{year}年度已按本条款核定 {format_yuan(used)} 元{decided}，"
                    f"已达上限 {format_yuan(cap)} 元"
                )
                outcome.reasons.append(
                    f"该企业{year}年度按本条款已达上限 {format_yuan(cap)} 元{decided}"
                )
            elif outcome.amount_fen > remaining:
                outcome.limit_text = (
                    f"；该企业{year}年度已按本条款核定 {format_yuan(used)} 元{decided}，"
                    f"上限 {format_yuan(cap)} 元尚余 {format_yuan(remaining)} 元"
                )
        outcome.amount_fen = min(outcome.amount_fen, remaining)
        state.cap_used[key] = used + (0 if outcome.reasons else outcome.amount_fen)
    if outcome.reasons:
        outcome.amount_fen = 0
    elif rule.first_time and outcome.amount_fen > 0:
        state.first_taken[rule.first_key] = _Taken(option.app, outcome.amount_fen, None)
    return outcome


def _first_time_reason(app: Application, taken: _Taken) -> str:
    when = format_date_cn(taken.app.event_date)
    if taken.decision is not None:
        who = f"核定结果{taken.decision.award_id}，" if taken.decision.award_id else ""
        award = f"（事项{taken.app.id}，{who}{taken.decision.status} {format_yuan(taken.amount_fen)} 元）"
        if taken.app.event_date <= app.event_date and taken.app.id != app.id:
            return f"此前已于{when}享受同类奖励{award}，仅限首次"
        return f"该企业{when}的同类奖励已审核{award}，仅限首次享受一次"
    return f"此前已于{when}享受同类奖励（事项{taken.app.id}），仅限首次"


# -- the pass over one enterprise -----------------------------------------------------------------


Unit = tuple[str, str]  # ("matter", id) or ("same", 同一事项编号)


class _Pass:
    """One enterprise's options, and the date-ordered passes that decide what each is granted."""

    def __init__(self, apps: list[Application], options: dict[int, list[_Option]]) -> None:
        self.apps = apps
        self.options = options
        groups: dict[str, list[Application]] = {}
        for app in apps:
            if app.same_matter_key:
                groups.setdefault(app.same_matter_key, []).append(app)
        self.unit_of: dict[int, Unit] = {}
        self.members: dict[Unit, list[Application]] = {}
        for app in apps:
            key = app.same_matter_key
            unit: Unit = ("same", key) if key and len(groups[key]) > 1 else ("matter", str(app.id))
            self.unit_of[app.id] = unit
            self.members.setdefault(unit, []).append(app)
        self.simulate = sum(1 for u in self.members if u[0] == "same") <= MAX_SIMULATED_GROUPS
        self._memo: dict[
            frozenset[tuple[Unit, int]], tuple[dict[int, _Outcome], dict[Unit, int]]
        ] = {}
        self.all_options = [o for app in apps for o in options[app.id]]
        self.index = {id(o): i for i, o in enumerate(self.all_options)}

    def unit_options(self, unit: Unit) -> list[_Option]:
        return [o for app in self.members[unit] for o in self.options[app.id]]

    def initial_state(self) -> _State:
        state = _State()
        for option in self.all_options:
            if not option.granted_decision or option.rule is None:
                continue
            assert option.decision is not None
            amount = option.decision.amount_fen
            if option.rule.cap_fen() is not None:
                key = option.cap_key
                state.cap_used[key] = state.cap_used.get(key, 0) + amount
                state.cap_decided.setdefault(key, []).append((option.decision.award_id, amount))
            if option.rule.first_time:
                held = state.first_taken.get(option.rule.first_key)
                if held is None or option.app.event_date < held.app.event_date:
                    state.first_taken[option.rule.first_key] = _Taken(
                        option.app, amount, option.decision
                    )
        return state

    def run(self, forced: dict[Unit, int]) -> tuple[dict[int, _Outcome], dict[Unit, int]]:
        """Outcomes by option index, and the winner chosen for each unit."""
        memo_key = frozenset(forced.items())
        if memo_key in self._memo:
            return self._memo[memo_key]
        state = self.initial_state()
        outcomes: dict[int, _Outcome] = {}
        chosen = dict(forced)
        for app in self.apps:
            unit = self.unit_of[app.id]
            if unit not in chosen:
                chosen[unit] = self._choose(unit, app, state, chosen)
            winner = chosen[unit]
            for option in self.options[app.id]:
                i = self.index[id(option)]
                if option.granted_decision or option.rule is None:
                    continue
                if winner == i or (winner < 0 and option.contends):
                    outcomes[i] = _apply_limits(option, state)
        self._memo[memo_key] = (outcomes, chosen)
        return outcomes, chosen

    def _choose(self, unit: Unit, app: Application, state: _State, chosen: dict[Unit, int]) -> int:
        """The option of ``unit`` to grant (-1: none stands out; each keeps its own result)."""
        options = self.unit_options(unit)
        decided = [o for o in options if o.granted_decision]
        if decided:
            return self.index[id(decided[0])]
        contenders = [o for o in options if o.contends]
        if not contenders:
            return -1
        if len(contenders) == 1:
            return self.index[id(contenders[0])]
        scores: list[tuple[int, int]] = []
        single_matter = all(o.app is app for o in contenders)
        for rank, option in enumerate(contenders):
            i = self.index[id(option)]
            if single_matter or not self.simulate:
                first = _apply_limits(option, state.copy()).amount_fen
            else:
                first = self.run({**chosen, unit: i})[0][i].amount_fen
            assert option.rule is not None
            total = option.rule.total_fen(first) if first else 0
            scores.append((total, -rank))
        best_total, best_rank = max(scores)
        return self.index[id(contenders[-best_rank])] if best_total > 0 else -1


# -- results ----------------------------------------------------------------------------------------


def evaluate_enterprise(
    applications: Iterable[Application],
    facts: EnterpriseFacts,
    catalogue: Catalogue,
    decisions: Mapping[AwardKey, Decision] | None = None,
    *,
    year: int | None = None,
) -> list[AwardResult]:
    """Every award (and installment) the matters give rise to, with traces.

    With ``year``, only what that award year needs is evaluated and only its awards returned."""
    decisions = decisions or {}
    condition_facts = Facts(facts.above_scale, facts.list_years)
    apps = sorted(applications, key=lambda a: (a.event_date, a.order_key, a.id))
    if year is not None:
        apps = _needed(apps, year, catalogue, decisions)
    options = {a.id: _candidates(a, condition_facts, catalogue, decisions) for a in apps}
    run = _Pass(apps, options)
    outcomes, chosen = run.run({})
    results: list[AwardResult] = []
    for app in apps:
        winner_index = chosen[run.unit_of[app.id]]
        winner = run.all_options[winner_index] if winner_index >= 0 else None
        for option in options[app.id]:
            if year is not None and app.event_date.year != year and not _pays_later(option):
                continue  # nothing of it falls in ``year``: it was evaluated for its effects only
            i = run.index[id(option)]
            outcome = outcomes.get(i)
            results.extend(_results(option, outcome, winner, outcomes.get(winner_index), year))
    if year is not None:
        results = [r for r in results if r.year == year]
    return results


def _pays_later(option: _Option) -> bool:
    return option.rule is not None and isinstance(option.rule.method_obj, Installments)


def _results(
    option: _Option,
    outcome: _Outcome | None,
    winner: _Option | None,
    won: _Outcome | None,
    year: int | None = None,
) -> list[AwardResult]:
    app, rule = option.app, option.rule
    trace = Trace(
        matter=Matter(
            app.id,
            app.event_date.isoformat(),
            app.rule_code,
            app.city_document,
            app.basis_fen,
            app.level,
            app.same_matter_key,
            app.manual_amount_fen,
            app.description,
        ),
        rule_id=rule.rule_id if rule else None,
        rule_code=option.code,
        citation=option.cited.citation if option.cited else "",
        match=option.match,
        parameters=rule.describe() if rule else [],
        checks=list(option.checks),
        steps=list(option.computed.steps),
        reasons=list(option.reasons),
        summary=option.computed.summary,
        decision=option.decision.status if option.decision else None,
    )
    if option.granted_decision:
        assert option.decision is not None
        trace.amount_fen = option.decision.amount_fen
    elif option.denied_decision:
        trace.reasons.append(f"经审核{status.REJECTED}")
    elif outcome is not None:
        trace.checks.extend(outcome.checks)
        trace.steps.extend(outcome.steps)
        trace.reasons.extend(outcome.reasons)
        trace.summary += outcome.limit_text
        trace.amount_fen = outcome.amount_fen
    if winner is not None and winner is not option:
        trace.winner = _winner(winner, won)
        trace.reasons.append(_loser_reason(option, trace.winner))
        trace.amount_fen = 0
    if trace.reasons:
        trace.amount_fen = 0
    first = AwardResult(
        app.id,
        app.enterprise_id,
        option.code,
        rule.rule_id if rule else None,
        app.event_date.year,
        0,
        app.basis_fen,
        trace.amount_fen,
        trace.eligible,
        award_line(trace),
        trace,
    )
    results = [first]
    if rule is not None and isinstance(rule.method_obj, Installments):
        results.extend(_installments(option, first, year))
    return results


def _winner(winner: _Option, won: _Outcome | None) -> Winner:
    if winner.granted_decision:
        assert winner.decision is not None
        amount, award_id, state = (
            winner.decision.amount_fen,
            winner.decision.award_id,
            winner.decision.status,
        )
    else:
        amount, award_id, state = (won.amount_fen if won else 0), None, None
    if winner.rule is not None:
        amount = winner.rule.total_fen(amount) if amount else 0
    return Winner(
        winner.app.id,
        winner.code,
        winner.app.event_date.isoformat(),
        amount,
        award_id,
        state,
        winner.app.same_matter_key,
    )


def _loser_reason(option: _Option, winner: Winner) -> str:
    amount = f"{format_yuan(winner.amount_fen)} 元"
    decided = f"，核定结果{winner.award_id}{winner.status}" if winner.award_id else ""
    if winner.application_id == option.app.id:
        return f"就高不重复：本事项已按{winner.rule_code}核定 {amount}{decided}，不再按{option.code}重复奖补"
    when = format_date_cn(date.fromisoformat(winner.event_date))
    return (
        f"就高不重复：同一事项（编号{option.app.same_matter_key}）已按{winner.rule_code}"
        f"（{when}事项{winner.application_id}{decided}）核定 {amount}，本事项不再重复奖补"
    )


def _installments(option: _Option, first: AwardResult, year: int | None) -> list[AwardResult]:
    """The later payments of an installment award (only those due in ``year``, if given)."""
    rule = option.rule
    assert rule is not None
    found = rule.method_obj
    assert isinstance(found, Installments)
    params = rule.parameters
    out = []
    first_denied = option.denied_decision
    for payment in rule.schedule(option.app.event_date.year, first.amount_fen)[1:]:
        if year is not None and payment.year != year:
            continue
        after = rule.valid_to is not None and payment.year > rule.valid_to.year
        inst = Installment(
            payment.no,
            params.years,
            payment.year,
            after,
            payment.amount_fen,
            params.yearly_label,
            params.first_year_offset + 1,
        )
        trace = replace(
            first.trace,
            installment=inst,
            steps=[
                f"{payment.label} {format_yuan(payment.amount_fen)} 元"
                f"（自第{params.first_year_offset + 1}年起连续{params.years}年，兑现年度{payment.year}）"
            ],
            winner=None,
            decision=None,
        )
        if first_denied:
            trace.reasons = [f"首年奖励{status.REJECTED}，后续{params.yearly_label}不再兑现"]
        elif not first.eligible or first.amount_fen == 0:
            trace.reasons = [
                f"首年奖励不符合条件，后续{params.yearly_label}不再兑现（{first.explanation}）"
            ]
        else:
            trace.reasons = []
        trace.amount_fen = 0 if trace.reasons else payment.amount_fen
        out.append(
            AwardResult(
                option.app.id,
                option.app.enterprise_id,
                option.code,
                rule.rule_id,
                payment.year,
                payment.no,
                option.app.basis_fen,
                trace.amount_fen,
                not trace.reasons,
                installment_line(trace, rule.name, rule.valid_to),
                trace,
                after,
            )
        )
    return out


# -- what a year needs ------------------------------------------------------------------------------


def _codes(app: Application, catalogue: Catalogue) -> list[str]:
    return [app.rule_code] if app.rule_code else catalogue.match_document(app.city_document)


def _needed(
    apps: list[Application], year: int, catalogue: Catalogue, decisions: Mapping[AwardKey, Decision]
) -> list[Application]:
    """The matters whose awards fall in ``year`` and those their results depend on: the matters of
    any award year a 同一事项 group reaches into, every matter sharing a first-time key with them,
    and earlier matters whose installments fall due in ``year``."""
    first_keys = catalogue.first_keys
    installment_codes = catalogue.installment_codes
    span = catalogue.max_installment_span()
    keys_of: dict[int, frozenset[str]] = {}  # the first-time keys a matter counts under
    due: set[int] = set()  # earlier matters under an installment rule that may fall due in year
    for app in apps:
        codes = _codes(app, catalogue)
        keys_of[app.id] = frozenset().union(*(first_keys.get(c, ()) for c in codes))
        if year - span <= app.event_date.year < year and any(c in installment_codes for c in codes):
            due.add(app.id)
    if not due and all(
        a.event_date.year == year and not a.same_matter_key and not keys_of[a.id] for a in apps
    ):
        return apps  # the common case: this year's plain matters only
    years = {year}
    keys: set[str] = set()
    groups: set[str] = set()
    keep: set[int] = set()
    changed = True
    while changed:
        changed = False
        for app in apps:
            if app.id in keep:
                continue
            wanted = (
                app.event_date.year in years
                or (app.same_matter_key is not None and app.same_matter_key in groups)
                or not keys.isdisjoint(keys_of[app.id])
                or app.id in due
            )
            if not wanted:
                continue
            keep.add(app.id)
            changed = True
            years.add(app.event_date.year)
            if app.same_matter_key:
                groups.add(app.same_matter_key)
            keys |= keys_of[app.id]
    return [a for a in apps if a.id in keep]
