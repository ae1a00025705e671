"""Incremental calculation: recalculating a year recomputes only enterprises whose inputs changed,
and gives exactly what a full calculation gives — after any edit: matters (also late, earlier-dated
ones), decisions, list places, 规上, rules."""

from __future__ import annotations

import random
from datetime import date

import pytest

from desktop.core.creditcode import make_credit_code
from desktop.core.errors import DomainError
from desktop.services import awards as award_service
from desktop.services.applications import (
    ApplicationInput,
    add_application,
    delete_application,
    update_application,
)
from desktop.services.calculation import calculate_year, recalculate_enterprise
from desktop.services.policy_drafts import copy_version, delete_version
from desktop.services.registry import EnterpriseInput, upsert_enterprises
from desktop.services.siqiang_lists import replace_list

YEARS = (2022, 2023, 2024, 2025)
MATTER_YEARS = (*YEARS, 2026)  # 2026: after the 2021 policy's end, under a successor if any
CODES = [make_credit_code(org_body=f"MA3C4HB{i}") for i in range(1, 7)]
# (rule code, 市级政策文号, what the matter carries): caps, first-time keys, installments, levels,
# a matter matched to its rule by 文号 alone.
KINDS = [
    ("LZ41-2", None, "basis"),
    ("LZ41-6B", None, None),
    ("LZ41-9A", None, None),
    ("LZ41-10B", None, "level"),
    ("LZ41-3", None, "basis"),
    (None, "淄政办字〔2021〕7号", "basis"),
]


def _enterprises(db, rng: random.Random) -> dict[str, int]:
    upsert_enterprises(
        db,
        [
            EnterpriseInput(code, f"淄博第{i}号新材料有限公司", "辛店街道", rng.random() < 0.6)
            for i, code in enumerate(CODES)
        ],
    )
    return {r[0]: r[1] for r in db.query("SELECT credit_code, id FROM enterprises")}


def _matter(rng: random.Random, ids: dict[str, int]) -> ApplicationInput:
    code = rng.choice(CODES)
    rule, document, needs = rng.choice(KINDS)
    when = date(rng.choice(MATTER_YEARS), rng.randint(1, 12), rng.randint(1, 28))
    return ApplicationInput(
        enterprise_id=ids[code],
        credit_code=code,
        rule_code=rule,
        event_date=when,
        basis_fen=rng.randrange(100_000, 900_000_000) if needs == "basis" else None,
        level=rng.choice(["省级", "市级"]) if needs == "level" else None,
        city_document=document,
        same_matter_key=rng.choice([None, None, None, "甲", "乙"]),
    )


def _awards(db, year: int, enterprise_id: int | None = None) -> dict:
    """What the year's stored awards say (ids and timestamps aside)."""
    only = "" if enterprise_id is None else f" AND enterprise_id = {int(enterprise_id)}"
    return {
        (r["application_id"], r["rule_code"], r["installment_no"], r["status"]): (
            r["amount_fen"],
            r["basis_fen"],
            r["rule_id"],
            r["explanation"],
            r["trace"],
            r["supersedes"],
        )
        for r in db.query(f"SELECT * FROM awards WHERE year = ?{only}", (year,))
    }


def _approve_some(db, rng: random.Random, year: int) -> None:
    drafts = [
        r["id"]
        for r in db.query(
            "SELECT id FROM awards WHERE year = ? AND status = '草稿' AND amount_fen > 0", (year,)
        )
    ]
    if not drafts:
        return
    db.user = "审核员"  # 录入≠审核
    try:
        award_service.approve(db, year, rng.sample(drafts, min(2, len(drafts))))
    finally:
        db.user = "测试员"


