"""上报包: a township sends up what its clerks entered or changed; the district takes it into 受理.

At the township, ``package export`` compares every enterprise of its town and every matter with
what the last package sent (``township_sync``) and writes what differs — new and changed
enterprises and matters, and the ids of matters deleted since — signed with the installation
key, numbered, chained to the previous package by its hash. The file is written inside the
transaction that records it, so a failure leaves neither the file nor the record.

At the district, ``package import`` refuses, writing nothing, a package that is not one, from an
unregistered town, not signed by that town's registered key, altered in any byte, or out of
sequence (a gap, or a different package under a number already imported); the same package a
second time changes nothing. Everything else is one transaction (after a backup):

- an enterprise the district does not have is registered;
- an enterprise it has is merged field by field against the record the town last received from
  the district (the package's ``base``): a field only the town changed takes the town's value; a
  field only the district changed keeps the district's (the next receipt sends it down); a field
  both changed to different values — or any differing field when the town never received the
  district's record — keeps the district's value and goes to 受理 as 企业信息, where the district
  takes the town's value (受理) or keeps its own (退回, the reason goes back in the receipt);
- matters go to 受理 (see ``services.intake``), never straight into the district's matters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core import exchange
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.services import intake
from desktop.services.applications import registry_index
from desktop.services.catalogue import load_catalogue
from desktop.services.offices import (
    ENTERPRISE_FIELDS,
    GENESIS,
    MATTER_FIELDS,
    apply_enterprise_fields,
    check_enterprise_record,
    check_target,
    enterprise_records,
    insert_enterprise,
    matter_record,
    read_exchange_file,
    record_office_file,
    registered_key,
    require_district_for,
    require_township,
    town_id,
    write_atomically,
)
from desktop.services.users import CLERK, require_role
from desktop.storage.database import Database, now_text

_MATTER_SQL = (
    "SELECT ap.*, e.credit_code, e.name AS enterprise_name, t.name AS town FROM applications ap"
    " JOIN enterprises e ON e.id = ap.enterprise_id JOIN towns t ON t.id = e.town_id"
)


@dataclass(frozen=True)
class PackageExport:
    path: Path
    town: str
    sequence: int
    enterprises: int
    matters: int
    withdrawn: int
    file_hash: str
    fingerprint: str
    resent: bool = False


def _sync_state(db: Database, subject: str) -> dict[str, Any]:
    return {
        r["subject_key"]: r
        for r in db.query("SELECT * FROM township_sync WHERE subject = ?", (subject,))
    }


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _last_out(db: Database, town: int):
    return db.one(
        "SELECT * FROM office_files WHERE direction = 'out' AND kind = 'package' AND town_id = ?"
        " ORDER BY sequence DESC LIMIT 1",
        (town,),
    )


def _resend(db: Database, town: int, town_name: str, sequence: int, out: Path) -> PackageExport:
    row = db.one(
        "SELECT * FROM office_files WHERE direction = 'out' AND kind = 'package' AND town_id = ?"
        " AND sequence = ?",
        (town, sequence),
    )
    if row is None:
        raise NotFound(f"本镇街没有导出过第{sequence}号上报包")
    write_atomically(out, bytes(row["content"]))
    summary = json.loads(row["summary"])
    from desktop.services.keys import installation_key

    return PackageExport(
        out,
        town_name,
        sequence,
        summary["enterprises"],
        summary["matters"],
        summary["withdrawn"],
        row["file_hash"],
        installation_key().fingerprint,
        resent=True,
    )


def _changes(db: Database, town_name: str) -> tuple[list[dict], list[dict], list[int]]:
    """(enterprises with their base, matters, withdrawn matter ids) that differ from what was sent."""
    sent_e, sent_m = _sync_state(db, "enterprise"), _sync_state(db, "matter")
    rows = db.query(_MATTER_SQL + " ORDER BY ap.id")
    # The town's own enterprises, and any other one a matter names (registered here under
    # another town, e.g. one that moved): the district needs it to take the matter.
    records = enterprise_records(db, "WHERE t.name = ? ORDER BY e.credit_code", (town_name,))
    for code in sorted({r["credit_code"] for r in rows} - set(records)):
        records.update(enterprise_records(db, "WHERE e.credit_code = ?", (code,)))
    enterprises = [
        {"record": rec, "base": _loads(sent_e[code]["base"]) if code in sent_e else None}
        for code, rec in sorted(records.items())
        if code not in sent_e or _loads(sent_e[code]["sent"]) != rec
    ]
    matters = []
    for row in rows:
        rec = matter_record(row)
        before = sent_m.get(str(row["id"]))
        if before is None or _loads(before["sent"]) != rec:
            matters.append(rec)
    present = {str(r["id"]) for r in rows}
    withdrawn = sorted(
        int(key)
        for key, row in sent_m.items()
        if key not in present and (_loads(row["sent"]) or {}).get("withdrawn") is not True
    )
    return enterprises, matters, withdrawn


def export_package(db: Database, out: str | Path, *, resend: int | None = None) -> PackageExport:
    """Write the next 上报包 (or, with ``resend``, an earlier one again, byte for byte)."""
    town_name = require_township(db, "导出上报包")
    require_role(db, CLERK)
    target = check_target(out, exchange.PACKAGE_FORMAT)
    town = town_id(db, town_name)
    if resend is not None:
        return _resend(db, town, town_name, resend, target)
    enterprises, matters, withdrawn = _changes(db, town_name)
    last = _last_out(db, town)
    if not (enterprises or matters or withdrawn):
        since = f"自第{last['sequence']}号上报包以来" if last else "本镇街数据库中"
        raise Conflict(f"{since}没有新录入或修改的企业和事项，未生成上报包")
    from desktop.services.keys import installation_key

    key = installation_key()
    sequence = 1 if last is None else last["sequence"] + 1
    counts = {"enterprises": len(enterprises), "matters": len(matters), "withdrawn": len(withdrawn)}
    manifest = {
        "town": town_name,
        "sequence": sequence,
        "previous_hash": GENESIS if last is None else last["file_hash"],
        "created_at": now_text(),
        "created_by": db.user,
        "counts": counts,
    }
    data = {"enterprises": enterprises, "matters": matters, "withdrawn": withdrawn}
    raw = exchange.build(exchange.PACKAGE_FORMAT, manifest, data, key.sign, key.public_hex)
    file_hash = exchange.sha256_hex(raw)
    with db.transaction():
        file_id = record_office_file(
            db, direction="out", kind="package", town=town, sequence=sequence,
            file_hash=file_hash, manifest=manifest, file_name=target.name, content=raw,
        )  # fmt: skip
        sync = [("enterprise", e["record"]["credit_code"], e["record"]) for e in enterprises]
        sync += [("matter", str(m["id"]), m) for m in matters]
        sync += [("matter", str(i), {"withdrawn": True}) for i in withdrawn]
        db.executemany(
            "INSERT INTO township_sync (subject, subject_key, sent, sent_in) VALUES (?,?,?,?)"
            " ON CONFLICT (subject, subject_key) DO UPDATE SET sent = excluded.sent,"
            " sent_in = excluded.sent_in",
            [
                (s, k, json.dumps(v, ensure_ascii=False, sort_keys=True), sequence)
                for s, k, v in sync
            ],
        )
        db.log(
            "导出上报包",
            "office_files",
            file_id,
            None,
            {"town": town_name, "sequence": sequence, "file_hash": file_hash, **counts},
        )
        write_atomically(target, raw)  # last: a failed write rolls the record back
    return PackageExport(
        target,
        town_name,
        sequence,
        counts["enterprises"],
        counts["matters"],
        counts["withdrawn"],
        file_hash,
        key.fingerprint,
    )


# -- the district --------------------------------------------------------------------------------
@dataclass
class PackageImport:
    town: str
    sequence: int
    file_hash: str
    already: bool = False  # the same package was imported before: nothing changed
    imported_at: str | None = None
    new_enterprises: int = 0
    updated_enterprises: int = 0
    enterprise_conflicts: int = 0
    new_matters: int = 0
    changed_matters: int = 0
    unchanged_matters: int = 0
    withdrawn: int = 0
    items: list[int] = field(default_factory=list)  # the 受理 items it queued

    def summary(self) -> str:
        if self.already:
            return (
                f"{self.town}第{self.sequence}号上报包已于{(self.imported_at or '').replace('T', ' ')}"
                "导入过，本次未作任何改动"
            )
        return (
            f"已导入{self.town}第{self.sequence}号上报包：新事项{self.new_matters}个、"
            f"事项变更{self.changed_matters}个、撤回{self.withdrawn}个进入受理"
            + (
                f"（{self.unchanged_matters}个与区级事项相同，未列入）"
                if self.unchanged_matters
                else ""
            )
            + f"；企业新增{self.new_enterprises}户、更新{self.updated_enterprises}户、"
            f"信息冲突{self.enterprise_conflicts}户（冲突项进入受理，区级信息暂不变）"
        )


def _refuse(why: str) -> ValidationError:
    return ValidationError(f"上报包被拒绝：{why}；未导入任何内容", field="上报包")


def _check_sequence(db: Database, town: int, town_name: str, manifest: dict, file_hash: str):
    """None to go on, or the stored row of the same package imported before."""
    sequence = manifest.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise _refuse(f"序号“{sequence}”无效")
    same = db.one(
        "SELECT * FROM office_files WHERE direction = 'in' AND kind = 'package' AND town_id = ?"
        " AND sequence = ?",
        (town, sequence),
    )
    if same is not None:
        if same["file_hash"] == file_hash:
            return same
        raise _refuse(
            f"{town_name}第{sequence}号上报包已于{same['handled_at'].replace('T', ' ')}导入，"
            "此文件序号相同但内容不同（重放或伪造的上报包）"
        )
    last = db.one(
        "SELECT sequence, file_hash FROM office_files WHERE direction = 'in' AND kind = 'package'"
        " AND town_id = ? ORDER BY sequence DESC LIMIT 1",
        (town,),
    )
    last_seq, last_hash = (0, GENESIS) if last is None else (last[0], last[1])
    if sequence != last_seq + 1:
        missing = (
            f"第{last_seq + 1}号"
            if sequence == last_seq + 2
            else f"第{last_seq + 1}—{sequence - 1}号"
        )
        raise _refuse(
            f"序号不连续：本机已导入{town_name}到第{last_seq}号，此包为第{sequence}号，缺少{missing}；"
            f"请先导入缺少的上报包（镇街可用 package export --resend 序号 重新导出）"
        )
    if manifest.get("previous_hash") != last_hash:
        raise _refuse(f"此包记载的上一包哈希与本机导入的{town_name}第{last_seq}号上报包不符")
    return None


def _check_content(db: Database, town_name: str, data: Any) -> tuple[list, list, list]:
    if not isinstance(data, dict):
        raise _refuse("数据内容格式不正确")
    enterprises, matters, withdrawn = (data.get(k) for k in ("enterprises", "matters", "withdrawn"))
    if not (
        isinstance(enterprises, list) and isinstance(matters, list) and isinstance(withdrawn, list)
    ):
        raise _refuse("数据内容格式不正确（缺少企业、事项或撤回清单）")
    checked = []
    for entry in enterprises:
        rec = entry.get("record") if isinstance(entry, dict) else None
        if not isinstance(rec, dict):
            raise _refuse("企业记录格式不正确")
        try:
            clean = check_enterprise_record(db, rec)
        except ValidationError as exc:
            raise _refuse(f"企业{rec.get('credit_code')}（{rec.get('name')}）：{exc}") from exc
        base = entry.get("base")
        checked.append((clean, base if isinstance(base, dict) else None))
    known = {r["credit_code"] for r, _b in checked} | set(registry_index(db))
    for m in matters:
        if not isinstance(m, dict) or not isinstance(m.get("id"), int):
            raise _refuse("事项记录格式不正确")
        if m.get("credit_code") not in known:
            raise _refuse(
                f"事项{m.get('id')}的企业{m.get('credit_code')}不在上报包和区级企业名录中"
            )
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in withdrawn):
        raise _refuse("撤回清单格式不正确")
    return checked, matters, withdrawn


def _merge_enterprise(
    db: Database, town: int, package_id: int, rec: dict, base: dict | None, report: PackageImport
) -> None:
    code = rec["credit_code"]
    district = enterprise_records(db, "WHERE e.credit_code = ?", (code,)).get(code)
    if district is None:
        insert_enterprise(db, rec, action="镇街上报")
        report.new_enterprises += 1
        return
    auto, conflicts = {}, {}
    for f in ENTERPRISE_FIELDS:
        mine, theirs = district[f], rec[f]
        if mine == theirs or (base is not None and theirs == base.get(f)):
            continue  # the same, or only the district changed it
        if base is not None and mine == base.get(f):
            auto[f] = theirs  # only the town changed it
        else:
            conflicts[f] = {
                "district": mine,
                "town": theirs,
                "base": None if base is None else base.get(f),
            }
    if auto:
        apply_enterprise_fields(db, code, auto, action="镇街上报修改")
        report.updated_enterprises += 1
    pending = [
        r[0]
        for r in db.query(
            "SELECT id FROM intake_items WHERE kind = ? AND state = ? AND town_id = ? AND credit_code = ?",
            (intake.ENTERPRISE, intake.PENDING, town, code),
        )
    ]
    if conflicts:
        report.items.append(
            intake.add_item(
                db,
                intake.ENTERPRISE,
                credit_code=code,
                enterprise_name=district["name"],
                payload={"fields": conflicts, "record": rec},
                town=town,
                package_id=package_id,
                replaces=pending,
            )
        )
        report.enterprise_conflicts += 1
    elif pending:  # the town now agrees with the district: nothing left to decide
        intake.close_pending(db, pending, intake.SUPERSEDED, "镇街已更新为与区级一致")


def _pending_of_matter(db: Database, town: int, matter_id: int) -> list[int]:
    return [
        r[0]
        for r in db.query(
            "SELECT id FROM intake_items WHERE town_id = ? AND town_matter_id = ? AND state = ?"
            f" AND kind IN ('{intake.MATTER}', '{intake.MATTER_CHANGE}', '{intake.MATTER_WITHDRAWAL}')",
            (town, matter_id, intake.PENDING),
        )
    ]


def _accepted_application(db: Database, town: int, matter_id: int) -> int | None:
    found = db.scalar(
        "SELECT id FROM applications WHERE origin_town_id = ? AND origin_matter_id = ?",
        (town, matter_id),
    )
    return None if found is None else int(found)


def _queue_matter(
    db: Database, town: int, package_id: int, m: dict, context: tuple, report: PackageImport
) -> None:
    registry, catalogue = context
    pending = _pending_of_matter(db, town, m["id"])
    name = registry.get(m["credit_code"], (0, ""))[1]
    app_id = _accepted_application(db, town, m["id"])
    if app_id is None:
        problem = intake.matter_problem(db, m, registry, catalogue)
        report.items.append(
            intake.add_item(
                db, intake.MATTER, credit_code=m["credit_code"], enterprise_name=name,
                payload={"matter": m}, town=town, package_id=package_id, town_matter_id=m["id"],
                problem=problem, replaces=pending,
            )
        )  # fmt: skip
        report.new_matters += 1
        return
    before = intake.application_record(db, app_id)
    assert before is not None
    base = _town_base(db, town, m["id"])
    changes = {
        f: m.get(f)
        for f in MATTER_FIELDS
        if (base is None or m.get(f) != base.get(f)) and m.get(f) != before[f]
    }
    if not changes and m["credit_code"] == before["credit_code"]:
        if pending:
            intake.close_pending(db, pending, intake.SUPERSEDED, "镇街已改回，与区级事项无差异")
        report.unchanged_matters += 1
        return
    merged = {**before, **changes}
    if before["credit_code"] != m["credit_code"]:
        problem = "事项所属企业已改变，区级不能直接更正；请退回，由镇街作为新事项上报"
    else:
        problem = intake.matter_problem(db, merged, registry, catalogue, application_id=app_id)
    payload = {"matter": merged, "before": before, "changes": changes, "base": base, "reported": m}
    report.items.append(
        intake.add_item(
            db, intake.MATTER_CHANGE, credit_code=m["credit_code"], enterprise_name=name,
            payload=payload, town=town, package_id=package_id, town_matter_id=m["id"],
            application_id=app_id, problem=problem, replaces=pending,
        )
    )  # fmt: skip
    report.changed_matters += 1


def _town_base(db: Database, town: int, matter_id: int) -> dict[str, Any] | None:
    """What the town last reported of a matter as the district took it in: a change carries only
    the fields the town changed since, never the district's own corrections back."""
    for row in db.query(
        "SELECT state, payload FROM intake_items WHERE town_id = ? AND town_matter_id = ?"
        " AND kind IN (?, ?) AND state IN (?, ?, ?) ORDER BY id DESC",
        (town, matter_id, intake.MATTER, intake.MATTER_CHANGE, intake.PENDING, intake.ACCEPTED,
         intake.RETURNED),
    ):  # fmt: skip
        payload = json.loads(row["payload"])
        if row["state"] == intake.PENDING:
            if "base" in payload:
                return payload["base"]
            continue
        return payload.get("reported") or payload["matter"]
    return None


