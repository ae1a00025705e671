"""Users and roles through the services: single-user mode, logins, roles, 录入≠审核, lockout."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, datetime, timedelta

import pytest

from desktop.core.creditcode import make_credit_code
from desktop.core.errors import Conflict, PermissionDenied, ValidationError
from desktop.services import awards as award_service
from desktop.services import users
from desktop.services.applications import (
    ApplicationInput,
    add_application,
    get_application,
    update_application,
)
from desktop.services.calculation import calculate_year
from desktop.services.catalogue import policy_versions, rules_of_version
from desktop.services.policy_drafts import copy_version as copy_policy_version
from desktop.services.registry import EnterpriseInput, add_town, upsert_enterprises
from desktop.services.siqiang_lists import replace_list
from desktop.storage.database import Database

CODE_A = make_credit_code(org_body="MA3C4HU1")
PASSWORDS = {"管理员甲": "admin-pw-1", "录入员乙": "clerk-pw-1", "审核员丙": "review-pw-1"}


def item(db, when: str = "2024-03-15", basis_fen: int = 100_000_000) -> ApplicationInput:
    eid = db.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (CODE_A,))
    return ApplicationInput(
        enterprise_id=eid,
        credit_code=CODE_A,
        rule_code="LZ41-2",
        event_date=date.fromisoformat(when),
        basis_fen=basis_fen,
    )


@pytest.fixture
def base(db):
    """One enterprise on the 2024 list, entered in single-user mode."""
    upsert_enterprises(db, [EnterpriseInput(CODE_A, "淄博甲新材料有限公司", "辛店街道", True)])
    eid = db.scalar("SELECT id FROM enterprises")
    replace_list(db, 2024, {eid})
    return db


@pytest.fixture
def office(base):
    """Logins on: a 管理员, a 录入员 and a 审核员; the session ends logged in as nobody."""
    db = base
    users.add_user(db, "管理员甲", users.ADMIN, PASSWORDS["管理员甲"])
    as_user(db, "管理员甲")
    users.add_user(db, "录入员乙", users.CLERK, PASSWORDS["录入员乙"])
    users.add_user(db, "审核员丙", users.REVIEWER, PASSWORDS["审核员丙"])
    db.user, db.role = "本机用户", None
    return db


def as_user(db: Database, name: str) -> None:
    users.login(db, name, PASSWORDS[name])


def entered_award(db: Database, by: str, when: str = "2024-03-15") -> int:
    """``by`` enters a matter; the 录入员 calculates; returns the award's id."""
    as_user(db, by)
    app_id = add_application(db, item(db, when))
    as_user(db, "录入员乙")
    calculate_year(db, 2024)
    return int(db.scalar("SELECT id FROM awards WHERE application_id = ?", (app_id,)))


# -- single-user mode ---------------------------------------------------------------------------
def test_a_new_database_is_in_single_user_mode_and_allows_everything(base):
    db = base
    assert not users.logins_enabled(db) and db.role is None
    app_id = add_application(db, item(db))
    calculate_year(db, 2024)
    award_id = db.scalar("SELECT id FROM awards WHERE application_id = ?", (app_id,))
    assert award_service.approve(db, 2024, [award_id]).approved == 1
    add_town(db, "新园区")
    assert users.can(db, users.ADMIN)


def test_database_schema_has_the_users_table(db):
    assert db.user_version >= 2
    assert db.scalar("SELECT count(*) FROM users") == 0


# -- creating users -----------------------------------------------------------------------------
def test_the_first_user_must_be_an_administrator(base):
    with pytest.raises(ValidationError, match="第一个用户必须是管理员"):
        users.add_user(base, "录入员乙", users.CLERK, "clerk-pw-1")
    assert not users.logins_enabled(base)


