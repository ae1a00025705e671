"""The parts of ``check`` that hold against someone who can write the database file.

- :func:`check_signatures`: every row of ``signatures`` verifies, its chain is unbroken, its signer
  is trusted (a key a 管理员 certified, the root 管理员's own, or — without logins — the
  installation key); every decided award equals the record its latest decision signed; every
  user's role and key equal the 管理员's certificate; every rule equals its published (signed)
  version or, for the rules the program seeds, the program's own catalogue.
- :func:`check_schema`: triggers, views, indexes and tables equal the ones the program's own
  migrations create — an extra trigger (one that redirects paid awards) is reported too.
- :func:`check_replay`: the change log replayed gives the users, enterprises, matters, 四强 lists
  and settings in the tables.
- :func:`check_anchor` (``desktop.storage.anchor``): the head of the change log and of the signatures (hash
  and count) that every report prints and every backup writes beside itself; an anchor confirms the
  database still extends it, so deleting the newest entries is found.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core import signatures, status
from desktop.core.errors import DomainError
from desktop.core.rules import DRAFT_VERSION
from desktop.services import signing
from desktop.services.applications import LOGGED_FIELDS
from desktop.services.users import ADMIN, REVIEWER
from desktop.storage.anchor import (
    ChainHead,
    chain_head,
    hash_at,
    not_an_anchor,
    read_anchor_file,
)
from desktop.storage.database import GENESIS_HASH, Database, expected_schema

Report = Any  # services.check.CheckReport (problems, passed, notes)
LIMIT = 50  # problems named per kind; the rest are counted


class _Problems:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.count = 0

    def add(self, text: str) -> None:
        self.count += 1
        if self.count <= LIMIT:
            self.report.problems.append(text)
        elif self.count == LIMIT + 1:
            self.report.problems.append("（同类问题过多，其余未逐条列出）")


# -- signatures --------------------------------------------------------------------------------
@dataclass
class _Trust:
    certs: dict[str, tuple[str, str]]  # name → (role, public key) as last certified
    root: str | None = None  # the root 管理员's public key
    installation_keys: set[str] | None = None
    only_baseline: bool = True  # no row but 升级签名基线 yet


def _signer_trusted(row: Any, payload: dict[str, Any], trust: _Trust) -> str | None:
    """None if the signer may sign this row, else why not."""
    kind, action, signer, key = row["kind"], row["action"], row["signer"], row["public_key"]
    if signer == signing.INSTALLATION:
        assert trust.installation_keys is not None
        trust.installation_keys.add(key)
        if kind == signing.USER:
            return None if action == signing.UPGRADE else "本机密钥只能认证升级前的用户"
        if action == signing.BASELINE:
            return None if trust.only_baseline else "升级签名基线只能在签名链的开头"
        if kind == signing.RULE and action == signing.RECEIPT:
            return None  # a township's copy of the district's rules (the receipt was verified)
        if trust.root is None:
            return None
        return "已启用登录，决定必须由审核员本人签名，不能由本机密钥签名"
    if kind == signing.USER and action == signing.ROOT:
        record = payload.get("record", {})
        if trust.root is not None:
            return "管理员根密钥只能有一个"
        if signer != row["subject"] or record.get("public_key") != key:
            return "管理员根密钥须由本人签名"
        if record.get("role") != ADMIN:
            return "根密钥须属于管理员"
        return None
    cert = trust.certs.get(signer)
    if cert is None or cert[1] != key:
        return f"“{signer}”的密钥未经管理员认证"
    allowed = {signing.USER: (ADMIN,), signing.RULE: (ADMIN,)}.get(kind, (REVIEWER, ADMIN))
    if cert[0] not in allowed:
        return f"“{signer}”的角色为{cert[0]}，无权签署"
    return None


def _verify_rows(db: Database, bad: _Problems) -> tuple[_Trust, dict[str, dict], dict[str, dict]]:
    trust = _Trust({}, None, set())
    awards: dict[str, dict] = {}
    rules: dict[str, dict] = {}
    prev = GENESIS_HASH
    for row in db.conn.execute("SELECT * FROM signatures ORDER BY id"):
        where = f"签名记录第{row['id']}条（{row['action']} {row['subject']}）"
        if row["prev_hash"] != prev:
            bad.add(f"{where}与前一条签名不相连：签名记录被删除或改动")
        prev = signing.row_hash(row["signature"])
        try:
            payload = json.loads(row["payload"])
        except ValueError:
            payload = None
        same = isinstance(payload, dict) and all(
            payload.get(k) == row[c]
            for k, c in (
                ("kind", "kind"),
                ("subject", "subject"),
                ("action", "action"),
                ("signer", "signer"),
                ("prev", "prev_hash"),
            )
        )
        if not same or not signatures.verify(row["public_key"], payload, row["signature"]):
            bad.add(f"{where}签名无效：内容被改动或签名是伪造的")
            continue
        assert isinstance(payload, dict)
        why = _signer_trusted(row, payload, trust)
        trust.only_baseline = trust.only_baseline and row["action"] == signing.BASELINE
        if why is not None:
            bad.add(f"{where}的签名人不可信：{why}")
            continue
        record = payload["record"]
        if row["kind"] == signing.USER:
            if row["action"] == signing.ROOT:
                trust.root = row["public_key"]
            trust.certs[row["subject"]] = (record["role"], record["public_key"])
        elif row["kind"] == signing.AWARD:
            awards[row["subject"]] = record
        else:
            rules[row["subject"]] = record
    return trust, awards, rules


def _differences(signed: dict[str, Any], now: dict[str, Any]) -> str:
    names = {
        "enterprise_id": "企业",
        "credit_code": "统一社会信用代码",
        "application_id": "事项",
        "matter": "事项内容",
        "rule_code": "条款",
        "rule_id": "条款版本",
        "rule_hash": "条款内容",
        "year": "年度",
        "installment_no": "期次",
        "basis_fen": "计算基数",
        "amount_fen": "金额",
        "computed_fen": "计算金额",
        "status": "状态",
        "reason": "理由",
        "paid_fen": "已拨付金额",
        "voucher": "凭证号",
    }
    keys = [k for k in {**signed, **now} if signed.get(k) != now.get(k)]
    return "、".join(names.get(k, k) for k in keys)


def _decided_part(record: dict[str, Any]) -> dict[str, Any]:
    """What a decision fixes for good. A granted award fixes everything, its matter and rule
    included (both are locked while it stands); after 不予奖补 or 撤销 the matter may be corrected
    and the rule edited, so only the award's own fields stay fixed."""
    if record["status"] in status.GRANTED:
        return record
    return {k: v for k, v in record.items() if k not in ("matter", "rule_hash")}


