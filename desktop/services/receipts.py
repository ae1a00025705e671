"""回执: the district tells a town what became of its reports, and how the district calculates.

``receipt export --township 镇街名`` (district) writes, signed with the district's installation
key and numbered per town: every matter the town reported with its outcome (受理 with the
district's matter and award, 退回 with the reason, or still 待受理), the 企业信息 conflicts it
decided, the district's record of the town's enterprises, the 四强 lists of every year (the
town's enterprises only), and the whole policy catalogue (policies, versions, rules). A receipt
carries the whole state, so a lost one is simply replaced by the next.

``receipt import`` (township) refuses a receipt meant for another town, not signed by the
district's key, altered in any byte, listing packages this town never sent, or older than one
already imported; the same receipt again changes nothing. The district's key is trusted on first
use — the first receipt's key is recorded and its fingerprint shown, to be checked by phone —
unless it was registered beforehand (``township register 区 --key FILE``); later receipts must be
signed by that key. Importing replaces the town's outcomes, its policy catalogue (the town's
draft awards are recomputed under it) and its 四强 lists, and takes the district's enterprise
values for every field the town has not changed since its last package the district has seen.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core import exchange, status
from desktop.core.errors import Conflict, ValidationError
from desktop.core.signatures import fingerprint
from desktop.services import intake
from desktop.services.offices import (
    ENTERPRISE_FIELDS,
    GENESIS,
    apply_enterprise_fields,
    check_target,
    enterprise_records,
    insert_enterprise,
    read_exchange_file,
    record_office_file,
    registered_key,
    require_district_for,
    require_township,
    store_key,
    town_id,
    write_atomically,
)
from desktop.services.users import CLERK, require_role
from desktop.storage.database import Database, now_text

POLICY_TABLES = ("policies", "policy_versions", "rules")
OUTCOMES = {
    intake.PENDING: "待受理",
    intake.ACCEPTED: "受理",
    intake.RETURNED: "退回",
    intake.WITHDRAWN: "撤回",
}


def _rows(db: Database, table: str) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query(f"SELECT * FROM {table} ORDER BY id")]


def _columns(db: Database, table: str) -> list[str]:
    return [r[1] for r in db.query(f"PRAGMA table_info({table})")]


# -- the district --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReceiptExport:
    path: Path
    town: str
    sequence: int
    outcomes: dict[str, int]
    enterprises: int
    policy_versions: int
    list_years: int
    file_hash: str
    fingerprint: str


def _award_of(db: Database, application_id: int | None) -> tuple[str | None, int | None]:
    if application_id is None:
        return None, None
    row = db.one(
        "SELECT status, amount_fen FROM awards WHERE application_id = ? AND installment_no = 0"
        f" AND status NOT IN {status.sql_list(status.SUPERSEDED)} ORDER BY amount_fen DESC, id LIMIT 1",
        (application_id,),
    )
    return (None, None) if row is None else (row[0], row[1])


def _outcomes(db: Database, town: int) -> list[dict[str, Any]]:
    """Per town matter, its latest item that was not superseded."""
    rows = db.query(
        "SELECT * FROM intake_items WHERE town_id = ? AND state <> ?"
        f" AND kind IN ('{intake.MATTER}', '{intake.MATTER_CHANGE}', '{intake.MATTER_WITHDRAWAL}')"
        " ORDER BY id",
        (town, intake.SUPERSEDED),
    )
    latest = {r["town_matter_id"]: r for r in rows}
    out = []
    for matter_id, r in sorted(latest.items()):
        app = db.scalar(
            "SELECT id FROM applications WHERE origin_town_id = ? AND origin_matter_id = ?",
            (town, matter_id),
        )
        award_status, award_fen = _award_of(db, app)
        out.append(
            {
                "town_matter_id": matter_id,
                "kind": r["kind"],
                "outcome": OUTCOMES[r["state"]],
                "reason": r["reason"],
                "intake_id": r["id"],
                "district_matter_id": app,
                "award_status": award_status,
                "award_fen": award_fen,
                "decided_at": r["decided_at"],
            }
        )
    return out


def _enterprise_outcomes(db: Database, town: int) -> list[dict[str, Any]]:
    return [
        {
            "credit_code": r["credit_code"],
            "outcome": OUTCOMES.get(r["state"], r["state"]),
            "reason": r["reason"],
            "fields": sorted(json.loads(r["payload"]).get("fields", {})),
        }
        for r in db.query(
            "SELECT * FROM intake_items WHERE town_id = ? AND kind = ? AND state IN (?, ?, ?)"
            " ORDER BY id",
            (town, intake.ENTERPRISE, intake.PENDING, intake.ACCEPTED, intake.RETURNED),
        )
    ]


def _district_enterprises(db: Database, town: int, town_name: str) -> dict[str, dict[str, Any]]:
    records = enterprise_records(db, "WHERE t.name = ?", (town_name,))
    reported = [
        r[0]
        for r in db.query(
            "SELECT DISTINCT credit_code FROM intake_items WHERE town_id = ?", (town,)
        )
    ]
    for code in reported:
        if code not in records:
            records.update(enterprise_records(db, "WHERE e.credit_code = ?", (code,)))
    return records


def _lists(db: Database, codes: set[str]) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {
        str(y[0]): [] for y in db.query("SELECT DISTINCT year FROM siqiang_list")
    }
    for year, code in db.query(
        "SELECT l.year, e.credit_code FROM siqiang_list l JOIN enterprises e ON e.id = l.enterprise_id"
        " ORDER BY l.year, e.credit_code"
    ):
        if code in codes:
            lists[str(year)].append(code)
    return lists


def export_receipt(db: Database, town_name: str, out: str | Path) -> ReceiptExport:
    """Write the next 回执 for ``town_name`` (see the module's docstring)."""
    require_district_for(db, "导出回执")
    require_role(db, CLERK)
    target = check_target(out, exchange.RECEIPT_FORMAT)
    town = town_id(db, town_name)
    if registered_key(db, town) is None:
        raise Conflict(f"{town_name}尚未在本机登记公钥，也没有导入过它的上报包，无回执可出")
    packages = [
        {"sequence": r[0], "file_hash": r[1]}
        for r in db.query(
            "SELECT sequence, file_hash FROM office_files WHERE direction = 'in' AND kind = 'package'"
            " AND town_id = ? ORDER BY sequence",
            (town,),
        )
    ]
    outcomes = _outcomes(db, town)
    enterprises = _district_enterprises(db, town, town_name)
    lists = _lists(db, set(enterprises))
    policies = {table: _rows(db, table) for table in POLICY_TABLES}
    last = db.one(
        "SELECT sequence, file_hash FROM office_files WHERE direction = 'out' AND kind = 'receipt'"
        " AND town_id = ? ORDER BY sequence DESC LIMIT 1",
        (town,),
    )
    sequence = 1 if last is None else last[0] + 1
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o["outcome"]] = counts.get(o["outcome"], 0) + 1
    manifest = {
        "town": town_name,
        "sequence": sequence,
        "previous_hash": GENESIS if last is None else last[1],
        "packages_through": packages[-1]["sequence"] if packages else 0,
        "created_at": now_text(),
        "created_by": db.user,
        "counts": counts,
    }
    data = {
        "packages": packages,
        "outcomes": outcomes,
        "enterprise_outcomes": _enterprise_outcomes(db, town),
        "enterprises": sorted(enterprises.values(), key=lambda r: r["credit_code"]),
        "lists": lists,
        "policies": policies,
    }
    from desktop.services.keys import installation_key

    key = installation_key()
    raw = exchange.build(exchange.RECEIPT_FORMAT, manifest, data, key.sign, key.public_hex)
    file_hash = exchange.sha256_hex(raw)
    with db.transaction():
        file_id = record_office_file(
            db, direction="out", kind="receipt", town=town, sequence=sequence,
            file_hash=file_hash, manifest=manifest, file_name=target.name, content=raw,
        )  # fmt: skip
        db.log(
            "导出回执",
            "office_files",
            file_id,
            None,
            {"town": town_name, "sequence": sequence, "file_hash": file_hash, "outcomes": counts},
        )
        write_atomically(target, raw)
    return ReceiptExport(
        target,
        town_name,
        sequence,
        counts,
        len(enterprises),
        len(policies["policy_versions"]),
        len(lists),
        file_hash,
        key.fingerprint,
    )


