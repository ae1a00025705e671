"""核定与审核: listing awards, approving, rejecting, revoking, marking paid, explaining."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from desktop.core.explain import AwardHeader, explain_lines
from desktop.core.money import format_yuan, yuan_string
from desktop.core.trace import Trace
from desktop.services.offices import require_district
from desktop.services.signing import current_signer, sign_awards
from desktop.services.users import REVIEWER, check_separation, own_awards, require_role
from desktop.storage.database import Database, LogItem, now_text

STATUSES = status.ALL


@dataclass(frozen=True)
class AwardView:
    """One award (or installment) row as the lists and exports show it."""

    id: int
    application_id: int
    enterprise_id: int
    credit_code: str
    enterprise_name: str
    town: str
    rule_code: str
    rule_name: str
    year: int
    installment_no: int
    basis_fen: int | None
    amount_fen: int
    status: str
    explanation: str
    after_expiry: bool
    decision_reason: str | None
    event_date: str
    reviewed_by: str | None
    reviewed_at: str | None
    supersedes: int | None = None  # the revoked award this draft corrects
    superseded_by: int | None = None  # the award that corrects this revoked one

    @property
    def granted_fen(self) -> int:
        """What the award gives: its amount, or 0 for 不予奖补 and 已撤销."""
        return self.amount_fen if status.counts_as_granted(self.status, self.amount_fen) else 0

    def json_row(self) -> dict[str, Any]:
        """The award as ``list awards --json`` prints it (interfaces.md). 核定金额 is what is
        granted; a 不予奖补 or 已撤销 award shows 0.00 there and its computed amount apart."""
        return {
            "编号": self.id,
            "统一社会信用代码": self.credit_code,
            "企业名称": self.enterprise_name,
            "条款编号": self.rule_code,
            "年度": self.year,
            "计算基数（元）": None if self.basis_fen is None else yuan_string(self.basis_fen),
            "核定金额（元）": yuan_string(self.granted_fen),
            "计算金额（元）": yuan_string(self.amount_fen),
            "状态": self.status,
            "计算说明": self.explanation,
        }


AWARD_SQL = """
SELECT a.id, a.application_id, a.enterprise_id, e.credit_code, e.name AS enterprise_name,
       t.name AS town, a.rule_code,
       COALESCE(r.name, (SELECT r2.name FROM rules r2 WHERE r2.code = a.rule_code ORDER BY r2.id DESC LIMIT 1), '')
           AS rule_name,
       a.year, a.installment_no, a.basis_fen, a.amount_fen, a.status, a.explanation, a.after_expiry,
       a.decision_reason, ap.event_date, a.reviewed_by, a.reviewed_at, a.supersedes,
       sb.by_id AS superseded_by
FROM awards a
JOIN enterprises e ON e.id = a.enterprise_id
JOIN towns t ON t.id = e.town_id
JOIN applications ap ON ap.id = a.application_id
LEFT JOIN rules r ON r.id = a.rule_id
LEFT JOIN (SELECT supersedes AS sid, max(id) AS by_id FROM awards WHERE supersedes IS NOT NULL
           GROUP BY supersedes) sb ON sb.sid = a.id
"""


def _view(r) -> AwardView:
    return AwardView(
        r["id"],
        r["application_id"],
        r["enterprise_id"],
        r["credit_code"],
        r["enterprise_name"],
        r["town"],
        r["rule_code"],
        r["rule_name"],
        r["year"],
        r["installment_no"],
        r["basis_fen"],
        r["amount_fen"],
        r["status"],
        r["explanation"],
        bool(r["after_expiry"]),
        r["decision_reason"],
        r["event_date"],
        r["reviewed_by"],
        r["reviewed_at"],
        r["supersedes"],
        r["superseded_by"],
    )


def list_awards(
    db: Database,
    year: int,
    *,
    status: str | None = None,
    rule_code: str | None = None,
    town_id: int | None = None,
    enterprise_id: int | None = None,
) -> list[AwardView]:
    where: list[str] = ["a.year = ?"]
    params: list[Any] = [year]
    for column, value in (
        ("a.status", status),
        ("a.rule_code", rule_code),
        ("e.town_id", town_id),
        ("a.enterprise_id", enterprise_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        AWARD_SQL
        + " WHERE "
        + " AND ".join(where)
        + " ORDER BY t.sort_order, e.name, ap.event_date, a.id"
    )
    return [_view(r) for r in db.query(sql, params)]


def json_rows(db: Database, year: int) -> list[dict[str, Any]]:
    """``list awards --json``: each award's row with its signatures (``签批``: node, signer, time)."""
    from desktop.services.signoff import signatures

    views = list_awards(db, year)
    signed = signatures(db, [v.id for v in views])
    return [v.json_row() | {"签批": [s.json_row() for s in signed.get(v.id, [])]} for v in views]


