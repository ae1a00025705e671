"""The district and its townships: which office a database belongs to, whose keys it trusts, and
the records both sides exchange.

A database is the district's (区工信局) unless ``init --township 镇街名`` made it a township's: then
it keeps that town's enterprises and the matters its clerks collect, calculates (the 政策计算器)
and reports up by signed package, but never approves or pays (:func:`require_district`, called by
every review and payment service). Each installation signs with its own key
(``services.keys``); the district registers each town's public key once
(``township register 镇街名 --key FILE``); a township trusts the district's key on the first
receipt (shown with its fingerprint for the phone check) unless it was registered beforehand
(``township register 区 --key FILE``), and from then on only that key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core import exchange, signatures, status
from desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from desktop.services.users import ADMIN, require_role
from desktop.storage import files
from desktop.storage.database import Database, now_text

MODE_KEY = "office_mode"
TOWNSHIP_KEY = "township_name"
TOWNSHIP_MODE = "township"
DISTRICT = "区"  # how a township database names the district (``township register 区 --key``)
DISTRICT_NAMES = ("区", "区工信局", "临淄区", "临淄区工业和信息化局")
DISTRICT_LABEL = "区工信局"  # how messages name the district
GENESIS = "0" * 64

# The enterprise fields both offices keep, as the exchanged records name them.
ENTERPRISE_FIELDS = (
    "name",
    "town",
    "above_scale",
    "industry",
    "contact",
    "phone",
    "bank_name",
    "bank_account",
    "account_name",
)
FIELD_LABELS = {
    "name": "企业名称",
    "town": "所属镇街",
    "above_scale": "是否规上",
    "industry": "四强产业",
    "contact": "联系人",
    "phone": "联系电话",
    "bank_name": "开户银行",
    "bank_account": "银行账号",
    "account_name": "账户名称",
}
# The matter fields a package carries (besides the town's id and the credit code).
MATTER_FIELDS = (
    "rule_code",
    "event_date",
    "basis_fen",
    "level",
    "city_document",
    "description",
    "same_matter_key",
    "manual_amount_fen",
)


# -- the files exchanged -------------------------------------------------------------------------
def record_office_file(
    db: Database,
    *,
    direction: str,
    kind: str,
    town: int | None,
    sequence: int,
    file_hash: str,
    manifest: dict[str, Any],
    file_name: str,
    content: bytes | None = None,
) -> int:
    """One 上报包 or 回执 sent ('out', with its bytes) or taken in ('in'), in ``office_files``
    (inside the caller's transaction); returns its id."""
    return db.insert(
        "INSERT INTO office_files (direction, kind, town_id, sequence, file_hash, previous_hash,"
        " created_at, handled_at, handled_by, file_name, summary, content)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            direction,
            kind,
            town,
            sequence,
            file_hash,
            manifest.get("previous_hash"),
            str(manifest.get("created_at") or ""),
            now_text(),
            db.user,
            file_name,
            json.dumps(manifest.get("counts") or {}, ensure_ascii=False),
            content,
        ),
    )


# -- the mode ------------------------------------------------------------------------------------
def township_name(db: Database) -> str | None:
    """The town this database belongs to, or None for the district's database."""
    if db.setting(MODE_KEY) != TOWNSHIP_MODE:
        return None
    return db.setting(TOWNSHIP_KEY)


def is_township(db: Database) -> bool:
    return township_name(db) is not None


def office_label(db: Database) -> str:
    town = township_name(db)
    return f"镇街数据库（{town}）" if town else "区级数据库（区工信局）"


def require_district(db: Database) -> None:
    """Refuse in a township database: approving, rejecting, revoking and paying are the
    district's (the review and payment services call this first)."""
    town = township_name(db)
    if town is not None:
        raise PermissionDenied(
            f"本数据库是{town}的镇街数据库：镇街只录入、计算和上报，审核、不予奖补、撤销和拨付"
            "由区工信局在区级数据库中进行"
        )


