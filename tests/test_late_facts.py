"""Hand-computed cases through the command line, as an auditor tries them: facts that arrive late,
就高不重复 after caps and across years, bad rows, and parameters written as a clerk writes them.

Amounts are in 元 as the JSON prints them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from cli_helpers import cli
from workbooks import (
    application_row,
    code,
    enterprise_row,
    list_row,
    write_enterprises,
    write_list,
    write_records,
)

A, B = 3, 2  # enterprise numbers: A (规上) on the 2023–2025 lists, B on none


@pytest.fixture
def office(capsys, tmp_path: Path) -> Path:
    db = tmp_path / "office.db"
    assert cli(capsys, db, "init")[0] == 0
    write_enterprises(tmp_path / "e.xlsx", [enterprise_row(3), enterprise_row(B)])
    assert cli(capsys, db, "import", "enterprises", str(tmp_path / "e.xlsx"))[0] == 0
    for year in (2023, 2024, 2025):
        write_list(tmp_path / f"l{year}.xlsx", [list_row(A)])
        assert (
            cli(
                capsys,
                db,
                "import",
                "siqiang-list",
                str(tmp_path / f"l{year}.xlsx"),
                "--year",
                str(year),
            )[0]
            == 0
        )
    return db


_n = iter(range(1, 10_000))


def add(capsys, db: Path, *rows: dict) -> None:
    path = db.parent / f"m{next(_n)}.xlsx"
    headers = (
        "统一社会信用代码",
        "企业名称",
        "条款编号",
        "事项日期",
        "基数金额（元）",
        "认定级别",
        "市级政策文号",
        "事项说明",
        "同一事项编号",
        "核定金额（元）",
    )
    write_records(path, headers, rows)
    status, out, err = cli(capsys, db, "import", "applications", str(path))
    assert status == 0, out + err


_FIELDS = {
    "rule": "条款编号",
    "when": "事项日期",
    "basis": "基数金额（元）",
    "level": "认定级别",
    "doc": "市级政策文号",
    "why": "事项说明",
    "group": "同一事项编号",
    "amount": "核定金额（元）",
}


def matter(n: int = A, **kw) -> dict:
    """An LZ41-2 matter of enterprise ``n`` (keywords: rule, when, basis, level, doc, why, group,
    amount override its columns)."""
    row = application_row(n)
    row["基数金额（元）"] = None
    row.update({_FIELDS[k]: v for k, v in kw.items()})
    return row


def awards(capsys, db: Path, year: int) -> list[dict]:
    status, out, err = cli(capsys, db, "list", "awards", "--year", str(year), "--json")
    assert status == 0, err
    return json.loads(out)


def by_date(capsys, db: Path, year: int, code_: str | None = None) -> dict[str, dict]:
    """Awards of the year keyed by their matter's date (the JSON has no date: read the trace)."""
    out = {}
    for r in awards(capsys, db, year):
        if code_ and r["条款编号"] != code_:
            continue
        explained = cli(capsys, db, "explain", str(r["编号"]))[1]
        when = explained.split("事项日期")[1][:10]
        out.setdefault(when, r)
    return out


def calc(capsys, db: Path, *years: int) -> None:
    for y in years:
        status, out, err = cli(capsys, db, "calculate", "--year", str(y))
        assert status == 0, out + err


def approve(capsys, db: Path, year: int, award_id: int) -> None:
    status, out, err = cli(capsys, db, "approve", "--year", str(year), str(award_id))
    assert status == 0, out + err


def check_ok(capsys, db: Path) -> None:
    status, out, err = cli(capsys, db, "check")
    assert status == 0, out + err


# -- decisions already taken, facts that arrive late -------------------------------------------


def test_an_earlier_receipt_entered_after_an_approval_gets_only_what_the_cap_leaves(capsys, office):
    add(capsys, office, matter(when=date(2024, 10, 8), basis=4_000_000))
    calc(capsys, office, 2024)
    (october,) = awards(capsys, office, 2024)
    assert october["核定金额（元）"] == "1200000.00"
    approve(capsys, office, 2024, october["编号"])

    add(capsys, office, matter(when=date(2024, 3, 2), basis=2_000_000))  # dated earlier
    calc(capsys, office, 2024)
    march = next(r for r in awards(capsys, office, 2024) if r["编号"] != october["编号"])
    assert march["核定金额（元）"] == "300000.00"  # 1,500,000 − 1,200,000, not 600,000
    assert f"核定结果{october['编号']}" in march["计算说明"]  # names the approved award
    total = sum(int(r["核定金额（元）"].replace(".", "")) for r in awards(capsys, office, 2024))
    assert total == 150_000_000
    check_ok(capsys, office)


