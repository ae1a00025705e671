"""Calculating a year: the engine over the stored facts, written back in one transaction.

People's decisions (granted, 不予奖补) are read and never rewritten: a granted award counts
toward caps and first-time keys at its amount, whatever its date; a revoked award is history and
its matter gets a new draft that points back to it. Only drafts are inserted, updated or deleted.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop import __version__
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


# Up to this many enterprises, the reads start from the set and seek each one's rows through
# the enterprise indexes (CROSS JOIN fixes that order: SQLite has no statistics on a temp table or
# json_each and would scan the big table instead — 40 ms a table for one enterprise at 100k).
_FEW = 2000


def _join(count: int) -> str:
    return "CROSS JOIN" if count <= _FEW else "JOIN"


def _load_inputs(
    db: Database, join: str, params: Iterable[Any] = (), *, count: int = _FEW + 1
) -> EnterpriseInputs:
    """Inputs of the enterprises ``join`` selects (SQL that yields a column ``id``; ``count``:
    about how many it selects)."""
    by = _join(count)
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: this runs for every matter of a year
    params = tuple(params)
    matters: dict[int, list[Application]] = defaultdict(list)
    for row in cursor.execute(
        f"SELECT {_MATTER_COLUMNS} FROM ({join}) c {by} applications a ON a.enterprise_id = c.id",
        params,
    ):
        matters[row[1]].append(_application(row))
    scale = {
        r[0]: bool(r[1])
        for r in cursor.execute(
            f"SELECT e.id, e.above_scale FROM ({join}) c {by} enterprises e ON e.id = c.id", params
        )
    }
    lists: dict[int, set[int]] = defaultdict(set)
    for eid, y in cursor.execute(
        f"SELECT l.enterprise_id, l.year FROM ({join}) c {by} siqiang_list l"
        " ON l.enterprise_id = c.id",
        params,
    ):
        lists[eid].add(y)
    decisions: dict[int, dict[AwardKey, Decision]] = defaultdict(dict)
    for r in cursor.execute(
        "SELECT a.enterprise_id, a.application_id, a.rule_code, a.installment_no, a.status,"
        f" a.amount_fen, a.id FROM ({join}) c {by} awards a ON a.enterprise_id = c.id"
        f" WHERE a.status IN {_DECISIONS}",
        params,
    ):
        decisions[r[0]][(r[1], r[2], r[3])] = Decision(r[4], r[5], r[6])
    facts = {
        eid: EnterpriseFacts(eid, scale.get(eid, False), frozenset(lists.get(eid, ())))
        for eid in scale
    }
    return EnterpriseInputs(dict(matters), facts, dict(decisions))


def _year_enterprises(
    db: Database,
    year: int,
    catalogues: Iterable[Catalogue],
    enterprise_id: int | None = None,
) -> None:
    """Fill ``temp.calc_enterprises``: enterprises with a matter in ``year``, or an earlier matter
    under a rule whose installments can fall due in it under any of ``catalogues`` (only
    ``enterprise_id``, if given)."""
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS calc_enterprises (id INTEGER PRIMARY KEY)")
    db.conn.execute("DELETE FROM temp.calc_enterprises")
    only = "" if enterprise_id is None else f" AND enterprise_id = {int(enterprise_id)}"
    db.conn.execute(
        "INSERT OR IGNORE INTO temp.calc_enterprises (id) SELECT enterprise_id FROM applications"
        f" WHERE event_date BETWEEN ? AND ?{only}",
        (f"{year}-01-01", f"{year}-12-31"),
    )
    catalogues = list(catalogues)
    span = max((c.max_installment_span() for c in catalogues), default=0)
    codes = sorted({code for c in catalogues for code in c.installment_codes})
    if span:  # a matter naming no rule may match an installment rule by its 文号
        db.conn.execute(
            "INSERT OR IGNORE INTO temp.calc_enterprises (id) SELECT enterprise_id FROM applications"
            " WHERE event_date BETWEEN ? AND ?"
            f" AND (rule_code IS NULL OR rule_code IN (SELECT value FROM json_each(?))){only}",
            (
                f"{year - span}-01-01",
                f"{year - 1}-12-31",
                json.dumps(codes),
            ),
        )


def year_inputs(db: Database, year: int, catalogues: Iterable[Catalogue]) -> EnterpriseInputs:
    """The engine's inputs for ``year`` in one batch read: every enterprise with a matter in the
    year or an installment that can fall due in it under any of ``catalogues`` (what-if reads
    once for the rules now and a draft)."""
    catalogues = list(catalogues)
    span = max((c.max_installment_span() for c in catalogues), default=0)
    if db.readonly:  # a read-only connection (query_only) cannot fill a temp table
        found = db.query(
            "SELECT DISTINCT enterprise_id FROM applications WHERE event_date BETWEEN ? AND ?",
            (f"{year - span}-01-01", f"{year}-12-31"),
        )
        ids = [r[0] for r in found]
        return _load_inputs(
            db, "SELECT value AS id FROM json_each(?)", [json.dumps(ids)], count=len(ids)
        )
    _year_enterprises(db, year, catalogues)
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
    for _, found in _evaluate_all(inputs, catalogue, year, progress, cancel):
        results.extend(found)
    return results


def _evaluate_all(
    inputs: EnterpriseInputs,
    catalogue: Catalogue,
    year: int,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> Iterator[tuple[int, list[AwardResult]]]:
    """(enterprise id, its results in ``year``) for every enterprise of ``inputs``."""
    total = len(inputs.matters)
    for done, enterprise_id in enumerate(inputs.matters, start=1):
        if cancel is not None and done % 500 == 0 and cancel.is_set():
            raise Cancelled("计算")
        if progress is not None and done % 2000 == 0:
            progress(done, total, f"正在计算 {done}/{total} 户企业")
        yield enterprise_id, inputs.evaluate(enterprise_id, catalogue, year)


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
        "trace": res.trace.encode(),
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
_FINGERPRINT_UPSERT = (
    "INSERT INTO calc_fingerprints (year, enterprise_id, revision, rules, rules_digest, results,"
    " locked, granted, total_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (year, enterprise_id) DO UPDATE SET revision = excluded.revision,"
    " rules = excluded.rules, rules_digest = excluded.rules_digest, results = excluded.results,"
    " locked = excluded.locked, granted = excluded.granted, total_fen = excluded.total_fen"
)
# Raise when a change to the engine (desktop/core) changes what it computes from the same inputs:
# every stored fingerprint then differs and the next calculation recomputes every enterprise.
ENGINE_REVISION = "1"


# -- input fingerprints -------------------------------------------------------------------------


def _rules_named(matters: Iterable[Application]) -> str:
    """The rule codes and 文号 an enterprise's matters name (any year), as one stored text."""
    named = {
        f"条款:{a.rule_code}" if a.rule_code else f"文号:{a.city_document or ''}" for a in matters
    }
    return "\n".join(sorted(named))