def awards_of_enterprise(db: Database, enterprise_id: int) -> list[AwardView]:
    return [
        _view(r)
        for r in db.query(
            AWARD_SQL
            + " WHERE a.enterprise_id = ? ORDER BY a.year, ap.event_date, a.installment_no",
            (enterprise_id,),
        )
    ]


def get_award(db: Database, award_id: int) -> AwardView:
    row = db.one(AWARD_SQL + " WHERE a.id = ?", (award_id,))
    if row is None:
        raise NotFound(f"核定结果编号{award_id}不存在")
    return _view(row)


def approved_hash(row) -> str:
    """Fingerprint of what was approved; ``check`` compares it with the stored row."""
    content = {
        k: row[k]
        for k in (
            "id",
            "application_id",
            "rule_code",
            "installment_no",
            "year",
            "basis_fen",
            "amount_fen",
            "explanation",
        )
    }
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


@dataclass(frozen=True)
class ApproveSummary:
    approved: int  # awards that passed their last node (已审核)
    skipped_zero: int
    total_fen: int
    skipped_own: int = 0  # with --all: drafts whose matter the reviewer entered (录入≠审核)
    signed: int = 0  # awards signed at a node before the last (审核中)
    skipped_not_mine: int = 0  # with --all: awards at a node this user may not sign
    notices: tuple[str, ...] = ()  # e.g. 未设置预算


@dataclass(frozen=True)
class _Signing:
    row: Any
    node: Any  # signoff.Node
    last: bool


def approve(
    db: Database,
    year: int,
    award_ids: Iterable[int] | None = None,
    *,
    opinion: str | None = None,
    minutes_no: str | None = None,
    on: date | None = None,
) -> ApproveSummary:
    """Sign each award at its current node of the sign-off chain for the acting user; the last
    node makes it 已审核 (earlier ones 审核中). ``award_ids`` None signs every award of the year
    this user may sign: drafts above 0 and awards waiting at a node.

    At every node: 录入≠审核, one person signs at most one node of an award, the node's role, the
    budget and the 失信 list (the first refusal stops the whole call; nothing is written). Named
    awards the user may not sign are refused; with ``award_ids`` None they are left and counted."""
    from desktop.services import signoff

    require_district(db)
    require_role(db, REVIEWER)
    nodes = signoff.chain(db)
    signoff.require_logins_for(db, nodes)
    on = on or date.today()
    rows, skipped_zero, skipped = _rows_to_sign(db, year, award_ids)
    plan = _plan_signing(db, rows, nodes, strict=award_ids is not None)
    skipped_own = skipped + _drop_own(db, plan, strict=award_ids is not None)
    skipped_not_mine = len(rows) - len(plan) - (skipped_own - skipped)
    for item in plan:
        if item.node.needs_minutes and not (minutes_no or "").strip():
            raise ValidationError(
                f"“{item.node.name}”节点须填写局务会纪要编号（--minutes）", field="纪要编号"
            )
    # Sign only what the rules give now (a stale or altered draft is refused, nothing signed).
    _refuse_drifted(db, [p.row for p in plan if p.row["status"] == status.DRAFT])
    budget_notes, notices = _check_budget(db, [p.row for p in plan])
    checked = _check_blacklist(db, [p.row for p in plan], on)
    signer = current_signer(db)  # before writing: a user whose key is locked is refused
    at = now_text()
    with db.transaction():
        logs: list[LogItem] = []
        for item in plan:
            logs.append(_sign(db, item, len(nodes), at, opinion, minutes_no, checked, budget_notes))
        db.log_many(logs)
        for new in (status.IN_REVIEW, status.APPROVED):
            sign_awards(
                db, new, [p.row["id"] for p in plan if p.last == (new == status.APPROVED)], signer
            )
        for item in plan:
            if item.last:
                from desktop.services.clawbacks import settle_correction

                settle_correction(db, item.row["id"])
    final = [p for p in plan if p.last]
    return ApproveSummary(
        approved=len(final),
        skipped_zero=skipped_zero,
        total_fen=sum(p.row["amount_fen"] for p in final),
        skipped_own=skipped_own,
        signed=len(plan) - len(final),
        skipped_not_mine=max(0, skipped_not_mine),
        notices=tuple(notices),
    )


