"""What each report contains (the plain tables both renderers draw)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from reports_fixture_data import AS_OF, GRANTED_2024_FEN, NAME_A, NAME_B, NAME_C, NAME_D

from desktop.core.errors import NotFound, ValidationError
from desktop.reports import build_report


def _code(db, enterprise_id: int) -> str:
    return db.scalar("SELECT credit_code FROM enterprises WHERE id = ?", (enterprise_id,))


def test_detail_lists_granted_awards_of_the_year_and_sends_the_rest_to_the_second_table(report_db):
    report = build_report(report_db, "detail", year=2024, as_of=AS_OF)
    main, denied = report.tables
    assert report.title == "2024年度四强产业配套奖补明细表"
    assert [c.title for c in main.columns][:9] == [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属镇街",
        "条款编号",
        "条款名称",
        "计算基数（元）",
        "核定金额（元）",
        "计算说明",
    ]
    assert main.sheet_name == "奖补明细" and denied.sheet_name == "不予奖补"
    assert [r[0] for r in main.rows] == [1, 2, 3, 4, 5]
    assert sorted(r[7] for r in main.rows) == sorted(
        [96_150_000, 53_850_000, 3_703_703, 50_000_000, 30_000_000]
    )
    assert main.totals[0] == "合计" and main.totals[7] == GRANTED_2024_FEN == sum(
        r[7] for r in main.rows
    )
    assert {r[9] for r in main.rows} <= {"草稿", "已审核", "已拨付"}
    statuses = sorted(r[7] for r in denied.rows)
    assert statuses == ["不予奖补", "已撤销", "草稿"]
    revoked = next(r for r in denied.rows if r[7] == "已撤销")
    assert revoked[1] == NAME_C and "保单已退保" in revoked[-1]


def test_detail_takes_the_rule_name_from_the_latest_version_when_the_award_has_no_rule(report_db):
    main = build_report(report_db, "detail", year=2024, as_of=AS_OF).tables[0]
    row = next(r for r in main.rows if r[1] == NAME_D)
    assert row[4] == "LZ41-6C" and row[5] == "新认定智慧工厂"


def test_installment_rows_in_the_detail_say_which_installment(report_db):
    main = build_report(report_db, "detail", year=2024, as_of=AS_OF).tables[0]
    row = next(r for r in main.rows if r[4] == "LZ41-9A")
    assert row[1] == NAME_B and row[7] == 50_000_000 and row[10] == "第1年分期"


def test_summary_by_rule_and_by_town_add_up_to_the_detail(report_db):
    by_rule, by_town = build_report(report_db, "summary", year=2024, as_of=AS_OF).tables
    assert by_rule.totals[5] == by_town.totals[4] == GRANTED_2024_FEN
    lz2 = next(r for r in by_rule.rows if r[1] == "LZ41-2")
    assert lz2[2:] == ["获得淄政办字〔2021〕7号市级扶持资金的配套", 1, 2, 150_000_000]
    assert len(by_rule.rows) == 20  # every seeded rule is listed, granted or not
    assert by_rule.totals[3] == 3  # distinct enterprises, not the sum of the 户数 column
    assert by_rule.totals[4] == sum(r[4] for r in by_rule.rows) == 5
    towns = {r[1]: r[2:] for r in by_town.rows}
    assert towns["闻韶街道"] == [1, 2, 150_000_000]
    assert towns["齐都镇"] == [1, 2, 53_703_703]
    assert towns["金山镇"] == [0, 0, 0]  # C: zero, rejected and revoked awards do not count


def test_ledger_shows_every_year_of_one_enterprise(report_db):
    report = build_report(report_db, "ledger", credit_code=_code(report_db, 1), as_of=AS_OF)
    main, other = report.tables
    assert NAME_A in report.title
    assert [r[1] for r in main.rows] == [*range(2014, 2024), 2024, 2024]
    assert main.totals[7] == 10 * 10_000_000 + 150_000_000
    assert other.rows == []
    assert "2014年度 100,000.00 元" in main.notes[0]


def test_ledger_needs_a_known_credit_code(report_db):
    with pytest.raises(ValidationError):
        build_report(report_db, "ledger", as_of=AS_OF)
    with pytest.raises(NotFound, match="不存在"):
        build_report(report_db, "ledger", credit_code="91370305MA0000000X", as_of=AS_OF)


def test_installment_plan_projects_the_installments_not_yet_calculated(report_db):
    plan, per_year = build_report(report_db, "installments", as_of=AS_OF).tables[:2]
    assert [(r[7], r[8], r[9], r[10]) for r in plan.rows] == [
        (2023, "一次性奖励", 200_000_000, "已拨付"),
        (2024, "第1年分期", 50_000_000, "已审核"),
        (2025, "第2年分期", 50_000_000, "草稿"),
        (2026, "第3年分期", 50_000_000, "待核定"),
    ]
    assert "政策到期后延续兑现" in plan.rows[3][11]  # due 2026, the policy ended 2025-12-31
    assert "政策到期后延续兑现" not in plan.rows[2][11]
    assert plan.totals[9] == 350_000_000
    assert [r[0] for r in per_year.rows] == [2023, 2024, 2025, 2026]
    assert per_year.totals[2] == plan.totals[9] and per_year.totals[6] == 50_000_000


def test_stored_after_expiry_installments_are_marked(report_db):
    with report_db.transaction():
        report_db.execute(
            "UPDATE awards SET after_expiry = 1 WHERE rule_code = 'LZ41-9A' AND installment_no = 2"
        )
    plan = build_report(report_db, "installments", as_of=AS_OF).tables[0]
    assert "政策到期后延续兑现" in plan.rows[2][11]


def test_assessment_counts_towns_with_granted_awards_under_the_listed_rules(report_db):
    towns, enterprises = build_report(report_db, "assessment", year=2024, as_of=AS_OF).tables
    assert towns.rows == [[1, "闻韶街道", 1, "LZ41-2", 150_000_000]]
    assert [r[2] for r in enterprises.rows] == [NAME_A]
    assert enterprises.totals[5] == towns.totals[4] == 150_000_000


def test_assessment_follows_the_settings_row(report_db):
    with report_db.transaction():
        report_db.set_setting("assessment_rules", json.dumps(["LZ41-5A", "LZ41-9A"]))
    towns = build_report(report_db, "assessment", year=2024, as_of=AS_OF).tables[0]
    assert [(r[1], r[4]) for r in towns.rows] == [("齐都镇", 53_703_703)]


def test_unknown_report_name_unit_and_year_are_refused(report_db):
    with pytest.raises(ValidationError, match="没有名为"):
        build_report(report_db, "nonsense", as_of=AS_OF)
    with pytest.raises(ValidationError, match="单位"):
        build_report(report_db, "detail", year=2024, unit="千元", as_of=AS_OF)
    with pytest.raises(ValidationError, match="年度"):
        build_report(report_db, "detail", year=1900, as_of=AS_OF)


def test_year_defaults_to_the_newest_award_year_not_after_as_of(report_db):
    assert build_report(report_db, "detail", as_of=AS_OF).title.startswith("2025年度")
    assert build_report(report_db, "detail", as_of=date(2024, 12, 31)).title.startswith("2024年度")
    assert build_report(report_db, "detail", as_of=date(2013, 5, 1)).title.startswith("2013年度")
