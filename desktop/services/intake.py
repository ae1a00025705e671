"""受理: the district's queue of what towns reported and what the city's 下达 list proposes.

Kinds: 事项 (a matter a town reported), 事项变更 (a town changed a matter the district had
already accepted), 事项撤回 (a town deleted such a matter), 企业信息 (the same enterprise field
changed at the town and at the district, to different values), 补拨 and 追回 (the city's list
gives a different amount for a matter whose award stands granted). Each item is 待受理 until the
district accepts it (已受理) or returns it with the reason (已退回); a newer report on the same
matter or enterprise replaces a pending one (已取代), and a town withdrawing a pending matter
closes it (已撤回). Nothing a town or the city sends changes the district's matters or awards
before a person accepts it.

Accepting:
- 事项 → a new district matter recording the town, the package and the town's matter id;
- 事项变更 → the matter corrected through ``applications.edit_application``; if an award of it
  stands granted, it is first revoked (已撤销, kept on record) with the reason, so the next
  calculation gives the matter a new draft to review;
- 事项撤回 → the district's matter deleted (refused while it has a decided award);
- 企业信息 → the town's values for the conflicting fields; returning keeps the district's;
- 补拨/追回 → the award revoked with the reason and the matter's amount corrected, likewise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from desktop.core import status
from desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from desktop.core.money import format_yuan, yuan_string
from desktop.services.applications import (
    ApplicationInput,
    delete_application,
    edit_application,
    insert_applications,
    parse_application,
    registry_index,
)
from desktop.services.catalogue import load_catalogue
from desktop.services.offices import (
    FIELD_LABELS,
    MATTER_FIELDS,
    apply_enterprise_fields,
    field_text,
    require_district_for,
    town_id,
)
from desktop.services.users import CLERK, REVIEWER, can, logins_enabled, require_role
from desktop.storage.database import Database, now_text

MATTER, MATTER_CHANGE, MATTER_WITHDRAWAL = "事项", "事项变更", "事项撤回"
ENTERPRISE = "企业信息"
TOP_UP, CLAWBACK = "补拨", "追回"
KINDS = (MATTER, MATTER_CHANGE, MATTER_WITHDRAWAL, ENTERPRISE, TOP_UP, CLAWBACK)
MATTER_KINDS = (MATTER, MATTER_CHANGE, MATTER_WITHDRAWAL)
PENDING, ACCEPTED, RETURNED, SUPERSEDED, WITHDRAWN = (
    "待受理",
    "已受理",
    "已退回",
    "已取代",
    "已撤回",
)
STATES = (PENDING, ACCEPTED, RETURNED, SUPERSEDED, WITHDRAWN)
SOURCE_TOWN = "镇街上报"


@dataclass(frozen=True)
class IntakeItem:
    id: int
    kind: str
    state: str
    town: str | None  # None: the city's list
    package_sequence: int | None
    town_matter_id: int | None
    credit_code: str
    enterprise_name: str
    application_id: int | None
    award_id: int | None
    payload: dict[str, Any]
    problem: str | None
    received_at: str
    decided_at: str | None
    decided_by: str | None
    reason: str | None

    @property
    def source(self) -> str:
        if self.town is None:
            return "市级下达清单"
        return f"{self.town}第{self.package_sequence}号上报包"

    @property
    def matter(self) -> dict[str, Any]:
        return self.payload.get("matter") or {}

    def summary(self) -> str:
        """One line saying what the item is about (what changes if it is accepted)."""
        if self.kind == ENTERPRISE:
            return "；".join(
                f"{FIELD_LABELS[f]}：区级“{field_text(f, v['district'])}”，镇街“{field_text(f, v['town'])}”"
                for f, v in self.payload.get("fields", {}).items()
            )
        if self.kind in (TOP_UP, CLAWBACK):
            p = self.payload
            return (
                f"市级下达金额 {format_yuan(p['new_basis_fen'])} 元，事项基数 {format_yuan(p['old_basis_fen'])} 元"
                f"（{'增加' if self.kind == TOP_UP else '减少'} {format_yuan(abs(p['new_basis_fen'] - p['old_basis_fen']))} 元）；"
                f"核定结果{self.award_id}（{p.get('award_status', '')}，{format_yuan(p.get('award_fen', 0))} 元）"
                + (f"；下达文号 {p['issue_document']}" if p.get("issue_document") else "")
            )
        if self.kind == MATTER_WITHDRAWAL:
            return f"镇街已删除该事项，受理后删除区级事项{self.application_id}"
        changes = _matter_changes(self.payload.get("before"), self.matter)
        if self.kind == MATTER_CHANGE:
            return "；".join(changes) or "内容未变"
        return matter_text(self.matter)

    def json_row(self) -> dict[str, Any]:
        m = self.matter
        basis = m.get("basis_fen")
        if self.kind in (TOP_UP, CLAWBACK):
            basis = self.payload.get("new_basis_fen")
        return {
            "编号": self.id,
            "类别": self.kind,
            "状态": self.state,
            "来源": self.source,
            "镇街": self.town or "",
            "上报包序号": self.package_sequence,
            "镇街事项编号": self.town_matter_id,
            "统一社会信用代码": self.credit_code,
            "企业名称": self.enterprise_name,
            "条款编号": m.get("rule_code") or "",
            "事项日期": m.get("event_date") or "",
            "基数金额（元）": None if basis is None else yuan_string(basis),
            "市级政策文号": m.get("city_document") or "",
            "区级事项编号": self.application_id,
            "核定结果编号": self.award_id,
            "内容": self.summary(),
            "问题": self.problem or "",
            "收到时间": self.received_at,
            "处理时间": self.decided_at or "",
            "处理人": self.decided_by or "",
            "理由": self.reason or "",
        }


_LABELS = {
    "rule_code": "条款编号",
    "event_date": "事项日期",
    "basis_fen": "基数金额（元）",
    "level": "认定级别",
    "city_document": "市级政策文号",
    "description": "事项说明",
    "same_matter_key": "同一事项编号",
    "manual_amount_fen": "核定金额（元）",
}


def _value_text(field: str, value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if field.endswith("_fen"):
        return format_yuan(int(value))
    return str(value)


def matter_text(m: dict[str, Any]) -> str:
    parts = [
        m.get("rule_code") or f"按文号{m.get('city_document') or ''}",
        m.get("event_date") or "",
    ]
    if m.get("basis_fen") is not None:
        parts.append(f"基数 {format_yuan(m['basis_fen'])} 元")
    if m.get("manual_amount_fen") is not None:
        parts.append(f"核定金额 {format_yuan(m['manual_amount_fen'])} 元")
    if m.get("level"):
        parts.append(m["level"])
    if m.get("description"):
        parts.append(str(m["description"])[:40])
    return "，".join(p for p in parts if p)


def _matter_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if not before:
        return []
    return [
        f"{_LABELS[f]}：{_value_text(f, before.get(f))} → {_value_text(f, after.get(f))}"
        for f in MATTER_FIELDS
        if before.get(f) != after.get(f)
    ]


# -- reading -------------------------------------------------------------------------------------
_ITEM_SQL = """
SELECT i.*, t.name AS town, f.sequence AS package_sequence
FROM intake_items i
LEFT JOIN towns t ON t.id = i.town_id
LEFT JOIN office_files f ON f.id = i.package_id
"""


def _item(row: Any) -> IntakeItem:
    return IntakeItem(
        row["id"],
        row["kind"],
        row["state"],
        row["town"],
        row["package_sequence"],
        row["town_matter_id"],
        row["credit_code"],
        row["enterprise_name"],
        row["application_id"],
        row["award_id"],
        json.loads(row["payload"]),
        row["problem"],
        row["received_at"],
        row["decided_at"],
        row["decided_by"],
        row["reason"],
    )


def list_items(
    db: Database, *, pending_only: bool = False, town: str | None = None, kind: str | None = None
) -> list[IntakeItem]:
    """The queue: pending items first (oldest first), then the decided ones (newest first)."""
    where: list[str] = []
    params: list[Any] = []
    if pending_only:
        where.append("i.state = ?")
        params.append(PENDING)
    if town:
        where.append("i.town_id = ?")
        params.append(town_id(db, town))
    if kind:
        where.append("i.kind = ?")
        params.append(kind)
    sql = _ITEM_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY i.state <> ?, CASE WHEN i.state = ? THEN i.id ELSE -i.id END"
    return [_item(r) for r in db.query(sql, [*params, PENDING, PENDING])]


def get_item(db: Database, item_id: int) -> IntakeItem:
    row = db.one(_ITEM_SQL + " WHERE i.id = ?", (item_id,))
    if row is None:
        raise NotFound(f"受理编号{item_id}不存在")
    return _item(row)


def pending_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM intake_items WHERE state = ?", (PENDING,)))


# -- writing (inside the caller's transaction) ----------------------------------------------------
def add_item(
    db: Database,
    kind: str,
    *,
    credit_code: str,
    enterprise_name: str,
    payload: dict[str, Any],
    town: int | None = None,
    package_id: int | None = None,
    town_matter_id: int | None = None,
    application_id: int | None = None,
    award_id: int | None = None,
    problem: str | None = None,
    replaces: Iterable[int] = (),
) -> int:
    """Queue one item; ``replaces``: pending items it supersedes (已取代)."""
    item_id = db.insert(
        "INSERT INTO intake_items (kind, town_id, package_id, town_matter_id, credit_code,"
        " enterprise_name, application_id, award_id, payload, problem, received_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            kind,
            town,
            package_id,
            town_matter_id,
            credit_code,
            enterprise_name,
            application_id,
            award_id,
            json.dumps(payload, ensure_ascii=False, sort_keys=True),
            problem,
            now_text(),
        ),
    )
    old = list(replaces)
    db.executemany(
        "UPDATE intake_items SET state = ?, superseded_by = ?, decided_at = ?, decided_by = ?"
        " WHERE id = ? AND state = ?",
        [(SUPERSEDED, item_id, now_text(), db.user, i, PENDING) for i in old],
    )
    db.log(
        "进入受理",
        "intake_items",
        item_id,
        None,
        {"kind": kind, "credit_code": credit_code, "replaces": old, "problem": problem},
    )
    return item_id


def close_pending(db: Database, ids: Iterable[int], state: str, reason: str) -> None:
    """Close pending items without a decision (a town withdrew what it had reported)."""
    rows = [(state, now_text(), db.user, reason, i, PENDING) for i in ids]
    db.executemany(
        "UPDATE intake_items SET state = ?, decided_at = ?, decided_by = ?, reason = ?"
        " WHERE id = ? AND state = ?",
        rows,
    )
    for row in rows:
        db.log(
            state, "intake_items", row[4], {"state": PENDING}, {"state": state, "reason": reason}
        )


def parse_matter(
    rec: dict[str, Any], registry: dict[str, tuple[int, str]], catalogue: Any
) -> ApplicationInput:
    """A reported matter checked as the district checks a matter entered there."""
    basis, manual = rec.get("basis_fen"), rec.get("manual_amount_fen")
    return parse_application(
        credit_code=rec.get("credit_code"),
        rule_code=rec.get("rule_code"),
        event_date=rec.get("event_date"),
        basis=None if basis is None else yuan_string(int(basis)),
        level=rec.get("level"),
        city_document=rec.get("city_document"),
        description=rec.get("description"),
        same_matter_key=rec.get("same_matter_key"),
        manual_amount=None if manual is None else yuan_string(int(manual)),
        registry=registry,
        catalogue=catalogue,
    )


def matter_problem(
    db: Database,
    rec: dict[str, Any],
    registry: dict[str, tuple[int, str]],
    catalogue: Any,
    *,
    application_id: int | None = None,
) -> str | None:
    """Why the district could not take this matter as it stands (None: it could)."""
    try:
        item = parse_matter(rec, registry, catalogue)
    except ValidationError as exc:
        return str(exc)
    except (TypeError, ValueError):  # a value of the wrong type in the file
        return "事项数据格式不正确（金额或日期无法识别）"
    clash = db.scalar(
        "SELECT id FROM applications WHERE identity_key = ? AND id IS NOT ?",
        (item.identity_key, application_id),
    )
    if clash:
        return (
            f"与区级已有的事项{clash}相同（同一企业、条款、日期、基数、级别、文号），不能重复受理"
        )
    return None


def application_record(db: Database, application_id: int) -> dict[str, Any] | None:
    row = db.one(
        "SELECT ap.*, e.credit_code FROM applications ap JOIN enterprises e ON e.id = ap.enterprise_id"
        " WHERE ap.id = ?",
        (application_id,),
    )
    if row is None:
        return None
    return {"credit_code": row["credit_code"], **{k: row[k] for k in MATTER_FIELDS}}


# -- deciding ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    item_id: int
    kind: str
    text: str  # what was done, for the clerk


def _pending(db: Database, item_id: int) -> IntakeItem:
    item = get_item(db, item_id)
    if item.state != PENDING:
        raise Conflict(f"受理编号{item_id}状态为“{item.state}”，只有待受理的可以受理或退回")
    return item


def _revokes(db: Database, item: IntakeItem) -> int | None:
    """The granted award accepting ``item`` revokes first, if any."""
    if item.kind in (TOP_UP, CLAWBACK):
        award = item.award_id
    elif item.kind == MATTER_CHANGE and item.application_id is not None:
        award = db.scalar(
            "SELECT id FROM awards WHERE application_id = ?"
            f" AND status IN {status.sql_list(status.GRANTED)} ORDER BY installment_no, id LIMIT 1",
            (item.application_id,),
        )
    else:
        return None
    if award is None:
        return None
    standing = db.scalar("SELECT status FROM awards WHERE id = ?", (award,))
    return int(award) if standing in status.GRANTED else None


def _check_roles(db: Database, items: list[IntakeItem]) -> None:
    """受理 is a clerk's act; one that revokes a granted award is also a reviewer's decision."""
    require_role(db, CLERK)
    if (
        logins_enabled(db)
        and any(_revokes(db, i) for i in items)
        and not (can(db, CLERK) and can(db, REVIEWER))
    ):
        raise PermissionDenied(
            "受理该项将撤销已审核的核定结果并更正事项，需要同时具有录入和审核权限（管理员）"
        )


def accept(db: Database, item_ids: Iterable[int]) -> list[Decision]:
    """Accept pending items, all or nothing (one transaction)."""
    require_district_for(db, "受理")
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    if not ids:
        raise ValidationError("请指定受理编号", field="受理编号")
    items = [_pending(db, i) for i in ids]
    _check_roles(db, items)
    done = []
    context = _Context(db)
    with db.transaction():
        for item in items:
            text = _ACCEPT[item.kind](db, item, context)
            db.execute(
                "UPDATE intake_items SET state = ?, decided_at = ?, decided_by = ? WHERE id = ?",
                (ACCEPTED, now_text(), db.user, item.id),
            )
            db.log(
                "受理",
                "intake_items",
                item.id,
                {"state": PENDING},
                {"state": ACCEPTED, "done": text},
            )
            done.append(Decision(item.id, item.kind, text))
    return done


def return_item(db: Database, item_id: int, reason: str | None) -> IntakeItem:
    """退回 a pending item with the reason (required); nothing else changes."""
    require_district_for(db, "退回受理事项")
    require_role(db, CLERK)
    text = (reason or "").strip()
    if not text:
        raise ValidationError("退回必须填写理由", field="理由")
    if len(text) > 500:
        raise ValidationError("理由过长（最多500字）", field="理由")
    item = _pending(db, item_id)
    with db.transaction():
        db.execute(
            "UPDATE intake_items SET state = ?, decided_at = ?, decided_by = ?, reason = ? WHERE id = ?",
            (RETURNED, now_text(), db.user, text, item.id),
        )
        db.log(
            "退回", "intake_items", item.id, {"state": PENDING}, {"state": RETURNED, "reason": text}
        )
    return get_item(db, item.id)


class _Context:
    """The registry and the catalogue, read once for a batch of acceptances."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._registry: dict[str, tuple[int, str]] | None = None
        self._catalogue: Any = None

    @property
    def registry(self) -> dict[str, tuple[int, str]]:
        if self._registry is None:
            self._registry = registry_index(self._db)
        return self._registry

    @property
    def catalogue(self) -> Any:
        if self._catalogue is None:
            self._catalogue = load_catalogue(self._db)
        return self._catalogue


