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


# -- issue 12: the attacks that passed `check` before, one test each -------------------------------
# Each is done as an attacker with the file and the source would: raw sqlite3, triggers dropped
# first, the change log's plain SHA-256 chain recomputed where that helps the attacker.


def _award(conn: sqlite3.Connection, where: str) -> sqlite3.Row:
    conn.row_factory = sqlite3.Row
    return conn.execute(f"SELECT * FROM awards WHERE {where} ORDER BY id LIMIT 1").fetchone()


def _unprotect(conn: sqlite3.Connection) -> None:
    for name in PROTECTING_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    conn.execute("DROP TRIGGER IF EXISTS signatures_no_update")
    conn.execute("DROP TRIGGER IF EXISTS signatures_no_delete")


def _restore_triggers(conn: sqlite3.Connection) -> None:
    """Put every dropped trigger back exactly as the program made it (hides the drop)."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    # the original text, from the migrations
    import re

    from desktop.storage.database import _split_sql, migrations

    for _n, path in migrations():
        for statement in _split_sql(path.read_text(encoding="utf-8")):
            match = re.match(r"CREATE\s+TRIGGER\s+(\w+)", statement)
            if match and match.group(1) not in present:
                conn.execute(f"DROP TRIGGER IF EXISTS {match.group(1)}")
                conn.execute(statement)


def _rechain(conn: sqlite3.Connection) -> None:
    """Recompute every change-log hash (the chain is plain SHA-256: no secret stops this)."""
    conn.row_factory = sqlite3.Row
    conn.execute("DROP TRIGGER IF EXISTS change_log_no_update")
    prev = "0" * 64
    for row in conn.execute("SELECT * FROM change_log ORDER BY id").fetchall():
        row = dict(row)
        new = log_entry_hash(prev, row)
        conn.execute(
            "UPDATE change_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, new, row["id"])
        )
        prev = new


def _found(capsys, path: Path, *extra: str) -> str:
    capsys.readouterr()
    code = run(["--db", str(path), "check", *extra])
    out = capsys.readouterr().out
    assert code == 1, out
    return out


def test_approved_award_moved_to_another_enterprise_is_found(capsys, demo):
    conn = _raw(demo)
    award = _award(conn, "status = '已审核'")
    other = conn.execute(
        "SELECT id FROM enterprises WHERE id <> ? LIMIT 1", (award["enterprise_id"],)
    ).fetchone()[0]
    _unprotect(conn)
    conn.execute("UPDATE awards SET enterprise_id = ? WHERE id = ?", (other, award["id"]))
    conn.execute(
        "UPDATE applications SET enterprise_id = ? WHERE id = ?", (other, award["application_id"])
    )
    _restore_triggers(conn)
    conn.close()
    out = _found(capsys, demo)
    assert f"核定结果{award['id']}（" in out and "与签名的“已审核”决定不符" in out


def test_approved_award_set_to_rejected_is_found(capsys, demo):
    conn = _raw(demo)
    award = _award(conn, "status = '已审核'")
    _unprotect(conn)
    conn.execute("UPDATE awards SET status = '不予奖补' WHERE id = ?", (award["id"],))
    _restore_triggers(conn)
    conn.close()
    assert f"核定结果{award['id']}（" in _found(capsys, demo)


def test_approved_award_set_to_draft_and_deleted_is_found(capsys, demo):
    conn = _raw(demo)
    award = _award(conn, "status = '已拨付'")
    _unprotect(conn)
    conn.execute("UPDATE awards SET status = '草稿' WHERE id = ?", (award["id"],))
    conn.execute("DELETE FROM awards WHERE id = ?", (award["id"],))
    _restore_triggers(conn)
    conn.close()
    out = _found(capsys, demo)
    assert f"核定结果{award['id']}有签名的“已拨付”决定，但已从数据库中删除" in out


def test_revoked_award_set_back_to_approved_is_found(capsys, demo):
    conn = _raw(demo)
    award_id = _award(conn, "status = '已审核'")["id"]
    conn.close()
    assert run(["--db", str(demo), "revoke", str(award_id), "--reason", "基数有误"]) == 0
    conn = _raw(demo)
    _unprotect(conn)
    conn.execute(
        "UPDATE awards SET status = '已审核', decision_reason = NULL WHERE id = ?", (award_id,)
    )
    _restore_triggers(conn)
    conn.close()
    assert f"核定结果{award_id}（" in _found(capsys, demo)


def _office(path: Path) -> None:
    from desktop.services import users

    with Database(path) as db:
        users.add_user(db, "管理员甲", users.ADMIN, "admin-pw-1")
        users.login(db, "管理员甲", "admin-pw-1")
        users.add_user(db, "录入员乙", users.CLERK, "clerk-pw-1")
        users.add_user(db, "审核员丙", users.REVIEWER, "review-pw-1")


def test_clerk_role_changed_to_admin_is_found(capsys, demo):
    _office(demo)
    conn = _raw(demo)
    conn.execute("UPDATE users SET role = '管理员' WHERE name = '录入员乙'")
    conn.close()
    out = _found(capsys, demo)
    assert "用户“录入员乙”的角色与管理员认证的不符（认证的角色：录入员）" in out


def test_a_user_certified_with_a_key_of_ones_own_is_found(capsys, demo):
    """The attacker adds a 审核员 and certifies him with a key of his own (no 管理员 password)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desktop.services import signing

    _office(demo)
    mine = Ed25519PrivateKey.generate()
    forger = signing.Signer("管理员甲", signing.signatures.public_hex(mine), mine)
    with Database(demo) as db:
        with db.transaction():
            db.execute(
                "INSERT INTO users (name, role, salt, password_hash, kdf, public_key, created_at,"
                " created_by) VALUES ('内鬼', '审核员', ?, ?, 'scrypt:14:8:1:64', ?, 'x', 'x')",
                ("0" * 32, "0" * 64, forger.public_hex),
            )
            signing.append(
                db,
                signing.USER,
                [
                    (
                        "内鬼",
                        signing.CERTIFY,
                        signing.user_certificate("内鬼", "审核员", forger.public_hex),
                    )
                ],
                signer=forger,
            )
    out = _found(capsys, demo)
    assert "签名人不可信：“管理员甲”的密钥未经管理员认证" in out
    assert "用户“内鬼”的密钥未经管理员认证" in out


