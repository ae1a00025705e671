"""Property tests (hypothesis): whatever order matters are entered in and years are calculated in,
the awards are the same, and no cap or first-time key is ever broken — also when decisions are
taken between batches of matters that arrive late."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core import status
from desktop.core.engine import Application, Decision, EnterpriseFacts, evaluate_enterprise
from desktop.core.rules import Catalogue
from desktop.services.catalogue import load_catalogue

YEARS = (2022, 2023, 2024, 2025)
# (rule, what the matter carries)
RULES = (
    ("LZ41-2", "basis"),
    ("LZ41-8A", "basis"),
    ("LZ41-3", "basis"),
    ("LZ41-6B", None),
    ("LZ41-6C", None),
    ("LZ41-6D", None),
    ("LZ41-8C", "level"),
    ("LZ41-9A", None),
    ("LZ41-10B", "level"),
    (None, "document"),  # matched by 淄政办字〔2021〕7号 → LZ41-2
)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> Catalogue:
    from desktop.storage.database import Database

    with Database(tmp_path_factory.mktemp("props") / "c.db") as db:
        return load_catalogue(db)


@st.composite
def matters(draw) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(1, 9))):
        rule, carries = draw(st.sampled_from(RULES))
        year = draw(st.sampled_from(YEARS))
        month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
        m = {
            "rule": rule,
            "date": date(year, month, day),
            "basis": draw(st.integers(1, 80)) * 100_000_00
            if carries in ("basis", "document")
            else None,
            "level": draw(st.sampled_from(("国家级", "省级", "市级")))
            if carries == "level"
            else None,
            "doc": "淄政办字〔2021〕7号" if carries == "document" else None,
            "group": draw(st.sampled_from((None, None, None, "G1", "G2"))),
        }
        out.append(m)
    # two matters with identical content would be one matter (refused as a duplicate)
    seen, unique = set(), []
    for m in out:
        key = tuple(m.values())
        if key not in seen:
            seen.add(key)
            unique.append(m)
    return unique


facts = st.builds(
    lambda scale, years: EnterpriseFacts(1, scale, frozenset(years)),
    st.booleans(),
    st.sets(st.sampled_from(YEARS)),
)


def _key(m: dict) -> str:
    return "|".join(str(v) for v in m.values())


def _apps(ms: list[dict], order: list[int]) -> list[Application]:
    """The matters entered in ``order``: ids follow entry order, as in the database."""
    return [
        Application(
            id=entry + 1,
            enterprise_id=1,
            rule_code=ms[i]["rule"],
            event_date=ms[i]["date"],
            basis_fen=ms[i]["basis"],
            level=ms[i]["level"],
            city_document=ms[i]["doc"],
            same_matter_key=ms[i]["group"],
            order_key=_key(ms[i]),
        )
        for entry, i in enumerate(order)
    ]


def _by_matter(results, apps, ms, order) -> dict:
    index = {a.id: order[n] for n, a in enumerate(apps)}
    return {
        (index[r.application_id], r.rule_code, r.installment_no): (r.year, r.amount_fen)
        for r in results
    }


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ms=matters(), f=facts, data=st.data())
def test_entry_order_and_decisions_never_change_the_awards(catalogue, ms, f, data):
    n = len(ms)
    first = list(range(n))
    apps = _apps(ms, first)
    drafts = evaluate_enterprise(apps, f, catalogue)
    # people decide on some awards (at the amounts they were shown)
    decisions: dict[tuple[int, int], Decision] = {}
    for r in drafts:
        if r.installment_no == 0 and r.amount_fen > 0 and data.draw(st.integers(0, 3)) == 0:
            decisions[(first.index(r.application_id - 1), r.rule_code)] = Decision(
                status.APPROVED, r.amount_fen
            )
    expected = None
    for _ in range(3):
        order = data.draw(st.permutations(range(n)))
        apps = _apps(ms, list(order))
        by_id = {order[entry]: entry + 1 for entry in range(n)}
        dec = {(by_id[i], code, 0): d for (i, code), d in decisions.items()}
        got = _by_matter(evaluate_enterprise(apps, f, catalogue, dec), apps, ms, list(order))
        if expected is None:
            expected = got
        assert got == expected


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ms=matters(), f=facts)
def test_one_year_alone_gives_what_the_whole_history_gives_for_it(catalogue, ms, f):
    apps = _apps(ms, list(range(len(ms))))
    whole = evaluate_enterprise(apps, f, catalogue)
    for year in range(2022, 2029):
        alone = evaluate_enterprise(apps, f, catalogue, year=year)
        assert sorted((r.key, r.amount_fen, r.explanation) for r in alone) == sorted(
            (r.key, r.amount_fen, r.explanation) for r in whole if r.year == year
        )


def _broken(results, apps, catalogue, decisions) -> list[str]:
    """Caps and first-time keys over what stands granted: decided amounts and drafts."""
    by_app = {a.id: a for a in apps}
    granted = []
    for r in results:
        d = decisions.get(r.key)
        if d is not None and d.status in status.DENIED:
            continue
        amount = d.amount_fen if d is not None else r.amount_fen
        if amount > 0 and r.installment_no == 0:
            granted.append((r, amount))
    problems = []
    caps: dict[tuple[str, int], int] = defaultdict(int)
    keys: dict[str, int] = defaultdict(int)
    for r, amount in granted:
        rule = catalogue.in_force(r.rule_code, by_app[r.application_id].event_date)
        if rule is None:
            problems.append(f"granted without a rule: {r}")
            continue
        cap = rule.cap_fen()
        if cap is not None:
            caps[(r.rule_code, r.year)] += amount
            if caps[(r.rule_code, r.year)] > cap:
                problems.append(
                    f"cap {r.rule_code} {r.year}: {caps[(r.rule_code, r.year)]} > {cap}"
                )
        if rule.first_time:
            keys[rule.first_key] += 1
            if keys[rule.first_key] > 1:
                problems.append(f"first-time key {rule.first_key} granted twice")
    return problems


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ms=matters(), f=facts, data=st.data())
def test_late_matters_and_decisions_in_between_never_break_a_cap_or_a_first_time_key(
    catalogue, ms, f, data
):
    order = list(data.draw(st.permutations(range(len(ms)))))
    cut = data.draw(st.integers(0, len(ms)))
    batches = [order[:cut], order[cut:]]
    entered: list[int] = []
    decisions: dict[tuple[int, str, int], Decision] = {}
    for batch in batches:
        entered.extend(batch)
        apps = _apps(ms, entered)
        results = evaluate_enterprise(apps, f, catalogue, decisions)
        assert not _broken(results, apps, catalogue, decisions)
        for r in results:
            if r.key in decisions or r.amount_fen == 0:
                continue
            choice = data.draw(st.integers(0, 4))
            if choice == 0:
                decisions[r.key] = Decision(status.APPROVED, r.amount_fen)
            elif choice == 1:
                decisions[r.key] = Decision(status.REJECTED, 0)
    apps = _apps(ms, entered)
    assert not _broken(
        evaluate_enterprise(apps, f, catalogue, decisions), apps, catalogue, decisions
    )


# -- the same through the database: entry order and year order ----------------------------------


def _office(path: Path, ms: list[dict], order: list[int], years: list[int]):
    from workbooks import code

    from desktop.services.applications import ApplicationInput, insert_applications
    from desktop.services.calculation import calculate_year
    from desktop.services.registry import EnterpriseInput, upsert_enterprises
    from desktop.services.siqiang_lists import replace_list
    from desktop.storage.database import Database

    db = Database(path, user="测试员")
    upsert_enterprises(db, [EnterpriseInput(code(1), "淄博性质测试有限公司", "辛店街道", True)])
    eid = db.scalar("SELECT id FROM enterprises")
    for y in (2022, 2024):
        replace_list(db, y, {eid})
    for i in order:
        m = ms[i]
        insert_applications(
            db,
            [
                ApplicationInput(
                    eid,
                    code(1),
                    m["rule"],
                    m["date"],
                    m["basis"],
                    m["level"],
                    m["doc"],
                    None,
                    m["group"],
                )
            ],
        )
    for y in years:
        calculate_year(db, y)
    return db


def _stored(db) -> dict:
    rows = db.query(
        "SELECT ap.rule_code, ap.event_date, ap.basis_fen, ap.level, ap.same_matter_key,"
        " a.rule_code AS code, a.installment_no, a.year, a.amount_fen, a.status"
        " FROM awards a JOIN applications ap ON ap.id = a.application_id"
    )
    return {tuple(r[:7]): tuple(r[7:]) for r in rows}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ms=matters(), seed=st.integers(0, 10_000))
def test_entry_and_year_order_give_the_same_stored_awards(tmp_path_factory, ms, seed):
    from desktop.services.awards import approve

    rng = random.Random(seed)
    folder = tmp_path_factory.mktemp("order")
    years = list(range(2022, 2029))
    states = []
    for run in range(2):
        order, calc_years = list(range(len(ms))), list(years)
        if run:
            rng.shuffle(order)
            rng.shuffle(calc_years)
        db = _office(folder / f"{run}.db", ms, order, calc_years)
        try:
            drafts = db.query(
                f"SELECT a.id, a.year, ap.event_date, ap.rule_code FROM awards a JOIN applications ap"
                f" ON ap.id = a.application_id WHERE a.status = '{status.DRAFT}' AND a.amount_fen > 0"
                " ORDER BY ap.event_date, ap.rule_code, ap.basis_fen, ap.level, ap.same_matter_key,"
                " a.rule_code, a.installment_no"
            )
            for row in drafts[::2]:  # the same matters' awards approved in both databases
                approve(db, row["year"], [row["id"]])
            for y in reversed(calc_years):
                from desktop.services.calculation import calculate_year

                calculate_year(db, y)
            states.append(_stored(db))
        finally:
            db.close()
    assert states[0] == states[1]
