"""Policy versions drafted, edited, published and deleted (interfaces.md "Policy versions:
drafts, clauses, what-if, replay").

A new version starts as a draft (草拟) copied from another version. The calculation ignores it;
试算 (``desktop.services.whatif``) uses it. A draft is edited freely — 文号, title, dates, each
clause's text, name, 条款, parameters, conditions, city documents and first-time key; clauses are
added (one method of the closed vocabulary with its parameters) or retired. Every value is checked
when it is entered, by the rule's method (the one parser of ``desktop.core.params``), and after
every edit the clerks' 典型案例 are checked against the draft; the edit returns that report.

``publish_version`` puts a draft in force from its start date — refused where it would overlap a
published version of the same policy (the versions descended from one original by draft/copy
share a ``policy_id``). A published version is edited only through a new draft. ``delete_version``
removes a draft, or a published version no decided award rests on. ``copy_version`` (``policy
copy``) is draft + set + publish in one transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.conditions import CONDITIONS, parse_conditions
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.core.methods import method
from desktop.core.rules import DRAFT_VERSION, PUBLISHED_VERSION, RuleVersion, normalize_document
from desktop.services.cases import CaseReport, run_cases
from desktop.services.catalogue import (
    PolicyVersionInfo,
    field_named,
    parse_assignments,
    policy_version,
    rules_of_version,
    split_list,
)
from desktop.services.cells import parse_date, text_field
from desktop.services.signing import sign_rules
from desktop.services.users import ADMIN, require_role
from desktop.storage.database import Database, now_text

# What a clerk may write before ``=`` for the version itself (``policy set DRAFT 文号=…``).
VERSION_FIELDS: dict[str, tuple[str, ...]] = {
    "doc_number": ("doc_number", "doc-number", "文号"),
    "title": ("title", "标题"),
    "issued_on": ("issued_on", "issued-on", "发文日期"),
    "valid_from": ("valid_from", "valid-from", "施行日期"),
    "valid_to": ("valid_to", "valid-to", "有效期至"),
}
_OPEN_ENDED = {"", "长期", "无", "none", "长期有效"}
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
_OPEN_END = "9999-12-31"


def _parse_date(value: str | date | None, field: str, *, required: bool) -> str | None:
    if value in (None, ""):
        if required:
            raise ValidationError(f"{field}不能为空", field=field)
        return None
    if isinstance(value, date):
        return value.isoformat()
    return parse_date(value, field=field).isoformat()


def _version_field(name: str) -> str | None:
    return field_named(name, VERSION_FIELDS)


def parse_settings(items: list[str]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """``policy set`` items: ``CODE.PARAM=VALUE`` (a clause) or ``FIELD=VALUE`` (the version:
    文号, 标题, 发文日期, 施行日期, 有效期至). Returns (version changes, clause changes)."""
    version: dict[str, str] = {}
    clauses: list[str] = []
    for item in items:
        target, sep, value = item.partition("=")
        found = _version_field(target) if sep and "." not in target else None
        if found is not None:
            version[found] = value.strip()
        else:
            clauses.append(item)
    return version, parse_assignments(clauses)


# -- reading ----------------------------------------------------------------------------------
def _version(db: Database, version_id: int) -> Any:
    row = db.one("SELECT * FROM policy_versions WHERE id = ?", (version_id,))
    if row is None:
        raise NotFound(f"政策版本{version_id}不存在")
    return row


def _draft(db: Database, draft_id: int) -> Any:
    row = _version(db, draft_id)
    if row["status"] != DRAFT_VERSION:
        raise Conflict(
            f"政策版本{draft_id}（{row['doc_number']}）已发布，不能直接修改；"
            f"请用 policy draft {draft_id} 新建草稿，在草稿中修改后发布"
        )
    return row


def _rule_rows(db: Database, version_id: int) -> dict[str, Any]:
    rows = db.query(
        "SELECT * FROM rules WHERE policy_version_id = ? ORDER BY sort_order, id", (version_id,)
    )
    return {r["code"]: r for r in rows}


@dataclass(frozen=True)
class VersionDetail:
    """A version and its clauses, as ``policy show`` prints them."""

    info: PolicyVersionInfo
    rules: list[RuleVersion]
    retired: list[str]  # codes of the version it was drafted from that it no longer has

    def json_value(self) -> dict[str, Any]:
        v = self.info
        return {
            "编号": v.id,
            "文号": v.doc_number,
            "标题": v.title,
            "状态": v.status,
            "发文日期": v.issued_on,
            "施行日期": v.valid_from,
            "有效期至": v.valid_to,
            "依据版本": v.based_on,
            "发布时间": v.published_at,
            "发布人": v.published_by,
            "条款": [_rule_json(r) for r in self.rules],
            "废止条款": self.retired,
        }

    def lines(self) -> list[str]:
        v = self.info
        out = [
            f"[{v.id}] {v.doc_number} {v.title}",
            f"状态：{v.status}"
            + (f"（{v.published_at} {v.published_by}发布）" if v.published_at else ""),
            f"有效期：{v.valid_from} 至 {v.valid_to or '长期'}"
            + (f"；发文日期 {v.issued_on}" if v.issued_on else "")
            + (f"；依据版本 {v.based_on}" if v.based_on else ""),
        ]
        for rule in self.rules:
            out.append(f"{rule.code} {rule.clause} {rule.name}（{rule.method_label}）")
            out.append(f"    参数：{rule.parameters_text}")
            conditions = "、".join(CONDITIONS[c].short for c in rule.conditions if c in CONDITIONS)
            out.append(f"    适用条件：{conditions or '—'}")
            if rule.first_time_key:
                out.append(f"    首次享受口径：{rule.first_time_key}")
            if rule.city_documents:
                out.append(f"    对应市级文件：{'、'.join(rule.city_documents)}")
            out.append(f"    条款原文：{rule.clause_text}")
        if self.retired:
            out.append(f"废止条款（依据版本中有、本版本没有）：{'、'.join(self.retired)}")
        return out


def _rule_json(rule: RuleVersion) -> dict[str, Any]:
    return {
        "条款编号": rule.code,
        "条款": rule.clause,
        "名称": rule.name,
        "计算方法": rule.method,
        "参数": {p.label: p.value for p in rule.describe()},
        "参数值": dict(rule.params),
        "适用条件": [CONDITIONS[c].short for c in rule.conditions if c in CONDITIONS],
        "首次享受口径": rule.first_time_key,
        "对应市级文件": list(rule.city_documents),
        "资金来源": rule.fund_source,
        "条款原文": rule.clause_text,
    }


def show_version(db: Database, version_id: int) -> VersionDetail:
    info = policy_version(db, version_id)
    rules = rules_of_version(db, version_id)
    retired: list[str] = []
    if info.based_on is not None:
        mine = {r.code for r in rules}
        retired = [r.code for r in rules_of_version(db, info.based_on) if r.code not in mine]
    return VersionDetail(info, rules, retired)


# -- a draft ----------------------------------------------------------------------------------
def _doc_number(value: Any) -> str:
    text = text_field(value, "文号", max_length=60)
    if not text:
        raise ValidationError("文号不能为空", field="文号")
    return text


def _dates(start: str | None, end: str | None) -> None:
    if start and end and end < start:
        raise ValidationError("有效期至不能早于施行日期", field="有效期至")


def _end_date(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _OPEN_ENDED):
        return None
    return _parse_date(value, "有效期至", required=False)


def create_draft(
    db: Database,
    version_id: int,
    *,
    doc_number: str,
    valid_from: str | date,
    valid_to: str | date | None = None,
    title: str | None = None,
    issued_on: str | date | None = None,
    action: str = "新建政策草稿",
) -> int:
    """A draft copied from version ``version_id`` with every clause; returns the draft's id."""
    require_role(db, ADMIN)
    source = _version(db, version_id)
    doc = _doc_number(doc_number)
    start = _parse_date(valid_from, "施行日期", required=True) or ""
    end = _end_date(valid_to)
    _dates(start, end)
    heading = text_field(title, "标题", max_length=200) or source["title"]
    with db.transaction():
        new_id = db.insert(
            "INSERT INTO policy_versions (policy_id, doc_number, title, issued_on, valid_from,"
            " valid_to, source_text, based_on, created_at, created_by, status)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                source["policy_id"],
                doc,
                heading,
                _parse_date(issued_on, "发文日期", required=False),
                start,
                end,
                None,
                version_id,
                now_text(),
                db.user,
                DRAFT_VERSION,
            ),
        )
        db.execute(
            "INSERT INTO rules (policy_version_id, code, clause, name, method, params, conditions,"
            " first_time_key, city_documents, clause_text, sort_order)"
            " SELECT ?, code, clause, name, method, params, conditions, first_time_key,"
            " city_documents, clause_text, sort_order FROM rules WHERE policy_version_id = ?"
            " ORDER BY sort_order, id",
            (new_id, version_id),
        )
        db.log(
            action,
            "policy_versions",
            new_id,
            None,
            {"based_on": version_id, "doc_number": doc, "valid_from": start, "valid_to": end},
        )
    return new_id


