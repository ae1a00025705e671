"""Users, roles and logins.

A database without users is in *single-user mode*: nothing asks for a login and every operation is
allowed. Creating the first user (always a 管理员) turns logins on for good (users are never
deleted, only deactivated). From then on every write entry point of the services calls
:func:`require_role`, and ``Database.role`` — set only by :func:`login` after the password was
checked — says who is acting:

- 录入员: registry, 四强 lists, 奖补事项, imports, calculation;
- 审核员: approve, reject, revoke, reopen, mark paid;
- 管理员: everything, and alone users, policies and rules, towns, restore, settings.

录入≠审核 (separation of duties): whoever entered or last changed a matter cannot approve or reject
its award (:func:`check_separation`, called by ``awards.approve``/``reject``). A township database
with one clerk may turn the rule off (:func:`set_separation_of_duties`, 管理员 only, logged).

Passwords are stored only as salted ``hashlib.scrypt`` hashes; five wrong passwords in a row lock
the account for five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from desktop.storage.database import Database

CLERK, REVIEWER, ADMIN = "录入员", "审核员", "管理员"
ROLES: tuple[str, ...] = (CLERK, REVIEWER, ADMIN)
MAX_FAILURES = 5
LOCK_MINUTES = 5
MIN_PASSWORD = 6
SEPARATION_KEY = "separation_of_duties"

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_SALT_BYTES = 16
# Compared against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_SALT = bytes(_SALT_BYTES)


@dataclass(frozen=True)
class Actor:
    """Who is acting: the name written to the change log, and the role."""

    name: str
    role: str


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: str
    active: bool
    locked_until: str | None
    failed_attempts: int
    created_at: str
    created_by: str


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)


def _now_text(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


# -- the mode ----------------------------------------------------------------------------------
def logins_enabled(db: Database) -> bool:
    """True once a user exists: from then on writes need a logged-in user with the right role."""
    return bool(db.scalar("SELECT EXISTS (SELECT 1 FROM users)"))


def separation_setting(db: Database) -> bool:
    """The 录入与审核分离 setting as stored (on unless a 管理员 turned it off)."""
    return db.setting(SEPARATION_KEY, "1") != "0"


def separation_enabled(db: Database) -> bool:
    """录入≠审核 applies when logins are on and the setting is not turned off (default on)."""
    return logins_enabled(db) and separation_setting(db)


def current_role(db: Database) -> str | None:
    """The acting user's role as stored now (None: not logged in, deactivated, or single-user)."""
    if getattr(db, "role", None) is None:
        return None
    return db.scalar("SELECT role FROM users WHERE name = ? AND active = 1", (db.user,))


def can(db: Database, *roles: str) -> bool:
    """Whether the acting user may do what needs one of ``roles`` (for greying buttons)."""
    if not logins_enabled(db):
        return True
    role = current_role(db)
    return role is not None and (role == ADMIN or role in roles)


def _roles_text(roles: Iterable[str]) -> str:
    wanted = list(dict.fromkeys([*roles, ADMIN]))
    return "或".join(wanted)


def require_role(db: Database, *roles: str) -> None:
    """Refuse unless the acting user has one of ``roles`` (管理员 always may).

    In single-user mode (no users yet) everything is allowed. The role is read from the users
    table at every call, so a user deactivated or demoted meanwhile is refused at once.
    """
    if not logins_enabled(db):
        return
    needed = _roles_text(roles)
    if getattr(db, "role", None) is None:
        raise PermissionDenied(f"本数据库已启用登录，此操作需要以{needed}身份登录后进行")
    role = current_role(db)
    if role is None:
        raise PermissionDenied(f"用户“{db.user}”已停用或不存在，不能进行此操作")
    if role != ADMIN and role not in roles:
        raise PermissionDenied(f"当前用户“{db.user}”的角色是{role}，此操作需要{needed}权限")


def _require_admin_login(db: Database, what: str) -> None:
    """Like ``require_role(db, 管理员)`` but also refused in single-user mode."""
    if not logins_enabled(db):
        raise PermissionDenied(
            f"{what}只能由管理员进行：请先创建管理员用户（命令行 user add，或“用户管理”）并登录"
        )
    require_role(db, ADMIN)