def _rows_to_sign(
    db: Database, year: int, award_ids: Iterable[int] | None
) -> tuple[list, int, int]:
    """(rows to sign, drafts at 0 left alone, 0); named awards are checked one by one."""
    signable = (status.DRAFT, status.IN_REVIEW)
    if award_ids is None:
        rows = db.query(
            f"SELECT * FROM awards WHERE year = ? AND status IN {status.sql_list(signable)} ORDER BY id",
            (year,),
        )
        return [r for r in rows if r["amount_fen"] > 0], sum(r["amount_fen"] == 0 for r in rows), 0
    rows = []
    for award_id in dict.fromkeys(int(i) for i in award_ids):
        row = award_row(db, award_id)
        if row["year"] != year:
            raise ValidationError(
                f"核定结果{award_id}属于{row['year']}年度，不是{year}年度", field="年度"
            )
        if row["status"] not in signable:
            raise Conflict(
                f"核定结果{award_id}状态为“{row['status']}”，只有草稿可以审核（审核中的可继续签批）"
            )
        if row["amount_fen"] == 0:
            raise Conflict(f"核定结果{award_id}金额为0（{row['explanation']}），无需审核")
        rows.append(row)
    return rows, 0, 0


def _plan_signing(db: Database, rows: list, nodes: tuple, *, strict: bool) -> list[_Signing]:
    from desktop.services import signoff

    done = signoff.signatures(db, [r["id"] for r in rows])
    plan = []
    for row in rows:
        signed = done.get(row["id"], [])
        if len(signed) >= len(nodes):  # signed under a longer chain than today's: finish it
            node, last = nodes[-1], True
        else:
            node, last = nodes[len(signed)], len(signed) + 1 == len(nodes)
        problem = signoff.signing_problem(db, node, signed)
        if problem:
            if strict:
                raise PermissionDenied(f"核定结果{row['id']}：{problem}")
            continue
        plan.append(_Signing(row, node, last))
    return plan


def _drop_own(db: Database, plan: list[_Signing], *, strict: bool) -> int:
    """录入≠审核 at every node: refuse (named awards) or drop (``--all``) the user's own."""
    ids = [p.row["id"] for p in plan]
    if strict:
        check_separation(db, ids, "审核")
        return 0
    own = {i for i, _ in own_awards(db, ids)}
    plan[:] = [p for p in plan if p.row["id"] not in own]
    return len(own)


def _check_budget(db: Database, rows: list) -> tuple[dict[int, str], list[str]]:
    from desktop.services.budget import check_signing

    return check_signing(db, rows)


def _check_blacklist(db: Database, rows: list, on: date) -> tuple[int | None, str, dict[int, str]]:
    """The 失信 check of every award's enterprise on ``on``: refuses a listed one; returns the
    list checked against and each award's note."""
    from desktop.core.errors import PermissionDenied
    from desktop.services.blacklist import list_in_force, listings_on

    current = list_in_force(db)
    listed = listings_on(db, on)
    notes = {}
    for row in rows:
        ent = db.one(
            "SELECT credit_code, name FROM enterprises WHERE id = ?", (row["enterprise_id"],)
        )
        if ent is not None and ent[0] in listed:
            who = f"{ent[1]}（{ent[0]}）于{on.isoformat()}"
            raise PermissionDenied(listed[ent[0]].refusal(f"审核（核定结果{row['id']}）", who))
        notes[row["id"]] = (
            current.note
            if current.import_id is None
            else f"已核查{current.note}，{on.isoformat()}未列入"
        )
    return current.import_id, current.note, notes


def _sign(
    db: Database,
    item: _Signing,
    node_count: int,
    at: str,
    opinion: str | None,
    minutes_no: str | None,
    checked: tuple[int | None, str, dict[int, str]],
    budget_notes: dict[int, str],
) -> LogItem:
    """One decision: the node's signature and the award's new status (one place to sign it);
    returns its change-log entry."""
    from desktop.services import signoff

    row = item.row
    values = signoff.record(
        db,
        row,
        item.node,
        node_count,
        at,
        opinion=(opinion or "").strip() or None,
        minutes_no=(minutes_no or "").strip() or None if item.node.needs_minutes else None,
        blacklist_import=checked[0],
        blacklist_note=checked[2][row["id"]],
        budget_note=budget_notes.get(row["id"], ""),
    )
    new = status.APPROVED if item.last else status.IN_REVIEW
    fingerprint = approved_hash(row)
    if item.last:
        db.execute(
            "UPDATE awards SET status = ?, reviewed_at = ?, reviewed_by = ?, approved_hash = ?"
            " WHERE id = ?",
            (new, at, db.user, fingerprint, row["id"]),
        )
    else:
        db.execute(
            "UPDATE awards SET status = ?, approved_hash = ? WHERE id = ?",
            (new, fingerprint, row["id"]),
        )
    return (
        "审核通过" if item.last else "签批",
        "awards",
        row["id"],
        {"status": row["status"]},
        {
            "status": new,
            "amount_fen": row["amount_fen"],
            "approved_hash": fingerprint,
            **({"reviewed_at": at, "reviewed_by": db.user} if item.last else {}),
            "signoff": values,
        },
    )