def _decide(db, rng: random.Random) -> None:
    """A person's decision on some award: approve, reject or revoke."""
    year = rng.choice(YEARS)
    calculate_year(db, year)  # a decision is taken on a current draft
    what = rng.choice(["approve", "reject", "revoke"])
    if what == "approve":
        _approve_some(db, rng, year)
        return
    wanted = "草稿" if what == "reject" else "已审核"
    rows = db.query("SELECT id FROM awards WHERE year = ? AND status = ?", (year, wanted))
    if rows:
        award_id = rng.choice(rows)["id"]
        db.user = "审核员"
        try:
            if what == "reject":
                award_service.reject(db, award_id, "材料不全")
            else:
                award_service.revoke(db, award_id, "基数有误")
        finally:
            db.user = "测试员"


def _edit(db, rng: random.Random, ids: dict[str, int]) -> int | None:
    """One random change of the inputs; the enterprise it concerns when it is a matter's."""
    kind = rng.choice(["add", "add", "add", "update", "delete", "decide", "list", "scale", "rule"])
    matters = db.query("SELECT id, enterprise_id FROM applications ORDER BY id")
    if kind == "add" or not matters:
        item = _matter(rng, ids)
        try:
            add_application(db, item)
        except DomainError:
            return None
        return item.enterprise_id
    if kind in ("update", "delete"):
        row = rng.choice(matters)
        try:
            if kind == "update":
                item = _matter(rng, ids)
                update_application(db, row["id"], item)
                return item.enterprise_id
            delete_application(db, row["id"])
        except DomainError:
            return None  # a decided matter is locked
        return row["enterprise_id"]
    if kind == "decide":
        _decide(db, rng)
    elif kind == "list":
        replace_list(db, rng.choice(MATTER_YEARS), set(rng.sample(sorted(ids.values()), 3)))
    elif kind == "scale":
        code = rng.choice(CODES)
        upsert_enterprises(
            db, [EnterpriseInput(code, f"淄博{code[-4:]}有限公司", "辛店街道", rng.random() < 0.5)]
        )
    else:
        _change_rules(db, rng)
    return None


SUCCESSOR = "临政字〔2026〕1号"


def _change_rules(db, rng: random.Random) -> None:
    """Published rules change only by publishing a version (a successor from 2026), or by
    deleting one no award uses."""
    successor = db.scalar("SELECT id FROM policy_versions WHERE doc_number = ?", (SUCCESSOR,))
    try:
        if successor is None:
            rate = rng.choice(["25%", "0.35"])
            copy_version(
                db, 1, doc_number=SUCCESSOR, valid_from="2026-01-01", valid_to="2028-12-31",
                rule_changes={
                    "LZ41-2": {"params": {"rate": rate}},
                    "LZ41-9A": {"params": {"yearly": "40万"}},
                },
            )  # fmt: skip
        else:
            delete_version(db, successor)
    except DomainError:
        pass  # an approved award rests on it


@pytest.mark.parametrize("seed", range(6))
def test_incremental_recalculation_equals_a_full_one_after_random_edits(db, seed):
    rng = random.Random(seed)
    ids = _enterprises(db, rng)
    for year in MATTER_YEARS:
        replace_list(db, year, set(rng.sample(sorted(ids.values()), 3)))
    for _ in range(12):
        add_application(db, _matter(rng, ids))
    for year in (*YEARS, 2026):
        calculate_year(db, year)
    for _step in range(25):
        _edit(db, rng, ids)
        year = rng.choice((*YEARS, 2026))
        incremental = calculate_year(db, year)
        stored = _awards(db, year)
        full = calculate_year(db, year, full=True)
        assert (full.inserted, full.updated, full.deleted) == (0, 0, 0)
        assert _awards(db, year) == stored
        assert (incremental.results, incremental.locked, incremental.granted) == (
            full.results,
            full.locked,
            full.granted,
        )
        assert incremental.total_fen == full.total_fen
        assert incremental.enterprises == full.enterprises