def _check_awards(db: Database, signed: dict[str, dict], bad: _Problems) -> int:
    current = signing.award_records(db)
    for award_id, record in current.items():
        sig = signed.get(str(award_id))
        label = f"核定结果{award_id}（{record['credit_code']} {record['rule_code']} {record['year']}年度）"
        if record["status"] == status.DRAFT:
            if sig is not None and sig["status"] != status.DRAFT:
                bad.add(f"{label}签名决定为“{sig['status']}”，现为草稿：决定被直接改动")
        elif sig is None:
            bad.add(f"{label}状态为“{record['status']}”，但没有签名的审核决定：被伪造或被直接改动")
        elif _decided_part(sig) != _decided_part(record):
            diff = _differences(_decided_part(sig), _decided_part(record))
            bad.add(f"{label}与签名的“{sig['status']}”决定不符（{diff}）")
    for subject, sig in signed.items():
        if int(subject) not in current and sig["status"] != status.DRAFT:
            bad.add(f"核定结果{subject}有签名的“{sig['status']}”决定，但已从数据库中删除")
    return len(current)


def _check_users(db: Database, trust: _Trust, bad: _Problems) -> int:
    legacy = 0
    names = set()
    for row in db.query("SELECT name, role, public_key FROM users ORDER BY id"):
        names.add(row["name"])
        cert = trust.certs.get(row["name"])
        if row["public_key"] is None and cert is None:
            legacy += 1
            continue
        if cert is None:
            bad.add(f"用户“{row['name']}”的密钥未经管理员认证（被直接写入）")
        elif cert != (row["role"], row["public_key"]):
            what = "角色" if cert[0] != row["role"] else "密钥"
            bad.add(f"用户“{row['name']}”的{what}与管理员认证的不符（认证的角色：{cert[0]}）")
    for name in trust.certs:
        if name not in names:
            bad.add(f"用户“{name}”有管理员认证的密钥，但已从用户表中删除")
    return legacy