# -- the township --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    town_matter_id: int
    kind: str
    outcome: str
    reason: str | None
    district_matter_id: int | None
    award_status: str | None
    award_fen: int | None
    enterprise_name: str  # as the town has it ('' if the matter was deleted here)
    matter: str  # the town's description of the matter

    def line(self) -> str:
        from desktop.core.money import format_yuan

        what = f"事项{self.town_matter_id}（{self.enterprise_name or '本镇街已删除'}{'，' + self.matter if self.matter else ''}）"
        kind = "" if self.kind == intake.MATTER else f"（{self.kind}）"
        text = f"{what}：{self.outcome}{kind}"
        if self.district_matter_id is not None:
            text += f"，区级事项编号{self.district_matter_id}"
            if self.award_status:
                text += f"，核定 {format_yuan(self.award_fen or 0)} 元（{self.award_status}）"
            else:
                text += "，尚未核定"
        if self.reason:
            text += f"，理由：{self.reason}"
        return text


@dataclass
class ReceiptImport:
    town: str
    sequence: int
    file_hash: str
    district_fingerprint: str
    first_use: bool = False  # the district's key was recorded with this receipt (phone check!)
    already: bool = False
    imported_at: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    enterprise_lines: list[str] = field(default_factory=list)  # the 企业信息 decisions
    enterprises_updated: int = 0
    enterprises_added: int = 0
    enterprises_kept: int = 0  # with changes of the town's own not yet seen by the district
    policies_changed: bool = False
    lists_changed: list[int] = field(default_factory=list)
    recalculated: list[int] = field(default_factory=list)

    def summary(self) -> str:
        if self.already:
            return (
                f"第{self.sequence}号回执已于{(self.imported_at or '').replace('T', ' ')}导入过，"
                "本次未作任何改动"
            )
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        shown = "，".join(f"{k}{v}个" for k, v in counts.items()) or "无事项"
        return (
            f"已导入区工信局第{self.sequence}号回执：{shown}；企业信息更新{self.enterprises_updated}户、"
            f"新增{self.enterprises_added}户"
            + (
                f"、{self.enterprises_kept}户保留本镇街未上报的修改"
                if self.enterprises_kept
                else ""
            )
            + f"；政策条款{'已按区级更新' if self.policies_changed else '与区级一致'}"
            + (
                f"；四强名单已更新{'、'.join(map(str, self.lists_changed))}年度"
                if self.lists_changed
                else ""
            )
            + (
                f"；已按区级政策重新计算{'、'.join(map(str, self.recalculated))}年度"
                if self.recalculated
                else ""
            )
        )


