"""Calculating a year through the service: storage, decisions kept, installments across years."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.core.creditcode import make_credit_code
from desktop.core.errors import Conflict, ValidationError
from desktop.services import awards as award_service
from desktop.services.applications import ApplicationInput, insert_applications
from desktop.services.calculation import calculate_year
from desktop.services.registry import EnterpriseInput, upsert_enterprises
from desktop.services.siqiang_lists import replace_list

CODE_A = make_credit_code(org_body="MA3C4HB1")
CODE_B = make_credit_code(org_body="MA3C4HB2")


@pytest.fixture
def setup(db):
    upsert_enterprises(
        db,
        [
            EnterpriseInput(CODE_A, "淄博甲新材料有限公司", "辛店街道", True, "新材料"),
            EnterpriseInput(CODE_B, "淄博乙智能装备有限公司", "齐都镇", True, "智能装备"),
        ],
    )
    ids = {r[0]: r[1] for r in db.query("SELECT credit_code, id FROM enterprises")}
    replace_list(db, 2024, {ids[CODE_A]})
    return db, ids


def add(db, ids, code, rule, when, **kw):
    item = ApplicationInput(
        enterprise_id=ids[code],
        credit_code=code,
        rule_code=rule,
        event_date=date.fromisoformat(when),
        **kw,
    )
    insert_applications(db, [item])


def amounts(db, year):
    return [
        (r["rule_code"], r["installment_no"], r["amount_fen"], r["status"])
        for r in db.query(
            "SELECT * FROM awards WHERE year = ? ORDER BY application_id, installment_no", (year,)
        )
    ]


def test_calculation_stores_the_worked_example(setup):
    db, ids = setup
    add(db, ids, CODE_A, "LZ41-2", "2024-03-15", basis_fen=320_500_000)
    add(db, ids, CODE_A, "LZ41-2", "2024-09-20", basis_fen=200_000_000)
    add(db, ids, CODE_B, "LZ41-2", "2024-03-15", basis_fen=320_500_000)
    summary = calculate_year(db, 2024)
    assert amounts(db, 2024) == [
        ("LZ41-2", 0, 96_150_000, "草稿"),
        ("LZ41-2", 0, 53_850_000, "草稿"),
        ("LZ41-2", 0, 0, "草稿"),
    ]
    assert summary.total_fen == 150_000_000 and summary.granted == 2
    zero = db.one("SELECT explanation FROM awards WHERE amount_fen = 0")[0]
    assert "未列入2024年度四强企业名单" in zero


def test_recalculation_is_idempotent_and_logged(setup):
    db, ids = setup
    add(db, ids, CODE_A, "LZ41-2", "2024-03-15", basis_fen=320_500_000)
    calculate_year(db, 2024)
    again = calculate_year(db, 2024)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    assert db.scalar("SELECT count(*) FROM change_log WHERE action = '计算'") == 2


def test_approved_awards_survive_recalculation_unchanged(setup):
    db, ids = setup
    add(db, ids, CODE_A, "LZ41-2", "2024-03-15", basis_fen=320_500_000)
    calculate_year(db, 2024)
    award_service.approve(db, 2024)
    before = dict(db.one("SELECT * FROM awards"))
    replace_list(db, 2024, set())  # the revised list drops the enterprise
    calculate_year(db, 2024)
    after = dict(db.one("SELECT * FROM awards"))
    assert after == before and after["status"] == "已审核" and after["amount_fen"] == 96_150_000


def test_drafts_follow_a_revised_list_at_the_next_calculation(setup):
    db, ids = setup
    add(db, ids, CODE_B, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    calculate_year(db, 2024)
    assert amounts(db, 2024)[0][2] == 0
    replace_list(db, 2024, {ids[CODE_A], ids[CODE_B]})
    calculate_year(db, 2024)
    assert amounts(db, 2024)[0][2] == 30_000_000


def test_approved_award_counts_towards_the_cap_of_a_later_receipt(setup):
    db, ids = setup
    add(db, ids, CODE_A, "LZ41-2", "2024-03-15", basis_fen=400_000_000)
    calculate_year(db, 2024)
    award_service.approve(db, 2024)
    add(db, ids, CODE_A, "LZ41-2", "2024-10-15", basis_fen=400_000_000)
    calculate_year(db, 2024)
    assert [a[2] for a in amounts(db, 2024)] == [120_000_000, 30_000_000]


def test_installments_fall_due_year_by_year_and_continue_after_expiry(setup):
    db, ids = setup
    add(db, ids, CODE_B, "LZ41-9A", "2023-06-15")
    for year in (2023, 2024, 2025, 2026, 2027):
        calculate_year(db, year)
    assert amounts(db, 2023) == [("LZ41-9A", 0, 200_000_000, "草稿")]
    assert amounts(db, 2024) == [("LZ41-9A", 1, 50_000_000, "草稿")]
    assert amounts(db, 2025) == [("LZ41-9A", 2, 50_000_000, "草稿")]
    assert amounts(db, 2026) == [("LZ41-9A", 3, 50_000_000, "草稿")]
    assert amounts(db, 2027) == []
    assert db.scalar("SELECT after_expiry FROM awards WHERE year = 2026") == 1


def test_rejecting_the_first_year_stops_the_installments(setup):
    db, ids = setup
    add(db, ids, CODE_B, "LZ41-9A", "2023-06-15")
    calculate_year(db, 2023)
    award_id = db.scalar("SELECT id FROM awards WHERE year = 2023")
    award_service.reject(db, award_id, "认定文件不符")
    calculate_year(db, 2024)
    assert amounts(db, 2024) == [("LZ41-9A", 1, 0, "草稿")]


def test_first_time_across_years_uses_stored_decisions(setup):
    db, ids = setup
    add(db, ids, CODE_B, "LZ41-6B", "2022-04-01")
    add(db, ids, CODE_B, "LZ41-6B", "2024-04-01")
    calculate_year(db, 2024)
    assert amounts(db, 2024)[0][2] == 0
    calculate_year(db, 2022)
    award_service.reject(db, db.scalar("SELECT id FROM awards WHERE year = 2022"), "材料不实")
    calculate_year(db, 2024)
    assert amounts(db, 2024)[0][2] == 20_000_000


def test_reject_requires_a_reason_and_approve_only_drafts(setup):
    db, ids = setup
    add(db, ids, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    calculate_year(db, 2024)
    award_id = db.scalar("SELECT id FROM awards")
    with pytest.raises(ValidationError, match="必须填写理由"):
        award_service.reject(db, award_id, "  ")
    award_service.approve(db, 2024, [award_id])
    with pytest.raises(Conflict, match="只有草稿可以审核"):
        award_service.approve(db, 2024, [award_id])
    with pytest.raises(Conflict):
        award_service.reject(db, award_id, "理由")
    award_service.revoke(db, award_id, "重复申报")
    row = db.one("SELECT status, decision_reason, amount_fen FROM awards WHERE id = ?", (award_id,))
    assert tuple(row) == ("已撤销", "重复申报", 30_000_000)


def test_approved_award_cannot_be_changed_in_sql(setup):
    import sqlite3

    db, ids = setup
    add(db, ids, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    calculate_year(db, 2024)
    award_service.approve(db, 2024)
    with pytest.raises(sqlite3.IntegrityError, match="不能修改"), db.transaction():
        db.execute("UPDATE awards SET amount_fen = 1")
    with pytest.raises(sqlite3.IntegrityError, match="只能追加"), db.transaction():
        db.execute("UPDATE change_log SET user = 'x'")


def test_explain_shows_rule_parameters_checks_and_steps(setup):
    db, ids = setup
    add(db, ids, CODE_A, "LZ41-2", "2024-03-15", basis_fen=620_000_000)
    calculate_year(db, 2024)
    text = award_service.explain(db, db.scalar("SELECT id FROM awards"))
    assert "rate" not in text and "cap" not in text and "per-enterprise" not in text
    for needle in (
        "临政字〔2021〕41号三（二）",
        "比例：30%",  # Chinese labels and values, never a key like rate= (issue 10)
        "上限：1,500,000.00 元",
        "上限口径：每户企业每年度按本条款累计",
        "[通过] 列入当年度四强企业名单",
        "超过上限 1,500,000.00 元",
        "核定金额：1,500,000.00 元",
        "区财政按企业实际获得市级财政资金的30%",
    ):
        assert needle in text, needle


def test_deleted_application_removes_its_draft_at_next_calculation(setup):
    from desktop.services.applications import delete_application

    db, ids = setup
    add(db, ids, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    calculate_year(db, 2024)
    delete_application(db, db.scalar("SELECT id FROM applications"))
    assert db.scalar("SELECT count(*) FROM awards") == 0