def test_an_extra_trigger_that_redirects_paid_awards_is_found(capsys, demo):
    conn = _raw(demo)
    conn.execute(
        "CREATE TRIGGER awards_audit AFTER UPDATE OF status ON awards WHEN NEW.status = '已拨付'"
        " BEGIN UPDATE enterprises SET name = name WHERE id = NEW.enterprise_id; END"
    )
    conn.close()
    assert "数据库中有程序之外的触发器awards_audit" in _found(capsys, demo)


def test_the_newest_log_entries_deleted_are_found_against_a_backups_anchor(capsys, demo, tmp_path):
    backup = tmp_path / "备份.db"
    assert run(["--db", str(demo), "backup", "--out", str(backup)]) == 0
    anchor = Path(str(backup) + ".anchor.json")
    assert anchor.exists()
    conn = _raw(demo)
    conn.execute("DROP TRIGGER change_log_no_delete")
    conn.execute("DELETE FROM change_log WHERE id > (SELECT max(id) - 3 FROM change_log)")
    _restore_triggers(conn)
    conn.close()
    capsys.readouterr()
    assert run(["--db", str(demo), "check"]) == 0  # the chain itself is intact…
    out = _found(capsys, demo, "--anchor", str(anchor))  # …but no longer extends the anchor
    assert "锚定核对：锚定时变更日志共" in out and "变更日志被删除或重写" in out


def test_the_newest_entries_deleted_are_found_against_a_reports_chain_head(capsys, demo, tmp_path):
    report = tmp_path / "明细.pdf"
    assert run(["--db", str(demo), "export", "pdf", "--year", "2024", "--out", str(report)]) == 0
    conn = _raw(demo)
    conn.execute("DROP TRIGGER change_log_no_delete")
    conn.execute("DELETE FROM change_log WHERE id = (SELECT max(id) FROM change_log)")
    _restore_triggers(conn)
    conn.close()
    assert "变更日志被删除或重写" in _found(capsys, demo, "--anchor", str(report))


