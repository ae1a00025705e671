"""Tampering with the file directly, as an attacker with the ``sqlite3`` module would: ``check``
names every changed log entry, every changed approved award and every missing trigger."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import run
from desktop.services.check import PROTECTING_TRIGGERS, run_check
from desktop.storage.database import Database, log_entry_hash

REPO = Path(__file__).resolve().parents[1]


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _approved_award(conn: sqlite3.Connection) -> tuple[int, int]:
    return conn.execute(
        "SELECT id, amount_fen FROM awards WHERE status IN ('已审核','已拨付') ORDER BY id LIMIT 1"
    ).fetchone()


def _check(capsys, path: Path) -> tuple[int, str]:
    capsys.readouterr()
    code = run(["--db", str(path), "check"])
    return code, capsys.readouterr().out


def test_clean_demo_passes(capsys, demo):
    code, out = _check(capsys, demo)
    assert code == 0, out
    assert "检查结果：全部正常" in out
    assert "保护触发器齐全" in out


def test_changed_log_entry_and_approved_award_are_both_named(demo):
    conn = _raw(demo)
    log_id = conn.execute("SELECT id FROM change_log WHERE action = '审核通过' LIMIT 1").fetchone()[
        0
    ]
    award_id, amount = _approved_award(conn)
    # the attacker first removes what stands in the way, then restores nothing
    conn.execute("DROP TRIGGER change_log_no_update")
    conn.execute("DROP TRIGGER awards_approved_final")
    conn.execute(
        "UPDATE change_log SET new_values = json_set(new_values, '$.amount_fen', 1) WHERE id = ?",
        (log_id,),
    )
    conn.execute("UPDATE awards SET amount_fen = ? WHERE id = ?", (amount * 10, award_id))
    conn.close()

    proc = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(demo), "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    out = proc.stdout
    assert proc.returncode != 0, out
    assert f"变更日志第{log_id}条被改动" in out
    assert f"核定结果{award_id}（" in out and "审核后被改动" in out
    assert "保护触发器change_log_no_update缺失" in out
    assert "保护触发器awards_approved_final缺失" in out
    assert "金额" in out and "与变更日志中审核时的" in out  # the log still has the approved amount
    assert "[通过] 保护触发器" not in out


def test_rehashed_entry_still_breaks_the_chain_at_the_next_one(demo):
    """An attacker who recomputes the changed entry's own hash breaks the link to the next."""
    conn = _raw(demo)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM change_log WHERE id = 5").fetchone())
    row["user"] = "他人"
    new_hash = log_entry_hash(row["prev_hash"], row)
    conn.execute("DROP TRIGGER change_log_no_update")
    conn.execute("UPDATE change_log SET user = ?, hash = ? WHERE id = 5", ("他人", new_hash))
    conn.close()
    with Database(demo) as db:
        report = run_check(db)
    text = "\n".join(report.problems)
    assert "变更日志第6条被改动或链条断开" in text
    assert "变更日志第5条" not in text
    assert "change_log_no_update缺失" in text


def test_deleted_log_entry_is_found(demo):
    conn = _raw(demo)
    conn.execute("DROP TRIGGER change_log_no_delete")
    conn.execute("DELETE FROM change_log WHERE id = 10")
    conn.close()
    with Database(demo) as db:
        report = run_check(db)
    text = "\n".join(report.problems)
    assert "变更日志第11条" in text
    assert "change_log_no_delete缺失" in text


@pytest.mark.parametrize("name", sorted(PROTECTING_TRIGGERS))
def test_each_missing_trigger_is_named(capsys, demo, name):
    conn = _raw(demo)
    conn.execute(f"DROP TRIGGER {name}")
    conn.close()
    code, out = _check(capsys, demo)
    assert code == 1
    assert f"[错误] 保护触发器{name}缺失（已被删除）" in out
    assert "发现1处问题" in out


def test_neutered_trigger_is_reported_as_changed(capsys, demo):
    conn = _raw(demo)
    conn.execute("DROP TRIGGER awards_approved_no_delete")
    conn.execute(
        "CREATE TRIGGER awards_approved_no_delete BEFORE DELETE ON awards"
        " WHEN 0 BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    award_id, _ = _approved_award(conn)
    conn.execute("DELETE FROM awards WHERE id = ?", (award_id,))
    conn.close()
    code, out = _check(capsys, demo)
    assert code == 1
    assert "保护触发器awards_approved_no_delete被改动" in out


def test_award_changed_with_its_fingerprint_recomputed_is_caught_by_the_log(capsys, demo):
    """The award's own approved_hash has no secret: an attacker can recompute it. The 审核通过
    entry in the hash chain still records the approved amount."""
    from desktop.services.awards import approved_hash

    conn = _raw(demo)
    conn.row_factory = sqlite3.Row
    award_id, amount = _approved_award(conn)
    logged = conn.execute(
        "SELECT new_values FROM change_log WHERE table_name = 'awards' AND row_key = ?"
        " AND action = '审核通过'",
        (str(award_id),),
    ).fetchone()
    assert json.loads(logged[0])["amount_fen"] == amount
    conn.execute("DROP TRIGGER awards_approved_final")
    conn.execute("UPDATE awards SET amount_fen = amount_fen + 100 WHERE id = ?", (award_id,))
    row = conn.execute("SELECT * FROM awards WHERE id = ?", (award_id,)).fetchone()
    conn.execute("UPDATE awards SET approved_hash = ? WHERE id = ?", (approved_hash(row), award_id))
    conn.close()
    code, out = _check(capsys, demo)
    assert code == 1
    assert "审核后被改动" not in out  # the forged fingerprint matches…
    assert (
        f"[错误] 核定结果{award_id}（" in out and "与变更日志中审核时的" in out
    )  # …the log does not
    assert "awards_approved_final缺失" in out