def test_first_user_turns_logins_on_and_only_an_admin_adds_more(base):
    db = base
    users.add_user(db, "管理员甲", users.ADMIN, PASSWORDS["管理员甲"])
    assert users.logins_enabled(db)
    with pytest.raises(PermissionDenied, match="登录"):
        users.add_user(db, "录入员乙", users.CLERK, "clerk-pw-1")
    as_user(db, "管理员甲")
    users.add_user(db, "录入员乙", users.CLERK, PASSWORDS["录入员乙"])
    as_user(db, "录入员乙")
    with pytest.raises(PermissionDenied, match="管理员"):
        users.add_user(db, "某人", users.CLERK, "some-pw-1")
    with pytest.raises(sqlite3.DatabaseError, match="不能删除"):
        with db.transaction():
            db.execute("DELETE FROM users")
    assert users.logins_enabled(db)


def test_passwords_are_stored_only_as_salted_scrypt_hashes(office):
    db = office
    rows = db.query("SELECT * FROM users")
    assert len({r["salt"] for r in rows}) == 3
    for r in rows:
        expected = hashlib.scrypt(
            PASSWORDS[r["name"]].encode(),
            salt=bytes.fromhex(r["salt"]),
            n=2**14,
            r=8,
            p=1,
            dklen=32,
        )
        assert r["password_hash"] == expected.hex() and len(bytes.fromhex(r["salt"])) == 16
    dump = "\n".join(db.conn.iterdump())
    assert not any(pw in dump for pw in PASSWORDS.values())
    logged = db.query("SELECT new_values FROM change_log WHERE table_name = 'users'")
    assert logged and not any(pw in (r[0] or "") for r in logged for pw in PASSWORDS.values())


def test_bad_names_roles_and_short_passwords_are_refused(base):
    with pytest.raises(ValidationError, match="密码至少"):
        users.add_user(base, "管理员甲", users.ADMIN, "123")
    with pytest.raises(ValidationError, match="角色"):
        users.add_user(base, "管理员甲", "局长", "admin-pw-1")
    with pytest.raises(ValidationError, match="用户名"):
        users.add_user(base, "  ", users.ADMIN, "admin-pw-1")


def test_duplicate_user_name_is_a_conflict(office):
    as_user(office, "管理员甲")
    with pytest.raises(Conflict, match="已存在"):
        users.add_user(office, "录入员乙", users.CLERK, "other-pw-1")


# -- logging in ---------------------------------------------------------------------------------
def test_login_sets_the_acting_user_and_role(office):
    actor = users.login(office, "审核员丙", PASSWORDS["审核员丙"])
    assert actor == users.Actor("审核员丙", users.REVIEWER)
    assert (office.user, office.role) == ("审核员丙", users.REVIEWER)


def test_unknown_user_and_wrong_password_are_refused_alike(office):
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        users.authenticate(office, "没有这个人", "whatever-1")
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        users.authenticate(office, "录入员乙", "wrong-password")


def test_five_wrong_passwords_lock_the_account_for_five_minutes(office):
    db = office
    t0 = datetime(2025, 3, 1, 9, 0, 0)
    for i in range(4):
        with pytest.raises(PermissionDenied, match="^用户名或密码错误$"):  # as for an unknown name
            users.authenticate(db, "录入员乙", "wrong-password", now=t0 + timedelta(seconds=i))
        assert db.scalar("SELECT failed_attempts FROM users WHERE name = '录入员乙'") == i + 1
    with pytest.raises(PermissionDenied, match="已锁定至2025-03-01 09:05:04"):
        users.authenticate(db, "录入员乙", "wrong-password", now=t0 + timedelta(seconds=4))
    # Locked: even the right password is refused, with the time it ends.
    with pytest.raises(PermissionDenied, match="锁定至2025-03-01 09:05:04"):
        users.authenticate(db, "录入员乙", PASSWORDS["录入员乙"], now=t0 + timedelta(minutes=4))
    assert db.scalar("SELECT count(*) FROM change_log WHERE action = '账户锁定'") == 1
    # Five minutes later the right password works, and the count starts again.
    actor = users.authenticate(
        db, "录入员乙", PASSWORDS["录入员乙"], now=t0 + timedelta(minutes=5, seconds=5)
    )
    assert actor.role == users.CLERK
    row = db.one("SELECT failed_attempts, locked_until FROM users WHERE name = '录入员乙'")
    assert (row[0], row[1]) == (0, None)