def _accept_matter(db: Database, item: IntakeItem, context: _Context) -> str:
    if item.problem:
        raise Conflict(f"受理编号{item.id}不能受理：{item.problem}；请退回并写明理由")
    registry, catalogue = context.registry, context.catalogue
    try:
        parsed = parse_matter(item.matter, registry, catalogue)
    except ValidationError as exc:
        raise Conflict(f"受理编号{item.id}不能受理：{exc}；请退回并写明理由") from exc
    problem = matter_problem(db, item.matter, registry, catalogue)
    if problem:
        raise Conflict(f"受理编号{item.id}不能受理：{problem}；请退回并写明理由")
    insert_applications(db, [parsed], source=SOURCE_TOWN)
    app_id = int(
        db.scalar("SELECT id FROM applications WHERE identity_key = ?", (parsed.identity_key,))
    )
    package_id = db.scalar("SELECT package_id FROM intake_items WHERE id = ?", (item.id,))
    db.execute(
        "UPDATE applications SET origin_town_id = (SELECT town_id FROM intake_items WHERE id = ?),"
        " origin_package_id = ?, origin_matter_id = ? WHERE id = ?",
        (item.id, package_id, item.town_matter_id, app_id),
    )
    db.execute("UPDATE intake_items SET application_id = ? WHERE id = ?", (app_id, item.id))
    return f"已受理为区级事项{app_id}"