def _seed_rules() -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """What the program seeds, per (文号, valid from, code): as the catalogue writes it and as
    the method makes it canonical (a database seeded before the method registry keeps the former)."""
    from desktop.core.rules import parse_rule
    from desktop.storage.seed import load_catalogue

    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for policy in load_catalogue()["policies"]:
        for version in policy["versions"]:
            for rule in version["rules"]:
                content = {
                    "code": rule["code"],
                    "clause": rule["clause"],
                    "name": rule["name"],
                    "method": rule["method"],
                    "params": rule["params"],
                    "conditions": rule["conditions"],
                    "first_time_key": rule.get("first_time_key"),
                    "city_documents": rule.get("city_documents", []),
                    "clause_text": rule["clause_text"],
                    "doc_number": version["doc_number"],
                    "valid_from": version["valid_from"],
                    "valid_to": version.get("valid_to"),
                }
                params, conditions = parse_rule(
                    rule["method"], rule["params"], rule["conditions"], rule["code"]
                )
                canonical = {
                    **content,
                    "params": json.loads(json.dumps(params, ensure_ascii=False)),
                    "conditions": json.loads(json.dumps(list(conditions), ensure_ascii=False)),
                }
                out[(version["doc_number"], version["valid_from"], rule["code"])] = [
                    content,
                    canonical,
                ]
    return out


def _check_rules(db: Database, signed: dict[str, dict], bad: _Problems) -> int:
    """Every rule of a published version equals what its publication signed (or the program's
    seed). A draft's rules are edited freely and signed when the draft is published; a signed
    rule in a draft is a published version turned back into a draft."""
    seeds = _seed_rules()
    contents = signing.rule_contents(db)
    drafts = {
        r[0]
        for r in db.query(
            "SELECT r.id FROM rules r JOIN policy_versions v ON v.id = r.policy_version_id"
            " WHERE v.status = ?",
            (DRAFT_VERSION,),
        )
    }
    for rule_id, content in contents.items():
        label = f"条款{content['code']}（{content['doc_number']}，记录{rule_id}）"
        published = signed.get(str(rule_id))
        if rule_id in drafts:
            if published is not None:
                bad.add(f"{label}已签名发布，但所属政策版本现为草拟（被直接改动）")
            continue
        forms = (
            [published]
            if published is not None
            else seeds.get((content["doc_number"], content["valid_from"], content["code"]), [])
        )
        if not forms:
            bad.add(f"{label}没有发布记录（未经签名发布，被直接写入）")
        elif content not in forms:
            keys = [k for k in content if content[k] != forms[-1].get(k)]
            bad.add(f"{label}与发布的版本不符（{'、'.join(keys)}被改动）")
    return len(contents) - len(drafts)


def _installation_note(trust: _Trust, report: Report) -> None:
    keys = trust.installation_keys or set()
    if not keys:
        return
    from desktop.services.keys import installation_key

    try:
        mine = installation_key(create=False).public_hex
    except DomainError:
        mine = None
    prints = "、".join(sorted(signatures.fingerprint(k) for k in keys))
    here = (
        "与本机密钥一致"
        if keys == {mine}
        else "不是本机的密钥（在其他电脑上签署，或被伪造：请在签署的电脑上运行检查）"
    )
    report.notes.append(
        f"单用户模式（未启用登录时）的决定由本机密钥签名，密钥指纹 {prints}，{here}。"
        "本机密钥保存在用户数据文件夹（不在数据库中）：只有数据库文件的人无法伪造这些签名；"
        "能读取本机密钥文件的人（同一电脑账户）可以。启用登录后由审核员本人的密钥签名。"
    )
    if len(keys) > 1 or (mine is not None and trust.root is None and keys != {mine}):
        # One installation key per database (several: one was planted); without logins it must
        # be this computer's when this computer has one.
        report.problems.append(f"决定由多个或非本机的本机密钥签名（{prints}），请核实")