# -- passwords and names -----------------------------------------------------------------------
def _check_name(name: str) -> str:
    text = (name or "").strip()
    if not text:
        raise ValidationError("用户名不能为空", field="用户名")
    if len(text) > 20:
        raise ValidationError("用户名过长（最多20个字）", field="用户名")
    if any(ch.isspace() for ch in text):
        raise ValidationError("用户名不能含空格", field="用户名")
    return text


def _check_password(password: str) -> str:
    if password is None or len(password) < MIN_PASSWORD:
        raise ValidationError(f"密码至少需要{MIN_PASSWORD}位", field="密码")
    if len(password) > 128:
        raise ValidationError("密码过长（最多128位）", field="密码")
    if password.strip() != password:
        raise ValidationError("密码首尾不能是空格", field="密码")
    return password


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"角色“{role}”无效，应为{'、'.join(ROLES)}之一", field="角色")
    return role


def _salted(password: str) -> tuple[str, str]:
    salt = secrets.token_bytes(_SALT_BYTES)
    return salt.hex(), _hash(password, salt).hex()


# -- users -------------------------------------------------------------------------------------
def add_user(db: Database, name: str, role: str, password: str) -> int:
    """Create a user. The first one must be a 管理员 and turns logins on for good; afterwards only
    a logged-in 管理员 may add users."""
    name = _check_name(name)
    role = _check_role(role)
    password = _check_password(password)
    first = not logins_enabled(db)
    if first and role != ADMIN:
        raise ValidationError("第一个用户必须是管理员（创建后本数据库从此需要登录）", field="角色")
    if not first:
        require_role(db, ADMIN)
    if db.scalar("SELECT 1 FROM users WHERE name = ?", (name,)):
        raise Conflict(f"用户“{name}”已存在")
    salt, digest = _salted(password)
    from desktop.storage.database import now_text

    with db.transaction():
        user_id = db.insert(
            "INSERT INTO users (name, role, salt, password_hash, created_at, created_by)"
            " VALUES (?,?,?,?,?,?)",
            (name, role, salt, digest, now_text(), db.user),
        )
        db.log(
            "新增用户",
            "users",
            name,
            None,
            {"name": name, "role": role, **({"logins_enabled": True} if first else {})},
        )
    return user_id


def _user_row(db: Database, name: str):
    row = db.one("SELECT * FROM users WHERE name = ?", ((name or "").strip(),))
    if row is None:
        raise NotFound(f"用户“{name}”不存在")
    return row


def list_users(db: Database) -> list[UserInfo]:
    return [
        UserInfo(
            r["id"],
            r["name"],
            r["role"],
            bool(r["active"]),
            r["locked_until"],
            r["failed_attempts"],
            r["created_at"],
            r["created_by"],
        )
        for r in db.query("SELECT * FROM users ORDER BY active DESC, id")
    ]


def change_password(db: Database, name: str, new_password: str) -> None:
    """Set a new password: one's own (logged in as ``name``), or anyone's by a 管理员.
    Also clears a lock and the count of wrong tries."""
    row = _user_row(db, name)
    new_password = _check_password(new_password)
    if not (getattr(db, "role", None) is not None and db.user == row["name"]):
        require_role(db, ADMIN)
    elif current_role(db) is None:
        raise PermissionDenied(f"用户“{db.user}”已停用，不能修改密码")
    salt, digest = _salted(new_password)
    with db.transaction():
        db.execute(
            "UPDATE users SET salt = ?, password_hash = ?, failed_attempts = 0, locked_until = NULL"
            " WHERE id = ?",
            (salt, digest, row["id"]),
        )
        db.log(
            "修改密码" if db.user == row["name"] else "重设密码",
            "users",
            row["name"],
            None,
            {"name": row["name"]},
        )


def deactivate_user(db: Database, name: str) -> None:
    """停用 a user (管理员 only). The last active 管理员 cannot be deactivated."""
    require_role(db, ADMIN)
    row = _user_row(db, name)
    if not row["active"]:
        raise Conflict(f"用户“{row['name']}”已停用")
    if row["role"] == ADMIN:
        admins = db.scalar("SELECT count(*) FROM users WHERE role = ? AND active = 1", (ADMIN,))
        if admins <= 1:
            raise Conflict("不能停用最后一个管理员，否则无人能管理用户和政策")
    with db.transaction():
        db.execute("UPDATE users SET active = 0 WHERE id = ?", (row["id"],))
        db.log("停用用户", "users", row["name"], {"active": 1}, {"active": 0})