def _edit_values(changes: dict[str, Any]) -> dict[str, Any]:
    """Changed fields of a reported matter as ``edit_application`` takes them (``""`` clears
    a field; the fields not named stay as the district has them)."""
    out: dict[str, Any] = {}
    for field, value in changes.items():
        if field.endswith("_fen"):
            value = None if value is None else yuan_string(int(value))
        key = {"basis_fen": "basis", "manual_amount_fen": "manual_amount"}.get(field, field)
        out[key] = "" if value is None else value
    return out


def _revoke_first(db: Database, item: IntakeItem, why: str) -> str:
    award = _revokes(db, item)
    if award is None:
        return ""
    from desktop.services.awards import revoke

    revoke(db, award, why)
    return f"核定结果{award}已撤销（{why}），"


def _accept_change(db: Database, item: IntakeItem, _context: _Context) -> str:
    if item.problem:
        raise Conflict(f"受理编号{item.id}不能受理：{item.problem}；请退回并写明理由")
    assert item.application_id is not None
    revoked = _revoke_first(db, item, f"{item.town}上报的事项更正已受理（受理编号{item.id}）")
    edit_application(db, item.application_id, _edit_values(item.payload["changes"]))
    return f"{revoked}区级事项{item.application_id}已按镇街上报更正，待重新计算"