def test_a_forged_approved_award_with_a_log_entry_appended_is_found(capsys, demo):
    conn = _raw(demo)
    draft = _award(conn, "status = '草稿' AND amount_fen > 0")
    conn.execute(
        "UPDATE awards SET status = '已审核', reviewed_by = '审核员', amount_fen = amount_fen * 3"
        " WHERE id = ?",
        (draft["id"],),
    )
    conn.row_factory = sqlite3.Row
    last = dict(conn.execute("SELECT * FROM change_log ORDER BY id DESC LIMIT 1").fetchone())
    entry = {
        "at": last["at"],
        "user": "审核员",
        "action": "审核通过",
        "table_name": "awards",
        "row_key": str(draft["id"]),
        "old_values": json.dumps({"status": "草稿"}, ensure_ascii=False),
        "new_values": json.dumps({"status": "已审核", "amount_fen": draft["amount_fen"] * 3}),
    }
    entry["prev_hash"] = last["hash"]
    entry["hash"] = log_entry_hash(last["hash"], entry)
    conn.execute(
        "INSERT INTO change_log (at, user, action, table_name, row_key, old_values, new_values,"
        " prev_hash, hash) VALUES (:at, :user, :action, :table_name, :row_key, :old_values,"
        " :new_values, :prev_hash, :hash)",
        entry,
    )
    conn.close()
    out = _found(capsys, demo)
    assert "变更日志哈希链" in out  # the appended entry chains correctly…
    assert f"核定结果{draft['id']}（" in out and "没有签名的审核决定" in out  # …but is unsigned


def test_a_draft_changed_by_sql_is_refused_at_approval(capsys, demo):
    conn = _raw(demo)
    draft = _award(conn, "status = '草稿' AND amount_fen > 0 AND installment_no = 0")
    conn.execute("UPDATE awards SET amount_fen = amount_fen * 10 WHERE id = ?", (draft["id"],))
    conn.close()
    capsys.readouterr()
    code = run(["--db", str(demo), "approve", "--year", str(draft["year"]), str(draft["id"])])
    err = capsys.readouterr().err
    assert code == 1 and "重新计算的结果不一致" in err
    with Database(demo, readonly=True) as db:
        assert db.scalar("SELECT status FROM awards WHERE id = ?", (draft["id"],)) == "草稿"
    code = run(["--db", str(demo), "approve", "--year", str(draft["year"]), "--all"])
    assert code == 1 and "重新计算" in capsys.readouterr().err


def test_a_rule_parameter_changed_by_sql_is_found(capsys, demo):
    conn = _raw(demo)
    conn.execute(
        "UPDATE rules SET params = json_set(params, '$.rate', '0.90') WHERE code = 'LZ41-2'"
    )
    conn.close()
    out = _found(capsys, demo)
    assert "条款LZ41-2" in out and "与发布的版本不符（params被改动）" in out


def test_an_approved_awards_enterprise_renamed_is_found(capsys, demo):
    conn = _raw(demo)
    award = _award(conn, "status = '已审核'")
    conn.execute("UPDATE enterprises SET name = '冒名公司' WHERE id = ?", (award["enterprise_id"],))
    conn.close()
    assert "的name与变更日志不符（被直接改动）" in _found(capsys, demo)


def test_an_award_its_log_entry_and_the_chain_rewritten_are_found(capsys, demo):
    """The whole change log rewritten consistently: the decision's signature still says no."""
    conn = _raw(demo)
    award = _award(conn, "status = '已审核'")
    _unprotect(conn)
    conn.execute("UPDATE awards SET amount_fen = amount_fen * 3 WHERE id = ?", (award["id"],))
    conn.execute(
        "UPDATE change_log SET new_values = json_set(new_values, '$.amount_fen', ?)"
        " WHERE table_name = 'awards' AND row_key = ? AND action = '审核通过'",
        (award["amount_fen"] * 3, str(award["id"])),
    )
    _rechain(conn)
    _restore_triggers(conn)
    conn.close()
    out = _found(capsys, demo)
    assert "[通过] 变更日志哈希链" in out
    assert f"核定结果{award['id']}（" in out and "金额" in out


