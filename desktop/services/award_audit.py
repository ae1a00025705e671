"""``check``'s look at the amounts: do the stored awards agree with the rules?

- Caps: no enterprise's awards under one capped rule in one award year add up past the cap (drafts
  with an amount and granted decisions together); a per-matter cap holds for each award.
- First-time keys: at most one award per enterprise and key is granted or due, over all years.
- Installments: what a matter's installments add up to never exceeds the rule's schedule.
- Granted awards: never more than the rule version they rest on gives the matter on its own
  (so an amount raised in the file is found even where its signature was not checked).
- Drafts: equal to what the engine computes now from the stored facts. A draft that differs while
  its enterprise's data changed after it was calculated is merely stale (a notice: calculate the
  year again); one that differs although nothing changed since was altered (a problem).

Pure reading; nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.methods import MatterInput
from desktop.core.money import format_yuan
from desktop.core.rules import Catalogue, RuleVersion
from desktop.services.calculation import enterprise_inputs, inputs_unchanged
from desktop.services.catalogue import load_catalogue
from desktop.storage.database import Database

MAX_LINES = 50
_STANDING = status.sql_list(status.GRANTED | {status.DRAFT})
# Tables whose change after a calculation can change what a draft should be.
_INPUT_TABLES = (
    "applications",
    "enterprises",
    "siqiang_list",
    "rules",
    "policy_versions",
    "awards",
)


@dataclass
class AuditResult:
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    checked: int = 0

    def add(self, text: str) -> None:
        if len(self.problems) < MAX_LINES:
            self.problems.append(text)


@dataclass(frozen=True)
class _Award:
    id: int
    application_id: int
    enterprise_id: int
    enterprise: str
    rule_code: str
    rule_id: int | None
    year: int
    installment_no: int
    amount_fen: int
    status: str
    calculated_at: str
    event_date: date
    basis_fen: int | None
    level: str | None
    manual_amount_fen: int | None
    description: str | None
    city_document: str | None
    traced_fen: int | None

    @property
    def label(self) -> str:
        return f"核定结果{self.id}（{self.enterprise} {self.rule_code} {self.year}年度）"


def _standing(db: Database) -> list[_Award]:
    rows = db.query(
        "SELECT a.id, a.application_id, a.enterprise_id, e.name, a.rule_code, a.rule_id, a.year,"
        " a.installment_no, a.amount_fen, a.status, a.calculated_at, ap.event_date, ap.basis_fen,"
        " ap.level, ap.manual_amount_fen, ap.description, ap.city_document,"
        " json_extract(a.trace, '$.amount_fen') AS traced_fen FROM awards a"
        " JOIN enterprises e ON e.id = a.enterprise_id JOIN applications ap ON ap.id = a.application_id"
        f" WHERE a.status IN {_STANDING} ORDER BY a.id"
    )
    return [
        _Award(
            id=r["id"],
            application_id=r["application_id"],
            enterprise_id=r["enterprise_id"],
            enterprise=r["name"],
            rule_code=r["rule_code"],
            rule_id=r["rule_id"],
            year=r["year"],
            installment_no=r["installment_no"],
            amount_fen=r["amount_fen"],
            status=r["status"],
            calculated_at=r["calculated_at"],
            event_date=date.fromisoformat(r["event_date"]),
            basis_fen=r["basis_fen"],
            level=r["level"],
            manual_amount_fen=r["manual_amount_fen"],
            description=r["description"],
            city_document=r["city_document"],
            traced_fen=r["traced_fen"],
        )
        for r in rows
    ]


def audit_awards(db: Database) -> AuditResult:
    result = AuditResult()
    catalogue = load_catalogue(db)
    by_id = {v.rule_id: v for v in catalogue.all_versions()}
    awards = _standing(db)
    result.checked = len(awards)
    _caps(awards, by_id, result)
    _first_time(awards, by_id, result)
    _installments(awards, by_id, result)
    _granted_amounts(awards, by_id, result)
    _drafts(db, awards, catalogue, result)
    return result


def _counts(award: _Award) -> bool:
    return award.amount_fen > 0


def _caps(awards: list[_Award], rules: dict[int, RuleVersion], result: AuditResult) -> None:
    sums: dict[tuple[int, str, int], int] = defaultdict(int)
    caps: dict[tuple[int, str, int], int] = {}
    for a in awards:
        rule = rules.get(a.rule_id) if a.rule_id else None
        if rule is None or a.installment_no or not _counts(a):
            continue
        cap = rule.cap_fen()
        if cap is None:
            continue
        key = (a.enterprise_id, a.rule_code, a.year)
        sums[key] += a.amount_fen
        caps[key] = min(caps.get(key, cap), cap)
        if sums[key] > caps[key]:
            result.add(
                f"{a.label}：该企业本年度按本条款累计 {format_yuan(sums[key])} 元，"
                f"超过上限 {format_yuan(caps[key])} 元"
            )


def _first_time(awards: list[_Award], rules: dict[int, RuleVersion], result: AuditResult) -> None:
    holders: dict[tuple[int, str], _Award] = {}
    for a in sorted(awards, key=lambda a: (a.event_date, a.id)):
        rule = rules.get(a.rule_id) if a.rule_id else None
        if rule is None or not rule.first_time or a.installment_no or not _counts(a):
            continue
        key = (a.enterprise_id, rule.first_key)
        if key in holders:
            first = holders[key]
            result.add(
                f"{a.label}：仅限首次享受的奖励已由核定结果{first.id}（{first.year}年度，"
                f"{first.status}）享受，不应再次给予"
            )
        else:
            holders[key] = a


def _installments(awards: list[_Award], rules: dict[int, RuleVersion], result: AuditResult) -> None:
    totals: dict[tuple[int, str], list[_Award]] = defaultdict(list)
    for a in awards:
        totals[(a.application_id, a.rule_code)].append(a)
    for items in totals.values():
        first = next((a for a in items if a.installment_no == 0), None)
        rule = rules.get(items[0].rule_id) if items[0].rule_id else None
        if rule is None or first is None or len(items) < 2:
            continue
        allowed = rule.total_fen(first.amount_fen) if first.amount_fen else 0
        total = sum(a.amount_fen for a in items)
        if total > allowed:
            result.add(
                f"事项{first.application_id}（{first.enterprise} {first.rule_code}）分年兑现合计 "
                f"{format_yuan(total)} 元，超过条款总额 {format_yuan(allowed)} 元"
            )


def _granted_amounts(
    awards: list[_Award], rules: dict[int, RuleVersion], result: AuditResult
) -> None:
    for a in awards:
        if a.status not in status.GRANTED:
            continue
        rule = rules.get(a.rule_id) if a.rule_id else None
        if rule is None:
            result.add(f"{a.label}状态为“{a.status}”，但没有它所依据的政策条款版本")
            continue
        matter = MatterInput(
            a.event_date, a.basis_fen, a.level, a.manual_amount_fen, a.description, a.city_document
        )
        alone = rule.method_obj.compute(rule.parameters, matter, rule.name).amount_fen
        payments = {p.no: p.amount_fen for p in rule.schedule(a.event_date.year, alone)}
        allowed = payments.get(a.installment_no, 0)
        if a.amount_fen > allowed:
            result.add(
                f"{a.label}金额 {format_yuan(a.amount_fen)} 元，超过{rule.citation}对该事项"
                f"所能给予的 {format_yuan(allowed)} 元"
            )


def _drafts(db: Database, awards: list[_Award], catalogue: Catalogue, result: AuditResult) -> None:
    drafts = [a for a in awards if a.status == status.DRAFT]
    if not drafts:
        return
    enterprises = {a.enterprise_id for a in drafts}
    inputs = enterprise_inputs(db, enterprises)
    expected: dict[tuple[int, str, int], int] = {}
    for eid in enterprises:
        for r in inputs.evaluate(eid, catalogue):
            expected[r.key] = r.amount_fen
    changed = _changed_after(db)
    # Whether each enterprise's inputs changed since it was calculated (its input fingerprint);
    # for drafts without one, the times in the change log decide (to the second).
    unchanged = inputs_unchanged(db, catalogue, {(a.enterprise_id, a.year) for a in drafts})
    stale = 0
    for a in drafts:
        if a.traced_fen is not None and a.traced_fen != a.amount_fen:
            result.add(
                f"{a.label}草稿金额 {format_yuan(a.amount_fen)} 元，与其计算记录中的 "
                f"{format_yuan(a.traced_fen)} 元不符：可能被直接改动"
            )
            continue
        want = expected.get((a.application_id, a.rule_code, a.installment_no))
        if want == a.amount_fen:
            continue
        known = unchanged.get((a.enterprise_id, a.year))
        if known is False or (known is None and changed is not None and changed > a.calculated_at):
            stale += 1
            continue
        shown = "不应存在" if want is None else f"应为 {format_yuan(want)} 元"
        result.add(
            f"{a.label}草稿金额 {format_yuan(a.amount_fen)} 元，按现行规则{shown}，且计算后数据未变动：可能被直接改动"
        )
    if stale:
        result.notices.append(
            f"{stale}条草稿在录入、名单或规则变动后尚未重新计算（重新计算相应年度即可）"
        )


def _changed_after(db: Database) -> Any:
    """When calculation inputs last changed, or None: any logged write of matters, the registry,
    the lists, rules or decisions — except calculations, approvals and payments, which leave the
    other drafts as they are."""
    marks = ",".join("?" * len(_INPUT_TABLES))
    return db.scalar(
        f"SELECT max(at) FROM change_log WHERE table_name IN ({marks})"
        " AND action NOT IN ('计算', '审核通过', '拨付')",
        _INPUT_TABLES,
    )
