"""Policy drafts as services: the catalogue with and without a draft, explanations after the
policy's end or for a retired clause, expiry notices, 试算 that recomputes only what a change
touches, replay in approval order, deleting versions and the 典型案例."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.core.creditcode import make_credit_code
from desktop.core.errors import Conflict, ValidationError
from desktop.services.applications import ApplicationInput, insert_applications
from desktop.services.awards import approve, reject
from desktop.services.calculation import calculate_year, compute_year
from desktop.services.cases import CaseInput, list_cases, run_cases, save_case
from desktop.services.catalogue import (
    expiry_notices,
    load_catalogue,
    policy_versions,
    rules_of_version,
    update_rule,
)
from desktop.services.policy_drafts import (
    ClauseInput,
    add_clause,
    copy_version,
    create_draft,
    delete_version,
    edit_draft,
    publish_version,
    retire_clause,
    set_draft,
)
from desktop.services.registry import EnterpriseInput, upsert_enterprises
from desktop.services.replay import replay
from desktop.services.siqiang_lists import replace_list
from desktop.services.whatif import whatif

A = make_credit_code(org_body="MA3C4HC1")
B = make_credit_code(org_body="MA3C4HC2")
DOC = "临政字〔2026〕1号"


@pytest.fixture
def two(db):
    """Two above-scale enterprises, A on the 2024 四强 list."""
    upsert_enterprises(
        db,
        [
            EnterpriseInput(A, "淄博甲新材料有限公司", "辛店街道", True, "新材料"),
            EnterpriseInput(B, "淄博乙智能装备有限公司", "齐都镇", True, "智能装备"),
        ],
    )
    replace_list(db, 2024, {ids(db)[A]})
    return db


def ids(db) -> dict[str, int]:
    return {r[0]: r[1] for r in db.query("SELECT credit_code, id FROM enterprises")}


def matter(db, code: str, rule: str, when: date, **kw) -> None:
    insert_applications(db, [ApplicationInput(ids(db)[code], code, rule, when, **kw)])


def results(db, year: int, **kw) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in compute_year(db, year, **kw):
        out[r.rule_code] = out.get(r.rule_code, 0) + r.amount_fen
    return out


def test_the_calculation_ignores_a_draft_and_whatif_puts_it_in_force_over_its_dates(two):
    matter(two, A, "LZ41-5A", date(2024, 5, 1), basis_fen=100_000_00)
    draft = create_draft(two, 1, doc_number="方案A", valid_from="2024-01-01", valid_to="2024-12-31")
    set_draft(two, draft, ["LZ41-5A.rate=50%"])
    assert results(two, 2024) == {"LZ41-5A": 30_000_00}
    with_draft = load_catalogue(two, with_draft=draft)
    assert results(two, 2024, catalogue=with_draft) == {"LZ41-5A": 50_000_00}
    # outside the draft's dates the published version still applies, cut around it
    v1 = with_draft.versions("LZ41-5A")
    assert [(v.valid_from.isoformat(), v.valid_to and v.valid_to.isoformat()) for v in v1] == [
        ("2021-04-26", "2023-12-31"),
        ("2024-01-01", "2024-12-31"),
        ("2025-01-01", "2025-12-31"),
    ]


def test_two_drafts_may_share_a_start_date_but_only_one_published_version_may(two):
    a = create_draft(two, 1, doc_number="方案A", valid_from="2026-01-01")
    b = create_draft(two, 1, doc_number="方案B", valid_from="2026-01-01")
    publish_version(two, a)
    with pytest.raises(Conflict, match="重叠"):
        publish_version(two, b)
    assert [v.status for v in policy_versions(two)] == ["已发布", "已发布", "草拟"]


def test_a_published_version_is_edited_only_through_a_draft(two):
    rule = rules_of_version(two, 1)[0]
    with pytest.raises(Conflict, match="已发布"):
        update_rule(two, rule.rule_id, name="改名")
    with pytest.raises(Conflict, match="policy draft 1"):
        edit_draft(two, 1, rules={"LZ41-2": {"name": "改名"}})


def test_after_the_end_the_reason_names_the_successor_needed_and_a_draft_of_it(two):
    matter(two, B, "LZ41-5A", date(2026, 3, 1), basis_fen=100_000_00)
    [award] = compute_year(two, 2026)
    assert award.explanation.endswith(
        "政策已于2025年12月31日到期，需录入继任政策（自2026年1月1日起）的版本后计算"
    )
    draft = create_draft(two, 1, doc_number=DOC, valid_from="2026-01-01")
    [award] = compute_year(two, 2026)
    assert f"（继任政策{DOC}尚在草拟，发布后方可计算）" in award.explanation
    retire_clause(two, draft, "LZ41-5A")
    publish_version(two, draft)
    [award] = compute_year(two, 2026)
    assert award.amount_fen == 0
    assert f"条款LZ41-5A未列入{DOC}（自2026年1月1日起施行），该条款已不再执行" in award.explanation


def test_a_matter_under_a_clause_only_a_draft_has_waits_at_zero(two):
    draft = create_draft(two, 1, doc_number=DOC, valid_from="2026-01-01")
    add_clause(
        two,
        draft,
        ClauseInput(
            "lz41-11", "三（十一）", "专精特新小巨人", "fixed", {"奖励金额": "50万"}, [], []
        ),
    )
    matter(two, B, "LZ41-11", date(2026, 6, 1))
    calculate_year(two, 2026)
    [award] = compute_year(two, 2026)
    assert award.amount_fen == 0 and "仅见于草拟中的政策版本" in award.explanation
    publish_version(two, draft)
    assert results(two, 2026) == {"LZ41-11": 500_000_00}


@pytest.mark.parametrize(
    ("item", "words"),
    [
        (ClauseInput("LZ41-2", "三（二）", "重复", "fixed", {"amount": "1"}, [], []), "已有条款"),
        (ClauseInput("坏编号", "三（十一）", "x", "fixed", {"amount": "1"}, [], []), "格式不正确"),
        (ClauseInput("LZ41-12", "三（十一）", "x", "fixed", {}, [], []), "奖励金额"),
        (ClauseInput("LZ41-12", "三（十一）", "x", "formula", {}, [], []), "计算方法"),
        (ClauseInput("LZ41-12", "", "x", "fixed", {"amount": "1"}, [], []), "条款"),
        (ClauseInput("LZ41-12", "三", "x", "fixed", {"amount": "1"}, ["魔法"], []), "适用条件"),
    ],
)
def test_a_bad_clause_is_refused_and_nothing_is_added(two, item, words):
    draft = create_draft(two, 1, doc_number=DOC, valid_from="2026-01-01")
    before = len(rules_of_version(two, draft))
    with pytest.raises((ValidationError, Conflict), match=words):
        add_clause(two, draft, item)
    assert len(rules_of_version(two, draft)) == before


def test_changing_a_clauses_method_needs_its_parameters(two):
    draft = create_draft(two, 1, doc_number=DOC, valid_from="2026-01-01")
    with pytest.raises(ValidationError, match="须同时填写其参数"):
        edit_draft(two, draft, rules={"LZ41-6C": {"method": "ratio"}})
    edit_draft(two, draft, rules={"LZ41-6C": {"method": "ratio", "params": {"比例": "10%"}}})
    rule = {r.code: r for r in rules_of_version(two, draft)}["LZ41-6C"]
    assert rule.method == "ratio" and rule.params["rate"] == "0.1"


def test_expiry_is_announced_60_days_before_and_after_with_the_matters_waiting(two):
    assert expiry_notices(two, date(2025, 10, 31)) == []
    [before] = expiry_notices(two, date(2025, 11, 1))
    assert before.startswith("政策临政字〔2021〕41号将于2025年12月31日到期（还有60天）")
    matter(two, B, "LZ41-5A", date(2026, 3, 1), basis_fen=100_000_00)
    [after] = expiry_notices(two, date(2026, 12, 1))
    assert "已于2025年12月31日到期，需录入继任政策（自2026年1月1日起）" in after
    assert "已有1个奖补事项的日期在到期之后" in after
    draft = create_draft(two, 1, doc_number=DOC, valid_from="2026-01-01", valid_to="2030-12-31")
    assert f"草稿[{draft}] {DOC}（草拟）待发布" in expiry_notices(two, date(2026, 12, 1))[0]
    publish_version(two, draft)
    assert expiry_notices(two, date(2026, 12, 1)) == []


def test_whatif_recomputes_only_the_enterprises_a_change_touches(two):
    matter(two, A, "LZ41-5A", date(2024, 5, 1), basis_fen=100_000_00)
    matter(two, B, "LZ41-6C", date(2024, 6, 1))
    result = whatif(two, 2024, settings=["LZ41-5A.rate=40%"])
    assert (result.evaluated, result.recomputed) == (2, 1)
    assert (result.now_fen, result.trial_fen) == (30_000_00 + 300_000_00, 40_000_00 + 300_000_00)
    assert [c.key for c in result.enterprises] == [A]
    assert [(t.key, t.now_fen, t.trial_fen) for t in result.by_town] == [
        ("辛店街道", 30_000_00, 40_000_00),
        ("齐都镇", 300_000_00, 300_000_00),
    ]


def _award_id(db, code: str) -> int:
    return db.scalar(
        "SELECT a.id FROM awards a JOIN enterprises e ON e.id = a.enterprise_id"
        " WHERE e.credit_code = ?",
        (code,),
    )


def test_whatif_recomputes_approved_matters_of_the_year_and_rejections_stay_zero(two):
    """现行 counts the approved award as decided; 试算 what the trial gives the matter; a matter
    rejected by a person counts 0 on both sides."""
    matter(two, A, "LZ41-5A", date(2024, 5, 1), basis_fen=100_000_00)
    matter(two, B, "LZ41-5A", date(2024, 5, 2), basis_fen=200_000_00)
    calculate_year(two, 2024)
    approve(two, 2024, [_award_id(two, A)])
    reject(two, _award_id(two, B), "材料不全，经复核不予奖补")
    result = whatif(two, 2024, settings=["LZ41-5A.rate=40%"])
    assert (result.now_fen, result.trial_fen) == (30_000_00, 40_000_00)
    assert [(c.name, c.now_fen, c.trial_fen) for c in result.enterprises] == [
        (result.enterprises[0].name, 30_000_00, 40_000_00)
    ]


def test_replay_takes_awards_in_the_order_they_were_approved(two, monkeypatch):
    """October's receipt approved first (full amount under the cap), March's later (the rest):
    both right when approved, so replay finds nothing — although in date order March would
    come first."""
    import desktop.services.awards as awards_service

    matter(two, A, "LZ41-2", date(2024, 10, 8), basis_fen=4_000_000_00)  # 1,200,000
    calculate_year(two, 2024)
    monkeypatch.setattr(awards_service, "now_text", lambda: "2024-10-20T09:00:00")
    approve(two, 2024)
    matter(two, A, "LZ41-2", date(2024, 3, 15), basis_fen=3_205_000_00)  # 961,500 → 300,000 left
    calculate_year(two, 2024)
    monkeypatch.setattr(awards_service, "now_text", lambda: "2024-11-20T09:00:00")
    approve(two, 2024)
    granted = two.query(
        "SELECT amount_fen FROM awards WHERE status = '已审核' ORDER BY reviewed_at"
    )
    assert [r[0] for r in granted] == [1_200_000_00, 300_000_00]
    report = replay(two)
    assert report.clean and report.checked == 2


def test_deleting_a_published_version_takes_its_drafts_and_keeps_the_lineage(two):
    middle = create_draft(
        two, 1, doc_number="中间版本", valid_from="2026-01-01", valid_to="2026-12-31"
    )
    publish_version(two, middle)
    child = create_draft(two, middle, doc_number="后续草稿", valid_from="2027-01-01")
    matter(two, B, "LZ41-6C", date(2026, 6, 1))
    calculate_year(two, 2026)
    gone = delete_version(two, middle)
    assert (gone.was_draft, gone.draft_awards) == (False, 1)
    assert two.scalar("SELECT based_on FROM policy_versions WHERE id = ?", (child,)) == 1
    assert two.scalar("SELECT count(*) FROM awards") == 0


def test_cases_are_checked_against_a_draft_and_refused_when_malformed(two):
    case_id = save_case(
        two,
        CaseInput(
            "LZ41-6C 智慧工厂30万元",
            True,
            [],
            [{"rule_code": "LZ41-6C", "event_date": "2024年5月1日"}],
            [{"matter": "1", "year": "2024", "amount": "30万"}],
        ),
    )
    assert [c.id for c in list_cases(two)][-1] == case_id
    assert not run_cases(two).failing
    draft = create_draft(two, 1, doc_number="方案A", valid_from="2024-01-01", valid_to="2024-12-31")
    report = set_draft(two, draft, ["LZ41-6C.amount=25万"])
    assert [o.case.name for o in report.failing] == ["LZ41-6C 智慧工厂30万元"]
    assert "现得 250,000.00 元" in report.lines()[1]
    for bad, words in (
        ({"matter": "2", "year": "2024", "amount": "1"}, "事项序号"),
        ({"matter": "1", "year": "24", "amount": "1"}, "年度"),
        ({"matter": "1", "year": "2024", "amount": ""}, "应得金额"),
    ):
        with pytest.raises(ValidationError, match=words):
            save_case(
                two,
                CaseInput(
                    "坏案例",
                    True,
                    [],
                    [{"rule_code": "LZ41-6C", "event_date": "2024-05-01"}],
                    [bad],
                ),
            )
    with pytest.raises(ValidationError, match="已有名为"):
        save_case(
            two,
            CaseInput(
                "LZ41-6C 智慧工厂30万元",
                True,
                [],
                [{"rule_code": "LZ41-6C", "event_date": "2024-05-01"}],
                [{"matter": "1", "year": "2024", "amount": "1"}],
            ),
        )


def test_whatif_replay_and_cases_run_on_a_read_only_database(two):
    from desktop.storage.database import Database

    matter(two, A, "LZ41-5A", date(2024, 5, 1), basis_fen=100_000_00)
    calculate_year(two, 2024)
    approve(two, 2024)
    writable = whatif(two, 2024, settings=["LZ41-5A.rate=40%"])
    with Database(two.path, readonly=True) as reader:
        assert reader.readonly
        seen = whatif(reader, 2024, settings=["LZ41-5A.rate=40%"])
        assert (seen.now_fen, seen.trial_fen) == (writable.now_fen, writable.trial_fen)
        assert replay(reader).clean and not run_cases(reader).failing


def test_a_change_the_program_does_not_know_is_refused_not_dropped(two):
    versions = two.scalar("SELECT count(*) FROM policy_versions")
    with pytest.raises(ValidationError, match="没有可修改的项目“rate”"):
        copy_version(
            two, 1, doc_number="临政字〔2026〕3号", valid_from="2026-01-01", valid_to=None,
            rule_changes={"LZ41-2": {"rate": "25%"}},  # a parameter belongs under "params"
        )  # fmt: skip
    assert two.scalar("SELECT count(*) FROM policy_versions") == versions
