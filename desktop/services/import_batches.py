"""Import batches and 撤销本次导入: the last import undone as a whole, while nothing depends on it.

An import that writes records a batch (kind, file, hash, who, when, the change-log entries it
wrote, and what an undo needs). Only the newest batch not yet undone can be undone, and only
while nothing recorded after it depends on it. **Depends** means:

- the records it wrote were changed again: an enterprise it added or changed was edited (its
  fields are no longer what the import left), the year's 四强 list it replaced was changed again,
  a matter it inserted was edited or deleted;
- records were built on them: a matter, a list place or an award of an enterprise it added;
- a decision was taken since: an award of an enterprise it changed (of the list's year or later;
  of a matter it inserted or of the same enterprise) that is no longer a draft and was calculated
  or reviewed after the import.

Draft awards calculated since the import from what it wrote are deleted with it (they come back
at the next 计算). The undo is one transaction with its own change-log entries; the batch stays
on record, marked undone.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from desktop.core import status
from desktop.core.errors import Conflict, NotFound
from desktop.services.users import CLERK, require_role
from desktop.storage.database import Database, now_text


@dataclass(frozen=True)
class Batch:
    id: int
    kind: str
    file_name: str
    imported_at: str
    imported_by: str
    summary: str
    undo: dict[str, Any]
    log_from: int
    log_to: int

    def describe(self) -> str:
        return f"{self.imported_at} {self.imported_by}导入{self.kind}“{self.file_name}”（{self.summary}）"


@dataclass(frozen=True)
class UndoReport:
    batch: Batch
    dry_run: bool
    lines: list[str]

    def summary(self) -> str:
        verb = "可以撤销（试运行，未写入）" if self.dry_run else "撤销完成"
        return f"{verb}：{self.batch.describe()}"


def log_mark(db: Database) -> int:
    """The id of the newest change-log entry (the entries after it belong to what follows)."""
    return int(db.scalar("SELECT coalesce(max(id), 0) FROM change_log"))


def record(db: Database, report: Any, digest: str, mark: int, undo: dict[str, Any]) -> int:
    """Store the batch of ``report`` (inside the import's transaction)."""
    at = now_text()
    batch_id = db.insert(
        "INSERT INTO import_batches (kind, file_name, file_sha256, imported_at, imported_by,"
        " log_from, log_to, summary, undo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            report.kind,
            report.file_name,
            digest,
            at,
            db.user,
            mark + 1,
            log_mark(db),
            report.summary(),
            json.dumps(undo, ensure_ascii=False),
        ),
    )
    db.log(
        "导入批次",
        "import_batches",
        batch_id,
        None,
        {
            "kind": report.kind,
            "file": report.file_name,
            "sha256": digest,
            "summary": report.summary(),
        },
    )
    return batch_id


def application_ids(db: Database, keys: list[str]) -> list[int]:
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT a.id FROM json_each(?) k JOIN applications a ON a.identity_key = k.value",
            (json.dumps(keys, ensure_ascii=False),),
        )
    ]


def last_batch(db: Database) -> Batch | None:
    row = db.one("SELECT * FROM import_batches WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1")
    if row is None:
        return None
    return Batch(
        row["id"],
        row["kind"],
        row["file_name"],
        row["imported_at"],
        row["imported_by"],
        row["summary"],
        json.loads(row["undo"]),
        row["log_from"],
        row["log_to"],
    )


def _marks(values: list[Any]) -> tuple[str, list[Any]]:
    return "(" + ",".join("?" * len(values)) + ")", values


def _ids_of(db: Database, codes: list[str]) -> dict[str, int]:
    return {
        r[0]: r[1]
        for r in db.conn.execute(
            "SELECT e.credit_code, e.id FROM json_each(?) k JOIN enterprises e"
            " ON e.credit_code = k.value",
            (json.dumps(codes),),
        )
    }


def _decided_since(db: Database, where: str, params: list[Any], since: str) -> int:
    return int(
        db.scalar(
            f"SELECT count(*) FROM awards WHERE ({where}) AND status <> ?"
            " AND (calculated_at >= ? OR coalesce(reviewed_at, '') >= ?)",
            [*params, status.DRAFT, since, since],
        )
    )


