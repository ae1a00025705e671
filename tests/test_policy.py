"""Renewing a policy without code: copy a version with new dates and parameters."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.cli import run
from desktop.core.creditcode import make_credit_code
from desktop.core.errors import Conflict, ValidationError
from desktop.services.applications import ApplicationInput, insert_applications
from desktop.services.calculation import calculate_year
from desktop.services.catalogue import (
    load_catalogue,
    policy_versions,
    update_rule,
)
from desktop.services.policy_drafts import copy_version as copy_policy_version
from desktop.services.registry import EnterpriseInput, upsert_enterprises

CODE = make_credit_code(org_body="MA3C4HB7")


def test_successor_policy_applies_from_its_start_with_its_own_rate(db):
    new_id = copy_policy_version(
        db,
        1,
        doc_number="临政字〔2026〕1号",
        valid_from="2026-01-01",
        valid_to="2028-12-31",
        rule_changes={"LZ41-5A": {"params": {"rate": "0.40", "cap": "2000000.00"}}},
    )
    assert [v.id for v in policy_versions(db)] == [1, new_id]
    upsert_enterprises(db, [EnterpriseInput(CODE, "淄博丙装备有限公司", "金山镇", True)])
    eid = db.scalar("SELECT id FROM enterprises")
    insert_applications(
        db,
        [
            ApplicationInput(eid, CODE, "LZ41-5A", date(2025, 12, 31), basis_fen=1_000_000_000),
            ApplicationInput(eid, CODE, "LZ41-5A", date(2026, 1, 1), basis_fen=1_000_000_000),
        ],
    )
    calculate_year(db, 2025)
    calculate_year(db, 2026)
    rows = db.query("SELECT year, amount_fen, explanation FROM awards ORDER BY year")
    assert [(r[0], r[1]) for r in rows] == [(2025, 150_000_000), (2026, 200_000_000)]
    assert rows[1][2].startswith(
        "依据临政字〔2026〕1号三（五）：市级设备（软件）购置补助 10,000,000.00 元 × 40%"
    )
    assert db.scalar("SELECT count(*) FROM change_log WHERE action = '复制政策版本'") == 1


def test_overlapping_versions_are_refused(db):
    with pytest.raises(Conflict, match="重叠"):
        copy_policy_version(db, 1, doc_number="X", valid_from="2025-06-01", valid_to=None)
    assert len(policy_versions(db)) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"LZ41-2": {"params": {"rate": "1.5"}}}, "比例"),
        ({"LZ41-6B": {"params": {"amount": "-1"}}}, "不能为负数"),
        ({"LZ41-99": {"params": {"rate": "0.3"}}}, "不在该政策版本中"),
        ({"LZ41-2": {"conditions": ["magic"]}}, "适用条件"),
    ],
)
def test_bad_parameters_are_refused_and_nothing_is_written(db, changes, message):
    before = db.scalar("SELECT count(*) FROM rules")
    with pytest.raises(ValidationError, match=message):
        copy_policy_version(
            db,
            1,
            doc_number="临政字〔2026〕1号",
            valid_from="2026-01-01",
            valid_to=None,
            rule_changes=changes,
        )
    assert db.scalar("SELECT count(*) FROM rules") == before
    assert len(policy_versions(db)) == 1


def test_a_rule_with_approved_awards_cannot_be_edited_in_place(db):
    from desktop.services.awards import approve

    upsert_enterprises(db, [EnterpriseInput(CODE, "淄博丙装备有限公司", "金山镇", True)])
    eid = db.scalar("SELECT id FROM enterprises")
    insert_applications(db, [ApplicationInput(eid, CODE, "LZ41-6C", date(2024, 5, 1))])
    calculate_year(db, 2024)
    approve(db, 2024)
    rule_id = load_catalogue(db).latest("LZ41-6C").rule_id
    with pytest.raises(Conflict, match="复制为新的政策版本"):
        update_rule(db, rule_id, params={"amount": "1.00"})


def test_policy_copy_from_the_command_line(tmp_path, capsys):
    path = str(tmp_path / "c.db")
    assert run(["--db", path, "init"]) == 0
    assert (
        run(
            [
                "--db",
                path,
                "policy",
                "copy",
                "1",
                "--doc-number",
                "临政字〔2026〕1号",
                "--valid-from",
                "2026-01-01",
                "--set",
                "LZ41-2.rate=0.35",
                "--set",
                "LZ41-2.cap=none",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert run(["--db", path, "policy", "list"]) == 0
    out = capsys.readouterr().out
    new_version = out.split("[2] 临政字〔2026〕1号")[1]
    line = next(x for x in new_version.splitlines() if x.strip().startswith("LZ41-2 "))
    assert "比例 35%" in line and "上限 不设上限" in line  # stored canonically, shown in Chinese
    assert (
        run(
            [
                "--db",
                path,
                "policy",
                "copy",
                "1",
                "--doc-number",
                "Y",
                "--valid-from",
                "2027-01-01",
                "--set",
                "LZ41-2rate=1",
            ]
        )
        == 1
    )
    assert "参数写法" in capsys.readouterr().err