def require_district_for(db: Database, what: str) -> None:
    town = township_name(db)
    if town is not None:
        raise PermissionDenied(f"本数据库是{town}的镇街数据库，不能{what}（这是区工信局的操作）")


def require_township(db: Database, what: str) -> str:
    town = township_name(db)
    if town is None:
        raise PermissionDenied(
            f"本数据库是区级数据库，不能{what}（这是镇街的操作；镇街数据库用 init --township 镇街名 建立）"
        )
    return town


def town_id(db: Database, name: str) -> int:
    """The id of town ``name``; a Chinese error listing the towns otherwise."""
    found = db.scalar("SELECT id FROM towns WHERE name = ?", ((name or "").strip(),))
    if found is None:
        names = "、".join(r[0] for r in db.query("SELECT name FROM towns ORDER BY sort_order, id"))
        raise NotFound(f"镇街“{name}”不在镇街表中（可选：{names}）")
    return int(found)


def town_name(db: Database, town: int) -> str:
    return str(db.scalar("SELECT name FROM towns WHERE id = ?", (town,)))


def make_township(db: Database, name: str) -> tuple[str, bool]:
    """Make this database the township database of ``name``; (town, whether it changed).

    Refused where the database already holds what only the district has: decided awards,
    registered towns or a 受理 queue, or belongs to another town."""
    require_role(db, ADMIN)
    name = (name or "").strip()
    town_id(db, name)
    current = township_name(db)
    if current == name:
        return name, False
    if current is not None:
        raise Conflict(f"本数据库已是{current}的镇街数据库，不能改为{name}的")
    decided = db.scalar(
        f"SELECT count(*) FROM awards WHERE status IN {status.sql_list(status.DECIDED)}"
    )
    if decided:
        raise Conflict(
            f"本数据库已有{decided}条作出审核决定的核定结果，是区级数据库，不能改为镇街数据库；"
            "请为镇街新建一个数据库（init --township 镇街名 --db 新文件）"
        )
    if db.scalar(
        "SELECT EXISTS (SELECT 1 FROM office_keys) OR EXISTS (SELECT 1 FROM intake_items)"
    ):
        raise Conflict("本数据库已登记镇街公钥或有受理记录，是区级数据库，不能改为镇街数据库")
    with db.transaction():
        db.set_setting(MODE_KEY, TOWNSHIP_MODE)
        db.set_setting(TOWNSHIP_KEY, name)
    return name, True


# -- keys ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegisteredKey:
    party: str  # a town's name, or 区
    public_key: str
    how: str
    registered_at: str
    registered_by: str

    @property
    def fingerprint(self) -> str:
        return signatures.fingerprint(self.public_key)


@dataclass(frozen=True)
class Registration:
    party: str
    fingerprint: str
    previous: str | None  # the fingerprint it replaced
    changed: bool


