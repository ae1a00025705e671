"""Calculating a year: the engine over the stored facts, written back in one transaction.

Approved, paid, rejected and revoked awards are people's decisions: the calculation reads them
(an approved award counts towards the cap, a rejected one does not) and never rewrites them.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from desktop.core import status
from desktop.core.engine import (
    Application,
    AwardKey,
    AwardResult,
    Decision,
    EnterpriseFacts,
    evaluate_enterprise,
)
from desktop.core.errors import Cancelled  # also importable from here, its old home
from desktop.core.rules import Catalogue
from desktop.services.applications import ApplicationInput
from desktop.services.catalogue import load_catalogue
from desktop.storage.database import Database, now_text

Progress = Callable[[int, int, str], None]


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


def _app(row) -> Application:
    return Application(
        id=row["id"],
        enterprise_id=row["enterprise_id"],
        rule_code=row["rule_code"],
        event_date=date.fromisoformat(row["event_date"]),
        basis_fen=row["basis_fen"],
        level=row["level"],
        city_document=row["city_document"],
        same_matter_key=row["same_matter_key"],
        manual_amount_fen=row["manual_amount_fen"],
        description=row["description"],
    )


def _special_codes(catalogue: Catalogue) -> tuple[set[str], set[str]]:
    installment, first_time = set(), set()
    for code in catalogue.codes():
        for version in catalogue.versions(code):
            if version.method == "installments":
                installment.add(code)
            if "first_time" in version.conditions:
                first_time.add(code)
    return installment, first_time


def _relevant(
    apps: list[Application],
    year: int,
    span: int,
    catalogue: Catalogue,
    installment: set[str],
    first_time: set[str],
) -> list[Application]:
    """The applications whose awards fall in ``year`` plus those their checks depend on."""
    if all(a.event_date.year == year and not a.same_matter_key for a in apps) and not any(
        _touches(a, catalogue, first_time) for a in apps
    ):
        return apps  # the common case: this year's matters only, nothing reaching back
    due = []
    for app in apps:
        y = app.event_date.year
        if y == year or (year - span <= y < year and _touches(app, catalogue, installment)):
            due.append(app)
    if not due:
        return []
    keep = {a.id for a in due}
    matters = {a.same_matter_key for a in due if a.same_matter_key}
    need_first = any(_touches(a, catalogue, first_time) for a in due)
    for app in apps:
        if app.id in keep:
            continue
        if app.same_matter_key and app.same_matter_key in matters:
            keep.add(app.id)
        elif need_first and app.event_date.year <= year and _touches(app, catalogue, first_time):
            keep.add(app.id)
    return [a for a in apps if a.id in keep]


def _touches(app: Application, catalogue: Catalogue, codes: set[str]) -> bool:
    if app.rule_code:
        return app.rule_code in codes
    return any(code in codes for code in catalogue.match_document(app.city_document))


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
    installment, first_time = _special_codes(catalogue)
    span = catalogue.max_installment_span()
    marks = ",".join("?" * len(installment)) or "NULL"
    # The enterprises with something due in the year, in a temp table the queries below join on.
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS calc_enterprises (id INTEGER PRIMARY KEY)")
    db.conn.execute("DELETE FROM temp.calc_enterprises")
    db.conn.execute(
        "INSERT OR IGNORE INTO temp.calc_enterprises (id) SELECT enterprise_id FROM applications"
        " WHERE event_date BETWEEN ? AND ?",
        (f"{year}-01-01", f"{year}-12-31"),
    )
    if installment:
        db.conn.execute(
            "INSERT OR IGNORE INTO temp.calc_enterprises (id) SELECT enterprise_id FROM applications"
            f" WHERE event_date BETWEEN ? AND ? AND rule_code IN ({marks})",
            (f"{year - span}-01-01", f"{year - 1}-12-31", *sorted(installment)),
        )
    # Of earlier years only what this year's checks can depend on: installment and first-time
    # rules, same-matter groups, and (when documents map to such rules) rows matched by document.
    reaching_back = sorted(installment | first_time)
    back_marks = ",".join("?" * len(reaching_back)) or "NULL"
    by_document = any(
        version.city_documents for code in reaching_back for version in catalogue.versions(code)
    )
    cursor = db.conn.cursor()
    cursor.row_factory = None
    by_enterprise: dict[int, list[Application]] = defaultdict(list)
    for row in cursor.execute(
        "SELECT a.id, a.enterprise_id, a.rule_code, a.event_date, a.basis_fen, a.level, a.city_document,"
        " a.same_matter_key, a.manual_amount_fen, a.description FROM temp.calc_enterprises c"
        " JOIN applications a ON a.enterprise_id = c.id WHERE a.event_date <= ? AND ("
        f" a.event_date >= ? OR a.rule_code IN ({back_marks}) OR a.same_matter_key IS NOT NULL"
        f" OR (a.rule_code IS NULL AND {int(by_document)}))",
        (f"{year}-12-31", f"{year}-01-01", *reaching_back),
    ):
        by_enterprise[row[1]].append(
            Application(row[0], row[1], row[2], date.fromisoformat(row[3]), *row[4:])
        )
    above = {
        r[0]: bool(r[1])
        for r in db.conn.execute(
            "SELECT e.id, e.above_scale FROM temp.calc_enterprises c JOIN enterprises e ON e.id = c.id"
        )
    }
    lists: dict[int, set[int]] = defaultdict(set)
    for eid, y in db.conn.execute(
        "SELECT l.enterprise_id, l.year FROM temp.calc_enterprises c"
        " JOIN siqiang_list l ON l.enterprise_id = c.id"
    ):
        lists[eid].add(y)
    decisions: dict[int, dict[AwardKey, Decision]] = defaultdict(dict)
    for r in db.conn.execute(
        "SELECT a.enterprise_id, a.application_id, a.rule_code, a.installment_no, a.status, a.amount_fen"
        " FROM temp.calc_enterprises c JOIN awards a ON a.enterprise_id = c.id"
        f" WHERE a.status IN {status.sql_list(status.GRANTED | status.DENIED)}"
    ):
        decisions[r[0]][(r[1], r[2], r[3])] = Decision(r[4], r[5])

    results: list[AwardResult] = []
    total = len(by_enterprise)
    for done, (eid, apps) in enumerate(by_enterprise.items(), start=1):
        if cancel is not None and done % 500 == 0 and cancel.is_set():
            raise Cancelled("计算")
        if progress is not None and done % 2000 == 0:
            progress(done, total, f"正在计算 {done}/{total} 户企业")
        relevant = _relevant(apps, year, span, catalogue, installment, first_time)
        if not relevant:
            continue
        facts = EnterpriseFacts(eid, above.get(eid, False), frozenset(lists.get(eid, ())))
        for result in evaluate_enterprise(relevant, facts, catalogue, decisions.get(eid)):
            if result.year == year:
                results.append(result)
    return results


# One encoder object: json.dumps with options builds a new encoder on every call.
_encode_trace = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


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
            "SELECT id, application_id, rule_code, installment_no, status, amount_fen, basis_fen, rule_id,"
            " explanation, trace, after_expiry FROM awards WHERE year = ?"
            f" AND status NOT IN {status.sql_list(status.SUPERSEDED)}",
            (year,),
        )
    }
    # A matter whose award was revoked gets a new draft that points back to the revoked one.
    revoked = {
        (r[1], r[2], r[3]): r[0]
        for r in cursor.execute(
            "SELECT id, application_id, rule_code, installment_no FROM awards WHERE year = ?"
            f" AND status IN {status.sql_list(status.SUPERSEDED)} ORDER BY id",
            (year,),
        )
    }
    at, user = now_text(), db.user
    inserts, updates = [], []
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
        trace = _encode_trace(res.trace)
        after = int(res.after_expiry)
        if old is not None and old[5:] == (
            res.amount_fen,
            res.basis_fen,
            res.rule_id,
            res.explanation,
            trace,
            after,
        ):
            unchanged += 1
            continue
        row = {
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
            "trace": trace,
            "after_expiry": after,
            "at": at,
            "user": user,
            "supersedes": revoked.get(key),
        }
        if old is None:
            inserts.append(row)
        else:
            updates.append({**row, "id": old[0]})
    stale = [(r[0],) for key, r in existing.items() if key not in seen and r[4] == status.DRAFT]
    if cancel is not None and cancel.is_set():
        raise Cancelled("计算")
    with db.transaction():
        db.executemany(
            "INSERT INTO awards (application_id, enterprise_id, rule_code, rule_id, year, installment_no,"
            " basis_fen, amount_fen, computed_fen, status, explanation, trace, after_expiry, calculated_at,"
            " calculated_by, supersedes) VALUES (:application_id, :enterprise_id, :rule_code, :rule_id,"
            " :year, :installment_no, :basis_fen, :amount_fen, :computed_fen, '草稿', :explanation,"
            " :trace, :after_expiry, :at, :user, :supersedes)",
            inserts,
        )
        db.executemany(
            "UPDATE awards SET rule_id=:rule_id, basis_fen=:basis_fen, amount_fen=:amount_fen,"
            " computed_fen=:computed_fen, explanation=:explanation, trace=:trace, after_expiry=:after_expiry,"
            " calculated_at=:at, calculated_by=:user WHERE id=:id AND status='草稿'",
            updates,
        )
        db.executemany("DELETE FROM awards WHERE id = ? AND status = '草稿'", stale)
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


def _enterprise_context(
    db: Database, enterprise_id: int, *, without_application: int | None = None
) -> tuple[list[Application], EnterpriseFacts, dict[AwardKey, Decision]]:
    """One enterprise's stored applications, facts and decisions, as the engine takes them."""
    apps = [
        _app(r)
        for r in db.query(
            "SELECT * FROM applications WHERE enterprise_id = ? AND id IS NOT ?",
            (enterprise_id, without_application),
        )
    ]
    row = db.one("SELECT above_scale FROM enterprises WHERE id = ?", (enterprise_id,))
    years = frozenset(
        r[0]
        for r in db.query("SELECT year FROM siqiang_list WHERE enterprise_id = ?", (enterprise_id,))
    )
    decisions = {
        (r[0], r[1], r[2]): Decision(r[3], r[4])
        for r in db.query(
            "SELECT application_id, rule_code, installment_no, status, amount_fen FROM awards"
            f" WHERE enterprise_id = ? AND status IN {status.sql_list(status.GRANTED | status.DENIED)}",
            (enterprise_id,),
        )
    }
    return apps, EnterpriseFacts(enterprise_id, bool(row and row[0]), years), decisions


def results_for_enterprises(db: Database, enterprise_ids: set[int]) -> list[AwardResult]:
    """Every result the engine gives now for these enterprises' applications (nothing written)."""
    catalogue = load_catalogue(db)
    out: list[AwardResult] = []
    for eid in sorted(enterprise_ids):
        apps, facts, decisions = _enterprise_context(db, eid)
        out.extend(evaluate_enterprise(apps, facts, catalogue, decisions))
    return out


def preview_application(
    db: Database, item: ApplicationInput, *, application_id: int | None = None
) -> list[AwardResult]:
    """What ``item`` would be awarded if saved now (for the form's live preview); writes nothing."""
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
    )
    apps, facts, decisions = _enterprise_context(
        db, item.enterprise_id, without_application=application_id
    )
    apps.append(new)
    return [
        r
        for r in evaluate_enterprise(apps, facts, catalogue, decisions)
        if r.application_id == new.id
    ]