def test_an_earlier_first_time_award_entered_after_a_later_one_was_approved_gets_nothing(
    capsys, office
):
    add(capsys, office, matter(rule="LZ41-6B", when=date(2024, 6, 1)))
    calc(capsys, office, 2024)
    (later,) = awards(capsys, office, 2024)
    approve(capsys, office, 2024, later["编号"])
    add(capsys, office, matter(rule="LZ41-6B", when=date(2023, 5, 1)))
    calc(capsys, office, 2023)
    (earlier,) = awards(capsys, office, 2023)
    assert earlier["核定金额（元）"] == "0.00"
    assert f"核定结果{later['编号']}" in earlier["计算说明"] and "仅限首次" in earlier["计算说明"]
    check_ok(capsys, office)


@pytest.mark.parametrize("order", [(2023, 2024), (2024, 2023), (2024, 2023, 2024, 2023)])
def test_years_calculated_in_any_order_give_the_same_awards(capsys, office, order):
    add(
        capsys,
        office,
        matter(rule="LZ41-6B", when=date(2023, 5, 1)),
        matter(rule="LZ41-6B", when=date(2024, 6, 1)),
        matter(rule="LZ41-6D", when=date(2023, 4, 1), group="车间1"),
        matter(rule="LZ41-6C", when=date(2024, 9, 1), group="车间1"),
    )
    calc(capsys, office, *order)
    got = {
        (y, r["条款编号"]): r["核定金额（元）"]
        for y in (2023, 2024)
        for r in awards(capsys, office, y)
    }
    assert got == {
        (2023, "LZ41-6B"): "200000.00",  # the first time
        (2024, "LZ41-6B"): "0.00",
        (2023, "LZ41-6D"): "0.00",  # same matter: the 智慧工厂 of 2024 is higher
        (2024, "LZ41-6C"): "300000.00",
    }


# -- 就高不重复 -----------------------------------------------------------------------------------


def test_same_matter_in_two_award_years_is_granted_once(capsys, office):
    add(
        capsys,
        office,
        matter(rule="LZ41-6D", when=date(2023, 4, 1), group="W-1"),
        matter(rule="LZ41-6C", when=date(2024, 9, 1), group="W-1"),
    )
    calc(capsys, office, 2023, 2024)
    (workshop,) = awards(capsys, office, 2023)
    (factory,) = awards(capsys, office, 2024)
    assert (workshop["核定金额（元）"], factory["核定金额（元）"]) == ("0.00", "300000.00")
    assert "同一事项（编号W-1）已按LZ41-6C" in workshop["计算说明"]
    assert "300,000.00 元" in workshop["计算说明"]  # the winner's granted amount


def test_jiugao_compares_amounts_after_the_cap(capsys, office):
    """An approved 1,400,000 under LZ41-2 leaves it 100,000 this year. A matter that would give
    600,000 under LZ41-2 (100,000 after the cap) and 300,000 under 8A is granted the 300,000."""
    add(capsys, office, matter(when=date(2024, 2, 1), basis="4666666.67"))
    calc(capsys, office, 2024)
    (first,) = awards(capsys, office, 2024)
    assert first["核定金额（元）"] == "1400000.00"
    approve(capsys, office, 2024, first["编号"])
    add(
        capsys,
        office,
        matter(when=date(2024, 8, 1), basis=2_000_000, group="R-8"),
        matter(rule="LZ41-8A", when=date(2024, 8, 1), basis=1_000_000, group="R-8"),
    )
    calc(capsys, office, 2024)
    rows = [r for r in awards(capsys, office, 2024) if r["编号"] != first["编号"]]
    got = {r["条款编号"]: r["核定金额（元）"] for r in rows}
    assert got == {"LZ41-2": "0.00", "LZ41-8A": "300000.00"}  # not 100,000 under LZ41-2
    loser = next(r for r in rows if r["条款编号"] == "LZ41-2")
    assert "已按LZ41-8A" in loser["计算说明"] and "300,000.00 元" in loser["计算说明"]
    check_ok(capsys, office)


# -- bad rows ---------------------------------------------------------------------------------------


def _refused(capsys, db: Path, row: dict) -> str:
    path = db.parent / f"bad{next(_n)}.xlsx"
    headers = (
        "统一社会信用代码",
        "企业名称",
        "条款编号",
        "事项日期",
        "基数金额（元）",
        "市级政策文号",
        "事项说明",
        "核定金额（元）",
    )
    write_records(path, headers, [row])
    before = cli(capsys, db, "list", "awards", "--year", "2024", "--json")[1]
    status, out, err = cli(capsys, db, "import", "applications", str(path))
    assert status == 1
    assert cli(capsys, db, "list", "awards", "--year", "2024", "--json")[1] == before
    return out + err


def test_a_manual_row_without_a_reason_is_refused(capsys, office):
    text = _refused(capsys, office, matter(rule="LZ41-8B", amount=500_000, why=None))
    assert "第2行" in text and "理由" in text


def test_a_manual_row_without_an_amount_is_refused(capsys, office):
    text = _refused(capsys, office, matter(rule="LZ41-8B", why="专题会议纪要"))
    assert "第2行" in text and "核定金额" in text


def test_a_rule_code_and_a_city_document_that_disagree_are_refused_both_named(capsys, office):
    text = _refused(
        capsys,
        office,
        matter(rule="LZ41-8A", doc="淄政办字〔2021〕7号", basis=1_000_000),
    )
    assert "第2行" in text and "LZ41-8A" in text and "LZ41-2" in text


