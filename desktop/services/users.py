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

Passwords are stored only as salted ``hashlib.scrypt`` hashes (N=2^17; older N=2^14 hashes are
upgraded at the next login). One scrypt call gives 64 bytes: the first 32 are the stored hash, the
other 32 seal the user's Ed25519 signing key (:mod:`desktop.services.signing`), which is therefore
usable only after a login. Five wrong passwords in a row lock the account for five minutes; wrong
tries are counted in every mode, also while another program holds the write lock (then in a small
file beside the database, :mod:`desktop.storage.lock`). An unknown name and a wrong password get
the same message.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from desktop.storage.database import Database

CLERK, REVIEWER, ADMIN = "录入员", "审核员", "管理员"
ROLES: tuple[str, ...] = (CLERK, REVIEWER, ADMIN)
MAX_FAILURES = 5
LOCK_MINUTES = 5
MIN_PASSWORD = 8
SEPARATION_KEY = "separation_of_duties"
WRONG = "用户名或密码错误"

SCRYPT_LOG_N = 17  # N = 2^17 for every new hash (stored per user in ``kdf``)
LEGACY_KDF = "scrypt:14:8:1:32"  # the hashes written before migration 0005 (kdf NULL)
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


def current_kdf() -> str:
    return f"scrypt:{SCRYPT_LOG_N}:8:1:64"


def _derive(password: str, salt: bytes, kdf: str | None) -> tuple[bytes, bytes | None]:
    """(the stored hash, the key that seals the signing key — None for a legacy hash)."""
    _, log_n, r, p, dklen = (kdf or LEGACY_KDF).split(":")
    n = 2 ** int(log_n)
    out = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=int(r),
        p=int(p),
        dklen=int(dklen),
        maxmem=256 * n * int(r) + 2**20,
    )
    return out[:32], (out[32:] if len(out) >= 64 else None)


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
    from desktop.services.cells import text_field

    text = text_field(name, "用户名", max_length=1000, single_line=True) or ""
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


@dataclass(frozen=True)
class _Credentials:
    salt: str
    password_hash: str
    kdf: str
    public_key: str
    sealed_key: str
    private: Any