def check_signatures(db: Database, report: Report) -> None:
    bad = _Problems(report)
    trust, awards, rules = _verify_rows(db, bad)
    before = bad.count
    n_awards = _check_awards(db, awards, bad)
    legacy = _check_users(db, trust, bad)
    n_rules = _check_rules(db, rules, bad)
    _installation_note(trust, report)
    if trust.root is not None:
        report.notes.append(
            f"管理员根密钥指纹：{signatures.fingerprint(trust.root)}（请与留存的核对）"
        )
    if legacy:
        report.notes.append(f"{legacy}个用户尚未生成签名密钥（升级前创建，下次登录时生成）")
    if not bad.count:
        report.passed.append(
            f"签名：全部签名有效且相连；{n_awards}条核定结果与签名的审核决定一致，"
            f"用户角色与管理员认证一致，{n_rules}条条款与发布版本一致"
        )
    elif bad.count == before:
        report.passed.append("核定结果、用户和条款与签名一致")


# -- the schema --------------------------------------------------------------------------------
_KINDS = {"trigger": "触发器", "view": "视图", "index": "索引", "table": "数据表"}


def check_schema(db: Database, report: Report) -> None:
    expected = expected_schema(db.user_version)
    stored = {
        (r[0], r[1]): " ".join((r[2] or "").split())
        for r in db.query(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger','view','index','table')"
            " AND name NOT LIKE 'sqlite_%'"
        )
    }
    problems = 0
    for (kind, name), sql in sorted(stored.items()):
        if kind == "trigger" and (kind, name) in expected:
            continue  # named by check._check_triggers (missing or changed)
        if (kind, name) not in expected:
            report.problems.append(
                f"数据库中有程序之外的{_KINDS[kind]}{name}（被另外加入）：{sql[:120]}"
            )
            problems += 1
        elif expected[(kind, name)] != sql:
            report.problems.append(f"{_KINDS[kind]}{name}被改动，与程序建立时不同")
            problems += 1
    for kind, name in sorted(set(expected) - set(stored)):
        if kind == "trigger":
            continue
        report.problems.append(f"{_KINDS[kind]}{name}缺失（已被删除）")
        problems += 1
    if not problems:
        report.passed.append("数据库结构（数据表、触发器、视图、索引）与程序自身的一致")


# -- replaying the change log ------------------------------------------------------------------
def _replay_users(entry: Any, new: dict, state: dict[str, dict]) -> None:
    name = entry["row_key"]
    if entry["action"] == "新增用户":
        state[name] = {"role": new.get("role"), "active": 1}
    elif name in state and "active" in new:
        state[name]["active"] = new["active"]
    if name in state and "role" in new and entry["action"] != "新增用户":
        state[name]["role"] = new["role"]


def _replay_enterprises(entry: Any, old: dict, new: dict, state: dict[str, dict]) -> None:
    key = entry["row_key"]
    if entry["old_values"] is None and entry["new_values"] is not None:
        state[key] = dict(new)
        return
    if "credit_code" in old and old["credit_code"] in state:
        state[key] = state.pop(old["credit_code"])
    state.setdefault(key, {}).update(new)


def _replay_applications(
    entry: Any, new: dict, state: dict[str, dict], by_identity: dict[str, int]
) -> None:
    if entry["action"] == "删除事项":
        state.pop(str(entry["row_key"]), None)
        return
    if entry["old_values"] is None:
        key = str(new.get("id") or by_identity.get(entry["row_key"], entry["row_key"]))
        state[key] = {k: v for k, v in new.items() if k != "id"}
        return
    state.setdefault(str(entry["row_key"]), {}).update(new)


def _replay_list(entry: Any, new: dict, state: dict[str, dict], codes: dict[int, str]) -> None:
    """四强名单: a whole list replaced (added/dropped by credit code), or one place by hand."""
    if "added" in new or "dropped" in new:
        year = new.get("year", entry["row_key"])
        for code in new.get("dropped", []):
            state.pop(f"{year}/{code}", None)
        for code in new.get("added", []):
            state[f"{year}/{code}"] = {}
    elif "enterprise_id" in new:
        key = f"{new['year']}/{codes.get(new['enterprise_id'], new['enterprise_id'])}"
        if new.get("on_list"):
            state[key] = {}
        else:
            state.pop(key, None)


_BANK_COLUMNS = ("bank_name", "bank_account", "account_name")  # where a payment goes
# What an amount rests on, of the fields the change log records of a matter (its free-text
# description is logged too but decides nothing).
_APPLICATION_KEYS = tuple(k for k in LOGGED_FIELDS if k != "description")