def _enterprise_obstacles(db: Database, batch: Batch) -> list[str]:
    undo = batch.undo
    added, changed, new = undo["added"], undo["changed"], undo["new"]
    ids = _ids_of(db, [*added, *changed])
    reasons: list[str] = []
    for code in added:
        if code not in ids:
            reasons.append(f"导入新增的企业{code}已被删除")
            continue
        for table, what in (
            ("applications", "奖补事项"),
            ("siqiang_list", "四强名单"),
            ("awards", "核定结果"),
        ):
            if db.scalar(f"SELECT 1 FROM {table} WHERE enterprise_id = ? LIMIT 1", (ids[code],)):
                reasons.append(f"导入新增的企业{code}已有{what}")
                break
    later = {
        r[0]
        for r in db.query(
            "SELECT DISTINCT row_key FROM change_log WHERE table_name = 'enterprises' AND id > ?",
            (batch.log_to,),
        )
    }
    for code in [*added, *changed]:
        if code in later:
            reasons.append(f"企业{code}在导入后又被修改")
    for code, values in new.items():
        if code not in ids:
            continue
        row = db.one("SELECT * FROM enterprises WHERE id = ?", (ids[code],))
        if row is not None and any(row[c] != v for c, v in values.items()):
            reasons.append(f"企业{code}的信息在导入后已变化")
    touched = [ids[c] for c in changed if c in ids]
    if touched:
        marks, params = _marks(touched)
        if _decided_since(db, f"enterprise_id IN {marks}", params, batch.imported_at):
            reasons.append("导入修改的企业在导入后已有核定结果经过审核或拨付")
    return reasons


def _list_obstacles(db: Database, batch: Batch) -> list[str]:
    reasons = []
    for year_text, change in batch.undo["years"].items():
        year = int(year_text)
        later = db.scalar(
            "SELECT count(*) FROM change_log WHERE table_name = 'siqiang_list' AND id > ?"
            " AND (row_key = ? OR row_key LIKE ?)",
            (batch.log_to, year_text, f"{year}/%"),
        )
        if later:
            reasons.append(f"{year}年度四强名单在导入后又有变动")
        if _decided_since(db, "year >= ?", [year], batch.imported_at):
            reasons.append(f"{year}年度及以后的核定结果在导入后已有审核或拨付")
        del change
    return reasons


def _application_obstacles(db: Database, batch: Batch) -> list[str]:
    ids = batch.undo["ids"]
    if not ids:
        return []
    marks, params = _marks(ids)
    reasons = []
    present = db.query(
        f"SELECT id, created_at, updated_at, enterprise_id FROM applications WHERE id IN {marks}",
        params,
    )
    if len(present) != len(ids):
        reasons.append(f"导入的奖补事项中有{len(ids) - len(present)}条已被删除")
    if any(r["updated_at"] != r["created_at"] for r in present):
        reasons.append("导入的奖补事项在导入后又被修改")
    if db.scalar(
        f"SELECT count(*) FROM awards WHERE application_id IN {marks} AND status <> ?",
        [*params, status.DRAFT],
    ):
        reasons.append("导入的奖补事项已有核定结果经过审核、不予奖补或拨付")
    enterprises = sorted({r["enterprise_id"] for r in present})
    if enterprises:
        emarks, eparams = _marks(enterprises)
        if _decided_since(db, f"enterprise_id IN {emarks}", eparams, batch.imported_at):
            reasons.append("相关企业在导入后已有核定结果经过审核或拨付")
    return reasons


_OBSTACLES = {
    "企业名录": _enterprise_obstacles,
    "四强企业名单": _list_obstacles,
    "奖补事项": _application_obstacles,
}


def _undo_enterprises(db: Database, batch: Batch, at: str) -> list[str]:
    undo = batch.undo
    ids = _ids_of(db, undo["added"])
    marks, params = _marks(list(ids.values()) + [0])
    db.execute(
        f"DELETE FROM awards WHERE status = ? AND enterprise_id IN {marks}", [status.DRAFT, *params]
    )
    for code, enterprise_id in ids.items():
        row = db.one("SELECT * FROM enterprises WHERE id = ?", (enterprise_id,))
        old = dict(row) if row is not None else {}
        db.execute("DELETE FROM enterprises WHERE id = ?", (enterprise_id,))
        db.log("删除企业", "enterprises", code, {**old, "撤销导入批次": batch.id}, None)
    for code, old in undo["changed"].items():
        sets = ", ".join(f"{c} = ?" for c in old)
        db.execute(
            f"UPDATE enterprises SET {sets}, updated_at = ?, updated_by = ? WHERE credit_code = ?",
            [*old.values(), at, db.user, code],
        )
        db.log("撤销导入修改", "enterprises", code, undo["new"][code], old)
    changed_ids = list(_ids_of(db, list(undo["changed"])).values())
    if changed_ids:
        cmarks, cparams = _marks(changed_ids)
        db.execute(
            f"DELETE FROM awards WHERE status = ? AND enterprise_id IN {cmarks} AND calculated_at >= ?",
            [status.DRAFT, *cparams, batch.imported_at],
        )
    return [f"删除导入新增的企业{len(ids)}户", f"恢复导入修改的企业{len(undo['changed'])}户"]


