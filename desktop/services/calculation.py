"""Calculating a year: the engine over the stored facts, written back in one transaction.

People's decisions (granted, 不予奖补) are read and never rewritten: a granted award counts
toward caps and first-time keys at its amount, whatever its date; a revoked award is history and
its matter gets a new draft that points back to it. Only drafts are inserted, updated or deleted.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.engine import (
    Application,
    AwardKey,
    AwardResult,
    Decision,
    EnterpriseFacts,
    evaluate_enterprise,
)
from desktop.core.errors import Cancelled
from desktop.core.rules import Catalogue
from desktop.services.catalogue import load_catalogue
from desktop.storage.database import Database, now_text

Progress = Callable[[int, int, str], None]
_DECISIONS = status.sql_list(status.GRANTED | status.DENIED)
_MATTER_COLUMNS = (
    "a.id, a.enterprise_id, a.rule_code, a.event_date, a.basis_fen, a.level, a.city_document,"
    " a.same_matter_key, a.manual_amount_fen, a.description, a.identity_key"
)


@dataclass(frozen=True)
class CalcSummary:
    year: int
    enterprises: int
    results: int
    inserted: int
    updated: int
    unchanged: int
    deleted: int
    locked: int
    granted: int
    total_fen: int


@dataclass
class EnterpriseInputs:
    """Everything the engine reads of some enterprises: matters, facts and decisions."""

    matters: dict[int, list[Application]]
    facts: dict[int, EnterpriseFacts]
    decisions: dict[int, dict[AwardKey, Decision]]

    def evaluate(
        self, enterprise_id: int, catalogue: Catalogue, year: int | None = None
    ) -> list[AwardResult]:
        return evaluate_enterprise(
            self.matters.get(enterprise_id, []),
            self.facts.get(enterprise_id, EnterpriseFacts(enterprise_id, False)),
            catalogue,
            self.decisions.get(enterprise_id),
            year=year,
        )

    def reopened(self, year: int) -> EnterpriseInputs:
        """These inputs with the granted decisions on ``year``'s matters set aside (试算: what the
        year's matters would get under other rules); rejections, revocations and every other
        year's decisions stand."""
        in_year = {
            a.id for items in self.matters.values() for a in items if a.event_date.year == year
        }
        decisions = {
            eid: {
                key: d
                for key, d in found.items()
                if key[0] not in in_year or d.status not in status.GRANTED
            }
            for eid, found in self.decisions.items()
        }
        return EnterpriseInputs(self.matters, self.facts, decisions)


def _application(row: Any) -> Application:
    return Application(row[0], row[1], row[2], date.fromisoformat(row[3]), *row[4:])


def _load_inputs(db: Database, join: str, params: Iterable[Any] = ()) -> EnterpriseInputs:
    """Inputs of the enterprises ``join`` selects (SQL that yields a column ``id``)."""
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: this runs for every matter of a year
    params = tuple(params)
    matters: dict[int, list[Application]] = defaultdict(list)
    for row in cursor.execute(
        f"SELECT {_MATTER_COLUMNS} FROM ({join}) c JOIN applications a ON a.enterprise_id = c.id",
        params,
    ):
        matters[row[1]].append(_application(row))
    scale = {
        r[0]: bool(r[1])
        for r in cursor.execute(
            f"SELECT e.id, e.above_scale FROM ({join}) c JOIN enterprises e ON e.id = c.id", params
        )
    }
    lists: dict[int, set[int]] = defaultdict(set)
    for eid, y in cursor.execute(
        f"SELECT l.enterprise_id, l.year FROM ({join}) c JOIN siqiang_list l"
        " ON l.enterprise_id = c.id",
        params,
    ):
        lists[eid].add(y)
    decisions: dict[int, dict[AwardKey, Decision]] = defaultdict(dict)
    for r in cursor.execute(
        "SELECT a.enterprise_id, a.application_id, a.rule_code, a.installment_no, a.status,"
        f" a.amount_fen, a.id FROM ({join}) c JOIN awards a ON a.enterprise_id = c.id"
        f" WHERE a.status IN {_DECISIONS}",
        params,
    ):
        decisions[r[0]][(r[1], r[2], r[3])] = Decision(r[4], r[5], r[6])
    facts = {
        eid: EnterpriseFacts(eid, scale.get(eid, False), frozenset(lists.get(eid, ())))
        for eid in scale
    }
    return EnterpriseInputs(dict(matters), facts, dict(decisions))