@pytest.mark.parametrize("basis", [0, -5])
def test_a_ratio_row_needs_a_positive_basis(capsys, office, basis):
    text = _refused(capsys, office, matter(basis=basis))
    assert "第2行" in text and "基数" in text


# -- parameters as a clerk writes them -----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["30%", "0.3", "0.30", "３０％"],
    ids=["percent", "decimal", "two-places", "full-width"],
)
def test_policy_copy_with_a_percent_rate_then_calculating_under_it_works(capsys, office, value):
    status, out, err = cli(
        capsys,
        office,
        "policy",
        "copy",
        "1",
        "--doc-number",
        "临政字〔2026〕1号",
        "--valid-from",
        "2026-01-01",
        "--set",
        f"LZ41-2.rate={value}",
        "--set",
        "LZ41-2.上限=150万",
    )
    assert status == 0, err
    add(capsys, office, matter(when=date(2026, 3, 1), basis=1_000_000))
    write_list(office.parent / "l2026.xlsx", [list_row(A)])
    assert (
        cli(
            capsys,
            office,
            "import",
            "siqiang-list",
            str(office.parent / "l2026.xlsx"),
            "--year",
            "2026",
        )[0]
        == 0
    )
    calc(capsys, office, 2026)
    (award,) = awards(capsys, office, 2026)
    assert award["核定金额（元）"] == "300000.00"
    assert award["计算说明"].startswith("依据临政字〔2026〕1号三（二）")


@pytest.mark.parametrize("value", ["abc", "130%", "0", "-10%"])
def test_an_invalid_rate_is_refused_when_set(capsys, office, value):
    status, _, err = cli(
        capsys,
        office,
        "policy",
        "copy",
        "1",
        "--doc-number",
        "X",
        "--valid-from",
        "2026-01-01",
        "--set",
        f"LZ41-2.rate={value}",
    )
    assert status == 1 and "比例" in err
    assert "[2]" not in cli(capsys, office, "policy", "list")[1]


def test_an_unknown_parameter_is_refused_naming_the_ones_there_are(capsys, office):
    status, _, err = cli(
        capsys,
        office,
        "policy",
        "copy",
        "1",
        "--doc-number",
        "X",
        "--valid-from",
        "2026-01-01",
        "--set",
        "LZ41-6C.rate=30%",
    )
    assert status == 1 and "奖励金额" in err


# -- explanations ------------------------------------------------------------------------------------


def test_an_auto_matched_award_says_how_its_clause_was_chosen(capsys, office):
    add(capsys, office, matter(rule=None, doc="淄政办字〔2021〕7号", basis=1_000_000))
    calc(capsys, office, 2024)
    (award,) = awards(capsys, office, 2024)
    text = cli(capsys, office, "explain", str(award["编号"]))[1]
    assert "按市级政策文号淄政办字〔2021〕7号匹配本条款" in text
    assert "按市级政策文号淄政办字〔2021〕7号匹配本条款" in award["计算说明"]


def test_an_installment_step_shows_its_own_amount_not_the_one_time_one(capsys, office):
    add(capsys, office, matter(rule="LZ41-9A", when=date(2023, 6, 15)))
    calc(capsys, office, 2023, 2026)
    (last,) = awards(capsys, office, 2026)
    text = cli(capsys, office, "explain", str(last["编号"]))[1]
    steps = text.split("计算步骤：")[1].split("\n")[1]
    assert "第3年研发费用补贴 500,000.00 元" in steps and "2,000,000" not in steps
    assert "政策已于2025年12月31日到期" in last["计算说明"]


def test_an_out_of_validity_row_cites_the_policy_it_falls_outside(capsys, office):
    add(capsys, office, matter(rule="LZ41-5A", when=date(2026, 3, 1), basis=100_000))
    calc(capsys, office, 2026)
    (award,) = awards(capsys, office, 2026)
    assert award["计算说明"] == (
        "依据临政字〔2021〕41号三（五）：不予奖补——政策已于2025年12月31日到期，"
        "需录入继任政策（自2026年1月1日起）的版本后计算"
    )


def test_no_english_key_or_value_reaches_the_explanation(capsys, office):
    add(
        capsys,
        office,
        matter(when=date(2024, 1, 5), basis=9_000_000),
        matter(rule="LZ41-10A", when=date(2024, 2, 5), level="国家级"),
        matter(rule="LZ41-9A", when=date(2024, 3, 5)),
        matter(rule="LZ41-8B", amount=80_000, why="区政府常务会议纪要"),
    )
    calc(capsys, office, 2024)
    for r in awards(capsys, office, 2024):
        text = cli(capsys, office, "explain", str(r["编号"]))[1]
        for word in ("rate", "cap", "per-", "amounts", "one_time", "yearly", "reference", "None"):
            assert word not in text, (word, text)
    assert code(A)  # the enterprise exists (keeps the helper import honest)
