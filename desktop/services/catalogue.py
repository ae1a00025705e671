"""Policies, their versions and rules: read the catalogue (published versions, or with one draft
in force for 试算), list versions, warn of expiry; copying and drafting versions is
``desktop.services.policy_drafts``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from desktop.core.conditions import parse_conditions
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.core.methods import method
from desktop.core.rules import (
    DRAFT_VERSION,
    PUBLISHED_VERSION,
    Catalogue,
    RuleVersion,
    VersionSpan,
    format_date_cn,
)
from desktop.storage.database import Database

_RULE_SQL = """
SELECT r.*, v.doc_number, v.valid_from, v.valid_to, v.id AS version_id, v.policy_id, v.status
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
        policy_id=row["policy_id"],
    )


# What a clerk may write after ``CODE.`` besides a parameter of the rule's method (its key or
# Chinese label): the rule's own fields. Lists (conditions, city documents) are separated by
# 、 , ， ; or ；.
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "条款名称"),
    "clause": ("clause", "条款"),
    "clause_text": ("clause_text", "text", "条款原文"),
    "conditions": ("conditions", "condition", "适用条件"),
    "city_documents": ("city_documents", "city_document", "市级文件", "对应市级文件"),
    "first_time_key": ("first_time_key", "首次享受口径"),
    "method": ("method", "计算方法"),
}
LIST_FIELDS = ("conditions", "city_documents")
_LIST_SEPARATORS = re.compile(r"[、,，;；]")


def split_list(value: str) -> list[str]:
    """``四强名单、规上`` → ``["四强名单", "规上"]``; ``无`` or empty → ``[]``."""
    text = str(value).strip()
    if text in ("", "无", "—", "-", "none"):
        return []
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def field_named(name: str, fields: Mapping[str, Iterable[str]]) -> str | None:
    """The field of ``fields`` (key → the names a clerk writes for it) that ``name`` means."""
    wanted = name.strip().lower()
    for key, names in fields.items():
        if wanted in (n.lower() for n in names):
            return key
    return None


def rule_field(name: str) -> str | None:
    """The rule field a clerk means by ``name`` (None: a parameter of the method)."""
    return field_named(name, RULE_FIELDS)


def parse_assignments(items: list[str]) -> dict[str, dict[str, Any]]:
    """``["LZ41-2.rate=25%", "LZ41-2.上限=150万", "LZ41-2.名称=…"]`` → ``{"LZ41-2": {"params":
    {"rate": "25%", "上限": "150万"}, "name": "…"}}``: only the syntax is read here; the rule's
    method parses each parameter value when the change is applied."""
    changes: dict[str, dict[str, Any]] = {}
    for item in items:
        target, sep, value = item.partition("=")
        code, dot, key = target.partition(".")
        if not sep or not dot or not code.strip() or not key.strip():
            raise ValidationError(
                f"参数写法“{item}”不正确，应为 条款编号.参数=值，如 LZ41-2.rate=40%", field="参数"
            )
        change = changes.setdefault(code.strip().upper(), {})
        found = rule_field(key)
        if found is None:
            change.setdefault("params", {})[key.strip()] = value.strip()
        elif found in LIST_FIELDS:
            change[found] = split_list(value)
        else:
            change[found] = value.strip()
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


def load_catalogue(
    db: Database,
    *,
    with_draft: int | None = None,
    draft_span: tuple[date, date | None] | None = None,
) -> Catalogue:
    """Every rule of every published policy version, ready for date-versioned lookup; drafts are
    left out (the catalogue only names them in explanations). ``with_draft``: a draft's id — it
    replaces the published versions of the same policy within its validity (试算), or within
    ``draft_span`` when given (a successor tried on a year before it starts)."""
    rows = db.query(_RULE_SQL + " ORDER BY r.sort_order, r.id")
    published = [_rule_from_row(r) for r in rows if r["status"] == PUBLISHED_VERSION]
    drafts: dict[int, list[Any]] = {}
    for r in rows:
        if r["status"] == DRAFT_VERSION:
            drafts.setdefault(r["version_id"], []).append(r)
    spans = [
        VersionSpan(
            vid,
            items[0]["policy_id"],
            items[0]["doc_number"],
            date.fromisoformat(items[0]["valid_from"]),
            date.fromisoformat(items[0]["valid_to"]) if items[0]["valid_to"] else None,
            frozenset(r["code"] for r in items),
        )
        for vid, items in drafts.items()
    ]
    catalogue = Catalogue(published, spans)
    if with_draft is None:
        return catalogue
    version = _version_row(db, with_draft)
    if version["status"] != DRAFT_VERSION:
        raise Conflict(f"政策版本{with_draft}（{version['doc_number']}）已发布，不是草稿")
    start = date.fromisoformat(version["valid_from"])
    end = date.fromisoformat(version["valid_to"]) if version["valid_to"] else None
    rules = [_rule_from_row(r) for r in drafts.get(with_draft, [])]
    if draft_span is not None:
        start, end = draft_span
        rules = [replace(r, valid_from=start, valid_to=end) for r in rules]
    return catalogue.with_version(rules, version["policy_id"], start, end)


