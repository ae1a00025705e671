"""What the reports show, as typed rows: one read model per report, and all the SQL they need.

The reports layer (``desktop/reports``) turns these rows into tables and renders them; it never
reads the database itself. Amounts are integer 分; statuses are the words of
``desktop.core.status``; rule names, order and validity come from the catalogue
(``services.catalogue.load_catalogue``), never from the rules' JSON.

- :func:`detail_rows` — 奖补明细表: every award and installment of a year.
- :func:`summary_rows` — 汇总表: the year's granted awards by rule and by town.
- :func:`ledger_rows` — 单户企业台账: one enterprise's awards of all years, and what is planned.
- :func:`installment_plan` — 多年度兑现计划: stored installments plus the ones still to come.
- :func:`assessment_rows` — 镇街考核加分: towns with enterprises granted under the listed rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from desktop.core import status
from desktop.core.errors import NotFound, ValidationError
from desktop.core.rules import Catalogue, RuleVersion
from desktop.services.assessment import AssessmentBasis, assessment_basis
from desktop.services.catalogue import load_catalogue
from desktop.services.registry import find_by_code, towns
from desktop.services.siqiang_lists import years_on_list
from desktop.storage.database import Database

# -- rules -------------------------------------------------------------------------------------


class RuleIndex:
    """Rule names and order from the catalogue: the version an award applied, else the code's
    latest version (an award outside every version's validity has no rule version)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._by_id = {v.rule_id: v for c in catalogue.codes() for v in catalogue.versions(c)}
        self._order = {code: i for i, code in enumerate(catalogue.codes())}

    def rule(self, rule_id: int | None, code: str) -> RuleVersion | None:
        if rule_id is not None and rule_id in self._by_id:
            return self._by_id[rule_id]
        return self.catalogue.latest(code) if self.catalogue.known(code) else None

    def name(self, rule_id: int | None, code: str) -> str:
        rule = self.rule(rule_id, code)
        return rule.name if rule else ""

    def order(self, code: str) -> tuple[int, str]:
        return (self._order.get(code, len(self._order)), code)

    def codes(self) -> list[str]:
        return self.catalogue.codes()

    def codes_with_method(self, method: str) -> list[str]:
        return [
            c for c in self.codes() if any(v.method == method for v in self.catalogue.versions(c))
        ]


# -- one award row -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AwardRow:
    """One award (or installment) with its enterprise, town, matter date and rule name."""

    id: int
    application_id: int
    enterprise_id: int
    enterprise: str
    credit_code: str
    town: str
    town_order: int
    rule_code: str
    rule_id: int | None  # the rule version applied (None: none was in force)
    rule_name: str  # of that version, else of the code's latest version
    rule_method: str | None
    year: int
    installment_no: int
    event_date: str
    basis_fen: int | None
    amount_fen: int
    status: str
    explanation: str
    after_expiry: bool
    decision_reason: str | None

    @property
    def counts_as_granted(self) -> bool:
        """Listed with the granted awards and counted in their 合计 (drafts included)."""
        return status.counts_as_granted(self.status, self.amount_fen)


_AWARD_SQL = """
SELECT a.id, a.application_id, a.enterprise_id, e.name AS enterprise, e.credit_code,
       t.name AS town, t.sort_order AS town_order, a.rule_code, a.rule_id, a.year,
       a.installment_no, ap.event_date, a.basis_fen, a.amount_fen, a.status, a.explanation,
       a.after_expiry, a.decision_reason
FROM awards a
JOIN enterprises e ON e.id = a.enterprise_id
JOIN towns t ON t.id = e.town_id
JOIN applications ap ON ap.id = a.application_id
"""


def _awards(db: Database, rules: RuleIndex, where: str, params: Iterable[object]) -> list[AwardRow]:
    out = []
    for r in db.query(_AWARD_SQL + " WHERE " + where, tuple(params)):
        rule = rules.rule(r["rule_id"], r["rule_code"])
        out.append(
            AwardRow(
                id=r["id"],
                application_id=r["application_id"],
                enterprise_id=r["enterprise_id"],
                enterprise=r["enterprise"],
                credit_code=r["credit_code"],
                town=r["town"],
                town_order=r["town_order"],
                rule_code=r["rule_code"],
                rule_id=r["rule_id"],
                rule_name=rule.name if rule else "",
                rule_method=rule.method if rule else None,
                year=r["year"],
                installment_no=r["installment_no"],
                event_date=r["event_date"],
                basis_fen=r["basis_fen"],
                amount_fen=r["amount_fen"],
                status=r["status"],
                explanation=r["explanation"] or "",
                after_expiry=bool(r["after_expiry"]),
                decision_reason=r["decision_reason"],
            )
        )
    return out


def check_year(year: int) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ValidationError(f"年度“{year}”无效，应为2000至2100之间的年份", field="年度")
    return year


def default_year(db: Database, as_of: date) -> int:
    """The newest award year not after ``as_of`` (or ``as_of``'s year when there is none)."""
    year = db.scalar("SELECT max(year) FROM awards WHERE year <= ?", (as_of.year,))
    return int(year) if year is not None else as_of.year


# -- 奖补明细表 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetailRows:
    year: int
    granted: list[AwardRow]  # counted in the 合计, in the order printed
    not_granted: list[AwardRow]  # 0, 不予奖补 or 已撤销


def detail_rows(db: Database, year: int) -> DetailRows:
    check_year(year)
    rules = RuleIndex(load_catalogue(db))
    rows = _awards(db, rules, "a.year = ?", (year,))
    rows.sort(
        key=lambda r: (
            *rules.order(r.rule_code),
            r.town_order,
            r.enterprise,
            r.credit_code,
            r.event_date,
            r.installment_no,
            r.id,
        )
    )
    return DetailRows(
        year,
        [r for r in rows if r.counts_as_granted],
        [r for r in rows if not r.counts_as_granted],
    )


# -- 汇总表 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupTotal:
    """Granted awards of one rule or one town: distinct enterprises, awards, amount."""

    key: str  # rule code or town name
    name: str  # rule name (the town name again for towns)
    enterprises: int
    awards: int
    amount_fen: int


@dataclass(frozen=True)
class SummaryRows:
    year: int
    by_rule: list[GroupTotal]  # every rule of the catalogue, granted or not
    by_town: list[GroupTotal]  # every active town, then any other town with awards
    enterprises: int  # distinct enterprises over all rules


def _group(key: str, name: str, items: list[AwardRow]) -> GroupTotal:
    return GroupTotal(
        key,
        name,
        len({r.enterprise_id for r in items}),
        len(items),
        sum(r.amount_fen for r in items),
    )


def summary_rows(db: Database, year: int) -> SummaryRows:
    check_year(year)
    rules = RuleIndex(load_catalogue(db))
    rows = [r for r in _awards(db, rules, "a.year = ?", (year,)) if r.counts_as_granted]
    by_rule: dict[str, list[AwardRow]] = defaultdict(list)
    by_town: dict[str, list[AwardRow]] = defaultdict(list)
    for r in rows:
        by_rule[r.rule_code].append(r)
        by_town[r.town].append(r)
    codes = rules.codes() + sorted(set(by_rule) - set(rules.codes()))
    town_names = [t.name for t in towns(db)]
    town_names += sorted(set(by_town) - set(town_names))
    return SummaryRows(
        year,
        [_group(c, rules.name(None, c), by_rule.get(c, [])) for c in codes],
        [_group(t, t, by_town.get(t, [])) for t in town_names],
        len({r.enterprise_id for r in rows}),
    )


# -- 多年度兑现计划 --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One installment of a multi-year matter: stored (``award``) or still to come (projected)."""

    matter: AwardRow  # the matter's one-time award (or its first stored row): enterprise, date
    rule: RuleVersion | None
    year: int  # due year
    installment_no: int
    amount_fen: int
    after_expiry: bool  # falls due after the policy's validity (continues all the same)
    award: AwardRow | None = None  # None: not calculated yet, projected from the rule

    @property
    def projected(self) -> bool:
        return self.award is None

    @property
    def status(self) -> str | None:
        return None if self.award is None else self.award.status

    @property
    def counts_as_granted(self) -> bool:
        return self.award is None or self.award.counts_as_granted


@dataclass(frozen=True)
class InstallmentPlan:
    codes: list[tuple[str, str]]  # (code, name) of every installments rule
    entries: list[PlanEntry]  # in the order printed


def _projected(first: AwardRow, rule: RuleVersion, have: set[int]) -> list[PlanEntry]:
    """The later payments of a granted matter that are not stored yet (the rule's schedule)."""
    expiry = rule.valid_to.year if rule.valid_to else None
    return [
        PlanEntry(first, rule, p.year, p.no, p.amount_fen, expiry is not None and p.year > expiry)
        for p in rule.schedule(int(first.event_date[:4]), first.amount_fen)
        if p.no and p.no not in have
    ]


def _matter_entries(rules: RuleIndex, items: list[AwardRow]) -> list[PlanEntry]:
    """The plan of one matter: its stored rows (revoked ones too, as evidence) and, when its
    one-time award stands granted, the yearly installments not stored yet."""
    items.sort(key=lambda r: (r.installment_no, r.status in status.SUPERSEDED, r.id))
    standing = [r for r in items if r.status not in status.SUPERSEDED]
    first = next((r for r in standing if r.installment_no == 0), None)
    ref = first or items[0]
    rule = rules.rule(ref.rule_id, ref.rule_code)
    entries = [
        PlanEntry(ref, rule, r.year, r.installment_no, r.amount_fen, r.after_expiry, r)
        for r in items
    ]
    if first is not None and first.counts_as_granted and rule and rule.method == "installments":
        entries += _projected(first, rule, {r.installment_no for r in standing})
    entries.sort(key=lambda e: e.installment_no)
    return entries


def installment_plan(
    db: Database, *, year: int | None = None, enterprise_id: int | None = None
) -> InstallmentPlan:
    """Every multi-year matter with its whole plan; with ``year`` only the matters with something
    due that year, with ``enterprise_id`` only that enterprise's."""
    if year is not None:
        check_year(year)
    rules = RuleIndex(load_catalogue(db))
    codes = rules.codes_with_method("installments")
    if not codes:
        return InstallmentPlan([], [])
    where = f"a.rule_code IN ({','.join('?' * len(codes))})"
    params: list[object] = list(codes)
    if enterprise_id is not None:
        where += " AND a.enterprise_id = ?"
        params.append(enterprise_id)
    matters: dict[tuple[int, str], list[AwardRow]] = defaultdict(list)
    for r in _awards(db, rules, where, params):
        matters[(r.application_id, r.rule_code)].append(r)
    entries: list[PlanEntry] = []
    for items in matters.values():
        plan = _matter_entries(rules, items)
        if year is None or any(e.year == year for e in plan):
            entries += plan
    entries.sort(
        key=lambda e: (
            e.matter.town_order,
            e.matter.enterprise,
            e.matter.credit_code,
            e.matter.event_date,
            *rules.order(e.matter.rule_code),
            e.installment_no,
        )
    )
    return InstallmentPlan([(c, rules.name(None, c)) for c in codes], entries)


# -- 单户企业奖补台账 ------------------------------------------------------------------------------

PAID = status.PAID
COMMITTED = "已审核未拨付"
DRAFT = status.DRAFT
PLANNED = "计划兑现"
LEDGER_GROUPS = (PAID, COMMITTED, DRAFT, PLANNED)
"""The ledger's subtotals: money in the account, decided but not paid (审核中, 已审核, in 公示, in a
batch, 拨付失败), calculated but not reviewed, and yearly installments of later years not yet
calculated."""


def ledger_group(award: AwardRow | None) -> str:
    """Which subtotal of the ledger an award (``None``: a projected installment) falls in."""
    if award is None:
        return PLANNED
    if award.status == status.PAID:
        return PAID
    if award.status in status.COMMITTED_UNPAID:
        return COMMITTED
    return DRAFT


@dataclass(frozen=True)
class EnterpriseInfo:
    id: int
    name: str
    credit_code: str
    town: str
    above_scale: bool
    industry: str | None
    list_years: list[int]


@dataclass(frozen=True)
class LedgerRows:
    enterprise: EnterpriseInfo
    awards: list[AwardRow]  # counted as granted (drafts included), by year and date
    planned: list[PlanEntry]  # projected installments of later years
    not_granted: list[AwardRow]  # 0, 不予奖补, 已撤销
    subtotals: dict[str, int] = field(default_factory=dict)  # LEDGER_GROUPS → 分

    @property
    def granted_fen(self) -> int:
        """What was granted by a decision: 已拨付 + 已审核未拨付 (the ledger's 大写)."""
        return self.subtotals.get(PAID, 0) + self.subtotals.get(COMMITTED, 0)


def ledger_rows(db: Database, credit_code: str) -> LedgerRows:
    code = (credit_code or "").strip().upper()
    ent = find_by_code(db, code)
    if ent is None:
        raise NotFound(f"统一社会信用代码为{code or '（空）'}的企业不存在")
    rules = RuleIndex(load_catalogue(db))
    rows = _awards(db, rules, "a.enterprise_id = ?", (ent.id,))
    rows.sort(
        key=lambda r: (r.year, r.event_date, *rules.order(r.rule_code), r.installment_no, r.id)
    )
    plan = installment_plan(db, enterprise_id=ent.id)
    planned = [e for e in plan.entries if e.projected]
    granted = [r for r in rows if r.counts_as_granted]
    subtotals = dict.fromkeys(LEDGER_GROUPS, 0)
    for r in granted:
        subtotals[ledger_group(r)] += r.amount_fen
    subtotals[PLANNED] = sum(e.amount_fen for e in planned)
    info = EnterpriseInfo(
        ent.id,
        ent.name,
        ent.credit_code,
        ent.town,
        ent.above_scale,
        ent.industry,
        years_on_list(db, ent.id),
    )
    not_granted = [r for r in rows if not r.counts_as_granted]
    return LedgerRows(info, granted, planned, not_granted, subtotals)


# -- 镇街考核加分统计 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessedEnterprise:
    town: str
    town_order: int
    name: str
    credit_code: str
    rules: list[str]  # codes, in catalogue order
    amount_fen: int


@dataclass(frozen=True)
class AssessedTown:
    town: str
    enterprises: int
    rules: list[str]
    amount_fen: int


@dataclass(frozen=True)
class AssessmentRows:
    year: int
    codes: list[tuple[str, str]]  # (code, name) of the rules that count
    citation: str  # e.g. 临政字〔2021〕41号三（三）: where the policy says so ("" if unknown)
    basis_text: str  # the policy's sentence
    towns: list[AssessedTown]
    enterprises: list[AssessedEnterprise]


def _citation(rules: RuleIndex, basis: AssessmentBasis, year: int) -> str:
    if basis.cited_rule is None or not rules.catalogue.known(basis.cited_rule):
        return ""
    rule = rules.catalogue.in_force(basis.cited_rule, date(year, 12, 31))
    rule = rule or rules.catalogue.in_force(basis.cited_rule, date(year, 1, 1))
    return (rule or rules.catalogue.latest(basis.cited_rule)).citation


def assessment_rows(db: Database, year: int) -> AssessmentRows:
    check_year(year)
    rules = RuleIndex(load_catalogue(db))
    basis = assessment_basis(db)
    codes = sorted(basis.codes, key=rules.order)
    marks = ",".join("?" * len(codes)) or "NULL"
    rows = [
        r
        for r in _awards(db, rules, f"a.year = ? AND a.rule_code IN ({marks})", (year, *codes))
        if r.counts_as_granted
    ]
    per_ent: dict[int, list[AwardRow]] = defaultdict(list)
    for r in rows:
        per_ent[r.enterprise_id].append(r)
    ents = [
        AssessedEnterprise(
            items[0].town,
            items[0].town_order,
            items[0].enterprise,
            items[0].credit_code,
            sorted({r.rule_code for r in items}, key=rules.order),
            sum(r.amount_fen for r in items),
        )
        for items in per_ent.values()
    ]
    ents.sort(key=lambda e: (e.town_order, e.town, e.name, e.credit_code))
    by_town: dict[str, list[AssessedEnterprise]] = {}
    for e in ents:
        by_town.setdefault(e.town, []).append(e)
    town_rows = [
        AssessedTown(
            town,
            len(items),
            sorted({c for e in items for c in e.rules}, key=rules.order),
            sum(e.amount_fen for e in items),
        )
        for town, items in by_town.items()
    ]
    return AssessmentRows(
        year,
        [(c, rules.name(None, c)) for c in codes],
        _citation(rules, basis, year),
        basis.text,
        town_rows,
        ents,
    )
