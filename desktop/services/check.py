"""``check``: SQLite's own checks, the change-log chain, the domain's invariants, and what holds
against someone who can write the file (:mod:`desktop.services.integrity`): signatures of every
decision, user key and rule, the schema against the program's own, the change log replayed
against the tables, and — with ``anchor`` — that the database still extends a report's or a
backup's chain head."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from desktop.core import status
from desktop.core.money import format_yuan
from desktop.services.award_audit import audit_awards
from desktop.services.awards import approved_hash
from desktop.storage.database import GENESIS_HASH, Database, log_entry_hash


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the clerk should know, not errors
    head: str = ""  # the chain head (hash and count) the check saw

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [f"[通过] {p}" for p in self.passed] + [f"[错误] {p}" for p in self.problems]
        out.extend(f"[说明] {n}" for n in self.notes)
        if self.head:
            out.append(f"链头：{self.head}")
        out.append("检查结果：全部正常" if self.ok else f"检查结果：发现{len(self.problems)}处问题")
        return out


# The triggers that make the log append-only and approved awards final (migration 0001).
PROTECTING_TRIGGERS = {
    "change_log_no_update": "变更日志不能修改",
    "change_log_no_delete": "变更日志不能删除",
    "awards_approved_final": "已审核或已拨付的核定结果不能修改",
    "awards_approved_no_delete": "已审核或已拨付的核定结果不能删除",
    "awards_revoked_final": "已撤销的核定结果只能留档",
}


def _expected_triggers(version: int) -> dict[str, str]:
    """Every trigger the migrations up to ``version`` create, by name (whitespace-normalised)."""
    import re

    from desktop.storage.database import _split_sql, migrations

    found = {}
    for number, path in migrations():
        if number > version:
            break
        for statement in _split_sql(path.read_text(encoding="utf-8")):
            match = re.match(r"CREATE\s+TRIGGER\s+(\w+)", statement, re.IGNORECASE)
            if match:
                found[match.group(1)] = " ".join(statement.split())
    return found


def _check_triggers(db: Database, report: CheckReport) -> None:
    expected = _expected_triggers(db.user_version)
    stored = {
        r[0]: " ".join((r[1] or "").split())
        for r in db.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    bad = 0
    for name in [*PROTECTING_TRIGGERS, *(n for n in expected if n not in PROTECTING_TRIGGERS)]:
        what = PROTECTING_TRIGGERS.get(name, "数据保护规则")
        if name not in stored:
            report.problems.append(f"保护触发器{name}缺失（已被删除），“{what}”的保护已失效")
            bad += 1
        elif name in expected and stored[name].rstrip(";") != expected[name].rstrip(";"):
            report.problems.append(f"保护触发器{name}被改动，与程序建立时不同（“{what}”）")
            bad += 1
    if not bad:
        report.passed.append("保护触发器齐全未改动（变更日志只增不改、已审核结果不可改删）")


def run_check(db: Database, anchor: Any = None) -> CheckReport:
    """Every check; ``anchor`` (an ``integrity.ChainHead``) also confirms the database extends it."""
    from desktop.services import integrity

    report = CheckReport()
    _basic_checks(db, report)
    integrity.check_schema(db, report)
    integrity.check_signatures(db, report)
    integrity.check_replay(db, report)
    if anchor is not None:
        integrity.check_anchor(db, anchor, report)
    report.head = integrity.chain_head(db).text()  # printed with every check
    return report


def _basic_checks(db: Database, report: CheckReport) -> None:
    integrity = [r[0] for r in db.query("PRAGMA integrity_check")]
    if integrity == ["ok"]:
        report.passed.append("数据库文件完整性（integrity_check）")
    else:
        report.problems.extend(f"数据库文件损坏：{line}" for line in integrity[:20])
    fk = db.query("PRAGMA foreign_key_check")
    if fk:
        report.problems.extend(
            f"外键错误：表{r[0]}第{r[1]}行引用的{r[2]}记录不存在" for r in fk[:50]
        )
    else:
        report.passed.append("外键引用（foreign_key_check）")
    _check_triggers(db, report)

    prev = GENESIS_HASH
    broken = 0
    for row in db.conn.execute("SELECT * FROM change_log ORDER BY id"):
        expected = log_entry_hash(prev, dict(row))
        if row["prev_hash"] != prev or row["hash"] != expected:
            report.problems.append(f"变更日志第{row['id']}条被改动或链条断开（哈希不符）")
            broken += 1
            if broken >= 20:
                break
        prev = row["hash"]
    if not broken:
        report.passed.append("变更日志哈希链")

    bad_before = len(report.problems)
    for row in db.conn.execute(
        "SELECT a.*, e.name FROM awards a JOIN enterprises e ON e.id = a.enterprise_id"
        f" WHERE a.status IN {status.sql_list(status.GRANTED)}"
    ):
        if row["approved_hash"] != approved_hash(row):
            report.problems.append(
                f"核定结果{row['id']}（{row['name']} {row['rule_code']}）审核后被改动，与审核时的指纹不符"
            )
    audit = audit_awards(db)
    report.problems.extend(audit.problems)
    if len(report.problems) == bad_before:
        report.passed.append(
            f"核定金额符合规则（{audit.checked}条：不超上限、仅限首次的只给一次、分年兑现不超总额、"
            "已审核金额不超条款所能给予、草稿与现行规则计算一致）、审核指纹一致"
        )
    report.passed.extend(f"提示：{n}" for n in audit.notices)
    _check_against_log(db, report)


def _check_against_log(db: Database, report: CheckReport) -> None:
    """An approved (paid, revoked) award must have the amount its 审核通过 log entry recorded.

    The award's own fingerprint can be recomputed by whoever changes the row; the log entry can
    only be changed by rewriting the hash chain from that entry on."""
    logged: dict[str, int | None] = {}
    for key, values in db.conn.execute(
        "SELECT row_key, new_values FROM change_log"
        " WHERE table_name = 'awards' AND action = '审核通过' ORDER BY id"
    ):
        try:
            logged[key] = json.loads(values or "{}").get("amount_fen")
        except (ValueError, AttributeError):
            logged[key] = None
    bad = 0
    for row in db.conn.execute(
        "SELECT a.id, a.amount_fen, a.status, a.rule_code, e.name FROM awards a"
        " JOIN enterprises e ON e.id = a.enterprise_id"
        f" WHERE a.status IN {status.sql_list(status.GRANTED | status.SUPERSEDED)} ORDER BY a.id"
    ):
        label = f"核定结果{row['id']}（{row['name']} {row['rule_code']}）"
        key = str(row["id"])
        if key not in logged:
            report.problems.append(f"{label}状态为“{row['status']}”，但变更日志中没有它的审核记录")
        elif logged[key] != row["amount_fen"]:
            stored = logged[key]
            shown = "无" if stored is None else f"{format_yuan(int(stored))} 元"
            report.problems.append(
                f"{label}金额 {format_yuan(row['amount_fen'])} 元与变更日志中审核时的 {shown}不符"
            )
        else:
            continue
        bad += 1
        if bad >= 50:
            break
    if not bad:
        report.passed.append("已审核核定结果的金额与变更日志中的审核记录一致")