def test_a_success_resets_the_count_of_wrong_tries(office):
    for _ in range(4):
        with pytest.raises(PermissionDenied):
            users.authenticate(office, "录入员乙", "wrong-password")
    users.authenticate(office, "录入员乙", PASSWORDS["录入员乙"])
    assert office.scalar("SELECT failed_attempts FROM users WHERE name = '录入员乙'") == 0
    for _ in range(4):
        with pytest.raises(PermissionDenied, match="^用户名或密码错误$"):
            users.authenticate(office, "录入员乙", "wrong-password")


def test_an_admin_reset_unlocks_and_a_deactivated_user_cannot_log_in(office):
    db = office
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            users.authenticate(db, "录入员乙", "wrong-password")
    as_user(db, "管理员甲")
    users.change_password(db, "录入员乙", "new-clerk-pw")
    assert users.authenticate(db, "录入员乙", "new-clerk-pw").name == "录入员乙"
    users.deactivate_user(db, "录入员乙")
    with pytest.raises(PermissionDenied, match="已停用"):
        users.authenticate(db, "录入员乙", "new-clerk-pw")


def test_a_user_changes_only_their_own_password(office):
    db = office
    as_user(db, "录入员乙")
    users.change_password(db, "录入员乙", "my-new-pw-1")
    with pytest.raises(PermissionDenied, match="管理员"):
        users.change_password(db, "审核员丙", "hijacked-pw")
    assert users.authenticate(db, "录入员乙", "my-new-pw-1")


def test_the_last_administrator_cannot_be_deactivated(office):
    as_user(office, "管理员甲")
    with pytest.raises(Conflict, match="最后一个管理员"):
        users.deactivate_user(office, "管理员甲")
    as_user(office, "审核员丙")
    with pytest.raises(PermissionDenied):
        users.deactivate_user(office, "录入员乙")


def test_a_session_of_a_deactivated_user_is_refused_at_once(office):
    db = office
    clerk = Database(db.path, user="x")
    try:
        users.login(clerk, "录入员乙", PASSWORDS["录入员乙"])
        as_user(db, "管理员甲")
        users.deactivate_user(db, "录入员乙")
        with pytest.raises(PermissionDenied, match="已停用"):
            add_application(clerk, item(clerk))
    finally:
        clerk.close()


# -- roles --------------------------------------------------------------------------------------
def test_writes_without_a_login_are_refused_once_logins_are_on(office):
    db = office
    with pytest.raises(PermissionDenied, match="请先|登录"):
        calculate_year(db, 2024)
    with pytest.raises(PermissionDenied, match="登录"):
        add_application(db, item(db))
    assert award_service.list_awards(db, 2024) == []  # reading needs no login


def test_a_clerk_cannot_approve_reject_revoke_or_mark_paid(office):
    db = office
    award_id = entered_award(db, "录入员乙")
    as_user(db, "录入员乙")
    for call in (
        lambda: award_service.approve(db, 2024, [award_id]),
        lambda: award_service.approve(db, 2024, None),
        lambda: award_service.reject(db, award_id, "理由"),
        lambda: award_service.revoke(db, award_id, "理由"),
        lambda: award_service.reopen(db, award_id),
        lambda: award_service.mark_paid(db, [award_id]),
    ):
        with pytest.raises(PermissionDenied, match="审核员"):
            call()
    assert db.scalar("SELECT status FROM awards WHERE id = ?", (award_id,)) == "草稿"


def test_a_reviewer_approves_but_cannot_enter_or_calculate(office):
    db = office
    award_id = entered_award(db, "录入员乙")
    as_user(db, "审核员丙")
    assert award_service.approve(db, 2024, [award_id]).approved == 1
    row = db.one("SELECT status, reviewed_by FROM awards WHERE id = ?", (award_id,))
    assert tuple(row) == ("已审核", "审核员丙")
    assert award_service.mark_paid(db, [award_id]) == 1
    with pytest.raises(PermissionDenied, match="录入员"):
        calculate_year(db, 2024)
    with pytest.raises(PermissionDenied, match="录入员"):
        add_application(db, item(db, "2024-05-01"))
    with pytest.raises(PermissionDenied, match="录入员"):
        replace_list(db, 2024, set())
    assert (
        db.scalar("SELECT user FROM change_log WHERE action = '审核通过' ORDER BY id DESC LIMIT 1")
        == "审核员丙"
    )