def _refuse(why: str) -> ValidationError:
    return ValidationError(f"回执被拒绝：{why}；未导入任何内容", field="回执")


def _check_packages(db: Database, town: int, packages: Any) -> None:
    if not isinstance(packages, list):
        raise _refuse("回执格式不正确（缺少上报包清单）")
    mine = {
        r[0]: r[1]
        for r in db.query(
            "SELECT sequence, file_hash FROM office_files WHERE direction = 'out' AND kind = 'package'"
            " AND town_id = ?",
            (town,),
        )
    }
    for p in packages:
        seq = p.get("sequence") if isinstance(p, dict) else None
        if mine.get(seq) != (p.get("file_hash") if isinstance(p, dict) else None):
            raise _refuse(
                f"回执所列第{seq}号上报包与本镇街导出的不符（这不是对本镇街上报包的回执）"
            )


def _check_receipt_sequence(db: Database, town: int, sequence: Any, file_hash: str):
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise _refuse(f"序号“{sequence}”无效")
    last = db.one(
        "SELECT * FROM office_files WHERE direction = 'in' AND kind = 'receipt' AND town_id = ?"
        " ORDER BY sequence DESC LIMIT 1",
        (town,),
    )
    if last is None or sequence > last["sequence"]:
        return None
    same = db.one(
        "SELECT * FROM office_files WHERE direction = 'in' AND kind = 'receipt' AND town_id = ?"
        " AND sequence = ?",
        (town, sequence),
    )
    if same is not None and same["file_hash"] == file_hash:
        return same
    if sequence == last["sequence"]:
        raise _refuse(f"第{sequence}号回执已导入过，此文件序号相同但内容不同")
    raise _refuse(f"此回执为第{sequence}号，比已导入的第{last['sequence']}号回执旧")