def set_separation_of_duties(db: Database, enabled: bool) -> None:
    """Turn 录入≠审核 on or off (管理员 only, logged)."""
    _require_admin_login(db, "设置“录入与审核分离”")
    old = db.setting(SEPARATION_KEY, "1")
    new = "1" if enabled else "0"
    if old == new:
        return
    with db.transaction():
        db.set_setting(SEPARATION_KEY, new)  # writes the change-log entry


# -- logging in --------------------------------------------------------------------------------
def authenticate(db: Database, name: str, password: str, *, now: datetime | None = None) -> Actor:
    """Check a password. Five wrong ones in a row lock the account for five minutes; while locked
    even the right password is refused. Raises ``PermissionDenied`` with a Chinese message."""
    now = now or datetime.now()
    name = (name or "").strip()
    row = db.one("SELECT * FROM users WHERE name = ?", (name,)) if name else None
    if row is None:
        _hash(password or "", _DUMMY_SALT)
        raise PermissionDenied("用户名或密码错误")
    if not row["active"]:
        raise PermissionDenied(f"用户“{name}”已停用，请联系管理员")
    locked_until = row["locked_until"]
    if locked_until and datetime.fromisoformat(locked_until) > now:
        raise PermissionDenied(_locked_message(name, locked_until))
    digest = _hash(password or "", bytes.fromhex(row["salt"]))
    if hmac.compare_digest(digest, bytes.fromhex(row["password_hash"])):
        if row["failed_attempts"] or locked_until:
            with db.transaction():
                db.execute(
                    "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?",
                    (row["id"],),
                )
        return Actor(row["name"], row["role"])
    failures = (0 if locked_until else row["failed_attempts"]) + 1
    with db.transaction():
        if failures >= MAX_FAILURES:
            until = _now_text(now + timedelta(minutes=LOCK_MINUTES))
            db.execute(
                "UPDATE users SET failed_attempts = 0, locked_until = ? WHERE id = ?",
                (until, row["id"]),
            )
            db.log(
                "账户锁定",
                "users",
                name,
                None,
                {"name": name, "locked_until": until, "reason": f"连续{MAX_FAILURES}次密码错误"},
            )
        else:
            db.execute(
                "UPDATE users SET failed_attempts = ?, locked_until = NULL WHERE id = ?",
                (failures, row["id"]),
            )
    if failures >= MAX_FAILURES:
        raise PermissionDenied(_locked_message(name, until, just_now=True))
    left = MAX_FAILURES - failures
    raise PermissionDenied(f"用户名或密码错误（再错{left}次将锁定{LOCK_MINUTES}分钟）")


def _locked_message(name: str, until: str, *, just_now: bool = False) -> str:
    when = until.replace("T", " ")
    why = f"连续{MAX_FAILURES}次密码错误，" if just_now else ""
    return f"{why}用户“{name}”已锁定至{when}，请{LOCK_MINUTES}分钟后再试或联系管理员重设密码"


def login(db: Database, name: str, password: str, *, now: datetime | None = None) -> Actor:
    """Authenticate and make the user the acting one: ``db.user`` and ``db.role``."""
    actor = authenticate(db, name, password, now=now)
    db.user = actor.name
    db.role = actor.role
    return actor


# -- 录入≠审核 ----------------------------------------------------------------------------------
def check_separation(db: Database, award_ids: Iterable[int], what: str = "审核") -> None:
    """Refuse when the acting user entered or last changed the matter of one of the awards."""
    own = own_awards(db, award_ids)
    if own:
        award_id, enterer = own[0]
        more = f"等{len(own)}条" if len(own) > 1 else ""
        raise PermissionDenied(
            f"核定结果{award_id}{more}的奖补事项由“{enterer}”录入或最后修改，按录入与审核分离规则，"
            f"本人不能{what}，请由其他审核员{what}"
        )


def own_awards(db: Database, award_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(award id, enterer) of the awards whose matter the acting user entered or last changed;
    empty when the rule does not apply."""
    ids = list(award_ids)
    if not ids or not separation_enabled(db):
        return []
    mine = {
        r[0]
        for r in db.query(
            "SELECT a.id FROM awards a JOIN applications ap ON ap.id = a.application_id"
            " WHERE ap.created_by = ? OR ap.updated_by = ?",
            (db.user, db.user),
        )
    }
    return [(award_id, db.user) for award_id in ids if award_id in mine]