def _withdraw_matter(
    db: Database, town: int, package_id: int, matter_id: int, report: PackageImport
) -> None:
    pending = _pending_of_matter(db, town, matter_id)
    app_id = _accepted_application(db, town, matter_id)
    if app_id is None:
        intake.close_pending(db, pending, intake.WITHDRAWN, "镇街已撤回（删除）该事项")
        report.withdrawn += 1 if pending else 0
        return
    before = intake.application_record(db, app_id)
    assert before is not None
    name = db.scalar("SELECT name FROM enterprises WHERE credit_code = ?", (before["credit_code"],))
    report.items.append(
        intake.add_item(
            db, intake.MATTER_WITHDRAWAL, credit_code=before["credit_code"], enterprise_name=name,
            payload={"matter": {"id": matter_id, **before}, "before": before}, town=town,
            package_id=package_id, town_matter_id=matter_id, application_id=app_id,
            replaces=pending,
        )
    )  # fmt: skip
    report.withdrawn += 1


def import_package(db: Database, path: str | Path, *, backup: bool = True) -> PackageImport:
    """Take a town's 上报包 into 受理 (see the module's docstring); all or nothing."""
    require_district_for(db, "导入上报包")
    require_role(db, CLERK)
    opened = read_exchange_file(path, exchange.PACKAGE_FORMAT)
    manifest = opened.manifest
    town_name = str(manifest.get("town") or "")
    try:
        town = town_id(db, town_name)
    except NotFound as exc:
        raise _refuse(f"上报包来自“{town_name}”，该镇街不在本机的镇街表中") from exc
    key = registered_key(db, town)
    if key is None:
        raise _refuse(
            f"{town_name}尚未在本机登记公钥（township register {town_name} --key 公钥文件）；"
            f"此包的签名密钥指纹为{exchange.safe_fingerprint(opened.public_key)}，"
            "登记前请与镇街电话核对"
        )
    opened.verify(key.public_key, town_name)
    same = _check_sequence(db, town, town_name, manifest, opened.file_hash)
    report = PackageImport(town_name, manifest["sequence"], opened.file_hash)
    if same is not None:
        report.already, report.imported_at = True, same["handled_at"]
        return report
    enterprises, matters, withdrawn = _check_content(db, town_name, opened.data)
    if backup:
        from desktop.storage.backup import backup_before

        backup_before(db, f"导入{town_name}上报包")
    with db.transaction():
        package_id = record_office_file(
            db, direction="in", kind="package", town=town, sequence=report.sequence,
            file_hash=opened.file_hash, manifest=manifest, file_name=Path(path).name,
        )  # fmt: skip
        for rec, base in enterprises:
            _merge_enterprise(db, town, package_id, rec, base, report)
        context = (registry_index(db), load_catalogue(db))
        for m in matters:
            _queue_matter(db, town, package_id, m, context, report)
        for matter_id in withdrawn:
            _withdraw_matter(db, town, package_id, matter_id, report)
        db.log(
            "导入上报包",
            "office_files",
            package_id,
            None,
            {"town": town_name, "sequence": report.sequence, "file_hash": opened.file_hash,
             "items": report.items},
        )  # fmt: skip
    return report
