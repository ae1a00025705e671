"""The read models the desktop lists stand on: where each matter's award stands, the link between
a revoked award and its correction, the first year without a previous 四强 list, the drafts that
came out at 0, and sorting the registry in one query."""

from __future__ import annotations

import pytest

from desktop.core import status
from desktop.services.applications import edit_application, list_applications, matter_statuses
from desktop.services.awards import approve, list_awards, revoke, zero_drafts
from desktop.services.calculation import calculate_year
from desktop.services.registry import enterprise_sort_values
from desktop.services.siqiang_lists import list_years, previous_list_missing
from desktop.storage.database import Database


@pytest.fixture
def demo_db(demo):
    db = Database(demo, user="测试员")
    yield db
    db.close()


def test_each_matter_shows_the_status_that_speaks_for_it(demo_db):
    rows = list_applications(demo_db, 2022)
    by_status = {r.award_status for r in rows}
    assert status.PAID in by_status
    paid = next(r for r in rows if r.award_status == status.PAID)
    assert paid.locked and paid.decided
    drafts = [r for r in list_applications(demo_db, 2024) if r.award_status == status.DRAFT]
    assert drafts and not any(r.locked or r.decided for r in drafts)


def test_a_revoked_matter_unlocks_and_its_correction_is_linked_both_ways(demo_db):
    award = next(
        a for a in list_awards(demo_db, 2023) if a.status == status.APPROVED and a.basis_fen
    )
    assert matter_statuses(demo_db, [award.application_id])[award.application_id][1] is True
    revoke(demo_db, award.id, "基数录入错误")
    assert matter_statuses(demo_db, [award.application_id])[award.application_id] == (
        status.REVOKED,
        False,
        True,
    )
    edit_application(demo_db, award.application_id, {"basis": "2,000,000"})
    row = next(r for r in list_applications(demo_db, 2023) if r.id == award.application_id)
    assert row.preview_text != award.explanation  # previewed anew, not the revoked result
    calculate_year(demo_db, 2023)
    views = {
        a.id: a for a in list_awards(demo_db, 2023) if a.application_id == award.application_id
    }
    new = next(a for a in views.values() if a.id != award.id and a.installment_no == 0)
    assert views[award.id].superseded_by == new.id and new.supersedes == award.id
    assert (new.status, new.amount_fen) == (status.DRAFT, 60_000_000)
    assert matter_statuses(demo_db, [award.application_id])[award.application_id][0] == (
        status.DRAFT
    )
    approve(demo_db, 2023, [new.id])
    assert matter_statuses(demo_db, [award.application_id])[award.application_id][:2] == (
        status.APPROVED,
        True,
    )


def test_the_first_year_of_a_database_has_no_previous_list(demo_db):
    years = list_years(demo_db)
    assert previous_list_missing(demo_db, years[0]) is True
    assert previous_list_missing(demo_db, years[-1]) is False
    assert previous_list_missing(demo_db, years[-1] + 5) is False  # no list at all: nothing to warn


def test_zero_drafts_are_counted_by_reason(demo_db):
    awards = list_awards(demo_db, 2024)
    groups = zero_drafts(awards)
    expected = sum(1 for a in awards if a.status == status.DRAFT and a.amount_fen == 0)
    assert sum(n for _r, n in groups) == expected > 0
    assert [n for _r, n in groups] == sorted((n for _r, n in groups), reverse=True)


def test_an_official_list_never_calls_a_zero_result_a_draft():
    assert status.shown(status.DRAFT, 0) == status.NOTHING_DUE
    assert status.shown(status.DRAFT, 100) == status.DRAFT
    assert status.shown(status.REJECTED, 0) == status.REJECTED


def test_the_registry_sorts_by_any_column_in_one_query(demo_db):
    ids = [r[0] for r in demo_db.query("SELECT id FROM enterprises ORDER BY id DESC")]
    names = enterprise_sort_values(demo_db, ids, "name")
    by_name = {r["id"]: r["name"] for r in demo_db.query("SELECT id, name FROM enterprises")}
    assert names == [by_name[i] for i in ids]
    towns = enterprise_sort_values(demo_db, ids[:3], "town")
    assert all(isinstance(t, int) for t in towns)  # the towns' own order, not their names
