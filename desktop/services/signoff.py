"""The sign-off chain (签批节点): the nodes an award passes before it is 已审核.

The chain is a setting (``signoff_chain``): an ordered list of nodes, each with the role that may
sign there (审核员 — which a 管理员 may also sign — or 管理员). The default is one node, as before
the chain existed. ``awards.approve`` signs each award at its current node for the acting user;
this module says which node that is, whether the user may sign it, and records the signature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from desktop.core.errors import Conflict, PermissionDenied, ValidationError
from desktop.services.offices import require_district_for
from desktop.services.users import ADMIN, REVIEWER, current_role, logins_enabled, require_role
from desktop.storage.database import Database

SETTING = "signoff_chain"
MEETING = "局务会"  # a node of this name records its 纪要编号
SIGNING_ROLES = (REVIEWER, ADMIN)


@dataclass(frozen=True)
class Node:
    no: int  # 1-based
    name: str
    role: str

    @property
    def needs_minutes(self) -> bool:
        return MEETING in self.name

    def text(self) -> str:
        return f"{self.name}:{self.role}"


DEFAULT_CHAIN = (Node(1, "审核", REVIEWER),)


def chain(db: Database) -> tuple[Node, ...]:
    raw = db.setting(SETTING)
    if not raw:
        return DEFAULT_CHAIN
    return tuple(Node(i, n["node"], n["role"]) for i, n in enumerate(json.loads(raw), start=1))


def chain_text(nodes: tuple[Node, ...]) -> str:
    return ",".join(n.text() for n in nodes)


def parse_chain(text: str) -> tuple[Node, ...]:
    """``"经办:审核员,科室负责人:审核员,局务会:管理员"`` → nodes; ValidationError naming the part."""
    nodes: list[Node] = []
    parts = [p.strip() for p in (text or "").replace("，", ",").split(",") if p.strip()]
    if not parts:
        raise ValidationError("签批节点不能为空，格式为“节点:角色,节点:角色”", field="签批节点")
    for part in parts:
        name, sep, role = part.replace("：", ":").partition(":")
        name, role = name.strip(), role.strip()
        if not sep or not name or not role:
            raise ValidationError(f"签批节点“{part}”格式应为“节点名称:角色”", field="签批节点")
        if role not in SIGNING_ROLES:
            raise ValidationError(
                f"签批节点“{name}”的角色“{role}”无效，应为{'或'.join(SIGNING_ROLES)}",
                field="签批节点",
            )
        if len(name) > 20:
            raise ValidationError(f"节点名称“{name}”过长（最多20字）", field="签批节点")
        if any(n.name == name for n in nodes):
            raise ValidationError(f"签批节点“{name}”重复", field="签批节点")
        nodes.append(Node(len(nodes) + 1, name, role))
    if len(nodes) > 8:
        raise ValidationError("签批节点最多8个", field="签批节点")
    return tuple(nodes)


def require_logins_for(db: Database, nodes: tuple[Node, ...]) -> None:
    if len(nodes) > 1 and not logins_enabled(db):
        raise PermissionDenied(
            "多级签批需要启用登录（每个节点由不同的人签批）：请先创建管理员用户（user add）并登录"
        )


def set_chain(db: Database, text: str) -> tuple[Node, ...]:
    """Replace the chain (管理员). A chain of more than one node needs logins on, and cannot change
    while awards are half-way through it (审核中)."""
    require_district_for(db, "设置签批节点")
    require_role(db, ADMIN)
    nodes = parse_chain(text)
    require_logins_for(db, nodes)
    from desktop.core import status

    pending = db.scalar("SELECT count(*) FROM awards WHERE status = ?", (status.IN_REVIEW,))
    if pending and chain_text(nodes) != chain_text(chain(db)):
        raise Conflict(
            f"有{pending}条核定结果正在签批中（审核中），签批完成或退回后才能修改签批节点"
        )
    value = json.dumps([{"node": n.name, "role": n.role} for n in nodes], ensure_ascii=False)
    with db.transaction():
        db.set_setting(SETTING, value)
    return nodes


@dataclass(frozen=True)
class Signature:
    award_id: int
    node_no: int
    node_name: str
    node_role: str
    node_count: int
    signer: str
    signed_at: str
    opinion: str | None
    minutes_no: str | None
    amount_fen: int
    blacklist_note: str
    budget_note: str

    def json_row(self) -> dict[str, Any]:
        return {
            "节点": self.node_name,
            "序号": self.node_no,
            "签批人": self.signer,
            "时间": self.signed_at,
            "意见": self.opinion or "",
            **({"纪要编号": self.minutes_no} if self.minutes_no else {}),
        }


_SIGNATURE_SQL = (
    "SELECT award_id, node_no, node_name, node_role, node_count, signer, signed_at, opinion,"
    " minutes_no, amount_fen, blacklist_note, budget_note FROM award_signoffs"
)


def signatures(db: Database, award_ids: list[int] | None = None) -> dict[int, list[Signature]]:
    """Signatures by award, in node order (``award_ids`` None: all)."""
    out: dict[int, list[Signature]] = {}
    if award_ids is None:
        rows = db.query(_SIGNATURE_SQL + " ORDER BY award_id, node_no")
    else:
        rows = []
        ids = list(award_ids)
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            rows += db.query(
                _SIGNATURE_SQL
                + f" WHERE award_id IN ({','.join('?' * len(chunk))}) ORDER BY award_id, node_no",
                chunk,
            )
    for r in rows:
        out.setdefault(r[0], []).append(Signature(*r))
    return out


def next_node(db: Database, award_id: int, nodes: tuple[Node, ...]) -> tuple[Node, list[Signature]]:
    """The node the award waits at, with its signatures so far."""
    done = signatures(db, [award_id]).get(award_id, [])
    if len(done) >= len(nodes):
        raise Conflict(f"核定结果{award_id}已完成全部{len(nodes)}个签批节点")
    return nodes[len(done)], done


def signing_problem(db: Database, node: Node, done: list[Signature]) -> str | None:
    """Why the acting user may not sign ``node`` (None: may)."""
    if any(s.signer == db.user for s in done):
        first = next(s for s in done if s.signer == db.user)
        return f"“{db.user}”已在“{first.node_name}”节点签批，同一人只能签批一个节点"
    if logins_enabled(db):
        role = current_role(db)
        if role is None or (node.role == ADMIN and role != ADMIN):
            return f"“{node.name}”节点须由{node.role}签批，当前用户“{db.user}”的角色是{role or '未登录'}"
    return None


def record(
    db: Database,
    award: Any,
    node: Node,
    node_count: int,
    at: str,
    *,
    opinion: str | None,
    minutes_no: str | None,
    blacklist_import: int | None,
    blacklist_note: str,
    budget_note: str,
) -> dict[str, Any]:
    """Write one signature (inside the caller's transaction); returns the logged values."""
    values = {
        "award_id": award["id"],
        "node_no": node.no,
        "node_name": node.name,
        "node_role": node.role,
        "node_count": node_count,
        "signer": db.user,
        "signed_at": at,
        "opinion": opinion,
        "minutes_no": minutes_no,
        "amount_fen": award["amount_fen"],
        "blacklist_import": blacklist_import,
        "blacklist_note": blacklist_note,
        "budget_note": budget_note,
    }
    db.execute(
        "INSERT INTO award_signoffs (award_id, node_no, node_name, node_role, node_count, signer,"
        " signed_at, opinion, minutes_no, amount_fen, blacklist_import, blacklist_note, budget_note)"
        " VALUES (:award_id, :node_no, :node_name, :node_role, :node_count, :signer, :signed_at,"
        " :opinion, :minutes_no, :amount_fen, :blacklist_import, :blacklist_note, :budget_note)",
        values,
    )
    return values