def _undo_list(db: Database, batch: Batch, at: str) -> list[str]:
    lines = []
    for year_text, change in batch.undo["years"].items():
        year = int(year_text)
        db.executemany(
            "DELETE FROM siqiang_list WHERE year = ? AND enterprise_id = ?",
            [(year, e) for e in change["added"]],
        )
        db.executemany(
            "INSERT OR IGNORE INTO siqiang_list (year, enterprise_id, imported_at, imported_by)"
            " VALUES (?, ?, ?, ?)",
            [(year, e, at, db.user) for e in change["dropped"]],
        )
        db.execute(
            "DELETE FROM awards WHERE status = ? AND year >= ? AND calculated_at >= ?",
            (status.DRAFT, year, batch.imported_at),
        )
        codes: dict[int, str] = {
            r[0]: r[1]
            for r in db.query(
                "SELECT e.id, e.credit_code FROM json_each(?) k JOIN enterprises e ON e.id = k.value",
                (json.dumps(change["added"] + change["dropped"]),),
            )
        }
        total = db.scalar("SELECT count(*) FROM siqiang_list WHERE year = ?", (year,))
        # logged as the replacement it is (the inverse of the import's), by credit code
        db.log(
            "撤销导入名单",
            "siqiang_list",
            year,
            None,
            {
                "year": year,
                "added": [codes[e] for e in change["dropped"] if e in codes],
                "dropped": [codes[e] for e in change["added"] if e in codes],
                "total": total,
                "撤销导入批次": batch.id,
            },
        )
        lines.append(
            f"{year}年度名单：移出导入新增的{len(change['added'])}户，恢复被移出的{len(change['dropped'])}户"
        )
    return lines


def _undo_applications(db: Database, batch: Batch, at: str) -> list[str]:
    ids = batch.undo["ids"]
    if not ids:
        return []
    marks, params = _marks(ids)
    enterprises = [
        r[0]
        for r in db.query(
            f"SELECT DISTINCT enterprise_id FROM applications WHERE id IN {marks}", params
        )
    ]
    db.execute(f"DELETE FROM awards WHERE application_id IN {marks}", params)
    if enterprises:
        emarks, eparams = _marks(enterprises)
        db.execute(
            f"DELETE FROM awards WHERE status = ? AND enterprise_id IN {emarks} AND calculated_at >= ?",
            [status.DRAFT, *eparams, batch.imported_at],
        )
    rows = db.query(f"SELECT * FROM applications WHERE id IN {marks}", params)
    db.execute(f"DELETE FROM applications WHERE id IN {marks}", params)
    db.log_many(  # as a deletion of the matter is logged (delete_application)
        [
            ("删除事项", "applications", r["id"], {**dict(r), "撤销导入批次": batch.id}, None)
            for r in rows
        ]
    )
    return [f"删除导入的奖补事项{len(rows)}条"]


_UNDO = {
    "企业名录": _undo_enterprises,
    "四强企业名单": _undo_list,
    "奖补事项": _undo_applications,
}


def undo_last_import(db: Database, *, dry_run: bool = False, backup: bool = True) -> UndoReport:
    """Undo the newest import not yet undone; refused (Conflict) while anything depends on it."""
    batch = last_batch(db)
    if batch is None:
        raise NotFound("没有可以撤销的导入")
    reasons = _OBSTACLES[batch.kind](db, batch)
    if reasons:
        shown = "；".join(dict.fromkeys(reasons))
        raise Conflict(f"不能撤销{batch.describe()}：{shown}")
    if dry_run:
        return UndoReport(batch, True, [])
    require_role(db, CLERK)
    if backup:
        from desktop.storage.backup import backup_before

        backup_before(db, "撤销导入")
    at = now_text()
    try:
        with db.transaction():
            lines = _UNDO[batch.kind](db, batch, at)
            db.execute(
                "UPDATE import_batches SET undone_at = ?, undone_by = ? WHERE id = ?",
                (at, db.user, batch.id),
            )
            db.log("撤销导入", "import_batches", batch.id, None, {"lines": lines})
    except sqlite3.IntegrityError as exc:
        raise Conflict(
            f"不能撤销{batch.describe()}：导入的数据已被其他记录引用（{exc}），数据未作任何改动"
        ) from exc
    return UndoReport(batch, False, lines)
