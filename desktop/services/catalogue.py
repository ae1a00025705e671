"""Policies, their versions and rules: read the catalogue, copy a policy into a new version."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.conditions import parse_conditions
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.core.methods import method
from desktop.core.rules import Catalogue, RuleVersion
from desktop.services.users import ADMIN, require_role
from desktop.storage.database import Database, now_text

_RULE_SQL = """
SELECT r.*, v.doc_number, v.valid_from, v.valid_to, v.id AS version_id
FROM rules r JOIN policy_versions v ON v.id = r.policy_version_id
"""


def _rule_from_row(row: Any) -> RuleVersion:
    return RuleVersion(
        rule_id=row["id"],
        code=row["code"],
        clause=row["clause"],
        name=row["name"],
        method=row["method"],
        params=json.loads(row["params"]),
        conditions=tuple(json.loads(row["conditions"])),
        first_time_key=row["first_time_key"],
        city_documents=tuple(json.loads(row["city_documents"])),
        clause_text=row["clause_text"],
        doc_number=row["doc_number"],
        version_id=row["version_id"],
        valid_from=date.fromisoformat(row["valid_from"]),
        valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
    )


def parse_assignments(items: list[str]) -> dict[str, dict[str, Any]]:
    """``["LZ41-2.rate=25%", "LZ41-2.上限=150万"]`` → ``{"LZ41-2": {"params": {"rate": "25%",
    "上限": "150万"}}}``: only the syntax is read here; the rule's method parses each value."""
    changes: dict[str, dict[str, Any]] = {}
    for item in items:
        target, sep, value = item.partition("=")
        code, dot, key = target.partition(".")
        if not sep or not dot or not code.strip() or not key.strip():
            raise ValidationError(
                f"参数写法“{item}”不正确，应为 条款编号.参数=值，如 LZ41-2.rate=40%", field="参数"
            )
        params = changes.setdefault(code.strip().upper(), {}).setdefault("params", {})
        params[key.strip()] = value.strip()
    return changes