def test_admin_only_actions_refuse_clerks_and_reviewers(office):
    db = office
    version = policy_versions(db)[0]
    rule = rules_of_version(db, version.id)[0]
    for name in ("录入员乙", "审核员丙"):
        as_user(db, name)
        with pytest.raises(PermissionDenied, match="管理员"):
            add_town(db, "新园区")
        with pytest.raises(PermissionDenied, match="管理员"):
            copy_policy_version(
                db,
                version.id,
                doc_number="临政字〔2030〕1号",
                valid_from="2030-01-01",
                valid_to=None,
            )
        with pytest.raises(PermissionDenied, match="管理员"):
            from desktop.services.catalogue import update_rule

            update_rule(db, rule.rule_id, name="改名")
        with pytest.raises(PermissionDenied, match="管理员"):
            users.set_separation_of_duties(db, False)
    as_user(db, "管理员甲")
    add_town(db, "新园区")


# -- 录入≠审核 -----------------------------------------------------------------------------------
def test_whoever_entered_a_matter_cannot_approve_its_award(office):
    db = office
    award_id = entered_award(db, "管理员甲")  # an admin may enter, and review — not both
    as_user(db, "管理员甲")
    with pytest.raises(PermissionDenied, match=f"核定结果{award_id}.*管理员甲.*录入"):
        award_service.approve(db, 2024, [award_id])
    with pytest.raises(PermissionDenied, match="管理员甲"):
        award_service.reject(db, award_id, "不符合条件")
    assert db.scalar("SELECT status FROM awards WHERE id = ?", (award_id,)) == "草稿"
    as_user(db, "审核员丙")
    assert award_service.approve(db, 2024, [award_id]).approved == 1


def test_whoever_last_changed_a_matter_cannot_approve_it(office):
    db = office
    award_id = entered_award(db, "录入员乙")
    app_id = db.scalar("SELECT application_id FROM awards WHERE id = ?", (award_id,))
    as_user(db, "管理员甲")
    update_application(db, app_id, item(db, basis_fen=120_000_000))
    assert get_application(db, app_id).id == app_id
    as_user(db, "录入员乙")
    calculate_year(db, 2024)
    award_id = db.scalar("SELECT id FROM awards WHERE application_id = ?", (app_id,))
    as_user(db, "管理员甲")
    with pytest.raises(PermissionDenied, match="录入与审核分离"):
        award_service.approve(db, 2024, [award_id])


def test_approve_all_leaves_ones_own_matters_as_drafts(office):
    db = office
    own = entered_award(db, "管理员甲", "2024-03-15")
    other = entered_award(db, "录入员乙", "2024-06-15")
    as_user(db, "管理员甲")
    summary = award_service.approve(db, 2024, None)
    assert (summary.approved, summary.skipped_own) == (1, 1)
    statuses = dict(db.query("SELECT id, status FROM awards"))
    assert statuses[own] == "草稿" and statuses[other] == "已审核"


def test_turning_separation_off_is_admin_only_and_logged(office):
    db = office
    award_id = entered_award(db, "管理员甲")
    with pytest.raises(PermissionDenied):
        users.set_separation_of_duties(db, False)  # not logged in
    as_user(db, "管理员甲")
    users.set_separation_of_duties(db, False)
    entry = db.one(
        "SELECT user, old_values, new_values FROM change_log WHERE table_name = 'settings'"
        " AND row_key = 'separation_of_duties' ORDER BY id DESC LIMIT 1"
    )
    assert entry["user"] == "管理员甲" and '"0"' in entry["new_values"]
    assert not users.separation_enabled(db)
    assert award_service.approve(db, 2024, [award_id]).approved == 1


def test_separation_cannot_be_set_in_single_user_mode(base):
    with pytest.raises(PermissionDenied, match="管理员"):
        users.set_separation_of_duties(base, False)
    assert base.setting(users.SEPARATION_KEY) is None