def _replace_policies(db: Database, incoming: Any) -> bool:
    """Make the town's policy catalogue the district's (rows by id); True if anything changed."""
    if not isinstance(incoming, dict) or not all(
        isinstance(incoming.get(t), list) for t in POLICY_TABLES
    ):
        raise _refuse("回执格式不正确（缺少政策条款）")
    wanted, current = {}, {}
    for table in POLICY_TABLES:
        rows = incoming[table]
        columns = [c for c in _columns(db, table) if not rows or c in rows[0]]
        wanted[table] = [{c: row.get(c) for c in columns} for row in rows]
        current[table] = [{c: r[c] for c in columns} for r in _rows(db, table)]
    if current == wanted:
        return False
    try:
        db.execute(f"DELETE FROM awards WHERE status = '{status.DRAFT}'")
        for table in reversed(POLICY_TABLES):
            db.execute(f"DELETE FROM {table}")
        for table in POLICY_TABLES:
            for row in wanted[table]:
                if table == "policy_versions":
                    row = {**row, "based_on": None}
                names = list(row)
                db.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [row[n] for n in names],
                )
        db.executemany(
            "UPDATE policy_versions SET based_on = ? WHERE id = ?",
            [(r.get("based_on"), r["id"]) for r in wanted["policy_versions"] if r.get("based_on")],
        )
    except sqlite3.IntegrityError as exc:
        raise Conflict(
            f"不能按回执更新政策条款（{exc}）：本镇街数据库中有依据本地政策版本的记录；"
            "镇街不应自行修改政策，请联系区工信局"
        ) from exc
    db.log(
        "按回执更新政策条款",
        "policy_versions",
        None,
        None,
        {t: len(wanted[t]) for t in POLICY_TABLES},
    )
    from desktop.services import signing

    # The district's rules as the receipt (its signature verified) gave them: `check` compares
    # each rule with this record.
    signing.sign_rules(
        db,
        signing.RECEIPT,
        [int(r["id"]) for r in wanted["rules"]],
        signer=signing.installation_signer(),
    )
    return True


def _apply_enterprises(db: Database, records: Any, through: int, report: ReceiptImport) -> None:
    if not isinstance(records, list):
        raise _refuse("回执格式不正确（缺少企业信息）")
    mine = enterprise_records(db)
    sync = {
        r["subject_key"]: r
        for r in db.query("SELECT * FROM township_sync WHERE subject = 'enterprise'")
    }
    updates = []
    for d in records:
        code = d["credit_code"]
        state = sync.get(code)
        sent = None if state is None or state["sent"] is None else json.loads(state["sent"])
        old_base = {} if state is None or state["base"] is None else json.loads(state["base"])
        t = mine.get(code)
        if t is None:
            insert_enterprise(db, d, action="按回执")
            report.enterprises_added += 1
            updates.append((code, d, d))
            continue
        if state is not None and (state["sent_in"] or 0) > through:
            report.enterprises_kept += 1  # the district has not seen our latest package yet
            continue
        take, base = {}, {}
        for f in ENTERPRISE_FIELDS:
            if t[f] == d[f]:
                base[f] = d[f]
            elif sent is not None and t[f] == sent.get(f):
                take[f], base[f] = d[f], d[f]  # the district has decided on what we sent
            elif f in old_base:
                base[f] = old_base[f]  # our own change since: keep it, and what we knew before
        if take:
            apply_enterprise_fields(db, code, take, action="按回执更新")
            report.enterprises_updated += 1
        now = {**t, **take}
        if now != d:
            report.enterprises_kept += 1
        updates.append((code, base, d if now == d else sent))
    db.executemany(
        "INSERT INTO township_sync (subject, subject_key, sent, base) VALUES ('enterprise', ?, ?, ?)"
        " ON CONFLICT (subject, subject_key) DO UPDATE SET base = excluded.base, sent = excluded.sent",
        [
            (code, None if sent is None else json.dumps(sent, ensure_ascii=False, sort_keys=True),
             json.dumps(base, ensure_ascii=False, sort_keys=True))
            for code, base, sent in updates
        ],
    )  # fmt: skip


def _apply_lists(db: Database, lists: Any, report: ReceiptImport) -> None:
    from desktop.services.siqiang_lists import plan_replacement, replace_list

    if not isinstance(lists, dict):
        raise _refuse("回执格式不正确（缺少四强名单）")
    ids = {r[0]: r[1] for r in db.query("SELECT credit_code, id FROM enterprises")}
    years = {int(y) for y in lists} | {
        r[0] for r in db.query("SELECT DISTINCT year FROM siqiang_list")
    }
    for year in sorted(years):
        wanted = {ids[c] for c in lists.get(str(year), []) if c in ids}
        change = plan_replacement(db, year, wanted)
        if change.added or change.dropped:
            replace_list(db, year, wanted)
            report.lists_changed.append(year)


def _store_outcomes(db: Database, receipt_id: int, outcomes: Any, report: ReceiptImport) -> None:
    if not isinstance(outcomes, list):
        raise _refuse("回执格式不正确（缺少事项结果）")
    db.execute("DELETE FROM receipt_outcomes")
    db.executemany(
        "INSERT INTO receipt_outcomes (town_matter_id, kind, outcome, reason, district_matter_id,"
        " award_status, award_fen, decided_at, receipt_id) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (o["town_matter_id"], o.get("kind") or intake.MATTER, o["outcome"], o.get("reason"),
             o.get("district_matter_id"), o.get("award_status"), o.get("award_fen"),
             o.get("decided_at"), receipt_id)
            for o in outcomes
        ],
    )  # fmt: skip
    report.outcomes = outcomes_here(db)