def zero_drafts(awards: Iterable[AwardView]) -> list[tuple[str, int]]:
    """The drafts that came out at 0, grouped by why: ``[(reason, count)]``, most frequent first.
    They need no approval (nothing is due) and stay drafts until a decision or a recalculation."""
    reasons: dict[str, int] = {}
    for award in awards:
        if award.status == status.DRAFT and award.amount_fen == 0:
            reason = (award.explanation or "").strip() or "未满足条件"
            reasons[reason] = reasons.get(reason, 0) + 1
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def _refuse_drifted(db: Database, rows: list[Any]) -> None:
    """Approve only what the rules give now: a draft whose amount differs from a fresh
    calculation (stale after a change, or altered in the file) is refused, nothing approved."""
    from desktop.services.calculation import drifted_drafts

    drifted = drifted_drafts(db, rows)
    if not drifted:
        return
    award_id, stored, want = drifted[0]
    now = "已不应存在" if want is None else f"应为 {format_yuan(want)} 元"
    more = f"等{len(drifted)}条" if len(drifted) > 1 else ""
    raise Conflict(
        f"核定结果{award_id}{more}的金额 {format_yuan(stored)} 元与按现行数据和规则重新计算的结果"
        f"不一致（{now}）：录入或规则变动后尚未重新计算，或数据被直接改动。"
        "请先重新计算该年度，再审核；本次未审核任何结果"
    )


def _require_reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(f"{what}必须填写理由", field="理由")
    if len(text) > 500:
        raise ValidationError("理由过长（最多500字）", field="理由")
    return text


def award_row(db: Database, award_id: int) -> Any:
    """The stored row of one award (``NotFound`` when there is none)."""
    row = db.one("SELECT * FROM awards WHERE id = ?", (award_id,))
    if row is None:
        raise NotFound(f"核定结果编号{award_id}不存在")
    return row


def reject(db: Database, award_id: int, reason: str | None) -> None:
    """草稿 or 审核中 → 不予奖补, with the reason (required); a later node may reject too."""
    require_district(db)
    require_role(db, REVIEWER)
    text = _require_reason(reason, status.REJECTED)
    row = award_row(db, award_id)
    if row["status"] not in (status.DRAFT, status.IN_REVIEW):
        raise Conflict(
            f"核定结果{award_id}状态为“{row['status']}”，只有草稿或审核中的可以不予奖补；已审核的请撤销"
        )
    check_separation(db, [award_id], "作出不予奖补决定")
    at = now_text()
    with db.transaction():
        _decide(db, row, status.REJECTED, text, at, action=status.REJECTED)


def _decide(db: Database, row: Any, new: str, reason: str, at: str, *, action: str) -> None:
    """One decision with its reason (不予奖补, 撤销): the one place such a decision is written."""
    db.execute(
        "UPDATE awards SET status = ?, decision_reason = ?, reviewed_at = ?, reviewed_by = ?"
        " WHERE id = ?",
        (new, reason, at, db.user, row["id"]),
    )
    db.log(
        action,
        "awards",
        row["id"],
        {"status": row["status"]},
        {"status": new, "reason": reason, "reviewed_at": at, "reviewed_by": db.user},
    )
    sign_awards(db, new, [row["id"]])


REVOCABLE = (status.APPROVED, status.PAID, status.PAYMENT_FAILED)


def revoke(db: Database, award_id: int, reason: str | None) -> None:
    """已审核/已拨付/拨付失败 → 已撤销, with the reason (required); the amount stays as evidence.
    An award in a payment batch still awaiting 财政's result cannot be revoked."""
    require_district(db)
    require_role(db, REVIEWER)
    text = _require_reason(reason, "撤销")
    row = award_row(db, award_id)
    if row["status"] not in REVOCABLE:
        raise Conflict(
            f"核定结果{award_id}状态为“{row['status']}”，只有已审核、已拨付或拨付失败的可以撤销"
        )
    with db.transaction():
        revoke_in_transaction(db, row, text)