class _RuleDigests:
    """Digest of the rule versions a set of named rules resolves to in a catalogue for one year's
    calculation (memoised): versions that start after the year cannot reach it, so publishing a
    successor leaves the years before it unchanged."""

    def __init__(self, catalogue: Catalogue, year: int) -> None:
        self.catalogue = catalogue
        self.last_day = date(year, 12, 31)
        self._memo: dict[str, str] = {}

    def _versions(self, name: str) -> str:
        kind, _, value = name.partition(":")
        codes = [value] if kind == "条款" else self.catalogue.match_document(value)
        return repr(
            [
                (code, [v for v in self.catalogue.versions(code) if v.valid_from <= self.last_day])
                for code in codes
            ]
        )

    def __call__(self, rules: str) -> str:
        digest = self._memo.get(rules)
        if digest is None:
            h = hashlib.sha256(f"{__version__}/{ENGINE_REVISION}".encode())
            for name in rules.split("\n") if rules else ():
                h.update(self._versions(name).encode())
            digest = self._memo[rules] = h.hexdigest()[:32]
        return digest


@dataclass
class _Stored:
    """A stored fingerprint row of one enterprise and year (what its results came to)."""

    revision: int
    rules: str
    rules_digest: str
    results: int
    locked: int
    granted: int
    total_fen: int