def _compare(
    label: str,
    logged: dict[str, dict],
    rows: dict[str, dict],
    bad: _Problems,
    keys: tuple[str, ...] | None = None,
) -> None:
    for key, row in rows.items():
        state = logged.get(key)
        if state is None:
            bad.add(f"{label}“{key}”在变更日志中没有记录（被直接写入数据库）")
            continue
        fields = [
            k for k in (keys or tuple(state)) if k in state and k in row and state[k] != row[k]
        ]
        if fields:
            bad.add(f"{label}“{key}”的{'、'.join(fields)}与变更日志不符（被直接改动）")
    for key in logged:
        if key not in rows:
            bad.add(f"{label}“{key}”在变更日志中存在，但已从数据库中删除")


def _replay_rows(entry: Any, new: dict, state: dict[str, dict], keys: tuple[str, ...]) -> None:
    """A table whose rows are logged whole when written (the columns not given are NULL) and by
    their changed columns after (payment lines, clawbacks)."""
    key = str(entry["row_key"])
    if entry["old_values"] is None:
        state[key] = {**dict.fromkeys(keys), **new}
    else:
        state.setdefault(key, {}).update(new)


_SIGNOFF_KEYS = (
    "node_name",
    "node_role",
    "node_count",
    "signer",
    "signed_at",
    "opinion",
    "minutes_no",
    "amount_fen",
    "blacklist_import",
    "blacklist_note",
    "budget_note",
)


def _replay_signoff(new: dict, state: dict[str, dict]) -> None:
    """A sign-off node's signature, logged with the award's decision (``signoff``)."""
    values = new.get("signoff")
    if isinstance(values, dict):
        state[f"{values.get('award_id')}/{values.get('node_no')}"] = values


def _rows_replayer(
    state: dict[str, dict], keys: tuple[str, ...]
) -> Callable[[Any, dict, dict], None]:
    return lambda entry, old, new: _replay_rows(entry, new, state, keys)


# The payment path's rows replayed like this, with the columns compared.
_PAYMENT_ROWS = {
    "payment_items": (
        "拨付清单明细",
        (
            "batch_id",
            "seq",
            "award_id",
            "credit_code",
            "payee",
            "bank_name",
            "bank_account",
            "amount_fen",
            "offset_fen",
            "credit_fen",
            "fund_source",
            "summary",
            "result",
            "result_reason",
            "paid_on",
            "voucher",
        ),
    ),
    "clawbacks": (
        "追回记录",
        (
            "award_id",
            "enterprise_id",
            "amount_fen",
            "reason",
            "document",
            "status",
            "offset_award_id",
            "recovered_on",
            "recovered_how",
            "voucher",
            "payment_item_id",
        ),
    ),
}