def _version_changes(row: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
    new: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "doc_number":
            new[key] = _doc_number(value)
        elif key == "title":
            new[key] = text_field(value, "标题", max_length=200) or row["title"]
        elif key == "valid_from":
            new[key] = _parse_date(value, "施行日期", required=True)
        elif key == "valid_to":
            new[key] = _end_date(value)
        elif key == "issued_on":
            new[key] = _parse_date(str(value).strip(), "发文日期", required=False)
        else:
            raise ValidationError(f"政策版本没有字段“{key}”", field=key)
    _dates(new.get("valid_from", row["valid_from"]), new.get("valid_to", row["valid_to"]))
    return new


def _documents(values: Any) -> list[str]:
    given = [values] if isinstance(values, str) else list(values or [])
    items = [part for value in given for part in split_list(str(value))]
    out: list[str] = []
    for item in items:
        text = text_field(item, "对应市级文件", max_length=60)
        if text and normalize_document(text) not in {normalize_document(d) for d in out}:
            out.append(text)
    return out


_CLAUSE_FIELDS = frozenset(
    ("code", "method", "params", "conditions", "city_documents", "name", "clause", "clause_text",
     "first_time_key")
)  # fmt: skip


def _rule_values(row: Mapping[str, Any], change: Mapping[str, Any], code: str) -> dict[str, Any]:
    """A clause's stored columns after ``change`` (values as a clerk writes them). Every value
    is checked here; the first invalid one is refused naming the clause and the field."""
    unknown = sorted(set(change) - _CLAUSE_FIELDS)
    if unknown:  # never drop a change silently
        raise ValidationError(f"条款{code}没有可修改的项目“{'、'.join(unknown)}”", field="条款")
    method_key = change.get("method") or row["method"]
    found = method(method_key)
    same_method = found.key == row["method"]
    stored = json.loads(row["params"]) if same_method and row["params"] else {}
    if not same_method and not change.get("params"):
        raise ValidationError(
            f"条款{code}改为{found.label}，须同时填写其参数："
            + "、".join(s.label for s in found.specs),
            field="参数",
        )
    params = found.with_changes(stored, change.get("params") or {}, code)
    conditions = (
        parse_conditions(change["conditions"])
        if "conditions" in change
        else tuple(json.loads(row["conditions"] or "[]"))
    )
    documents = (
        _documents(change["city_documents"])
        if "city_documents" in change
        else json.loads(row["city_documents"] or "[]")
    )
    name = text_field(change.get("name", row["name"]), f"条款{code}的名称", max_length=100)
    clause = text_field(change.get("clause", row["clause"]), f"条款{code}的条款", max_length=40)
    if not name or not clause:
        raise ValidationError(
            f"条款{code}的{'名称' if not name else '条款（如 三（十一））'}不能为空",
            field="名称" if not name else "条款",
        )
    text = text_field(
        change.get("clause_text", row["clause_text"]), f"条款{code}的原文", max_length=5000
    )
    first_key = text_field(
        change.get("first_time_key", row["first_time_key"]),
        f"条款{code}的首次享受口径",
        max_length=40,
    )
    return {
        "method": found.key,
        "params": json.dumps(params, ensure_ascii=False),
        "conditions": json.dumps(list(conditions), ensure_ascii=False),
        "city_documents": json.dumps(documents, ensure_ascii=False),
        "name": name,
        "clause": clause,
        "clause_text": text or "",
        "first_time_key": first_key,
    }


def _write_rule(db: Database, row: Any, change: Mapping[str, Any]) -> None:
    new = _rule_values(row, change, row["code"])
    old = {k: row[k] for k in new}
    if new == old:
        return
    db.execute(
        "UPDATE rules SET method = ?, params = ?, conditions = ?, city_documents = ?, name = ?,"
        " clause = ?, clause_text = ?, first_time_key = ? WHERE id = ?",
        (*new.values(), row["id"]),
    )
    changed = [k for k in new if new[k] != old[k]]
    db.log(
        "修改条款",
        "rules",
        row["id"],
        {"code": row["code"], **{k: old[k] for k in changed}},
        {"code": row["code"], **{k: new[k] for k in changed}},
    )


def _apply(
    db: Database,
    draft: Any,
    version: Mapping[str, Any] | None,
    rules: Mapping[str, Mapping[str, Any]] | None,
) -> None:
    """Write version and clause changes to ``draft`` (inside the caller's transaction)."""
    if version:
        new = _version_changes(draft, version)
        db.execute(
            f"UPDATE policy_versions SET {', '.join(f'{k} = ?' for k in new)} WHERE id = ?",
            (*new.values(), draft["id"]),
        )
        db.log(
            "修改政策草稿",
            "policy_versions",
            draft["id"],
            {k: draft[k] for k in new},
            new,
        )
    if rules:
        rows = _rule_rows(db, draft["id"])
        unknown = sorted(set(rules) - set(rows))
        if unknown:
            raise ValidationError(
                f"条款编号{'、'.join(unknown)}不在该政策版本中（新增条款请用 add-clause）",
                field="条款编号",
            )
        for code, change in rules.items():
            _write_rule(db, rows[code], change)


def edit_draft(
    db: Database,
    draft_id: int,
    *,
    version: Mapping[str, Any] | None = None,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> CaseReport:
    """Change the draft's own fields (``version``: doc_number, title, issued_on, valid_from,
    valid_to) and its clauses (``rules``: code → params / name / clause / clause_text /
    conditions / city_documents / first_time_key / method), all or nothing."""
    require_role(db, ADMIN)
    draft = _draft(db, draft_id)
    with db.transaction():
        _apply(db, draft, version, rules)
    return run_cases(db, with_draft=draft_id)


def set_draft(db: Database, draft_id: int, items: list[str]) -> CaseReport:
    """``policy set DRAFT CODE.PARAM=VALUE … FIELD=VALUE …``"""
    if not items:
        raise ValidationError("请给出要修改的内容，如 LZ41-2.rate=25%", field="参数")
    version, rules = parse_settings(items)
    return edit_draft(db, draft_id, version=version, rules=rules)


def set_clause_text(db: Database, draft_id: int, code: str, text: str) -> CaseReport:
    if not (text or "").strip():
        raise ValidationError("条款原文不能为空", field="条款原文")
    return edit_draft(db, draft_id, rules={code.strip().upper(): {"clause_text": text}})


def edit_rule(db: Database, rule_id: int, change: Mapping[str, Any]) -> None:
    """Edit one clause by its id: only in a draft, never under a granted award."""
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
    version = _version(db, row["policy_version_id"])
    if version["status"] != DRAFT_VERSION:
        raise Conflict(
            f"条款{row['code']}属于已发布的政策版本{version['doc_number']}，不能直接修改；"
            "请复制为新的政策版本（新建草稿）后修改"
        )
    with db.transaction():
        _write_rule(db, row, change)


@dataclass(frozen=True)
class ClauseInput:
    """A clause to add, as a clerk writes it."""

    code: str
    clause: str
    name: str
    method: str
    params: Mapping[str, Any]
    conditions: list[str]
    city_documents: list[str]
    first_time_key: str | None = None
    clause_text: str = ""


def _new_code(db: Database, draft: Any, code: str) -> str:
    text = (code or "").strip().upper().replace("－", "-").replace("—", "-")
    if not _CODE.match(text):
        raise ValidationError(
            f"条款编号“{code}”格式不正确（字母、数字和“-”，2到20位，如 LZ41-11）",
            field="条款编号",
        )
    if text in _rule_rows(db, draft["id"]):
        raise Conflict(f"草稿中已有条款{text}")
    other = db.one(
        "SELECT v.doc_number FROM rules r JOIN policy_versions v ON v.id = r.policy_version_id"
        " WHERE r.code = ? AND v.policy_id <> ? LIMIT 1",
        (text, draft["policy_id"]),
    )
    if other is not None:
        raise Conflict(f"条款编号{text}已用于其他政策（{other['doc_number']}），请换一个编号")
    return text


def add_clause(db: Database, draft_id: int, item: ClauseInput) -> CaseReport:
    """Add a clause to a draft: code, 条款, name, method and its parameters, conditions, city
    documents, first-time key, text."""
    require_role(db, ADMIN)
    draft = _draft(db, draft_id)
    code = _new_code(db, draft, item.code)
    blank = {
        "method": "",
        "params": "{}",
        "conditions": "[]",
        "city_documents": "[]",
        "name": "",
        "clause": "",
        "clause_text": "",
        "first_time_key": None,
    }
    if not (item.method or "").strip():
        raise ValidationError(f"条款{code}须指定计算方法", field="计算方法")
    values = _rule_values(
        blank,
        {
            "method": item.method,
            "params": dict(item.params),
            "conditions": item.conditions,
            "city_documents": item.city_documents,
            "name": item.name,
            "clause": item.clause,
            "clause_text": item.clause_text,
            "first_time_key": item.first_time_key,
        },
        code,
    )
    order = db.scalar(
        "SELECT coalesce(max(sort_order), 0) + 1 FROM rules WHERE policy_version_id = ?",
        (draft_id,),
    )
    with db.transaction():
        rule_id = db.insert(
            "INSERT INTO rules (policy_version_id, code, method, params, conditions,"
            " city_documents, name, clause, clause_text, first_time_key, sort_order)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (draft_id, code, *values.values(), order),
        )
        db.log("新增条款", "rules", rule_id, None, {"code": code, **values})
    return run_cases(db, with_draft=draft_id)


def retire_clause(db: Database, draft_id: int, code: str) -> CaseReport:
    """Take a clause out of a draft (it is not part of the successor policy)."""
    require_role(db, ADMIN)
    draft = _draft(db, draft_id)
    wanted = (code or "").strip().upper()
    row = _rule_rows(db, draft_id).get(wanted)
    if row is None:
        raise NotFound(f"条款编号{wanted}不在该草稿中")
    with db.transaction():
        db.execute("DELETE FROM rules WHERE id = ?", (row["id"],))
        db.log(
            "废止条款",
            "rules",
            row["id"],
            {"code": wanted, "name": row["name"], "version": draft["doc_number"]},
            None,
        )
    return run_cases(db, with_draft=draft_id)


# -- publishing and deleting ------------------------------------------------------------------
def _refuse_overlap(db: Database, draft: Any, start: str, end: str | None) -> None:
    for other in db.query(
        "SELECT * FROM policy_versions WHERE policy_id = ? AND status = ? AND id <> ?"
        " ORDER BY valid_from",
        (draft["policy_id"], PUBLISHED_VERSION, draft["id"]),
    ):
        o_start, o_end = other["valid_from"], other["valid_to"] or _OPEN_END
        if start <= o_end and (end or _OPEN_END) >= o_start:
            raise Conflict(
                f"新版本有效期（{start}至{end or '长期'}）与{other['doc_number']}"
                f"（{o_start}至{other['valid_to'] or '长期'}）重叠，"
                "同一政策在任一日期只能有一个有效版本"
            )


@dataclass(frozen=True)
class Published:
    version: PolicyVersionInfo
    cases: CaseReport | None


def _publish(db: Database, draft_id: int) -> None:
    """Put the draft in force (inside the caller's transaction). The one place a version is
    published: whatever must happen to published rules (signing them) belongs here."""
    draft = _draft(db, draft_id)
    rules = _rule_rows(db, draft_id)
    if not rules:
        raise Conflict(f"草稿{draft['doc_number']}中没有条款，不能发布")
    for code, row in rules.items():  # stored values were checked when entered; check again
        method(row["method"]).parse(json.loads(row["params"]), code)
        parse_conditions(json.loads(row["conditions"]))
    _refuse_overlap(db, draft, draft["valid_from"], draft["valid_to"])
    db.execute(
        "UPDATE policy_versions SET status = ?, published_at = ?, published_by = ? WHERE id = ?",
        (PUBLISHED_VERSION, now_text(), db.user, draft_id),
    )
    db.log(
        "发布政策版本",
        "policy_versions",
        draft_id,
        {"status": DRAFT_VERSION},
        {
            "status": PUBLISHED_VERSION,
            "doc_number": draft["doc_number"],
            "valid_from": draft["valid_from"],
            "valid_to": draft["valid_to"],
            "rules": sorted(rules),
        },
    )
    # check compares each published rule with what was signed here
    sign_rules(db, "发布条款", [int(r["id"]) for r in rules.values()])


def publish_version(db: Database, draft_id: int) -> Published:
    """Put a draft in force from its start date; then check the 典型案例 under the rules now in
    force (a case that no longer holds is shown, not a refusal)."""
    require_role(db, ADMIN)
    with db.transaction():
        _publish(db, draft_id)
    return Published(policy_version(db, draft_id), run_cases(db))


def copy_version(
    db: Database,
    version_id: int,
    *,
    doc_number: str,
    valid_from: str | date,
    valid_to: str | date | None,
    title: str | None = None,
    issued_on: str | date | None = None,
    rule_changes: Mapping[str, Mapping[str, Any]] | None = None,
) -> int:
    """``policy copy``: draft + set + publish, all or nothing; returns the new version's id."""
    require_role(db, ADMIN)
    with db.transaction():
        new_id = create_draft(
            db,
            version_id,
            doc_number=doc_number,
            valid_from=valid_from,
            valid_to=valid_to,
            title=title,
            issued_on=issued_on,
            action="复制政策版本",
        )
        _apply(db, _version(db, new_id), None, rule_changes)
        _publish(db, new_id)
    return new_id


@dataclass(frozen=True)
class Deleted:
    doc_number: str
    was_draft: bool
    draft_awards: int  # draft awards that rested on it (removed; the next calculation redoes them)


def delete_version(db: Database, version_id: int) -> Deleted:
    """Remove a draft, or a published version that no decided award (approved, paid, rejected,
    revoked …) rests on. Versions drafted from it keep their lineage (their ``based_on`` moves to
    this version's own source)."""
    require_role(db, ADMIN)
    row = _version(db, version_id)
    used = db.scalar(
        "SELECT count(*) FROM awards a JOIN rules r ON r.id = a.rule_id"
        f" WHERE r.policy_version_id = ? AND a.status IN {status.sql_list(status.DECIDED)}",
        (version_id,),
    )
    if used:
        raise Conflict(
            f"政策版本{version_id}（{row['doc_number']}）已有{used}条经审核决定的核定结果依据其条款，"
            "不能删除"
        )
    with db.transaction():
        drafts = db.execute(
            "DELETE FROM awards WHERE status = ? AND rule_id IN"
            " (SELECT id FROM rules WHERE policy_version_id = ?)",
            (status.DRAFT, version_id),
        ).rowcount
        db.execute(
            "UPDATE policy_versions SET based_on = ? WHERE based_on = ?",
            (row["based_on"], version_id),
        )
        rules = db.execute("DELETE FROM rules WHERE policy_version_id = ?", (version_id,)).rowcount
        db.execute("DELETE FROM policy_versions WHERE id = ?", (version_id,))
        db.log(
            "删除政策版本",
            "policy_versions",
            version_id,
            {
                "doc_number": row["doc_number"],
                "status": row["status"],
                "valid_from": row["valid_from"],
                "valid_to": row["valid_to"],
                "rules": rules,
            },
            {"draft_awards_removed": drafts} if drafts else None,
        )
    return Deleted(row["doc_number"], row["status"] == DRAFT_VERSION, drafts)
