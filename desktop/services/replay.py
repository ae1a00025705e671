"""Replay: every granted award (审核中, 已审核, 已拨付, 拨付失败) recomputed with today's engine
under the rule versions it was approved with, and every difference listed — an engine change
that would alter a past decision is found before it ships. Nothing is written.

An award is replayed in the situation it was approved in, not in today's: clerks approve out of
date order (an award dated October may be approved before one dated March), and an award was
right when the matters decided before it were what they were. So each enterprise's granted
awards are replayed batch by batch in the order they were approved (their first sign-off, else
``reviewed_at``; one approval action is one batch, computed together as it was), each batch over
the matters of the awards approved up to it, with the awards approved before it (and the
rejections) as decisions.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from desktop.core import status
from desktop.core.engine import (
    AwardKey,
    AwardResult,
    Decision,
    EnterpriseFacts,
    evaluate_enterprise,
)
from desktop.core.errors import Cancelled
from desktop.core.money import format_yuan, yuan_string
from desktop.services.calculation import Progress, enterprise_inputs
from desktop.services.catalogue import load_catalogue
from desktop.storage.database import Database


@dataclass(frozen=True)
class _Award:
    id: int
    application_id: int
    enterprise_id: int
    rule_code: str
    installment_no: int
    year: int
    amount_fen: int
    rule_id: int | None
    status: str
    reviewed_at: str

    @property
    def key(self) -> AwardKey:
        return (self.application_id, self.rule_code, self.installment_no)


@dataclass(frozen=True)
class Difference:
    award_id: int
    credit_code: str
    enterprise_name: str
    rule_code: str
    year: int
    installment_no: int
    status: str
    approved_fen: int
    replayed_fen: int | None  # None: the engine gives no such award any more
    same_version: bool
    explanation: str

    @property
    def text(self) -> str:
        now = (
            "不再产生该核定结果"
            if self.replayed_fen is None
            else f"重算 {format_yuan(self.replayed_fen)} 元"
        )
        version = "" if self.same_version else "，适用的政策版本不同"
        part = f"第{self.installment_no}期" if self.installment_no else ""
        return (
            f"核定结果{self.award_id} {self.enterprise_name} {self.rule_code} {self.year}年度{part}"
            f"（{self.status}）：审核 {format_yuan(self.approved_fen)} 元，{now}{version}"
            + (f"；{self.explanation}" if self.explanation else "")
        )

    def json_value(self) -> dict[str, Any]:
        return {
            "编号": self.award_id,
            "统一社会信用代码": self.credit_code,
            "企业名称": self.enterprise_name,
            "条款编号": self.rule_code,
            "年度": self.year,
            "期次": self.installment_no,
            "状态": self.status,
            "审核金额": yuan_string(self.approved_fen),
            "重算金额": None if self.replayed_fen is None else yuan_string(self.replayed_fen),
            "版本一致": self.same_version,
            "重算说明": self.explanation,
        }


@dataclass
class ReplayReport:
    year: int | None
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.differences

    @property
    def headline(self) -> str:
        scope = f"{self.year}年度" if self.year is not None else "全部年度"
        if self.clean:
            return f"重算{scope}{self.checked}条已审核（含已拨付）的核定结果：与审核时全部一致"
        return (
            f"重算{scope}{self.checked}条已审核（含已拨付）的核定结果："
            f"{len(self.differences)}条与审核时不一致"
        )

    def json_value(self) -> dict[str, Any]:
        return {
            "年度": self.year,
            "核对": self.checked,
            "差异": [d.json_value() for d in self.differences],
        }


# When a decision was taken: its first sign-off (from then on its amount stood — 审核中 counts
# as granted), else ``reviewed_at`` (a rejection, or an approval recorded before sign-offs).
_AWARD_COLUMNS = (
    "id, application_id, enterprise_id, rule_code, installment_no, year, amount_fen, rule_id,"
    " status, coalesce((SELECT min(s.signed_at) FROM award_signoffs s WHERE s.award_id = awards.id),"
    " reviewed_at, '')"
)


def _awards(db: Database, statuses: frozenset[str], year: int | None) -> list[_Award]:
    where = f"status IN {status.sql_list(statuses)}"
    params: tuple[Any, ...] = ()
    if year is not None:
        where += (
            " AND enterprise_id IN (SELECT enterprise_id FROM awards WHERE year = ?"
            f" AND status IN {status.sql_list(status.GRANTED)})"
        )
        params = (year,)
    cursor = db.conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(f"SELECT {_AWARD_COLUMNS} FROM awards WHERE {where}", params)
    return [_Award(*r) for r in rows]


def _batches(awards: list[_Award]) -> list[list[_Award]]:
    """One enterprise's granted awards in the order they were approved, one approval per batch."""
    by_time: dict[str, list[_Award]] = defaultdict(list)
    for award in sorted(awards, key=lambda a: (a.reviewed_at, a.id)):
        by_time[award.reviewed_at].append(award)
    return list(by_time.values())