def check_replay(db: Database, report: Report) -> None:
    """Replay the log; compare users, enterprises, matters, 四强 lists, settings, sign-off
    signatures, payment lines and clawbacks with the tables."""
    users: dict[str, dict] = {}
    enterprises: dict[str, dict] = {}
    applications: dict[str, dict] = {}
    settings: dict[str, dict] = {}
    lists: dict[str, dict] = {}
    rows: dict[str, dict[str, dict]] = {table: {} for table in _PAYMENT_ROWS}
    signoffs: dict[str, dict] = {}
    by_identity = {r[0]: r[1] for r in db.query("SELECT identity_key, id FROM applications")}
    codes = {r[0]: r[1] for r in db.query("SELECT id, credit_code FROM enterprises")}
    replayers: dict[str, Callable[[Any, dict, dict], None]] = {
        "users": lambda e, o, n: _replay_users(e, n, users),
        "enterprises": lambda e, o, n: _replay_enterprises(e, o, n, enterprises),
        "applications": lambda e, o, n: _replay_applications(e, n, applications, by_identity),
        "settings": lambda e, o, n: settings.__setitem__(e["row_key"], {"value": n.get("value")}),
        "siqiang_list": lambda e, o, n: _replay_list(e, n, lists, codes),
        **{table: _rows_replayer(rows[table], keys) for table, (_, keys) in _PAYMENT_ROWS.items()},
        "awards": lambda e, o, n: _replay_signoff(n, signoffs),
    }
    marks = ",".join("?" * len(replayers))
    for entry in db.conn.execute(
        "SELECT action, table_name, row_key, old_values, new_values FROM change_log"
        f" WHERE table_name IN ({marks}) ORDER BY id",
        tuple(replayers),
    ):
        try:
            old = json.loads(entry["old_values"] or "{}")
            new = json.loads(entry["new_values"] or "{}")
        except ValueError:
            continue  # the hash chain check names the entry
        replayers[entry["table_name"]](entry, old, new)
    for state in enterprises.values():  # bank details are NULL until a logged change sets them
        for column in _BANK_COLUMNS:
            state.setdefault(column, None)
    bad = _Problems(report)
    _compare(
        "用户",
        users,
        {r["name"]: dict(r) for r in db.query("SELECT name, role, active FROM users")},
        bad,
    )
    _compare(
        "企业",
        enterprises,
        {r["credit_code"]: dict(r) for r in db.query("SELECT * FROM enterprises")},
        bad,
    )
    _compare(
        "奖补事项",
        applications,
        {str(r["id"]): dict(r) for r in db.query("SELECT * FROM applications")},
        bad,
        _APPLICATION_KEYS,
    )
    _compare(
        "设置",
        settings,
        {r["key"]: {"value": r["value"]} for r in db.query("SELECT key, value FROM settings")},
        bad,
    )
    _compare(
        "四强名单",
        lists,
        {
            f"{r[0]}/{r[1]}": {}
            for r in db.query(
                "SELECT l.year, e.credit_code FROM siqiang_list l"
                " JOIN enterprises e ON e.id = l.enterprise_id"
            )
        },
        bad,
    )
    _compare(
        "签批记录",
        signoffs,
        {
            f"{r['award_id']}/{r['node_no']}": dict(r)
            for r in db.query("SELECT * FROM award_signoffs")
        },
        bad,
        _SIGNOFF_KEYS,
    )
    for table, (label, keys) in _PAYMENT_ROWS.items():
        _compare(
            label,
            rows[table],
            {str(r["id"]): dict(r) for r in db.query(f"SELECT * FROM {table}")},
            bad,
            keys,
        )
    if not bad.count:
        report.passed.append(
            "按变更日志重放得到的用户、企业、奖补事项、四强名单、设置、签批记录、拨付清单明细和追回记录"
            "与数据表一致"
        )


# -- anchors -----------------------------------------------------------------------------------
def read_anchor(path: Path) -> ChainHead:
    """The chain head in an anchor file (beside a backup), or in a report's stamp."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(f"锚定文件“{path}”不存在")
    with path.open("rb") as handle:
        magic = handle.read(5)
    if magic.startswith((b"PK", b"%PDF")):
        from desktop.services.fingerprint import read_stamp

        stamp = read_stamp(path)
        if stamp.chain is None:
            raise DomainError(f"报表“{path.name}”没有记录链头（旧版本导出），不能用作锚定")
        return stamp.chain
    head = read_anchor_file(path)
    if head is None:
        raise not_an_anchor(path)
    return head


def check_anchor(db: Database, anchor: ChainHead, report: Report) -> None:
    """The database still holds the anchor's entries, unchanged, and extends them."""
    now = chain_head(db)
    found = True
    log_at = hash_at(db, "change_log", anchor.log_count)
    if log_at != anchor.log_hash:
        found = False
        report.problems.append(
            f"锚定核对：锚定时变更日志共{anchor.log_count}条（链头 {anchor.log_hash[:16]}），"
            f"现有{now.log_count}条，第{anchor.log_count}条"
            + ("已不存在" if log_at is None else "与锚定的不同")
            + "：变更日志被删除或重写"
        )
    if hash_at(db, "signatures", anchor.signature_count) != anchor.signature_hash:
        found = False
        report.problems.append(
            f"锚定核对：锚定时签名记录共{anchor.signature_count}条，现有{now.signature_count}条，"
            "签名链与锚定的不同：签名记录被删除或重写"
        )
    if anchor.root and anchor.root != now.root:
        found = False
        report.problems.append(
            f"锚定核对：管理员根密钥指纹由 {anchor.root} 变为 {now.root or '无'}：用户密钥被整体替换"
        )
    if found:
        report.passed.append(
            f"锚定核对：数据库延续锚定时的日志链（{anchor.log_count}条→{now.log_count}条）和签名链"
        )