def read_public_key(path: str | Path) -> str:
    """The 64 hex digits of a public key file (as ``keys show`` names it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig").strip()
    except FileNotFoundError:
        raise NotFound(f"公钥文件“{path}”不存在") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"无法读取公钥文件“{path.name}”：{exc}", field="公钥") from exc
    signatures.load_public(text)
    return text.lower()


def _key_row(db: Database, town: int | None):
    if town is None:
        return db.one("SELECT * FROM office_keys WHERE town_id IS NULL")
    return db.one("SELECT * FROM office_keys WHERE town_id = ?", (town,))


def registered_key(db: Database, town: int | None) -> RegisteredKey | None:
    """The key registered for a town (at the district) or for the district (``town`` None)."""
    row = _key_row(db, town)
    if row is None:
        return None
    party = DISTRICT_LABEL if town is None else town_name(db, town)
    return RegisteredKey(
        party, row["public_key"], row["how"], row["registered_at"], row["registered_by"]
    )


def registered_keys(db: Database) -> list[RegisteredKey]:
    rows = db.query(
        "SELECT k.*, t.name AS town FROM office_keys k LEFT JOIN towns t ON t.id = k.town_id"
        " ORDER BY t.sort_order, k.id"
    )
    return [
        RegisteredKey(
            r["town"] or DISTRICT_LABEL,
            r["public_key"],
            r["how"],
            r["registered_at"],
            r["registered_by"],
        )
        for r in rows
    ]


def store_key(db: Database, town: int | None, public_key: str, how: str) -> Registration:
    """Record ``public_key`` for a town or the district (inside or outside a transaction)."""
    party = DISTRICT_LABEL if town is None else town_name(db, town)
    old = _key_row(db, town)
    fingerprint = signatures.fingerprint(public_key)
    if old is not None and old["public_key"] == public_key:
        return Registration(party, fingerprint, None, False)
    previous = None if old is None else signatures.fingerprint(old["public_key"])
    with db.transaction():
        if old is not None:
            db.execute("DELETE FROM office_keys WHERE id = ?", (old["id"],))
        db.insert(
            "INSERT INTO office_keys (town_id, public_key, fingerprint, how, registered_at,"
            " registered_by) VALUES (?,?,?,?,?,?)",
            (town, public_key, fingerprint, how, now_text(), db.user),
        )
        db.log(
            "登记公钥" if how == "登记" else "首次使用公钥",
            "office_keys",
            party,
            None if old is None else {"fingerprint": previous},
            {"party": party, "fingerprint": fingerprint, "how": how},
        )
    return Registration(party, fingerprint, previous, True)


def register_key(db: Database, party: str, key_file: str | Path) -> Registration:
    """``township register 镇街名 --key FILE``: at the district a town's key; at a township the
    district's (party 区). 管理员 only once logins are on; a new key replaces the old one."""
    require_role(db, ADMIN)
    public_key = read_public_key(key_file)
    from desktop.services.keys import installation_key

    if public_key == installation_key().public_hex:
        raise ValidationError(
            "这是本机自己的公钥：请登记对方（镇街或区工信局）用 keys show 显示的公钥文件",
            field="公钥",
        )
    party = (party or "").strip()
    if is_township(db):
        if party not in DISTRICT_NAMES:
            raise ValidationError(
                f"镇街数据库只登记区工信局的公钥：township register {DISTRICT} --key 文件"
                f"（“{party}”不是区工信局）",
                field="镇街",
            )
        return store_key(db, None, public_key, "登记")
    return store_key(db, town_id(db, party), public_key, "登记")


# -- records -------------------------------------------------------------------------------------
def enterprise_records(
    db: Database, where: str = "", params: Any = ()
) -> dict[str, dict[str, Any]]:
    """Enterprises as the offices exchange them, by credit code."""
    rows = db.query(
        "SELECT e.*, t.name AS town FROM enterprises e JOIN towns t ON t.id = e.town_id " + where,
        params,
    )
    return {r["credit_code"]: enterprise_record(r) for r in rows}


def enterprise_record(row: Any) -> dict[str, Any]:
    return {
        "credit_code": row["credit_code"],
        "name": row["name"],
        "town": row["town"],
        "above_scale": bool(row["above_scale"]),
        "industry": row["industry"],
        "contact": row["contact"],
        "phone": row["phone"],
        "bank_name": row["bank_name"],
        "bank_account": row["bank_account"],
        "account_name": row["account_name"],
    }


def matter_record(row: Any) -> dict[str, Any]:
    """A matter as a package carries it (``attachments``: name, size and SHA-256 of each file;
    this program keeps no attachments yet, so the list is empty)."""
    return {
        "id": row["id"],
        "credit_code": row["credit_code"],
        **{k: row[k] for k in MATTER_FIELDS},
        "source": row["source"],
        "attachments": [],
    }