@pytest.mark.parametrize("seed", range(4))
def test_saving_a_matter_recomputes_its_enterprise_as_a_full_calculation_would(db, seed):
    rng = random.Random(100 + seed)
    ids = _enterprises(db, rng)
    for year in MATTER_YEARS:
        replace_list(db, year, set(rng.sample(sorted(ids.values()), 3)))
    for _ in range(10):
        add_application(db, _matter(rng, ids))
    for year in YEARS:
        calculate_year(db, year)
    for _step in range(15):
        item = _matter(rng, ids)
        try:
            add_application(db, item)
        except DomainError:
            continue
        year = item.event_date.year
        recalculate_enterprise(db, item.enterprise_id, year)
        mine = _awards(db, year, item.enterprise_id)
        calculate_year(db, year, full=True)
        assert _awards(db, year, item.enterprise_id) == mine


def test_an_unchanged_year_evaluates_no_enterprise_and_keeps_its_totals(db, monkeypatch):
    rng = random.Random(7)
    ids = _enterprises(db, rng)
    replace_list(db, 2024, set(ids.values()))
    for _ in range(15):
        add_application(db, _matter(rng, ids))
    first = calculate_year(db, 2024)
    from desktop.services import calculation

    evaluated: list[int] = []
    original = calculation.EnterpriseInputs.evaluate

    def counting(self, enterprise_id, catalogue, year=None):
        evaluated.append(enterprise_id)
        return original(self, enterprise_id, catalogue, year)

    monkeypatch.setattr(calculation.EnterpriseInputs, "evaluate", counting)
    again = calculate_year(db, 2024)
    assert evaluated == []
    assert (again.results, again.unchanged, again.granted, again.total_fen) == (
        first.results,
        first.results - first.locked,
        first.granted,
        first.total_fen,
    )
    replace_list(db, 2024, set(ids.values()) - {ids[CODES[0]]})  # one enterprise leaves the list
    calculate_year(db, 2024)
    assert set(evaluated) == {ids[CODES[0]]}


def test_a_successor_recomputes_only_the_years_it_reaches(db, monkeypatch):
    rng = random.Random(3)
    ids = _enterprises(db, rng)
    a, b = ids[CODES[0]], ids[CODES[1]]
    for year in (2024, 2026):
        replace_list(db, year, {a})  # LZ41-2 is for enterprises on the list
        for enterprise_id, code, rule, basis in (
            (a, CODES[0], "LZ41-2", 10_000_000),
            (b, CODES[1], "LZ41-6B", None),
        ):
            add_application(
                db,
                ApplicationInput(enterprise_id, code, rule, date(year, 3, 1), basis_fen=basis),
            )
    for year in (2024, 2026):
        calculate_year(db, year)
    from desktop.services import calculation

    evaluated: list[int] = []
    original = calculation.EnterpriseInputs.evaluate
    monkeypatch.setattr(
        calculation.EnterpriseInputs,
        "evaluate",
        lambda self, eid, cat, year=None: evaluated.append(eid) or original(self, eid, cat, year),
    )
    copy_version(
        db, 1, doc_number=SUCCESSOR, valid_from="2026-01-01", valid_to="2028-12-31",
        rule_changes={"LZ41-2": {"params": {"rate": "25%"}}},
    )  # fmt: skip
    calculate_year(db, 2024)
    assert evaluated == []  # a version from 2026 cannot reach 2024
    calculate_year(db, 2026)
    assert a in evaluated
    amount = "SELECT amount_fen FROM awards WHERE enterprise_id = ? AND year = ?"
    assert db.scalar(amount, (a, 2024)) == 3_000_000  # 100,000 元 × 30%, untouched
    assert db.scalar(amount, (a, 2026)) == 2_500_000  # × 25% under the successor


def test_every_input_revision_trigger_exists_after_the_migrations(db):
    from desktop.services.calculation import _REVISION_TRIGGERS, _revisions_kept

    assert _revisions_kept(db)
    db.conn.execute("DROP TRIGGER calc_listed")  # as a later rebuild of siqiang_list would
    assert not _revisions_kept(db)
    assert set(_REVISION_TRIGGERS) >= {
        r[0]
        for r in db.query("SELECT name FROM sqlite_master WHERE name LIKE 'calc%'")
        if r[0].startswith("calc_") and r[0] not in ("calc_revisions", "calc_fingerprints")
    }
