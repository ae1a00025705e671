"""What each report contains (the plain tables both renderers draw)."""

from __future__ import annotations

from datetime import date

import pytest
from reports_fixture_data import (
    AS_OF,
    GRANTED_2024_FEN,
    LEDGER_B,
    NAME_A,
    NAME_B,
    NAME_C,
)
from sample import credit_code

from desktop.core.errors import NotFound, PermissionDenied, ValidationError
from desktop.reports import REPORTS, build_report
from desktop.services.assessment import set_assessment_rules

CODE_A, CODE_B = credit_code(1), credit_code(2)


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
    assert statuses == ["不予奖补", "已撤销", "核定为0"]  # a 0 draft is no draft on the paper sheet
    revoked = next(r for r in denied.rows if r[7] == "已撤销")
    assert revoked[1] == NAME_C and "保单已退保" in revoked[-1]


def test_an_award_without_a_rule_version_takes_the_name_of_the_codes_latest_version(report_db):
    report = build_report(report_db, "ledger", credit_code=CODE_A, as_of=AS_OF)
    (row,) = report.tables[1].rows  # LZ41-6D dated 2019: before the policy, no version applied
    assert row[1] == 2019 and row[3] == "LZ41-6D" and row[4] == "新认定智能车间"
    assert "政策尚未施行" in row[-1]


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
    report = build_report(report_db, "ledger", credit_code=CODE_A, as_of=AS_OF)
    main, other = report.tables
    assert NAME_A in report.title
    assert [r[1] for r in main.rows] == [2021, 2022, 2023, 2024, 2024]
    assert [r[8] for r in main.rows] == ["已拨付", "已拨付", "已拨付", "已审核", "草稿"]
    assert main.totals[7] == 3 * 10_000_000 + 96_150_000  # granted: paid + approved, no draft
    assert "2021年度 100,000.00 元" in main.notes[1] and "2024年度 961,500.00 元" in main.notes[1]
    assert [r[3] for r in other.rows] == ["LZ41-6D"]


def test_ledger_subtotals_keep_paid_approved_draft_and_planned_apart(report_db):
    main = build_report(report_db, "ledger", credit_code=CODE_B, as_of=AS_OF).tables[0]
    subtotals = {row[0]: row[7] for row in main.subtotals}
    assert subtotals == {
        "已拨付小计": LEDGER_B["已拨付"],
        "已审核未拨付小计": LEDGER_B["已审核未拨付"],
        "草稿（未审核）小计": LEDGER_B["草稿"],
        "计划兑现（以后年度，未核定）小计": LEDGER_B["计划兑现"],
    }
    assert sum(subtotals.values()) == sum(r[7] for r in main.rows)
    assert main.totals[0] == "已给予合计（已拨付＋已审核未拨付）"
    assert main.total_fen == LEDGER_B["已拨付"] + LEDGER_B["已审核未拨付"]
    assert main.words_label == "已给予合计（大写）"
    planned = [r for r in main.rows if r[8] == "待核定"]
    assert [(r[1], r[5], r[7]) for r in planned] == [(2026, "第3年分期", 50_000_000)]


def test_ledger_counts_in_review_and_failed_payments_as_approved_not_paid():
    from desktop.core import status
    from desktop.services.report_rows import COMMITTED, PAID, ledger_group

    class Row:
        def __init__(self, s):
            self.status = s

    assert ledger_group(Row(status.PAID)) == PAID
    for s in (status.IN_REVIEW, status.APPROVED, status.PAYMENT_FAILED):
        assert ledger_group(Row(s)) == COMMITTED


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


def test_assessment_cites_the_clause_of_the_policy_version_in_force(report_db):
    towns = build_report(report_db, "assessment", year=2024, as_of=AS_OF).tables[0]
    assert towns.notes[0] == (
        "依据临政字〔2021〕41号三（三）：辖区内有企业享受以上政策的镇（街道），在年度考核中予以加分。"
    )
    assert towns.subtitle.startswith("统计条款：LZ41-1A ")


def test_assessment_rules_are_data_an_administrator_changes(report_db):
    set_assessment_rules(report_db, ["LZ41-5A", "LZ41-9A"])
    towns = build_report(report_db, "assessment", year=2024, as_of=AS_OF).tables[0]
    assert [(r[1], r[4]) for r in towns.rows] == [("齐都镇", 53_703_703)]
    entry = report_db.one(
        "SELECT * FROM change_log WHERE table_name = 'town_assessment_rules' ORDER BY id DESC"
    )
    assert entry["action"] == "修改考核加分条款" and "LZ41-9A" in entry["new_values"]
    with pytest.raises(ValidationError, match="LZ41-99"):
        set_assessment_rules(report_db, ["LZ41-99"])


def test_assessment_rules_need_an_administrator_once_logins_are_on(report_db):
    from desktop.services.users import add_user

    add_user(report_db, "管理", "管理员", "secret-pass-1")
    report_db.user, report_db.role = "录入", None
    with pytest.raises(PermissionDenied):
        set_assessment_rules(report_db, ["LZ41-2"])


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


def test_one_list_of_reports_names_what_each_needs():
    assert list(REPORTS) == ["detail", "summary", "ledger", "installments", "assessment"]
    assert [k for k, kind in REPORTS.items() if kind.needs_credit_code] == ["ledger"]
    assert str(REPORTS["detail"]) == "奖补明细表"