def _accept_withdrawal(db: Database, item: IntakeItem, _context: _Context) -> str:
    assert item.application_id is not None
    delete_application(db, item.application_id)
    return f"区级事项{item.application_id}已删除"


def _accept_enterprise(db: Database, item: IntakeItem, _context: _Context) -> str:
    fields = item.payload.get("fields", {})
    apply_enterprise_fields(
        db, item.credit_code, {f: v["town"] for f, v in fields.items()}, action="受理镇街企业信息"
    )
    return "已采用镇街的" + "、".join(FIELD_LABELS[f] for f in fields)


def _accept_city(db: Database, item: IntakeItem, _context: _Context) -> str:
    assert item.application_id is not None
    p = item.payload
    current = db.scalar("SELECT basis_fen FROM applications WHERE id = ?", (item.application_id,))
    if current != p["old_basis_fen"]:
        raise Conflict(
            f"受理编号{item.id}不能受理：事项{item.application_id}的基数已改为"
            f"{format_yuan(current or 0)}元，与建议生成时不同；请退回后重新导入市级下达清单"
        )
    why = (
        f"市级下达清单{item.kind}：市级资金由{format_yuan(p['old_basis_fen'])}元改为"
        f"{format_yuan(p['new_basis_fen'])}元（受理编号{item.id}）"
    )
    revoked = _revoke_first(db, item, why)
    edit_application(db, item.application_id, {"basis": yuan_string(p["new_basis_fen"])})
    return f"{revoked}事项{item.application_id}基数已改为{format_yuan(p['new_basis_fen'])}元，待重新计算"


_ACCEPT = {
    MATTER: _accept_matter,
    MATTER_CHANGE: _accept_change,
    MATTER_WITHDRAWAL: _accept_withdrawal,
    ENTERPRISE: _accept_enterprise,
    TOP_UP: _accept_city,
    CLAWBACK: _accept_city,
}