def changed_rule(
    method_key: str,
    code: str,
    params: dict[str, Any],
    conditions: list[str],
    change: dict[str, Any],
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A rule's canonical parameters and conditions after ``change`` (``params``: by key or label,
    values as a clerk writes them; ``conditions``: keys or names). Invalid → ValidationError now."""
    found = method(method_key)
    new_params = found.with_changes(params, change.get("params") or {}, code)
    new_conditions = parse_conditions(change.get("conditions", conditions))
    return new_params, new_conditions


def rule_by_id(db: Database, rule_id: int) -> RuleVersion | None:
    """One rule version by its id (the one an award was calculated under)."""
    row = db.one(_RULE_SQL + " WHERE r.id = ?", (rule_id,))
    return _rule_from_row(row) if row else None


def load_catalogue(db: Database) -> Catalogue:
    """Every rule of every policy version, ready for date-versioned lookup."""
    return Catalogue(
        _rule_from_row(r) for r in db.query(_RULE_SQL + " ORDER BY r.sort_order, r.id")
    )


@dataclass(frozen=True)
class PolicyVersionInfo:
    id: int
    policy_code: str
    policy_title: str
    doc_number: str
    title: str
    issued_on: str | None
    valid_from: str
    valid_to: str | None
    based_on: int | None
    rule_count: int


def policy_versions(db: Database) -> list[PolicyVersionInfo]:
    rows = db.query(
        "SELECT v.*, p.code AS policy_code, p.title AS policy_title,"
        " (SELECT count(*) FROM rules r WHERE r.policy_version_id = v.id) AS rule_count"
        " FROM policy_versions v JOIN policies p ON p.id = v.policy_id ORDER BY p.code, v.valid_from"
    )
    return [
        PolicyVersionInfo(
            r["id"],
            r["policy_code"],
            r["policy_title"],
            r["doc_number"],
            r["title"],
            r["issued_on"],
            r["valid_from"],
            r["valid_to"],
            r["based_on"],
            r["rule_count"],
        )
        for r in rows
    ]


def rules_of_version(db: Database, version_id: int) -> list[RuleVersion]:
    rows = db.query(
        _RULE_SQL + " WHERE r.policy_version_id = ? ORDER BY r.sort_order, r.id", (version_id,)
    )
    return [_rule_from_row(r) for r in rows]


def _parse_date(value: str | date | None, field: str, *, required: bool) -> str | None:
    if value in (None, ""):
        if required:
            raise ValidationError(f"{field}不能为空", field=field)
        return None
    if isinstance(value, date):
        return value.isoformat()
    from desktop.services.cells import parse_date

    return parse_date(value, field=field).isoformat()


def copy_policy_version(
    db: Database,
    version_id: int,
    *,
    doc_number: str,
    valid_from: str | date,
    valid_to: str | date | None,
    title: str | None = None,
    issued_on: str | date | None = None,
    rule_changes: dict[str, dict[str, Any]] | None = None,
) -> int:
    """Copy a policy version with all its rules into a new version (the successor policy).

    ``rule_changes`` maps a rule code to new ``params`` (merged), ``conditions``, ``name`` or
    ``clause_text``. Validity windows of one policy may not overlap: the engine must find exactly
    one version for any date.
    """
    require_role(db, ADMIN)
    source = db.one("SELECT * FROM policy_versions WHERE id = ?", (version_id,))
    if source is None:
        raise NotFound(f"政策版本{version_id}不存在")
    doc_number = (doc_number or "").strip()
    if not doc_number:
        raise ValidationError("文号不能为空", field="文号")
    start = _parse_date(valid_from, "施行日期", required=True) or ""
    end = _parse_date(valid_to, "有效期至", required=False)
    if end is not None and end < start:
        raise ValidationError("有效期至不能早于施行日期", field="有效期至")
    for other in db.query(
        "SELECT * FROM policy_versions WHERE policy_id = ?", (source["policy_id"],)
    ):
        o_start, o_end = other["valid_from"], other["valid_to"] or "9999-12-31"
        if start <= o_end and (end or "9999-12-31") >= o_start:
            raise Conflict(
                f"新版本有效期与{other['doc_number']}（{o_start}至{other['valid_to'] or '长期'}）重叠，"
                "同一政策在任一日期只能有一个有效版本"
            )
    rule_changes = rule_changes or {}
    rules = db.query(
        "SELECT * FROM rules WHERE policy_version_id = ? ORDER BY sort_order, id", (version_id,)
    )
    unknown = set(rule_changes) - {r["code"] for r in rules}
    if unknown:
        raise ValidationError(
            f"条款编号{'、'.join(sorted(unknown))}不在该政策版本中", field="条款编号"
        )
    with db.transaction():
        new_id = db.insert(
            "INSERT INTO policy_versions (policy_id, doc_number, title, issued_on, valid_from, valid_to,"
            " source_text, based_on, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                source["policy_id"],
                doc_number,
                title or source["title"],
                _parse_date(issued_on, "发文日期", required=False),
                start,
                end,
                None,
                version_id,
                now_text(),
                db.user,
            ),
        )
        db.log(
            "复制政策版本",
            "policy_versions",
            new_id,
            None,
            {
                "based_on": version_id,
                "doc_number": doc_number,
                "valid_from": start,
                "valid_to": end,
            },
        )
        for rule in rules:
            change = rule_changes.get(rule["code"], {})
            params, conditions = changed_rule(
                rule["method"],
                rule["code"],
                json.loads(rule["params"]),
                json.loads(rule["conditions"]),
                change,
            )
            name = change.get("name", rule["name"])
            clause_text = change.get("clause_text", rule["clause_text"])
            rule_id = db.insert(
                "INSERT INTO rules (policy_version_id, code, clause, name, method, params, conditions,"
                " first_time_key, city_documents, clause_text, sort_order) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    new_id,
                    rule["code"],
                    rule["clause"],
                    name,
                    rule["method"],
                    json.dumps(params, ensure_ascii=False),
                    json.dumps(conditions, ensure_ascii=False),
                    rule["first_time_key"],
                    rule["city_documents"],
                    clause_text,
                    rule["sort_order"],
                ),
            )
            if change:
                db.log("修改条款参数", "rules", rule_id, None, {"code": rule["code"], **change})
    return new_id


def update_rule(
    db: Database,
    rule_id: int,
    *,
    params: dict[str, Any] | None = None,
    conditions: list[str] | None = None,
    name: str | None = None,
    clause_text: str | None = None,
) -> None:
    """Edit one rule of a version. Refused once an approved award rests on it."""
    require_role(db, ADMIN)
    row = db.one("SELECT * FROM rules WHERE id = ?", (rule_id,))
    if row is None:
        raise NotFound(f"条款记录{rule_id}不存在")
    locked = db.scalar(
        f"SELECT count(*) FROM awards WHERE rule_id = ? AND status IN {status.sql_list(status.GRANTED)}",
        (rule_id,),
    )
    if locked:
        raise Conflict(
            f"条款{row['code']}已有{locked}条已审核的核定结果依据此版本，不能修改；请复制为新的政策版本"
        )
    change: dict[str, Any] = {"params": params or {}}
    if conditions is not None:
        change["conditions"] = conditions
    new_params, new_conditions = changed_rule(
        row["method"], row["code"], json.loads(row["params"]), json.loads(row["conditions"]), change
    )
    old = {
        "params": json.loads(row["params"]),
        "conditions": json.loads(row["conditions"]),
        "name": row["name"],
    }
    new = {"params": new_params, "conditions": list(new_conditions), "name": name or row["name"]}
    with db.transaction():
        db.execute(
            "UPDATE rules SET params = ?, conditions = ?, name = ?, clause_text = ? WHERE id = ?",
            (
                json.dumps(new_params, ensure_ascii=False),
                json.dumps(new_conditions, ensure_ascii=False),
                name or row["name"],
                clause_text or row["clause_text"],
                rule_id,
            ),
        )
        db.log("修改条款参数", "rules", rule_id, old, new)