@dataclass
class _Tally:
    """What a calculation did, summed over enterprises."""

    enterprises: int = 0
    results: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    locked: int = 0
    granted: int = 0
    total_fen: int = 0

    def add(self, other: _Tally) -> None:
        for name in ("enterprises", "results", "unchanged", "locked", "granted", "total_fen"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def outcome(self) -> tuple[int, int, int, int]:
        """What a fingerprint row stores of one enterprise's results."""
        return (self.results, self.locked, self.granted, self.total_fen)

    def add_stored(self, row: _Stored) -> None:
        self.enterprises += 1 if row.results else 0
        self.results += row.results
        self.unchanged += row.results - row.locked
        self.locked += row.locked
        self.granted += row.granted
        self.total_fen += row.total_fen

    def summary(self, year: int) -> CalcSummary:
        return CalcSummary(
            year,
            self.enterprises,
            self.results,
            self.inserted,
            self.updated,
            self.unchanged,
            self.deleted,
            self.locked,
            self.granted,
            self.total_fen,
        )


class _Diff:
    """Results against the stored awards: which to insert, update, leave, and which drafts are
    stale (``existing``/``revoked``: the stored awards by key, as read in :func:`_recompute`)."""

    def __init__(
        self, existing: dict[AwardKey, Any], revoked: dict[AwardKey, int], at: str, user: str
    ) -> None:
        self.existing, self.revoked, self.at, self.user = existing, revoked, at, user
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.seen: set[AwardKey] = set()

    def enterprise(self, results: list[AwardResult]) -> _Tally:
        """Diff one enterprise's results; what they came to."""
        mine = _Tally(enterprises=1 if results else 0, results=len(results))
        for res in results:
            key = res.key
            self.seen.add(key)
            old = self.existing.get(key)
            if old is not None and old[4] != status.DRAFT:
                mine.locked += 1  # a decision stands: counted at its amount, never rewritten
                if old[4] in status.GRANTED:
                    mine.granted += 1
                    mine.total_fen += old[5]
                continue
            if res.amount_fen > 0:
                mine.granted += 1
                mine.total_fen += res.amount_fen
            row = _award_row(res)
            if old is not None and old[5:11] == tuple(row[k] for k in _COMPARED):
                mine.unchanged += 1
                continue
            row.update(at=self.at, user=self.user, supersedes=self.revoked.get(key))
            if old is None:
                self.inserts.append(row)
            else:
                self.updates.append({**row, "id": old[0]})
        return mine

    def stale(self) -> list[Any]:
        """Stored drafts no result gives any more."""
        return [
            r for key, r in self.existing.items() if key not in self.seen and r[4] == status.DRAFT
        ]


# The triggers of the incremental-calculation migration that keep calc_revisions (a table rebuilt by a later migration
# loses its triggers: then every calculation is a full one until they are recreated).
_REVISION_TRIGGERS = (
    "calc_matter_added",
    "calc_matter_changed",
    "calc_matter_deleted",
    "calc_scale_changed",
    "calc_listed",
    "calc_list_changed",
    "calc_unlisted",
    "calc_decided",
    "calc_award_deleted",
)


def _revisions_kept(db: Database) -> bool:
    found = db.scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        " AND name IN (SELECT value FROM json_each(?))",
        (json.dumps(_REVISION_TRIGGERS),),
    )
    return found == len(_REVISION_TRIGGERS)


def _plan(
    db: Database, year: int, digests: _RuleDigests, full: bool
) -> tuple[dict[int, _Stored], dict[int, int], bool]:
    """Split the enterprises of ``temp.calc_enterprises`` (and those calculated for ``year``
    before) into the unchanged ones (their stored rows) and the ones to compute, which go into
    ``temp.calc_dirty`` with their current revision. Also says whether the whole year is computed
    (no fingerprints yet, or ``full``)."""
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS calc_dirty (id INTEGER PRIMARY KEY)")
    db.conn.execute("DELETE FROM temp.calc_dirty")
    cursor = db.conn.cursor()
    cursor.row_factory = None
    stored = {
        r[0]: _Stored(*r[1:])
        for r in cursor.execute(
            "SELECT enterprise_id, revision, rules, rules_digest, results, locked, granted,"
            " total_fen FROM calc_fingerprints WHERE year = ?",
            (year,),
        )
    }
    whole = full or not stored or not _revisions_kept(db)
    revisions: dict[int, int] = dict(
        cursor.execute(
            "SELECT c.id, coalesce(r.revision, 0) FROM temp.calc_enterprises c"
            " LEFT JOIN calc_revisions r ON r.enterprise_id = c.id"
        ).fetchall()
    )
    unchanged: dict[int, _Stored] = {}
    for enterprise_id, revision in revisions.items():
        row = stored.get(enterprise_id)
        if (
            not whole
            and row is not None
            and row.revision == revision
            and row.rules_digest == digests(row.rules)
        ):
            unchanged[enterprise_id] = row
    dirty = {eid: rev for eid, rev in revisions.items() if eid not in unchanged}
    gone = [eid for eid in stored if eid not in revisions]  # no longer in the year: drafts go
    for enterprise_id, revision in cursor.execute(
        "SELECT value, coalesce(r.revision, 0) FROM json_each(?)"
        " LEFT JOIN calc_revisions r ON r.enterprise_id = value",
        (json.dumps(gone),),
    ):
        dirty[enterprise_id] = revision
    db.conn.executemany(
        "INSERT INTO temp.calc_dirty (id) VALUES (?)", [(eid,) for eid in sorted(dirty)]
    )
    return unchanged, dirty, whole


