"""Correcting an approved award: revoke (with reason) → edit the matter → recalculate gives a new
draft at the new amount, linked to the revoked one (which stays on record) → approve again."""

from __future__ import annotations

import json
import sqlite3

from cli_helpers import cli


def _award(capsys, demo, year: int, code: str, status: str) -> dict:
    code_, out, _ = cli(capsys, demo, "list", "awards", "--year", str(year), "--json")
    assert code_ == 0
    return next(r for r in json.loads(out) if r["条款编号"] == code and r["状态"] == status)


def test_revoke_edit_recalculate_approve_ends_with_one_approved_award_at_the_new_amount(
    capsys, demo
):
    award = _award(capsys, demo, 2023, "LZ41-2", "已审核")
    conn = sqlite3.connect(demo)
    app_id = conn.execute(
        "SELECT application_id FROM awards WHERE id = ?", (award["编号"],)
    ).fetchone()[0]
    conn.close()

    refused = cli(capsys, demo, "application", "edit", str(app_id), "--basis", "2000000")
    assert refused[0] == 1 and "先撤销审核" in refused[2]

    assert cli(capsys, demo, "revoke", str(award["编号"]), "--reason", "基数录入错误")[0] == 0
    assert cli(capsys, demo, "application", "edit", str(app_id), "--basis", "2,000,000")[0] == 0
    assert cli(capsys, demo, "calculate", "--year", "2023")[0] == 0

    conn = sqlite3.connect(demo)
    rows = conn.execute(
        "SELECT id, status, amount_fen, supersedes FROM awards WHERE application_id = ?"
        " AND installment_no = 0 ORDER BY id",
        (app_id,),
    ).fetchall()
    conn.close()
    (old_id, old_status, old_fen, _), (new_id, new_status, new_fen, supersedes) = rows
    assert (old_id, old_status) == (award["编号"], "已撤销")
    assert old_fen == int(award["计算金额（元）"].replace(".", ""))  # kept as evidence
    assert (new_status, new_fen, supersedes) == ("草稿", 60_000_000, old_id)  # 2,000,000 × 30%

    assert cli(capsys, demo, "approve", "--year", "2023", str(new_id))[0] == 0
    approved = [
        r
        for r in json.loads(cli(capsys, demo, "list", "awards", "--year", "2023", "--json")[1])
        if r["编号"] in (old_id, new_id)
    ]
    assert {(r["编号"], r["状态"], r["核定金额（元）"]) for r in approved} == {
        (old_id, "已撤销", "0.00"),
        (new_id, "已审核", "600000.00"),
    }
    assert cli(capsys, demo, "check")[0] == 0


def test_an_edit_that_changes_nothing_is_refused(capsys, demo):
    code, _, err = cli(capsys, demo, "application", "edit", "1")
    assert code == 1 and "至少指定一项" in err


def test_a_draft_raised_in_the_file_is_not_approved(capsys, demo):
    """A draft amount ×10 by SQL, then approved through the program: refused, nothing approved."""
    code_, out, _ = cli(capsys, demo, "list", "awards", "--year", "2024", "--json")
    draft = next(
        r for r in json.loads(out) if r["状态"] == "草稿" and r["核定金额（元）"] != "0.00"
    )
    conn = sqlite3.connect(demo)
    with conn:
        conn.execute(
            "UPDATE awards SET amount_fen = amount_fen * 10 WHERE id = ?", (draft["编号"],)
        )
    conn.close()

    status, _, err = cli(capsys, demo, "approve", "--year", "2024", str(draft["编号"]))
    assert status == 1 and "重新计算" in err and f"核定结果{draft['编号']}" in err
    status, _, err = cli(capsys, demo, "approve", "--year", "2024", "--all")
    assert status == 1 and "本次未审核任何结果" in err
    rows = json.loads(cli(capsys, demo, "list", "awards", "--year", "2024", "--json")[1])
    assert not [r for r in rows if r["状态"] == "已审核" and r["编号"] == draft["编号"]]
    check = cli(capsys, demo, "check")
    assert check[0] == 1 and "可能被直接改动" in check[1]  # and check finds it too


def test_a_raised_draft_is_found_even_after_later_input_changes(capsys, demo):
    """A later logged change (a rejection) makes every draft 'possibly stale' for the recompute
    check; the draft's own calculation record still gives the raised amount away."""
    rows = json.loads(cli(capsys, demo, "list", "awards", "--year", "2024", "--json")[1])
    drafts = [r for r in rows if r["状态"] == "草稿" and r["计算金额（元）"] != "0.00"]
    raised, other = drafts[0], drafts[1]
    conn = sqlite3.connect(demo)
    with conn:
        conn.execute(
            "UPDATE awards SET amount_fen = amount_fen + 1 WHERE id = ?", (raised["编号"],)
        )
    conn.close()
    reason = ("--reason", "材料不全，经复核不予奖补")
    assert cli(capsys, demo, "reject", str(other["编号"]), *reason)[0] == 0
    status, out, _ = cli(capsys, demo, "check")
    assert status == 1
    assert f"核定结果{raised['编号']}" in out and "与其计算记录中的" in out
