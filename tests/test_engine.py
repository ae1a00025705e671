"""The rule catalogue of rules.md, rule by rule and condition by condition, on the seeded data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from desktop.core.engine import Application, Decision, EnterpriseFacts, evaluate_enterprise
from desktop.core.rules import Catalogue
from desktop.services.catalogue import load_catalogue

EID = 1
LISTED = EnterpriseFacts(EID, above_scale=True, list_years=frozenset({2022, 2023, 2024, 2025}))
NOT_LISTED = EnterpriseFacts(EID, above_scale=True, list_years=frozenset())


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> Catalogue:
    from desktop.storage.database import Database

    with Database(tmp_path_factory.mktemp("cat") / "c.db") as db:
        return load_catalogue(db)


_ids = iter(range(1, 10_000))


def app(rule: str | None, when: str, **kw) -> Application:
    return Application(
        id=kw.pop("id", next(_ids)),
        enterprise_id=EID,
        rule_code=rule,
        event_date=date.fromisoformat(when),
        **kw,
    )


def run(catalogue, apps, facts=LISTED, decisions=None):
    return evaluate_enterprise(apps, facts, catalogue, decisions)


def only(results):
    assert len(results) == 1, results
    return results[0]


# -- worked examples of rules.md ---------------------------------------------------------------


def test_lz41_2_matches_thirty_percent_of_city_funds(catalogue):
    r = only(run(catalogue, [app("LZ41-2", "2024-03-15", basis_fen=320_500_000)]))
    assert r.amount_fen == 96_150_000
    assert r.explanation == (
        "依据临政字〔2021〕41号三（二）：市级资金 3,205,000.00 元 × 30% = "
        "961,500.00 元，核定 961,500.00 元"
    )


def test_second_receipt_in_the_same_year_gets_the_remainder_of_the_cap(catalogue):
    first = app("LZ41-2", "2024-03-15", basis_fen=320_500_000)
    second = app("LZ41-2", "2024-09-20", basis_fen=200_000_000)
    a, b = run(catalogue, [second, first])  # given out of order: applied in date order
    assert (a.application_id, a.amount_fen) == (first.id, 96_150_000)
    assert (b.application_id, b.amount_fen) == (second.id, 53_850_000)
    assert "已按本条款核定 961,500.00 元，上限 1,500,000.00 元尚余 538,500.00 元" in b.explanation
    assert b.explanation.endswith("核定 538,500.00 元")


def test_a_third_receipt_after_the_cap_is_reached_gets_zero_and_says_why(catalogue):
    apps = [app("LZ41-2", f"2024-0{m}-01", basis_fen=300_000_000) for m in (1, 2, 3)]
    amounts = [r.amount_fen for r in run(catalogue, apps)]
    assert amounts == [90_000_000, 60_000_000, 0]
    last = run(catalogue, apps)[-1]
    assert "已达上限 1,500,000.00 元" in last.explanation


def test_the_cap_is_per_award_year(catalogue):
    apps = [
        app("LZ41-2", "2023-12-31", basis_fen=600_000_000),
        app("LZ41-2", "2024-01-01", basis_fen=600_000_000),
    ]
    assert [r.amount_fen for r in run(catalogue, apps)] == [150_000_000, 150_000_000]


def test_over_the_cap_explanation_matches_the_agreed_wording(catalogue):
    r = only(run(catalogue, [app("LZ41-2", "2024-05-01", basis_fen=620_000_000)]))
    assert r.amount_fen == 150_000_000
    assert r.explanation == (
        "依据临政字〔2021〕41号三（二）：市级资金 6,200,000.00 元 × 30% = 1,860,000.00 元，"
        "超过上限 1,500,000.00 元，核定 1,500,000.00 元"
    )


def test_lz41_5a_rounds_half_up_to_the_fen(catalogue):
    r = only(run(catalogue, [app("LZ41-5A", "2024-05-01", basis_fen=12_345_678)]))
    assert r.amount_fen == 3_703_703  # 37,037.034 → 37,037.03
    assert "123,456.78 元 × 30% = 37,037.03 元" in r.explanation


@pytest.mark.parametrize(
    ("basis_fen", "expected"), [(5, 2), (15, 5), (35_005, 10_502), (75, 23), (1, 0), (25, 8)]
)
def test_half_a_fen_rounds_up(catalogue, basis_fen, expected):
    assert (
        only(run(catalogue, [app("LZ41-5A", "2024-05-01", basis_fen=basis_fen)])).amount_fen
        == expected
    )


def test_not_on_the_years_list_gets_zero_with_the_reason(catalogue):
    facts = EnterpriseFacts(EID, True, frozenset({2023, 2025}))
    r = only(run(catalogue, [app("LZ41-2", "2024-03-15", basis_fen=320_500_000)], facts))
    assert r.amount_fen == 0 and not r.eligible
    assert "未列入2024年度四强企业名单" in r.explanation


def test_lz41_9a_pays_once_then_three_yearly_subsidies(catalogue):
    results = run(catalogue, [app("LZ41-9A", "2023-06-15")])
    assert [(r.year, r.installment_no, r.amount_fen) for r in results] == [
        (2023, 0, 200_000_000),
        (2024, 1, 50_000_000),
        (2025, 2, 50_000_000),
        (2026, 3, 50_000_000),
    ]
    assert [r.after_expiry for r in results] == [False, False, False, True]
    assert "政策已于2025年12月31日到期" in results[-1].explanation
    assert "第3年研发费用补贴" in results[-1].explanation


def test_lz41_9b_national_upgrade(catalogue):
    results = run(catalogue, [app("LZ41-9B", "2025-07-01")])
    assert [(r.year, r.amount_fen) for r in results] == [
        (2025, 500_000_000),
        (2026, 100_000_000),
        (2027, 100_000_000),
        (2028, 100_000_000),
    ]


def test_after_expiry_the_policy_no_longer_applies(catalogue):
    r = only(run(catalogue, [app("LZ41-5A", "2026-03-01", basis_fen=10_000_000)]))
    assert r.amount_fen == 0
    assert "政策已于2025年12月31日到期" in r.explanation


def test_before_the_policy_took_effect(catalogue):
    r = only(run(catalogue, [app("LZ41-5A", "2021-04-25", basis_fen=10_000_000)]))
    assert r.amount_fen == 0 and "政策尚未施行" in r.explanation
    assert (
        only(run(catalogue, [app("LZ41-5A", "2021-04-26", basis_fen=10_000_000)])).amount_fen
        == 3_000_000
    )
    assert (
        only(run(catalogue, [app("LZ41-5A", "2025-12-31", basis_fen=10_000_000)])).amount_fen
        == 3_000_000
    )


# -- each rule ---------------------------------------------------------------------------------


def test_lz41_1a_premium_capped_at_half_a_million(catalogue):
    assert (
        only(run(catalogue, [app("LZ41-1A", "2024-01-10", basis_fen=100_000_000)])).amount_fen
        == 30_000_000
    )
    assert (
        only(run(catalogue, [app("LZ41-1A", "2024-01-10", basis_fen=300_000_000)])).amount_fen
        == 50_000_000
    )
    assert (
        only(
            run(catalogue, [app("LZ41-1A", "2024-01-10", basis_fen=100_000_000)], NOT_LISTED)
        ).amount_fen
        == 0
    )


def test_lz41_6a_has_no_cap(catalogue):
    r = only(run(catalogue, [app("LZ41-6A", "2024-01-10", basis_fen=1_000_000_000)], NOT_LISTED))
    assert r.amount_fen == 300_000_000 and "上限" not in r.explanation


def test_lz41_8a_cap_one_million(catalogue):
    assert (
        only(run(catalogue, [app("LZ41-8A", "2024-01-10", basis_fen=500_000_000)])).amount_fen
        == 100_000_000
    )


@pytest.mark.parametrize(("rule", "amount"), [("LZ41-6C", 30_000_000), ("LZ41-6D", 10_000_000)])
def test_fixed_awards(catalogue, rule, amount):
    r = only(run(catalogue, [app(rule, "2024-02-02")], NOT_LISTED))
    assert r.amount_fen == amount and "定额奖励" in r.explanation


@pytest.mark.parametrize(
    ("rule", "level", "amount"),
    [
        ("LZ41-10A", "国家级", 100_000_000),
        ("LZ41-10A", "省级", 30_000_000),
        ("LZ41-10A", "市级", 0),
        ("LZ41-10B", "省级", 30_000_000),
        ("LZ41-10B", "市级", 10_000_000),
        ("LZ41-10B", "国家级", 0),
        ("LZ41-10C", "省级", 20_000_000),
        ("LZ41-10C", "市级", 10_000_000),
    ],
)
def test_level_awards(catalogue, rule, level, amount):
    r = only(run(catalogue, [app(rule, "2024-02-02", level=level)]))
    assert r.amount_fen == amount
    if amount == 0:
        assert f"本条款不含{level}奖励" in r.explanation


def test_level_rule_without_a_level_says_so(catalogue):
    r = only(run(catalogue, [app("LZ41-10A", "2024-02-02")]))
    assert r.amount_fen == 0 and "未填写认定级别" in r.explanation


@pytest.mark.parametrize("rule", ["LZ41-1B", "LZ41-4", "LZ41-5B", "LZ41-7", "LZ41-8B"])
def test_manual_rules_take_the_clerks_amount_and_cite_the_reference(catalogue, rule):
    r = only(
        run(
            catalogue,
            [app(rule, "2024-02-02", manual_amount_fen=12_345_600, description="专题会议纪要")],
        )
    )
    assert r.amount_fen == 12_345_600
    reference = catalogue.latest(rule).params["reference"]
    assert reference in r.explanation and "理由：专题会议纪要" in r.explanation
    assert only(run(catalogue, [app(rule, "2024-02-02")])).amount_fen == 0


def test_ratio_rule_without_basis_gets_zero_and_says_why(catalogue):
    r = only(run(catalogue, [app("LZ41-2", "2024-02-02")]))
    assert r.amount_fen == 0 and "缺少计算基数" in r.explanation


# -- LZ41-3: 规上, newly listed, first time ----------------------------------------------------------


def test_lz41_3_newly_listed_above_scale(catalogue):
    facts = EnterpriseFacts(EID, True, frozenset({2024}))
    r = only(run(catalogue, [app("LZ41-3", "2024-05-01", basis_fen=150_000_000)], facts))
    assert r.amount_fen == 15_000_000
    big = only(run(catalogue, [app("LZ41-3", "2024-05-01", basis_fen=300_000_000)], facts))
    assert big.amount_fen == 20_000_000


def test_lz41_3_needs_above_scale(catalogue):
    facts = EnterpriseFacts(EID, False, frozenset({2024}))
    r = only(run(catalogue, [app("LZ41-3", "2024-05-01", basis_fen=150_000_000)], facts))
    assert r.amount_fen == 0 and "非规模以上工业企业" in r.explanation


def test_lz41_3_not_for_an_enterprise_listed_in_an_earlier_year(catalogue):
    facts = EnterpriseFacts(EID, True, frozenset({2022, 2024}))
    r = only(run(catalogue, [app("LZ41-3", "2024-05-01", basis_fen=150_000_000)], facts))
    assert r.amount_fen == 0 and "此前已列入2022年度四强企业名单" in r.explanation


def test_lz41_3_not_when_not_on_this_years_list(catalogue):
    r = only(run(catalogue, [app("LZ41-3", "2024-05-01", basis_fen=150_000_000)], NOT_LISTED))
    assert r.amount_fen == 0 and "不属于新列入" in r.explanation


def test_lz41_3_only_once(catalogue):
    facts = EnterpriseFacts(EID, True, frozenset({2024}))
    apps = [
        app("LZ41-3", "2024-05-01", basis_fen=150_000_000),
        app("LZ41-3", "2024-08-01", basis_fen=90_000_000),
    ]
    first, second = run(catalogue, apps, facts)
    assert first.amount_fen == 15_000_000 and second.amount_fen == 0
    assert "仅限首次" in second.explanation


# -- first time ------------------------------------------------------------------------------------


def test_lz41_6b_first_time_only(catalogue):
    first, again = run(
        catalogue, [app("LZ41-6B", "2022-04-01"), app("LZ41-6B", "2024-04-01")], NOT_LISTED
    )
    assert first.amount_fen == 20_000_000 and again.amount_fen == 0
    assert "此前已于2022年4月1日享受同类奖励" in again.explanation


def test_a_rejected_earlier_award_does_not_use_up_the_first_time(catalogue):
    earlier, later = app("LZ41-6B", "2022-04-01"), app("LZ41-6B", "2024-04-01")
    decisions = {(earlier.id, "LZ41-6B", 0): Decision("不予奖补", 0)}
    results = run(catalogue, [earlier, later], NOT_LISTED, decisions)
    assert results[1].amount_fen == 20_000_000


def test_an_expired_earlier_application_does_not_use_up_the_first_time(catalogue):
    results = run(
        catalogue,
        [app("LZ41-8C", "2021-01-01", level="市级"), app("LZ41-8C", "2022-01-01", level="省级")],
        NOT_LISTED,
    )
    assert [r.amount_fen for r in results] == [0, 30_000_000]


def test_gazelle_any_level_counts_as_the_first(catalogue):
    results = run(
        catalogue,
        [app("LZ41-8C", "2022-01-01", level="市级"), app("LZ41-8C", "2023-01-01", level="省级")],
        NOT_LISTED,
    )
    assert [r.amount_fen for r in results] == [30_000_000, 0]


def test_innovation_centre_only_once(catalogue):
    first, again = app("LZ41-9A", "2022-08-01"), app("LZ41-9A", "2024-08-01")
    results = run(catalogue, [first, again], NOT_LISTED)
    assert [r.amount_fen for r in results if r.application_id == again.id] == [0, 0, 0, 0]
    assert sum(r.amount_fen for r in results) == 350_000_000


def test_installments_stop_when_the_first_award_was_rejected(catalogue):
    center = app("LZ41-9A", "2023-06-15")
    results = run(
        catalogue, [center], NOT_LISTED, {(center.id, "LZ41-9A", 0): Decision("不予奖补", 0)}
    )
    assert [r.amount_fen for r in results[1:]] == [0, 0, 0]
    assert "不再兑现" in results[1].explanation


# -- city documents and 就高不重复 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "rule", "amount"),
    [
        ("淄政办字〔2021〕7号", "LZ41-2", 30_000_000),
        ("淄政办字[2021]7号", "LZ41-2", 30_000_000),
        ("淄政办发〔2020〕11号", "LZ41-6A", 30_000_000),
        ("淄政发〔2020〕14号", "LZ41-8A", 30_000_000),
    ],
)
def test_a_city_document_selects_the_rule(catalogue, doc, rule, amount):
    r = only(run(catalogue, [app(None, "2024-03-01", basis_fen=100_000_000, city_document=doc)]))
    assert (r.rule_code, r.amount_fen) == (rule, amount)


def test_same_matter_is_granted_once_the_highest(catalogue):
    a = app("LZ41-10C", "2023-05-08", level="省级", same_matter_key="M1")
    b = app("LZ41-10B", "2023-05-08", level="省级", same_matter_key="M1")
    results = {r.rule_code: r for r in run(catalogue, [a, b])}
    assert results["LZ41-10B"].amount_fen == 30_000_000
    assert results["LZ41-10C"].amount_fen == 0
    assert "就高不重复" in results["LZ41-10C"].explanation


def test_several_rules_matching_one_document_grant_the_highest_once(catalogue):
    versions = []
    for v in catalogue.versions("LZ41-2") + catalogue.versions("LZ41-8A"):
        versions.append(replace(v, city_documents=("某市文件〔2024〕1号",)))
    custom = Catalogue(versions)
    results = run(
        custom,
        [app(None, "2024-03-01", basis_fen=400_000_000, city_document="某市文件〔2024〕1号")],
    )
    by_rule = {r.rule_code: r for r in results}
    assert by_rule["LZ41-2"].amount_fen == 120_000_000
    assert by_rule["LZ41-8A"].amount_fen == 0
    assert "就高不重复：本事项已按LZ41-2核定" in by_rule["LZ41-8A"].explanation


# -- decisions and versions -------------------------------------------------------------------------


def test_an_approved_award_counts_towards_the_cap(catalogue):
    first = app("LZ41-2", "2024-01-01", basis_fen=400_000_000)
    second = app("LZ41-2", "2024-02-01", basis_fen=400_000_000)
    decisions = {(first.id, "LZ41-2", 0): Decision("已审核", 100_000_000)}
    results = run(catalogue, [first, second], LISTED, decisions)
    assert results[1].amount_fen == 50_000_000


def test_a_new_policy_version_applies_from_its_start_date(catalogue):
    old = catalogue.latest("LZ41-5A")
    new = replace(
        old,
        rule_id=999,
        version_id=99,
        doc_number="临政字〔2026〕1号",
        params={**old.params, "rate": "0.40"},
        valid_from=date(2026, 1, 1),
        valid_to=date(2030, 12, 31),
    )
    custom = Catalogue([*(catalogue.versions(c)[0] for c in catalogue.codes()), new])
    before = only(run(custom, [app("LZ41-5A", "2025-12-31", basis_fen=10_000_000)]))
    after = only(run(custom, [app("LZ41-5A", "2026-01-01", basis_fen=10_000_000)]))
    assert (before.amount_fen, after.amount_fen) == (3_000_000, 4_000_000)
    assert after.explanation.startswith("依据临政字〔2026〕1号三（五）") and after.rule_id == 999
    assert "× 40%" in after.explanation


def test_per_application_cap_scope(catalogue):
    old = catalogue.latest("LZ41-2")
    custom = Catalogue([replace(old, params={**old.params, "cap_scope": "per-application"})])
    apps = [
        app("LZ41-2", "2024-01-01", basis_fen=600_000_000),
        app("LZ41-2", "2024-02-01", basis_fen=600_000_000),
    ]
    assert [r.amount_fen for r in run(custom, apps)] == [150_000_000, 150_000_000]


def test_every_zero_result_says_why(catalogue):
    apps = [
        app("LZ41-2", "2024-01-01", basis_fen=100),
        app("LZ41-10A", "2024-01-01", level="市级"),
        app("LZ41-5A", "2030-01-01", basis_fen=100),
        app("LZ41-6B", "2022-01-01"),
        app("LZ41-6B", "2023-01-01"),
    ]
    for r in run(catalogue, apps, NOT_LISTED):
        if r.amount_fen == 0:
            assert "不予奖补——" in r.explanation and len(r.explanation.split("——", 1)[1]) > 4
        assert r.trace.checks or r.trace.steps