def _version_row(db: Database, version_id: int) -> Any:
    row = db.one("SELECT * FROM policy_versions WHERE id = ?", (version_id,))
    if row is None:
        raise NotFound(f"政策版本{version_id}不存在")
    return row


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
    status: str = PUBLISHED_VERSION
    policy_id: int = 0
    published_at: str | None = None
    published_by: str | None = None
    created_at: str = ""
    created_by: str = ""

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT_VERSION

    @property
    def label(self) -> str:
        """``[2] 临政字〔2026〕1号（草拟）``"""
        mark = "（草拟）" if self.is_draft else ""
        return f"[{self.id}] {self.doc_number}{mark}"


_VERSIONS_SQL = (
    "SELECT v.*, p.code AS policy_code, p.title AS policy_title,"
    " (SELECT count(*) FROM rules r WHERE r.policy_version_id = v.id) AS rule_count"
    " FROM policy_versions v JOIN policies p ON p.id = v.policy_id"
)


def _version_info(r: Any) -> PolicyVersionInfo:
    return PolicyVersionInfo(
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
        r["status"],
        r["policy_id"],
        r["published_at"],
        r["published_by"],
        r["created_at"],
        r["created_by"],
    )


def policy_versions(db: Database) -> list[PolicyVersionInfo]:
    """Every version, published and drafts, by policy and start date (drafts after published
    versions of the same start)."""
    rows = db.query(
        _VERSIONS_SQL + " ORDER BY p.code, v.valid_from, v.status = ?, v.id", (DRAFT_VERSION,)
    )
    return [_version_info(r) for r in rows]


def policy_version(db: Database, version_id: int) -> PolicyVersionInfo:
    row = db.one(_VERSIONS_SQL + " WHERE v.id = ?", (version_id,))
    if row is None:
        raise NotFound(f"政策版本{version_id}不存在")
    return _version_info(row)


def rules_of_version(db: Database, version_id: int) -> list[RuleVersion]:
    rows = db.query(
        _RULE_SQL + " WHERE r.policy_version_id = ? ORDER BY r.sort_order, r.id", (version_id,)
    )
    return [_rule_from_row(r) for r in rows]


def update_rule(
    db: Database,
    rule_id: int,
    *,
    params: dict[str, Any] | None = None,
    conditions: list[str] | None = None,
    name: str | None = None,
    clause_text: str | None = None,
) -> None:
    """Edit one rule of a draft. Refused once an approved award rests on it, and on a published
    version (edited only through a new draft)."""
    from desktop.services.policy_drafts import edit_rule

    change: dict[str, Any] = {}
    if params:
        change["params"] = params
    if conditions is not None:
        change["conditions"] = conditions
    if name is not None:
        change["name"] = name
    if clause_text is not None:
        change["clause_text"] = clause_text
    edit_rule(db, rule_id, change)


EXPIRY_WARNING_DAYS = 60


def today_date() -> date:
    """Today, in one place (tests fix it)."""
    return date.today()


def expiry_notices(db: Database, as_of: date | None = None) -> list[str]:
    """What the start page says about policies ending: within 60 days of a policy's end without a
    published successor, and after it (with the matters already dated after the end)."""
    today = as_of or today_date()
    notices: list[str] = []
    versions = policy_versions(db)
    for policy_id in dict.fromkeys(v.policy_id for v in versions):
        mine = [v for v in versions if v.policy_id == policy_id]
        published = [v for v in mine if not v.is_draft]
        if not published or any(v.valid_to is None for v in published):
            continue
        last = max(published, key=lambda v: v.valid_to or "")
        end = date.fromisoformat(last.valid_to or "")
        if end < today - timedelta(days=366 * 3):
            continue  # long gone: nothing is entered for those years any more
        left = (end - today).days
        if left > EXPIRY_WARNING_DAYS:
            continue
        successor = end + timedelta(days=1)
        drafts = [v for v in mine if v.is_draft and v.valid_from <= successor.isoformat()]
        draft_text = (
            f"（草稿{'、'.join(v.label for v in drafts)}待发布）"
            if drafts
            else "（在“政策规则”中复制为新版本草稿，修改后发布）"
        )
        if left >= 0:
            notices.append(
                f"政策{last.doc_number}将于{format_date_cn(end)}到期（还有{left}天），"
                f"尚未发布继任政策（自{format_date_cn(successor)}起）的版本{draft_text}"
            )
            continue
        after = db.scalar(
            "SELECT count(*) FROM applications WHERE event_date > ?", (end.isoformat(),)
        )
        matters = f"；已有{after}个奖补事项的日期在到期之后，暂按“政策已到期”计为0" if after else ""
        notices.append(
            f"政策{last.doc_number}已于{format_date_cn(end)}到期，需录入继任政策"
            f"（自{format_date_cn(successor)}起）的版本后计算{draft_text}{matters}"
        )
    return notices