def field_text(field: str, value: Any) -> str:
    if field == "above_scale":
        return "是" if value else "否"
    return "（空）" if value in (None, "") else str(value)


def check_enterprise_record(db: Database, rec: dict[str, Any]) -> dict[str, Any]:
    """Validate an exchanged enterprise record as an entry is validated; the clean record."""
    from desktop.services.cells import text_field
    from desktop.services.registry import parse_enterprise, town_ids_by_name

    item = parse_enterprise(
        credit_code=rec.get("credit_code"),
        name=rec.get("name"),
        town=rec.get("town"),
        above_scale="是" if rec.get("above_scale") else "否",
        industry=rec.get("industry"),
        contact=rec.get("contact"),
        phone=rec.get("phone"),
        known_towns=town_ids_by_name(db),
    )
    return {
        "credit_code": item.credit_code,
        "name": item.name,
        "town": item.town,
        "above_scale": item.above_scale,
        "industry": item.industry,
        "contact": item.contact,
        "phone": item.phone,
        "bank_name": text_field(rec.get("bank_name"), "开户银行", max_length=100),
        "bank_account": text_field(rec.get("bank_account"), "银行账号", max_length=60),
        "account_name": text_field(rec.get("account_name"), "账户名称", max_length=100),
    }


def apply_enterprise_fields(
    db: Database, credit_code: str, values: dict[str, Any], *, action: str
) -> dict[str, Any]:
    """Set exchanged fields (``ENTERPRISE_FIELDS`` names) of one enterprise, logged as ``action``."""
    from desktop.services.registry import set_enterprise_columns

    columns: dict[str, Any] = {}
    for field, value in values.items():
        if field == "town":
            columns["town_id"] = town_id(db, value)
        elif field == "above_scale":
            columns["above_scale"] = int(bool(value))
        elif field in ENTERPRISE_FIELDS:
            columns[field] = value
        else:
            raise ValueError(f"not an exchanged enterprise field: {field}")
    return set_enterprise_columns(db, credit_code, columns, action=action)


def insert_enterprise(db: Database, rec: dict[str, Any], *, action: str) -> None:
    """Register an enterprise from an exchanged (checked) record, bank details included."""
    from desktop.services.registry import EnterpriseInput, upsert_enterprises

    item = EnterpriseInput(
        rec["credit_code"],
        rec["name"],
        rec["town"],
        bool(rec["above_scale"]),
        rec["industry"],
        rec["contact"],
        rec["phone"],
    )
    upsert_enterprises(db, [item], action=action)
    bank = {k: rec[k] for k in ("bank_name", "bank_account", "account_name") if rec.get(k)}
    if bank:
        apply_enterprise_fields(db, rec["credit_code"], bank, action=action + "银行信息")


# -- files ---------------------------------------------------------------------------------------
def read_exchange_file(path: str | Path, fmt: str) -> exchange.Opened:
    """Open a package or receipt file (nothing trusted yet: the caller verifies the signature)."""
    path = Path(path)
    label = exchange.LABELS[fmt]
    if not path.exists():
        raise NotFound(f"{label}文件“{path}”不存在")
    if path.is_dir():
        raise ValidationError(f"“{path.name}”是文件夹，不是{label}文件", field=label)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"无法读取{label}文件“{path.name}”：{exc.strerror or exc}", field=label
        ) from exc
    return exchange.open_file(raw, fmt, path.name)


def check_target(path: str | Path, fmt: str) -> Path:
    out = Path(path)
    label = exchange.LABELS[fmt]
    if out.is_dir():
        raise ValidationError(f"导出位置“{out}”是文件夹，请指定{label}文件名", field="文件")
    files.check_target(out)  # a missing folder, a read-only file (and long Windows paths)
    return out


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it: a failure leaves no
    half-written file (and an existing one untouched); a target held open by another program
    raises ``FileInUse`` (``desktop.storage.files.write_file``)."""
    files.write_file(path, lambda tmp: tmp.write_bytes(data))