def replay(
    db: Database,
    *,
    year: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ReplayReport:
    """``replay [--year Y]``: see the module text. ``year`` limits what is compared (the awards
    of that award year); their enterprises' earlier approvals are replayed to get there."""
    granted = _awards(db, status.GRANTED, year)
    rejected = _awards(db, status.DENIED, year)
    by_enterprise: dict[int, list[_Award]] = defaultdict(list)
    for award in granted:
        by_enterprise[award.enterprise_id].append(award)
    rejections: dict[int, dict[AwardKey, Decision]] = defaultdict(dict)
    for award in rejected:
        rejections[award.enterprise_id][award.key] = Decision(award.status, 0, award.id)
    catalogue = load_catalogue(db)
    inputs = enterprise_inputs(db, by_enterprise)
    names = _names(db, list(by_enterprise))
    report = ReplayReport(year)
    total = len(by_enterprise)
    for done, (eid, awards) in enumerate(sorted(by_enterprise.items()), start=1):
        if cancel is not None and done % 200 == 0 and cancel.is_set():
            raise Cancelled("重算核对")
        if progress is not None and done % 500 == 0:
            progress(done, total, f"正在重算核对 {done}/{total} 户企业")
        matters = {a.id: a for a in inputs.matters.get(eid, [])}
        facts = inputs.facts.get(eid, EnterpriseFacts(eid, False))
        decided: dict[AwardKey, Decision] = dict(rejections.get(eid, {}))
        wanted: set[int] = {k[0] for k in decided}
        for batch in _batches(awards):
            wanted |= {a.application_id for a in batch}
            if year is None or any(a.year == year for a in batch):
                apps = [matters[i] for i in wanted if i in matters]
                results = {r.key: r for r in evaluate_enterprise(apps, facts, catalogue, decided)}
                for award in batch:
                    if year is not None and award.year != year:
                        continue
                    report.checked += 1
                    found = _compare(award, results.get(award.key), names[eid])
                    if found is not None:
                        report.differences.append(found)
            for award in batch:
                decided[award.key] = Decision(award.status, award.amount_fen, award.id)
    return report


def _compare(award: _Award, result: AwardResult | None, name: tuple[str, str]) -> Difference | None:
    if (
        result is not None
        and result.amount_fen == award.amount_fen
        and result.rule_id == award.rule_id
    ):
        return None
    return Difference(
        award.id,
        name[0],
        name[1],
        award.rule_code,
        award.year,
        award.installment_no,
        award.status,
        award.amount_fen,
        None if result is None else result.amount_fen,
        result is not None and result.rule_id == award.rule_id,
        "" if result is None else result.explanation,
    )


def _names(db: Database, enterprise_ids: list[int]) -> dict[int, tuple[str, str]]:
    import json

    return {
        r["id"]: (r["credit_code"], r["name"])
        for r in db.query(
            "SELECT e.id, e.credit_code, e.name FROM json_each(?) j"
            " JOIN enterprises e ON e.id = j.value",
            (json.dumps(sorted(enterprise_ids)),),
        )
    }
