"""Renewing the policy through the command line (interfaces.md "Policy versions: drafts,
clauses, what-if, replay"): a draft from version 1, parameters as a clerk writes them, a new
clause text, an added clause granted only after publishing, 试算 against a hand computation with
the database unchanged, replay, and deleting versions."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from cli_helpers import cli
from workbooks import application_row, code, enterprise_row, write_applications, write_enterprises

from desktop.core.money import apply_rate, parse_rate
from desktop.storage.database import content_hash

DOC = "临政字〔2026〕1号"
BASIS = "基数金额（元）"


def db_hash(path) -> str:
    conn = sqlite3.connect(str(path))
    try:
        return content_hash(conn)
    finally:
        conn.close()


@pytest.fixture
def office(tmp_path, capsys):
    """A new database with three enterprises (none on a 四强 list)."""
    path = tmp_path / "renew.db"
    assert cli(capsys, path, "init")[0] == 0
    rows = [enterprise_row(n, 是否规上="是") for n in (1, 2, 3)]
    assert (
        cli(
            capsys, path, "import", "enterprises", str(write_enterprises(tmp_path / "e.xlsx", rows))
        )[0]
        == 0
    )
    return path


def import_matters(capsys, path, tmp_path, rows, name="m.xlsx"):
    code_, out, err = cli(
        capsys, path, "import", "applications", str(write_applications(tmp_path / name, rows))
    )
    assert code_ == 0, err
    return out


def draft(capsys, path, *extra: str) -> int:
    status, out, err = cli(
        capsys, path, "policy", "draft", "1", "--doc-number", DOC, "--valid-from", "2026-01-01",
        "--valid-to", "2028-12-31", *extra,
    )  # fmt: skip
    assert status == 0, err
    return int(out.strip().splitlines()[-1])  # the new id alone on the last line


def show(capsys, path, version_id: int) -> dict:
    status, out, _ = cli(capsys, path, "policy", "show", str(version_id), "--json")
    assert status == 0
    return json.loads(out)


def rule(shown: dict, rule_code: str) -> dict:
    return next(r for r in shown["条款"] if r["条款编号"] == rule_code)


def awards(capsys, path, year: int) -> list[dict]:
    status, out, _ = cli(capsys, path, "list", "awards", "--year", str(year), "--json")
    assert status == 0
    return json.loads(out)


def test_a_draft_from_version_1_takes_a_percent_rate_and_stores_it_canonically(office, capsys):
    draft_id = draft(capsys, office)
    assert draft_id == 2
    status, out, err = cli(
        capsys, office, "policy", "set", "2", "LZ41-2.rate=25%", "LZ41-2.上限=150万"
    )
    assert status == 0, err
    shown = rule(show(capsys, office, 2), "LZ41-2")
    assert shown["参数值"]["rate"] == "0.25" and shown["参数值"]["cap"] == "1500000.00"
    assert shown["参数"]["比例"] == "25%"
    assert show(capsys, office, 2)["状态"] == "草拟"
    assert rule(show(capsys, office, 1), "LZ41-2")["参数值"]["rate"] == "0.3"  # the source stays


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ("LZ41-2.rate=150%", "比例"),
        ("LZ41-2.rate=abc", "比例"),
        ("LZ41-6B.amount=-5", "奖励金额"),
        ("LZ41-2.magic=1", "没有参数"),
        ("LZ41-99.rate=0.3", "LZ41-99"),
        ("LZ41-2.适用条件=魔法", "适用条件"),
        ("有效期至=2025-01-01", "有效期至"),
    ],
)
def test_an_invalid_value_is_refused_when_set_and_nothing_changes(office, capsys, item, words):
    draft(capsys, office)
    before = db_hash(office)
    status, out, err = cli(capsys, office, "policy", "set", "2", item)
    assert status == 1 and words in err and len(err.strip().splitlines()) == 1
    assert db_hash(office) == before


def test_a_published_version_is_edited_only_through_a_draft(office, capsys):
    status, _, err = cli(capsys, office, "policy", "set", "1", "LZ41-2.rate=25%")
    assert status == 1 and "已发布" in err and "policy draft 1" in err


def test_a_new_clause_text_and_name_in_a_draft(office, capsys):
    draft(capsys, office)
    text = (
        "对获得淄政办字〔2021〕7号市级扶持资金的“四强”企业，按25%给予配套奖励，最高不超过150万元。"
    )
    status, _, err = cli(capsys, office, "policy", "clause-text", "2", "LZ41-2", "--text", text)
    assert status == 0, err
    assert cli(capsys, office, "policy", "set", "2", "LZ41-2.名称=市级扶持资金配套（2026）")[0] == 0
    shown = rule(show(capsys, office, 2), "LZ41-2")
    assert shown["条款原文"] == text and shown["名称"] == "市级扶持资金配套（2026）"
    assert rule(show(capsys, office, 1), "LZ41-2")["条款原文"] != text


def test_an_added_fixed_clause_is_granted_after_publish_and_not_before(office, capsys, tmp_path):
    draft_id = draft(capsys, office)
    status, out, err = cli(
        capsys, office, "policy", "add-clause", str(draft_id), "--code", "LZ41-11",
        "--clause", "三（十一）", "--name", "首次认定专精特新“小巨人”企业", "--method", "fixed",
        "--param", "amount=50万", "--condition", "首次",
    )  # fmt: skip
    assert status == 0, err
    assert rule(show(capsys, office, draft_id), "LZ41-11")["参数值"] == {"amount": "500000.00"}
    import_matters(
        capsys, office, tmp_path,
        [application_row(1, 条款编号="LZ41-11", 事项日期=date(2026, 5, 8), **{BASIS: None})],
    )  # fmt: skip
    assert cli(capsys, office, "calculate", "--year", "2026")[0] == 0
    [before] = awards(capsys, office, 2026)
    assert before["核定金额（元）"] == "0.00"
    assert "仅见于草拟中的政策版本" in before["计算说明"]
    assert cli(capsys, office, "policy", "publish", str(draft_id))[0] == 0
    assert cli(capsys, office, "calculate", "--year", "2026")[0] == 0
    [after] = awards(capsys, office, 2026)
    assert after["条款编号"] == "LZ41-11" and after["核定金额（元）"] == "500000.00"
    assert after["计算说明"].startswith(f"依据{DOC}三（十一）")


def test_publish_is_refused_where_it_overlaps_a_published_version(office, capsys):
    status, out, err = cli(
        capsys, office, "policy", "draft", "1", "--doc-number", "临政字〔2025〕9号",
        "--valid-from", "2025-07-01",
    )  # fmt: skip
    assert status == 0
    draft_id = out.strip().splitlines()[-1]
    before = db_hash(office)
    status, _, err = cli(capsys, office, "policy", "publish", draft_id)
    assert status == 1 and "重叠" in err and "临政字〔2021〕41号" in err
    assert db_hash(office) == before
    # moved past the old version's end, it publishes
    assert cli(capsys, office, "policy", "set", draft_id, "施行日期=2026-01-01")[0] == 0
    assert cli(capsys, office, "policy", "publish", draft_id)[0] == 0
    assert show(capsys, office, int(draft_id))["状态"] == "已发布"


def _hand(bases: list[int], rate: str, cap_fen: int) -> int:
    return sum(min(apply_rate(b, parse_rate(rate)), cap_fen) for b in bases)


def test_whatif_totals_match_a_hand_computation_and_the_database_is_unchanged(
    office, capsys, tmp_path
):
    bases = {1: 123_456_78, 2: 8_000_000_00, 3: 35_000_00}  # 分
    rows = [
        application_row(n, 条款编号="LZ41-5A", 事项日期=date(2026, 3, n), **{BASIS: str(Decimal(b) / 100)})
        for n, b in bases.items()
    ] + [
        application_row(n, 条款编号="LZ41-5A", 事项日期=date(2024, 6, n), **{BASIS: str(Decimal(b) / 100)})
        for n, b in bases.items()
    ]  # fmt: skip
    import_matters(capsys, office, tmp_path, rows)
    for year in ("2024", "2026"):
        assert cli(capsys, office, "calculate", "--year", year)[0] == 0
    draft_id = draft(capsys, office)
    assert (
        cli(
            capsys, office, "policy", "set", str(draft_id), "LZ41-5A.rate=25%", "LZ41-5A.cap=200万"
        )[0]
        == 0
    )
    before = db_hash(office)

    status, out, err = cli(
        capsys, office, "whatif", "--year", "2026", "--version", str(draft_id), "--json"
    )
    assert status == 0, err
    result = json.loads(out)
    trial = _hand(list(bases.values()), "25%", 200_000_000)
    assert result["年度"] == 2026
    assert result["现行合计"] == "0.00"  # the policy has expired: nothing under the rules in force
    assert result["试算合计"] == f"{Decimal(trial) / 100:.2f}"
    assert result["差额"] == result["试算合计"]
    assert result["按条款"] == [
        {**result["按条款"][0], "条款编号": "LZ41-5A", "现行": "0.00", "试算": result["试算合计"]}
    ]
    assert {e["统一社会信用代码"] for e in result["企业"]} == {code(n) for n in bases}

    status, out, err = cli(
        capsys, office, "whatif", "--year", "2024", "--set", "LZ41-5A.rate=40%", "--json",
        "--out", str(tmp_path / "试算.xlsx"),
    )  # fmt: skip
    assert status == 0, err
    result = json.loads(out)
    now, trial = (
        _hand(list(bases.values()), "30%", 150_000_000),
        _hand(list(bases.values()), "40%", 150_000_000),
    )
    assert (result["现行合计"], result["试算合计"]) == (
        f"{Decimal(now) / 100:.2f}",
        f"{Decimal(trial) / 100:.2f}",
    )
    assert result["差额"] == f"{Decimal(trial - now) / 100:.2f}"
    assert db_hash(office) == before  # 试算 writes nothing (the workbook is a file of its own)

    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "试算.xlsx")
    assert wb.sheetnames == ["汇总", "按条款", "按镇街", "企业变化"]
    cells = [c for row in wb["按条款"].iter_rows(values_only=True) for c in row]
    assert "LZ41-5A" in cells and float(Decimal(trial) / 100) in cells


def test_whatif_needs_a_draft_or_parameters(office, capsys):
    status, _, err = cli(capsys, office, "whatif", "--year", "2024", "--version", "1")
    assert status == 1 and "已发布" in err
    status, _, err = cli(capsys, office, "whatif", "--year", "2024", "--set", "LZ41-2.rate=2")
    assert status == 1 and "比例" in err


def test_replay_is_clean_on_the_demo_after_approving_its_past_years(demo, capsys):
    for year in ("2024", "2025"):
        assert cli(capsys, demo, "approve", "--year", year, "--all")[0] == 0
    status, out, err = cli(capsys, demo, "replay", "--json")
    assert status == 0, err
    result = json.loads(out)
    assert result["差异"] == [] and result["核对"] > 150
    status, out, _ = cli(capsys, demo, "replay", "--year", "2024")
    assert status == 0 and "全部一致" in out


def test_replay_lists_an_engine_change_that_would_alter_a_past_decision(demo, capsys, monkeypatch):
    from desktop.core.methods.fixed import Fixed

    original = Fixed.compute

    def generous(self, params, matter, rule_name):
        out = original(self, params, matter, rule_name)
        out.amount_fen += 100  # one 元 more than was approved
        return out

    monkeypatch.setattr(Fixed, "compute", generous)
    status, out, err = cli(capsys, demo, "replay", "--json")
    assert status == 1 and "不一致" in err
    differences = json.loads(out)["差异"]
    assert differences and all(
        d["条款编号"] in ("LZ41-6B", "LZ41-6C", "LZ41-6D", "LZ41-8C") for d in differences
    )
    first = differences[0]
    assert Decimal(first["重算金额"]) - Decimal(first["审核金额"]) == 1


def test_deleting_a_used_version_is_refused_and_an_unused_draft_is_deleted(demo, capsys):
    before = db_hash(demo)
    status, _, err = cli(capsys, demo, "policy", "delete", "1")
    assert status == 1 and "不能删除" in err
    assert db_hash(demo) == before
    draft_id = draft(capsys, demo)
    status, out, err = cli(capsys, demo, "policy", "delete", str(draft_id))
    assert status == 0 and "已删除政策草稿" in out
    status, _, err = cli(capsys, demo, "policy", "show", str(draft_id))
    assert status == 1 and "不存在" in err


def test_policy_copy_is_draft_set_and_publish_in_one(office, capsys):
    status, out, err = cli(
        capsys, office, "policy", "copy", "1", "--doc-number", DOC, "--valid-from", "2026-01-01",
        "--set", "LZ41-2.rate=35%",
    )  # fmt: skip
    assert status == 0, err
    shown = show(capsys, office, 2)
    assert shown["状态"] == "已发布" and rule(shown, "LZ41-2")["参数值"]["rate"] == "0.35"


def test_cases_are_checked_after_every_draft_edit(office, capsys):
    draft_id = draft(capsys, office)
    status, out, _ = cli(capsys, office, "policy", "set", str(draft_id), "LZ41-5A.rate=25%")
    assert status == 0
    assert "典型案例" in out
    status, out, _ = cli(capsys, office, "case", "run")
    assert status == 0 and "6个全部成立" in out
    status, out, _ = cli(capsys, office, "case", "run", "--version", str(draft_id), "--json")
    assert status == 1
    failing = [c["名称"] for c in json.loads(out)["案例"] if not c["成立"]]
    assert failing == ["LZ41-5A 事项日期在政策到期之后"]  # a successor now covers 2026


def test_whatif_gives_approved_matters_the_trial_amounts_and_a_later_draft_is_tried_on_a_past_year(
    office, capsys, tmp_path
):
    """A 局务会 asks what last year's matters would get under the successor: approved matters are
    recomputed under the trial (decisions stand only in 现行), and a draft that starts after the
    year is taken as in force over it, which the heading says."""
    bases = {1: 123_456_78, 2: 8_000_000_00}
    rows = [
        application_row(n, 条款编号="LZ41-5A", 事项日期=date(2024, 6, n), **{BASIS: str(Decimal(b) / 100)})
        for n, b in bases.items()
    ]  # fmt: skip
    import_matters(capsys, office, tmp_path, rows)
    assert cli(capsys, office, "calculate", "--year", "2024")[0] == 0
    assert cli(capsys, office, "approve", "--year", "2024", "--all")[0] == 0
    draft_id = draft(capsys, office)  # in force from 2026-01-01
    assert cli(capsys, office, "policy", "set", str(draft_id), "LZ41-5A.rate=0.25")[0] == 0
    before = db_hash(office)

    now = _hand(list(bases.values()), "30%", 150_000_000)
    for args in (["--set", "LZ41-5A.rate=25%"], ["--version", str(draft_id)]):
        status, out, err = cli(capsys, office, "whatif", "--year", "2024", *args, "--json")
        assert status == 0, err
        result = json.loads(out)
        trial = _hand(list(bases.values()), "25%", 150_000_000)
        assert (result["现行合计"], result["试算合计"]) == (
            f"{Decimal(now) / 100:.2f}",
            f"{Decimal(trial) / 100:.2f}",
        )
        assert {e["统一社会信用代码"] for e in result["企业"]} == {
            code(1)
        }  # 2 is capped either way
    assert "试算假定其在2024年度施行" in result["依据"]
    assert db_hash(office) == before