def _year_enterprises(db: Database, year: int, span: int) -> None:
    """Fill ``temp.calc_enterprises``: enterprises with a matter in ``year``, or an earlier matter
    (up to ``span`` years before) under a rule whose installments can fall due in it."""
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS calc_enterprises (id INTEGER PRIMARY KEY)")
    db.conn.execute("DELETE FROM temp.calc_enterprises")
    db.conn.execute(
        "INSERT OR IGNORE INTO temp.calc_enterprises (id) SELECT enterprise_id FROM applications"
        " WHERE event_date BETWEEN ? AND ?",
        (f"{year}-01-01", f"{year}-12-31"),
    )
    if span:
        db.conn.execute(
            "INSERT OR IGNORE INTO temp.calc_enterprises (id) SELECT enterprise_id FROM applications"
            " WHERE event_date BETWEEN ? AND ?",
            (f"{year - span}-01-01", f"{year - 1}-12-31"),
        )


def year_inputs(db: Database, year: int, catalogues: Iterable[Catalogue]) -> EnterpriseInputs:
    """The engine's inputs for ``year`` in one batch read: every enterprise with a matter in the
    year or an installment that can fall due in it under any of ``catalogues`` (what-if reads
    once for the rules now and a draft)."""
    span = max((c.max_installment_span() for c in catalogues), default=0)
    if db.readonly:  # a read-only connection (query_only) cannot fill a temp table
        found = db.query(
            "SELECT DISTINCT enterprise_id FROM applications WHERE event_date BETWEEN ? AND ?",
            (f"{year - span}-01-01", f"{year}-12-31"),
        )
        ids = json.dumps([r[0] for r in found])
        return _load_inputs(db, "SELECT value AS id FROM json_each(?)", [ids])
    _year_enterprises(db, year, span)
    return _load_inputs(db, "SELECT id FROM temp.calc_enterprises")