def _credentials(name: str, password: str, private: Any = None) -> _Credentials:
    """A new salt and hash for ``password``, and the user's signing key sealed under it (a new
    key unless ``private`` is given: a password change keeps the key)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desktop.core.signatures import public_hex
    from desktop.services.signing import seal

    salt = secrets.token_bytes(_SALT_BYTES)
    kdf = current_kdf()
    digest, key = _derive(password, salt, kdf)
    assert key is not None
    private = private or Ed25519PrivateKey.generate()
    return _Credentials(
        salt.hex(), digest.hex(), kdf, public_hex(private), seal(private, key, name), private
    )


def _store_credentials(db: Database, user_id: int, creds: _Credentials) -> None:
    db.execute(
        "UPDATE users SET salt = ?, password_hash = ?, kdf = ?, public_key = ?, sealed_key = ?,"
        " failed_attempts = 0, locked_until = NULL WHERE id = ?",
        (creds.salt, creds.password_hash, creds.kdf, creds.public_key, creds.sealed_key, user_id),
    )


def _certify(db: Database, name: str, role: str, public_key: str, action: str, signer: Any) -> None:
    from desktop.services import signing

    signing.append(
        db,
        signing.USER,
        [(name, action, signing.user_certificate(name, role, public_key))],
        signer=signer,
    )


def _admin_signer(db: Database) -> Any:
    from desktop.services.signing import current_signer

    return current_signer(db)


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
    creds = _credentials(name, password)
    from desktop.services.signing import CERTIFY, ROOT, Signer
    from desktop.storage.database import now_text

    # The first 管理员 certifies his own key (the root); later users are certified by the 管理员
    # who adds them, with the key his login unlocked.
    signer = Signer(name, creds.public_key, creds.private) if first else _admin_signer(db)
    with db.transaction():
        user_id = db.insert(
            "INSERT INTO users (name, role, salt, password_hash, kdf, public_key, sealed_key,"
            " created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                name,
                role,
                creds.salt,
                creds.password_hash,
                creds.kdf,
                creds.public_key,
                creds.sealed_key,
                now_text(),
                db.user,
            ),
        )
        _certify(db, name, role, creds.public_key, ROOT if first else CERTIFY, signer)
        db.log(
            "新增用户",
            "users",
            name,
            None,
            {
                "name": name,
                "role": role,
                "active": 1,
                "public_key": creds.public_key,
                **({"logins_enabled": True} if first else {}),
            },
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
    from desktop.services.signing import CERTIFY, Signer

    own = db.user == row["name"] and isinstance(getattr(db, "signer", None), Signer)
    # One's own change keeps the key (sealed again under the new password); a 管理员's reset
    # cannot open the old key, so the user gets a new one, certified by the 管理员.
    creds = _credentials(row["name"], new_password, db.signer.private if own else None)
    signer = None if own else _admin_signer(db)
    with db.transaction():
        _store_credentials(db, row["id"], creds)
        if signer is not None:
            _certify(db, row["name"], row["role"], creds.public_key, CERTIFY, signer)
        db.log(
            "修改密码" if db.user == row["name"] else "重设密码",
            "users",
            row["name"],
            None,
            {"name": row["name"], "public_key": creds.public_key},
        )
    if own:
        db.signer = Signer(row["name"], creds.public_key, creds.private)


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
    return _authenticate(db, name, password, now or datetime.now())[0]


def _failures(db: Database, row: Any) -> tuple[int, str | None]:
    """Wrong tries so far and the lock, from the database and from the file beside it."""
    from desktop.storage.lock import login_failures

    side = login_failures(db.path).get(row["name"], {})
    count = max(int(row["failed_attempts"] or 0), int(side.get("failures", 0)))
    until = max((t for t in (row["locked_until"], side.get("locked_until")) if t), default=None)
    return count, until


def _record_failures(db: Database, row: Any, failures: int, until: str | None) -> None:
    from desktop.storage.lock import set_login_failures

    if db.readonly:  # another program writes the database: count beside it
        set_login_failures(db.path, row["name"], failures, until)
        return
    with db.transaction():
        db.execute(
            "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?",
            (failures, until, row["id"]),
        )
        if until is not None and failures == 0:
            db.log(
                "账户锁定",
                "users",
                row["name"],
                None,
                {
                    "name": row["name"],
                    "locked_until": until,
                    "reason": f"连续{MAX_FAILURES}次密码错误",
                },
            )
    set_login_failures(db.path, row["name"], 0, None)


def _authenticate(db: Database, name: str, password: str, now: datetime) -> tuple[Actor, Any]:
    name = (name or "").strip()
    row = db.one("SELECT * FROM users WHERE name = ?", (name,)) if name else None
    if row is None:
        _derive(password or "", _DUMMY_SALT, current_kdf())
        raise PermissionDenied(WRONG)
    failures, locked_until = _failures(db, row)
    if locked_until and datetime.fromisoformat(locked_until) > now:
        raise PermissionDenied(_locked_message(name, locked_until))
    digest, seal_key = _derive(password or "", bytes.fromhex(row["salt"]), row["kdf"])
    if hmac.compare_digest(digest, bytes.fromhex(row["password_hash"])):
        if not row["active"]:
            raise PermissionDenied(f"用户“{name}”已停用，请联系管理员")
        if failures or locked_until:
            _record_failures(db, row, 0, None)
        signer = _unlock(db, row, password, seal_key)
        return Actor(row["name"], row["role"]), signer
    failures = (0 if locked_until else failures) + 1
    if failures >= MAX_FAILURES:
        until = _now_text(now + timedelta(minutes=LOCK_MINUTES))
        _record_failures(db, row, 0, until)
        raise PermissionDenied(_locked_message(name, until, just_now=True))
    _record_failures(db, row, failures, None)
    raise PermissionDenied(WRONG)


def _unlock(db: Database, row: Any, password: str, seal_key: bytes | None) -> Any:
    """The user's signing key, opened with the password; a legacy user (no key, or an N=2^14
    hash) gets a new hash and a key now, when the database is writable."""
    from desktop.services import signing

    if row["sealed_key"] and seal_key is not None:
        private = signing.unseal(row["sealed_key"], seal_key, row["name"])
        if private is None or signing.signatures.public_hex(private) != row["public_key"]:
            raise PermissionDenied(
                f"用户“{row['name']}”的签名密钥无法解开：密钥记录被改动，请联系管理员"
            )
        return signing.Signer(row["name"], row["public_key"], private)
    if db.readonly:
        return None
    creds = _credentials(row["name"], password)
    has_root = signing.root_fingerprint(db) is not None
    root = row["role"] == ADMIN and not has_root
    certifier = (
        signing.Signer(row["name"], creds.public_key, creds.private)
        if root
        else signing.installation_signer()
    )
    with db.transaction():
        _store_credentials(db, row["id"], creds)
        _certify(
            db,
            row["name"],
            row["role"],
            creds.public_key,
            signing.ROOT if root else signing.UPGRADE,
            certifier,
        )
        db.log(
            "升级密码与密钥",
            "users",
            row["name"],
            None,
            {"name": row["name"], "kdf": creds.kdf, "public_key": creds.public_key},
        )
    return signing.Signer(row["name"], creds.public_key, creds.private)


def _locked_message(name: str, until: str, *, just_now: bool = False) -> str:
    when = until.replace("T", " ")
    why = f"连续{MAX_FAILURES}次密码错误，" if just_now else ""
    return f"{why}用户“{name}”已锁定至{when}，请{LOCK_MINUTES}分钟后再试或联系管理员重设密码"


def login(db: Database, name: str, password: str, *, now: datetime | None = None) -> Actor:
    """Authenticate and make the user the acting one: ``db.user``, ``db.role`` and the signing
    key his password unlocked (``db.signer``)."""
    actor, signer = _authenticate(db, name, password, now or datetime.now())
    db.user = actor.name
    db.role = actor.role
    db.signer = signer
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