def _enterprise_lines(db: Database, outcomes: Any) -> list[str]:
    from desktop.services.offices import FIELD_LABELS

    names = {r[0]: r[1] for r in db.query("SELECT credit_code, name FROM enterprises")}
    lines = []
    for o in outcomes if isinstance(outcomes, list) else []:
        fields = "、".join(FIELD_LABELS.get(f, f) for f in o.get("fields", []))
        what = "采用镇街上报的信息" if o.get("outcome") == "受理" else "保留区级信息"
        if o.get("outcome") == "待受理":
            what = "区级信息暂不变，待区工信局决定"
        text = f"企业{names.get(o.get('credit_code'), o.get('credit_code'))}的{fields}：{o.get('outcome')}，{what}"
        lines.append(text + (f"，理由：{o['reason']}" if o.get("reason") else ""))
    return lines


def outcomes_here(db: Database) -> list[Outcome]:
    """At a township: each reported matter's outcome as the latest receipt says."""
    from desktop.services.intake import matter_text

    rows = db.query(
        "SELECT o.*, e.name AS enterprise_name, ap.rule_code, ap.event_date, ap.basis_fen,"
        " ap.city_document, ap.manual_amount_fen, ap.level, ap.description"
        " FROM receipt_outcomes o LEFT JOIN applications ap ON ap.id = o.town_matter_id"
        " LEFT JOIN enterprises e ON e.id = ap.enterprise_id ORDER BY o.town_matter_id"
    )
    return [
        Outcome(
            r["town_matter_id"],
            r["kind"],
            r["outcome"],
            r["reason"],
            r["district_matter_id"],
            r["award_status"],
            r["award_fen"],
            r["enterprise_name"] or "",
            matter_text(dict(r)) if r["event_date"] else "",
        )
        for r in rows
    ]


def import_receipt(db: Database, path: str | Path, *, backup: bool = True) -> ReceiptImport:
    """Take the district's 回执 (see the module's docstring); all or nothing."""
    town_name = require_township(db, "导入回执")
    require_role(db, CLERK)
    opened = read_exchange_file(path, exchange.RECEIPT_FORMAT)
    manifest, data = opened.manifest, opened.data
    if manifest.get("town") != town_name:
        raise _refuse(f"此回执是发给“{manifest.get('town')}”的，不是本镇街（{town_name}）的")
    town = town_id(db, town_name)
    key = registered_key(db, None)
    public_key = key.public_key if key is not None else opened.public_key
    if key is None and len(public_key) != 64:
        raise _refuse("回执中的公钥格式不正确")
    opened.verify(public_key, "区工信局")
    if not isinstance(data, dict):
        raise _refuse("回执格式不正确")
    _check_packages(db, town, data.get("packages"))
    same = _check_receipt_sequence(db, town, manifest.get("sequence"), opened.file_hash)
    report = ReceiptImport(
        town_name, manifest["sequence"], opened.file_hash, fingerprint(public_key)
    )
    if same is not None:
        report.already, report.imported_at = True, same["handled_at"]
        report.outcomes = outcomes_here(db)
        return report
    if backup:
        from desktop.storage.backup import backup_before

        backup_before(db, "导入回执")
    years = [r[0] for r in db.query("SELECT DISTINCT year FROM awards ORDER BY year")]
    with db.transaction():
        if key is None:
            store_key(db, None, public_key, "首次使用")
            report.first_use = True
        receipt_id = record_office_file(
            db, direction="in", kind="receipt", town=town, sequence=report.sequence,
            file_hash=opened.file_hash, manifest=manifest, file_name=Path(path).name,
        )  # fmt: skip
        report.policies_changed = _replace_policies(db, data.get("policies"))
        _apply_enterprises(
            db, data.get("enterprises"), int(manifest.get("packages_through") or 0), report
        )
        _apply_lists(db, data.get("lists"), report)
        _store_outcomes(db, receipt_id, data.get("outcomes"), report)
        report.enterprise_lines = _enterprise_lines(db, data.get("enterprise_outcomes"))
        db.log(
            "导入回执",
            "office_files",
            receipt_id,
            None,
            {"sequence": report.sequence, "file_hash": opened.file_hash, "district_key": report.district_fingerprint,
             "first_use": report.first_use},
        )  # fmt: skip
    if report.policies_changed or report.lists_changed:
        from desktop.services.calculation import calculate_year

        for year in years:
            calculate_year(db, year)
            report.recalculated.append(year)
    return report


__all__ = ["export_receipt", "import_receipt", "outcomes_here"]