def compute_year(
    db: Database,
    year: int,
    *,
    catalogue: Catalogue | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> list[AwardResult]:
    """Everything the engine says is due in ``year`` (nothing is written)."""
    catalogue = catalogue or load_catalogue(db)
    inputs = year_inputs(db, year, [catalogue])
    results: list[AwardResult] = []
    total = len(inputs.matters)
    for done, enterprise_id in enumerate(inputs.matters, start=1):
        if cancel is not None and done % 500 == 0 and cancel.is_set():
            raise Cancelled("计算")
        if progress is not None and done % 2000 == 0:
            progress(done, total, f"正在计算 {done}/{total} 户企业")
        results.extend(inputs.evaluate(enterprise_id, catalogue, year))
    return results


# One encoder object: json.dumps with options builds a new encoder on every call.
_encode_trace = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _award_row(res: AwardResult) -> dict[str, Any]:
    return {
        "application_id": res.application_id,
        "enterprise_id": res.enterprise_id,
        "rule_code": res.rule_code,
        "rule_id": res.rule_id,
        "year": res.year,
        "installment_no": res.installment_no,
        "basis_fen": res.basis_fen,
        "amount_fen": res.amount_fen,
        "computed_fen": res.amount_fen,
        "explanation": res.explanation,
        "trace": _encode_trace(res.trace.to_json()),
        "after_expiry": int(res.after_expiry),
    }


_INSERT = (
    "INSERT INTO awards (application_id, enterprise_id, rule_code, rule_id, year, installment_no,"
    " basis_fen, amount_fen, computed_fen, status, explanation, trace, after_expiry, calculated_at,"
    " calculated_by, supersedes) VALUES (:application_id, :enterprise_id, :rule_code, :rule_id,"
    f" :year, :installment_no, :basis_fen, :amount_fen, :computed_fen, '{status.DRAFT}',"
    " :explanation, :trace, :after_expiry, :at, :user, :supersedes)"
)
_UPDATE = (
    "UPDATE awards SET rule_id=:rule_id, basis_fen=:basis_fen, amount_fen=:amount_fen,"
    " computed_fen=:computed_fen, explanation=:explanation, trace=:trace, after_expiry=:after_expiry,"
    f" calculated_at=:at, calculated_by=:user WHERE id=:id AND status='{status.DRAFT}'"
)
_COMPARED = ("amount_fen", "basis_fen", "rule_id", "explanation", "trace", "after_expiry")


def calculate_year(
    db: Database,
    year: int,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> CalcSummary:
    """Recompute every not-yet-decided award of ``year`` and the installments falling due in it."""
    from desktop.services.siqiang_lists import check_year
    from desktop.services.users import CLERK, require_role

    require_role(db, CLERK)
    check_year(year)
    results = compute_year(db, year, progress=progress, cancel=cancel)
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples, read by position: this loop runs per award
    existing = {
        (r[1], r[2], r[3]): r
        for r in cursor.execute(
            "SELECT id, application_id, rule_code, installment_no, status, amount_fen, basis_fen,"
            " rule_id, explanation, trace, after_expiry FROM awards WHERE year = ?"
            f" AND status NOT IN {status.sql_list(status.SUPERSEDED)}",
            (year,),
        )
    }
    revoked = {
        (r[1], r[2], r[3]): r[0]
        for r in cursor.execute(
            "SELECT id, application_id, rule_code, installment_no FROM awards WHERE year = ?"
            f" AND status IN {status.sql_list(status.SUPERSEDED)} ORDER BY id",
            (year,),
        )
    }
    at, user = now_text(), db.user
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    unchanged = locked = granted = total_fen = 0
    seen: set[AwardKey] = set()
    for res in results:
        key = res.key
        seen.add(key)
        old = existing.get(key)
        if old is not None and old[4] != status.DRAFT:
            locked += 1
            if old[4] in status.GRANTED:
                granted += 1
                total_fen += old[5]
            continue
        if res.amount_fen > 0:
            granted += 1
            total_fen += res.amount_fen
        row = _award_row(res)
        if old is not None and old[5:] == tuple(row[k] for k in _COMPARED):
            unchanged += 1
            continue
        row.update(at=at, user=user, supersedes=revoked.get(key))
        if old is None:
            inserts.append(row)
        else:
            updates.append({**row, "id": old[0]})
    stale = [(r[0],) for key, r in existing.items() if key not in seen and r[4] == status.DRAFT]
    if cancel is not None and cancel.is_set():
        raise Cancelled("计算")
    summary = CalcSummary(
        year,
        len({r.enterprise_id for r in results}),
        len(results),
        len(inserts),
        len(updates),
        unchanged,
        len(stale),
        locked,
        granted,
        total_fen,
    )
    with db.transaction():
        db.executemany(_INSERT, inserts)
        db.executemany(_UPDATE, updates)
        db.executemany(f"DELETE FROM awards WHERE id = ? AND status = '{status.DRAFT}'", stale)
        db.log(
            "计算",
            "awards",
            year,
            None,
            {
                "year": year,
                "inserted": summary.inserted,
                "updated": summary.updated,
                "deleted": summary.deleted,
                "locked": locked,
                "total_fen": total_fen,
            },
        )
    if progress is not None:
        progress(len(results), len(results), "计算完成")
    return summary


def enterprise_inputs(db: Database, enterprise_ids: Iterable[int]) -> EnterpriseInputs:
    """The engine's inputs for these enterprises (every year)."""
    ids = json.dumps(sorted(set(enterprise_ids)))
    return _load_inputs(db, "SELECT value AS id FROM json_each(?)", [ids])


def results_for_enterprises(db: Database, enterprise_ids: set[int]) -> list[AwardResult]:
    """Every result the engine gives now for these enterprises' matters (nothing written)."""
    catalogue = load_catalogue(db)
    inputs = enterprise_inputs(db, enterprise_ids)
    return [r for eid in sorted(enterprise_ids) for r in inputs.evaluate(eid, catalogue)]


def preview_application(
    db: Database, item: Any, *, application_id: int | None = None
) -> list[AwardResult]:
    """What ``item`` (an ``ApplicationInput``) would be awarded if saved now; writes nothing."""
    catalogue = load_catalogue(db)
    new = Application(
        id=application_id if application_id is not None and application_id > 0 else 2**62,
        enterprise_id=item.enterprise_id,
        rule_code=item.rule_code,
        event_date=item.event_date,
        basis_fen=item.basis_fen,
        level=item.level,
        city_document=item.city_document,
        same_matter_key=item.same_matter_key,
        manual_amount_fen=item.manual_amount_fen,
        description=item.description,
        order_key=item.identity_key,
    )
    inputs = enterprise_inputs(db, [item.enterprise_id])
    matters = [a for a in inputs.matters.get(item.enterprise_id, []) if a.id != new.id]
    inputs.matters[item.enterprise_id] = [*matters, new]
    return [r for r in inputs.evaluate(item.enterprise_id, catalogue) if r.application_id == new.id]


def drifted_drafts(db: Database, rows: list[Any]) -> list[tuple[int, int, int | None]]:
    """Drafts whose stored amount is not what the engine gives now from the stored facts:
    (award id, stored 分, expected 分 or None when the engine no longer gives that award).

    ``rows``: award rows (id, application_id, enterprise_id, rule_code, installment_no, year,
    amount_fen). Approval refuses such drafts: they are stale (data or rules changed after the
    calculation) or were altered in the file."""
    if not rows:
        return []
    catalogue = load_catalogue(db)
    expected: dict[AwardKey, int] = {}
    years = {r["year"] for r in rows}
    if len(rows) > 2000 and len(years) == 1:  # a whole year: the year's own batch reads
        results = compute_year(db, next(iter(years)), catalogue=catalogue)
    else:
        inputs = enterprise_inputs(db, {r["enterprise_id"] for r in rows})
        results = [r for eid in inputs.matters for r in inputs.evaluate(eid, catalogue)]
    for res in results:
        expected[res.key] = res.amount_fen
    out = []
    for r in rows:
        want = expected.get((r["application_id"], r["rule_code"], r["installment_no"]))
        if want != r["amount_fen"]:
            out.append((r["id"], r["amount_fen"], want))
    return out