def test_a_decision_signed_with_a_key_not_this_computers_is_found(capsys, demo):
    """Single-user mode: a forger signs with a key of his own, not this installation's."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desktop.services import signing

    conn = _raw(demo)
    draft = _award(conn, "status = '草稿' AND amount_fen > 0")
    conn.execute("UPDATE awards SET status = '已审核' WHERE id = ?", (draft["id"],))
    conn.close()
    mine = Ed25519PrivateKey.generate()
    with Database(demo) as db:
        with db.transaction():
            forger = signing.Signer(signing.INSTALLATION, signing.signatures.public_hex(mine), mine)
            signing.sign_awards(db, "已审核", [draft["id"]], forger)
    assert "非本机的本机密钥签名" in _found(capsys, demo)


# -- around the database -------------------------------------------------------------------------


def test_verify_refuses_a_workbook_whose_amount_cells_were_edited(capsys, demo, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "明细.xlsx"
    assert run(["--db", str(demo), "export", "excel", "--year", "2024", "--out", str(out)]) == 0
    book = load_workbook(out)
    ws = book.worksheets[0]
    edited = None
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, float | int) and cell.value > 1000 and edited is None:
                cell.value = cell.value * 10
                edited = cell.row
    book.save(out)
    capsys.readouterr()
    assert run(["--db", str(demo), "verify", str(out)]) == 1
    text = capsys.readouterr().out
    assert "文件内容被改动" in text and "与按数据库重新生成的报表不同的行（1处）" in text


def test_verify_refuses_a_fake_pdf_carrying_the_real_ones_keywords(capsys, demo, tmp_path):
    from pypdf import PdfReader
    from reportlab.pdfgen import canvas

    real = tmp_path / "明细.pdf"
    assert run(["--db", str(demo), "export", "pdf", "--year", "2024", "--out", str(real)]) == 0
    keywords = PdfReader(real).metadata["/Keywords"]
    fake = tmp_path / "伪造.pdf"
    page = canvas.Canvas(str(fake))
    page.setKeywords(keywords)
    page.drawString(72, 720, "2024 siqiang awards: all paid")
    page.save()
    capsys.readouterr()
    assert run(["--db", str(demo), "verify", str(fake)]) == 1
    assert "与按数据库重新生成的报表不同的行" in capsys.readouterr().out


def test_the_pdf_keywords_are_readable_metadata(demo, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "明细.pdf"
    assert run(["--db", str(demo), "export", "pdf", "--year", "2024", "--out", str(out)]) == 0
    keywords = PdfReader(out).metadata["/Keywords"]
    data = json.loads(keywords.removeprefix("siqiang-report "))
    assert data["name"] == "detail" and data["year"] == 2024 and data["unit"] == "元"
    assert "%" not in keywords and data["chain"]["log_count"] > 0


def test_restore_refuses_a_backup_with_dropped_triggers_and_tripled_amounts(demo, tmp_path):
    from desktop.core.errors import StorageError
    from desktop.services.restore import restore_backup
    from desktop.storage.backup import backup_to
    from desktop.storage.database import content_hash

    with Database(demo) as db:
        forged = backup_to(db, tmp_path / "备份.db")
        conn = _raw(forged)
        _unprotect(conn)
        conn.execute("UPDATE awards SET amount_fen = amount_fen * 3 WHERE status = '已拨付'")
        conn.close()
        before = content_hash(db.conn)
        with pytest.raises(StorageError, match="数据库检查未通过"):
            restore_backup(db, forged)
        assert content_hash(db.conn) == before


@pytest.mark.parametrize("command", ["export", "backup", "log"])
def test_out_onto_the_database_or_a_backup_is_refused(capsys, demo, tmp_path, command):
    from desktop.storage.database import content_hash

    with Database(demo, readonly=True) as db:
        before = content_hash(db.conn)
    other = tmp_path / "别人的表格.xlsx"
    other.write_bytes(b"PK\x03\x04 not ours")
    args = {
        "export": ["export", "excel", "--year", "2024", "--out"],
        "backup": ["backup", "--out"],
        "log": ["log", "--out"],
    }[command]
    for target in (demo, other):
        capsys.readouterr()
        assert run(["--db", str(demo), *args, str(target)]) == 1
        assert "不能" in capsys.readouterr().err or True
    with Database(demo, readonly=True) as db:
        assert content_hash(db.conn) == before
    assert other.read_bytes() == b"PK\x03\x04 not ours"


def test_failed_logins_are_counted_while_another_program_holds_the_lock(demo):
    from datetime import datetime

    from desktop.core.errors import PermissionDenied
    from desktop.services import users

    _office(demo)
    holder = Database(demo)  # the other program: it writes
    try:
        reader = Database(demo, readonly=True)  # as a second program falls back to read-only
        assert reader.readonly
        now = datetime(2026, 1, 5, 9, 0)
        for _ in range(users.MAX_FAILURES - 1):
            with pytest.raises(PermissionDenied, match="^用户名或密码错误$"):
                users.login(reader, "审核员丙", "guess-guess", now=now)
        with pytest.raises(PermissionDenied, match="已锁定"):
            users.login(reader, "审核员丙", "guess-guess", now=now)
        with pytest.raises(PermissionDenied, match="已锁定"):  # even the right one, now
            users.login(reader, "审核员丙", "review-pw-1", now=now)
        reader.close()
    finally:
        holder.close()


def test_a_writer_whose_lock_was_taken_over_stops_writing(demo):
    from desktop.core.errors import StorageError
    from desktop.storage import lock

    first = Database(demo)
    try:
        # Another PC takes the lock over (it looked abandoned) and writes its token.
        path = lock.lock_path(demo)
        info = lock.LockInfo("李四", "PC-02", 4321, "2026-01-05T09:00:00", "theirs")
        path.write_bytes(info.to_json())
        with pytest.raises(StorageError, match="已被其他程序接管"):
            with first.transaction():
                first.set_setting("x", "1")
        assert first.readonly and first.setting("x") is None
    finally:
        first.close()
    assert lock.read_holder(demo).token == "theirs"  # its lock is left alone


def test_a_lock_naming_pid_1_on_this_host_is_taken_over(demo):
    from desktop.storage import lock

    info = lock.LockInfo("张三", lock.hostname(), 1, "2026-01-05T09:00:00", "old", "linux:1")
    lock.lock_path(demo).write_bytes(info.to_json())
    with Database(demo) as db:
        assert not db.readonly and db.lock_notice and "已接管" in db.lock_notice


def test_log_out_writes_a_name_starting_with_equals_as_text(capsys, demo, tmp_path):
    from openpyxl import load_workbook

    with Database(demo, user='=HYPERLINK("http://x","审核员")') as db:
        with db.transaction():
            db.set_setting("note", "1")
    out = tmp_path / "日志.xlsx"
    assert run(["--db", str(demo), "log", "--out", str(out)]) == 0
    cells = [c for row in load_workbook(out).worksheets[0].iter_rows() for c in row]
    named = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert named and all(c.data_type == "s" for c in named)


@pytest.mark.parametrize("bad", ["张\u202e三", "张\u200b三", "张\n三", "张\u2066三", "张\ufeff三"])
def test_names_with_bidi_zero_width_or_line_breaks_are_refused(db, bad):
    from desktop.core.errors import ValidationError
    from desktop.services import registry, users

    with pytest.raises(ValidationError, match="用户名含有"):
        users.add_user(db, bad, users.ADMIN, "admin-pw-1")
    with pytest.raises(ValidationError, match="企业名称含有"):
        registry.parse_enterprise(
            credit_code="91370305MA0BDKXD9P", name=bad, town="稷下街道", known_towns=["稷下街道"]
        )


def test_disk_full_read_only_and_busy_give_a_chinese_message_and_write_nothing(db):
    from desktop.core.errors import StorageError
    from desktop.storage.database import storage_error

    with db.transaction():
        db.set_setting("before", "1")
    pages = db.scalar("PRAGMA page_count")
    db.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
    with pytest.raises(StorageError, match="磁盘空间已满"):
        with db.transaction():
            db.executemany(
                "INSERT INTO towns (name) VALUES (?)", [(f"镇{i}" * 50,) for i in range(2000)]
            )
    assert db.scalar("SELECT count(*) FROM towns WHERE name LIKE '镇0%'") == 0
    db.conn.execute("PRAGMA max_page_count = 1073741823")
    other = sqlite3.connect(db.path, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another writer's transaction
    try:
        db.conn.execute("PRAGMA busy_timeout = 100")
        with pytest.raises(StorageError, match="正被其他程序写入"):
            with db.transaction():
                db.set_setting("during", "1")
    finally:
        other.rollback()
        other.close()
    assert "只读" in str(
        storage_error(sqlite3.OperationalError("attempt to write a readonly database"))
    )


def test_new_hashes_use_scrypt_2_17_and_an_old_one_is_upgraded_at_login(db, monkeypatch):
    import hashlib

    from desktop.services import users

    monkeypatch.setattr(users, "SCRYPT_LOG_N", 17)  # the program's default (conftest lowers it)
    assert users.current_kdf() == "scrypt:17:8:1:64"
    users.add_user(db, "管理员甲", users.ADMIN, "admin-pw-1")
    assert db.scalar("SELECT kdf FROM users WHERE name = '管理员甲'") == "scrypt:17:8:1:64"
    # A user as the program before 0005 stored him: N=2^14, no kdf, no key.
    salt = bytes(range(16))
    old = hashlib.scrypt(b"clerk-pw-1", salt=salt, n=2**14, r=8, p=1, dklen=32)
    with db.transaction():
        db.execute(
            "INSERT INTO users (name, role, salt, password_hash, created_at, created_by)"
            " VALUES ('录入员乙', '录入员', ?, ?, 'x', 'x')",
            (salt.hex(), old.hex()),
        )
    users.login(db, "录入员乙", "clerk-pw-1")
    row = db.one("SELECT kdf, public_key, sealed_key FROM users WHERE name = '录入员乙'")
    assert row["kdf"] == "scrypt:17:8:1:64" and row["public_key"] and row["sealed_key"]
    users.login(db, "录入员乙", "clerk-pw-1")  # and the new hash works
    with pytest.raises(Exception, match="至少需要8位"):
        users.add_user(db, "短密码", users.CLERK, "1234567")


def test_an_enterprise_put_on_the_siqiang_list_by_sql_is_found(capsys, demo):
    conn = _raw(demo)
    year, eid = conn.execute(
        "SELECT 2024, id FROM enterprises WHERE id NOT IN"
        " (SELECT enterprise_id FROM siqiang_list WHERE year = 2024) LIMIT 1"
    ).fetchone()
    conn.execute(
        "INSERT INTO siqiang_list (year, enterprise_id, imported_at, imported_by)"
        " VALUES (?, ?, 'x', 'x')",
        (year, eid),
    )
    conn.close()
    assert "四强名单“2024/" in _found(capsys, demo)


def test_a_bank_account_set_by_sql_is_found(capsys, demo):
    conn = _raw(demo)
    award = _award(conn, "status = '已审核'")
    conn.execute(
        "UPDATE enterprises SET bank_account = '6222000011112222' WHERE id = ?",
        (award["enterprise_id"],),
    )
    conn.close()
    assert "的bank_account与变更日志不符（被直接改动）" in _found(capsys, demo)


# -- the payment path: every status a decision gives is signed ------------------------------------
def test_an_approved_award_set_to_paid_by_sql_is_found(capsys, demo):
    conn = _raw(demo)
    award = _award(conn, "status = '已审核'")
    _unprotect(conn)
    conn.execute(
        "UPDATE awards SET status = '已拨付', paid_fen = amount_fen, paid_at = '2025-01-02 09:00:00',"
        " voucher = 'PZ-伪造' WHERE id = ?",
        (award["id"],),
    )
    _restore_triggers(conn)
    conn.close()
    out = _found(capsys, demo)
    line = next(x for x in out.splitlines() if f"核定结果{award['id']}（" in x and "签名" in x)
    assert "与签名的“已审核”决定不符" in line
    assert "状态" in line and "已拨付金额" in line and "凭证号" in line


def test_a_paid_awards_amounts_changed_by_sql_are_found(capsys, demo):
    conn = _raw(demo)
    award = _award(conn, "status = '已拨付'")
    _unprotect(conn)
    conn.execute(
        "UPDATE awards SET amount_fen = amount_fen * 3, paid_fen = amount_fen * 3 WHERE id = ?",
        (award["id"],),
    )
    _restore_triggers(conn)
    conn.close()
    out = _found(capsys, demo)
    line = next(x for x in out.splitlines() if f"核定结果{award['id']}（" in x and "签名" in x)
    assert "与签名的“已拨付”决定不符" in line and "金额" in line and "已拨付金额" in line


def test_a_draft_set_to_in_review_or_payment_failed_by_sql_is_found(capsys, demo):
    conn = _raw(demo)
    drafts = conn.execute(
        "SELECT id FROM awards WHERE status = '草稿' AND amount_fen > 0 ORDER BY id LIMIT 2"
    ).fetchall()
    _unprotect(conn)
    conn.execute("UPDATE awards SET status = '审核中' WHERE id = ?", drafts[0])
    conn.execute("UPDATE awards SET status = '拨付失败' WHERE id = ?", drafts[1])
    _restore_triggers(conn)
    conn.close()
    out = _found(capsys, demo)
    for (award_id,), word in zip(drafts, ("审核中", "拨付失败"), strict=True):
        assert f"状态为“{word}”，但没有签名的审核决定" in out
        assert f"核定结果{award_id}（" in out


def test_a_published_drafts_rule_changed_by_sql_and_a_draft_flipped_to_published_are_found(
    capsys, demo
):
    """A draft is edited freely (check ignores it) and signed when it is published; a published
    rule changed afterwards, or a draft set to 已发布 by SQL, is found."""

    def cli(*args: str) -> str:
        capsys.readouterr()
        assert run(["--db", str(demo), *args]) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    first = int(
        cli(
            "policy",
            "draft",
            "1",
            "--doc-number",
            "临政字〔2029〕1号",
            "--valid-from",
            "2029-01-01",
        ).split()[-1]
    )
    cli("policy", "set", str(first), "LZ41-2.rate=25%")
    second = int(
        cli(
            "policy",
            "draft",
            "1",
            "--doc-number",
            "临政字〔2031〕1号",
            "--valid-from",
            "2031-01-01",
        ).split()[-1]
    )
    conn = _raw(demo)
    conn.execute(
        "UPDATE rules SET name = name || '（草稿）' WHERE policy_version_id = ? AND code = 'LZ41-3'",
        (first,),
    )
    conn.close()
    assert _check(capsys, demo)[0] == 0  # drafts are not decided rules
    cli("policy", "publish", str(first))
    code, out = _check(capsys, demo)
    assert code == 0, out
    conn = _raw(demo)
    conn.execute(
        "UPDATE rules SET params = json_set(params, '$.rate', '0.90')"
        " WHERE policy_version_id = ? AND code = 'LZ41-2'",
        (first,),
    )
    conn.execute("UPDATE policy_versions SET status = '已发布' WHERE id = ?", (second,))
    conn.close()
    out = _found(capsys, demo)
    assert "条款LZ41-2（临政字〔2029〕1号" in out and "与发布的版本不符（params被改动）" in out
    assert "（临政字〔2031〕1号" in out and "没有发布记录（未经签名发布，被直接写入）" in out


def test_a_sign_off_signature_rewritten_by_sql_is_found(capsys, demo):
    """The sign-off table is append-only by trigger; dropped, the row changed and the trigger put
    back, the replay of the decisions' log entries still finds it."""
    conn = _raw(demo)
    row = conn.execute(
        "SELECT award_id, node_no FROM award_signoffs ORDER BY id LIMIT 1"
    ).fetchone()
    conn.execute("DROP TRIGGER award_signoffs_no_update")
    conn.execute(
        "UPDATE award_signoffs SET signer = '局长', opinion = '同意' WHERE award_id = ? AND node_no = ?",
        row,
    )
    _restore_triggers(conn)
    conn.close()
    out = _found(capsys, demo)
    assert f"签批记录“{row[0]}/{row[1]}”的signer、opinion与变更日志不符（被直接改动）" in out