def calculate_year(
    db: Database,
    year: int,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    full: bool = False,
) -> CalcSummary:
    """Recompute every not-yet-decided award of ``year`` and the installments falling due in it.

    Only enterprises whose inputs changed since their last calculation of the year are evaluated
    (``full``: every one); the results are the same either way."""
    from desktop.services.siqiang_lists import check_year
    from desktop.services.users import CLERK, require_role

    require_role(db, CLERK)
    check_year(year)
    catalogue = load_catalogue(db)
    _year_enterprises(db, year, [catalogue])
    digests = _RuleDigests(catalogue, year)
    unchanged, dirty, whole = _plan(db, year, digests, full)
    tally = _Tally()
    for row in unchanged.values():
        tally.add_stored(row)
    _recompute(db, year, catalogue, digests, dirty, whole, tally, progress, cancel)
    if progress is not None:
        progress(tally.results, tally.results, "计算完成")
    return tally.summary(year)


def recalculate_enterprise(db: Database, enterprise_id: int, year: int) -> CalcSummary:
    """Recompute one enterprise's not-yet-decided awards of ``year`` at once (after an edit):
    what :func:`calculate_year` would write for it, and its fingerprint."""
    from desktop.services.siqiang_lists import check_year
    from desktop.services.users import CLERK, require_role

    require_role(db, CLERK)
    check_year(year)
    catalogue = load_catalogue(db)
    _year_enterprises(db, year, [catalogue], enterprise_id)
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS calc_dirty (id INTEGER PRIMARY KEY)")
    db.conn.execute("DELETE FROM temp.calc_dirty")
    db.conn.execute("INSERT INTO temp.calc_dirty (id) VALUES (?)", (enterprise_id,))
    revision = db.scalar(
        "SELECT revision FROM calc_revisions WHERE enterprise_id = ?", (enterprise_id,)
    )
    tally = _Tally()
    dirty = {enterprise_id: int(revision or 0)}
    _recompute(db, year, catalogue, _RuleDigests(catalogue, year), dirty, False, tally, None, None)
    return tally.summary(year)