def revoke_in_transaction(db: Database, row: Any, reason: str) -> None:
    """The revocation itself, inside the caller's transaction (also used by 公示异议成立)."""
    from desktop.services.payments import pending_batch_of

    batch = pending_batch_of(db, row["id"])
    if batch is not None:
        raise Conflict(
            f"核定结果{row['id']}在拨付批次{batch}中等待财政支付结果，导入结果后才能撤销"
        )
    _decide(db, row, status.REVOKED, reason, now_text(), action="撤销")


def reopen(db: Database, award_id: int) -> None:
    """不予奖补 → 草稿 (a rejection taken back); the next calculation recomputes it."""
    require_district(db)
    require_role(db, REVIEWER)
    row = award_row(db, award_id)
    if row["status"] != status.REJECTED:
        raise Conflict(f"核定结果{award_id}状态为“{row['status']}”，只有不予奖补的可以恢复为草稿")
    with db.transaction():
        db.execute(
            "UPDATE awards SET status = ?, decision_reason = NULL WHERE id = ?",
            (status.DRAFT, award_id),
        )
        db.log(
            "恢复草稿",
            "awards",
            award_id,
            {"status": status.REJECTED, "reason": row["decision_reason"]},
            {"status": status.DRAFT, "reason": None},
        )
        sign_awards(db, status.DRAFT, [award_id])


def mark_paid(db: Database, award_ids: Iterable[int], *, on: date | None = None) -> int:
    """已审核/拨付失败 → 已拨付 by hand (``pay``: money paid outside a payment batch). The 失信
    list is checked on the day; a corrected award records only the difference as paid."""
    from desktop.services.blacklist import refuse_enterprise_if_listed
    from desktop.services.budget import credits
    from desktop.services.payments import pending_batch_of

    require_district(db)
    require_role(db, REVIEWER)
    on = on or date.today()
    ids = list(dict.fromkeys(int(i) for i in award_ids))
    rows = [award_row(db, i) for i in ids]
    for row in rows:
        if row["status"] not in (status.APPROVED, status.PAYMENT_FAILED):
            raise Conflict(
                f"核定结果{row['id']}状态为“{row['status']}”，只有已审核或拨付失败的可以标记为已拨付"
            )
        batch = pending_batch_of(db, row["id"])
        if batch is not None:
            raise Conflict(
                f"核定结果{row['id']}在拨付批次{batch}中等待财政支付结果，请导入支付结果"
            )
        refuse_enterprise_if_listed(db, row["enterprise_id"], on, f"拨付（核定结果{row['id']}）")
    credit = credits(db, ids)
    at = now_text()
    with db.transaction():
        for row in rows:
            paid = max(0, row["amount_fen"] - credit.get(row["id"], 0))
            record_paid(db, row, at, paid, voucher=None, action="拨付")
    return len(ids)


def record_paid(
    db: Database,
    row: Any,
    paid_at: str,
    paid_fen: int,
    *,
    voucher: str | None,
    action: str,
    logs: list[LogItem] | None = None,
) -> None:
    """An award becomes 已拨付 (inside the caller's transaction): the one place payment is written.
    Its change-log entry goes to ``logs`` when given (the caller writes them at once), else now."""
    db.execute(
        "UPDATE awards SET status = ?, paid_at = ?, paid_fen = ?, voucher = ? WHERE id = ?",
        (status.PAID, paid_at, paid_fen, voucher, row["id"]),
    )
    entry: LogItem = (
        action,
        "awards",
        row["id"],
        {"status": row["status"]},
        {"status": status.PAID, "paid_at": paid_at, "paid_fen": paid_fen, "voucher": voucher},
    )
    if logs is None:
        db.log(*entry)
    else:
        logs.append(entry)
    sign_awards(db, status.PAID, [row["id"]])


def explain(db: Database, award_id: int) -> str:
    """The full calculation trace of one award, in Chinese, for ``explain`` and the GUI."""
    view = get_award(db, award_id)
    row = db.one("SELECT trace, supersedes FROM awards WHERE id = ?", (award_id,))
    assert row is not None
    trace = Trace.from_json(json.loads(row["trace"]))
    rule = None
    if trace.rule_id is not None:
        from desktop.services.catalogue import rule_by_id

        rule = rule_by_id(db, trace.rule_id)
    header = AwardHeader(
        award_id=view.id,
        status=view.status,
        enterprise=view.enterprise_name,
        credit_code=view.credit_code,
        town=view.town,
        year=view.year,
        installment_no=view.installment_no,
        amount_fen=view.amount_fen,
        explanation=view.explanation,
        decision_reason=view.decision_reason,
        reviewed_by=view.reviewed_by,
        reviewed_at=view.reviewed_at,
        supersedes=row["supersedes"],
    )
    return "\n".join(explain_lines(trace, header, rule))