def _recompute(
    db: Database,
    year: int,
    catalogue: Catalogue,
    digests: _RuleDigests,
    dirty: dict[int, int],
    whole: bool,
    tally: _Tally,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> None:
    """Evaluate the enterprises of ``temp.calc_dirty`` (``dirty``: their revisions), diff their
    results against the stored awards of ``year`` (``whole``: every award of the year) and write
    the difference, their fingerprints and one change-log entry in one transaction."""
    inputs = _load_inputs(db, "SELECT id FROM temp.calc_dirty", count=len(dirty))
    in_year = {r[0] for r in db.conn.execute("SELECT id FROM temp.calc_enterprises").fetchall()}
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples, read by position: this loop runs per award
    # The stored awards of the year: all of them, or those of the enterprises computed (through
    # the index on enterprise and year).
    awards = (
        "awards a"
        if whole
        else f"temp.calc_dirty d {_join(len(dirty))} awards a ON a.enterprise_id = d.id"
    )
    existing = {
        (r[1], r[2], r[3]): r
        for r in cursor.execute(
            "SELECT a.id, a.application_id, a.rule_code, a.installment_no, a.status, a.amount_fen,"
            " a.basis_fen, a.rule_id, a.explanation, a.trace, a.after_expiry, a.enterprise_id"
            f" FROM {awards} WHERE a.year = ? AND a.status NOT IN {status.sql_list(status.SUPERSEDED)}",
            (year,),
        )
    }
    revoked = {
        (r[1], r[2], r[3]): r[0]
        for r in cursor.execute(
            f"SELECT a.id, a.application_id, a.rule_code, a.installment_no FROM {awards}"
            f" WHERE a.year = ? AND a.status IN {status.sql_list(status.SUPERSEDED)} ORDER BY a.id",
            (year,),
        )
    }
    diff = _Diff(existing, revoked, now_text(), db.user)
    fingerprints: list[tuple[Any, ...]] = []
    for enterprise_id, results in _evaluate_all(inputs, catalogue, year, progress, cancel):
        mine = diff.enterprise(results)
        tally.add(mine)
        if enterprise_id in in_year:
            rules = _rules_named(inputs.matters.get(enterprise_id, ()))
            fingerprints.append((enterprise_id, rules, digests(rules), *mine.outcome()))
    stale = diff.stale()
    if cancel is not None and cancel.is_set():
        raise Cancelled("计算")
    tally.inserted, tally.updated, tally.deleted = len(diff.inserts), len(diff.updates), len(stale)
    # Deleting a stale draft counts as a change of its enterprise (a trigger): those are ours.
    own_deletes: dict[int, int] = defaultdict(int)
    for r in stale:
        own_deletes[r[11]] += 1
    with db.transaction():
        db.executemany(_INSERT, diff.inserts)
        db.executemany(_UPDATE, diff.updates)
        deleted = db.executemany(
            f"DELETE FROM awards WHERE id = ? AND status = '{status.DRAFT}'",
            [(r[0],) for r in stale],
        ).rowcount
        decided_meanwhile = deleted != len(stale)  # then every enterprise is looked at again

        def revision(enterprise_id: int) -> int:
            return -1 if decided_meanwhile else dirty[enterprise_id] + own_deletes[enterprise_id]

        db.executemany(
            _FINGERPRINT_UPSERT,
            [(year, f[0], revision(f[0]), *f[1:]) for f in fingerprints],
        )
        db.executemany(
            "DELETE FROM calc_fingerprints WHERE year = ? AND enterprise_id = ?",
            [(year, eid) for eid in dirty if eid not in in_year],
        )
        db.log(
            "计算",
            "awards",
            year,
            None,
            {
                "year": year,
                "inserted": tally.inserted,
                "updated": tally.updated,
                "deleted": tally.deleted,
                "locked": tally.locked,
                "total_fen": tally.total_fen,
            },
        )


def inputs_unchanged(
    db: Database, catalogue: Catalogue, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bool]:
    """For (enterprise id, year): True when the enterprise's last calculation of that year rests
    on its inputs as they are now, False when they changed since; absent when it is not known (no
    fingerprint: calculated by an older program, or never)."""
    if not _revisions_kept(db):
        return {}
    digests: dict[int, _RuleDigests] = {}
    cursor = db.conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        "SELECT f.enterprise_id, f.year, f.revision = coalesce(r.revision, 0), f.rules,"
        " f.rules_digest FROM json_each(?) k"
        " JOIN calc_fingerprints f ON f.enterprise_id = json_extract(k.value, '$[0]')"
        " AND f.year = json_extract(k.value, '$[1]')"
        " LEFT JOIN calc_revisions r ON r.enterprise_id = f.enterprise_id",
        (json.dumps(sorted(set(keys))),),
    )
    out: dict[tuple[int, int], bool] = {}
    for enterprise_id, year, same_revision, rules, digest in rows:
        of_year = digests.setdefault(year, _RuleDigests(catalogue, year))
        out[(enterprise_id, year)] = bool(same_revision) and of_year(rules) == digest
    return out


def enterprise_inputs(db: Database, enterprise_ids: Iterable[int]) -> EnterpriseInputs:
    """The engine's inputs for these enterprises (every year)."""
    ids = sorted(set(enterprise_ids))
    return _load_inputs(
        db, "SELECT value AS id FROM json_each(?)", [json.dumps(ids)], count=len(ids)
    )


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
