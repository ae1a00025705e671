"""核定与审核: listing awards, approving, rejecting, revoking, marking paid, explaining."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from desktop.core import status
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.core.explain import AwardHeader, explain_lines
from desktop.core.money import format_yuan, yuan_string
from desktop.core.trace import Trace
from desktop.services.offices import require_district
from desktop.services.users import REVIEWER, check_separation, own_awards, require_role
from desktop.storage.database import Database, now_text

STATUSES = ("草稿", "已审核", "已拨付", "不予奖补", "已撤销")


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
    approved: int
    skipped_zero: int
    total_fen: int
    skipped_own: int = 0  # with --all: drafts whose matter the reviewer entered (录入≠审核)


def approve(db: Database, year: int, award_ids: Iterable[int] | None = None) -> ApproveSummary:
    """草稿 → 已审核. ``award_ids`` None approves every draft of the year with an amount above 0.

    录入≠审核: named awards whose matter the reviewer entered or last changed are refused; with
    ``award_ids`` None they are left as drafts and counted in ``skipped_own``."""
    require_district(db)
    require_role(db, REVIEWER)
    skipped_own = 0
    if award_ids is None:
        rows = db.query("SELECT * FROM awards WHERE year = ? AND status = '草稿'", (year,))
        own = {i for i, _ in own_awards(db, [r["id"] for r in rows if r["amount_fen"] > 0])}
        skipped_own = len(own)
        rows = [r for r in rows if r["id"] not in own]
    else:
        ids = list(dict.fromkeys(int(i) for i in award_ids))
        rows = []
        for award_id in ids:
            row = db.one("SELECT * FROM awards WHERE id = ?", (award_id,))
            if row is None:
                raise NotFound(f"核定结果编号{award_id}不存在")
            if row["year"] != year:
                raise ValidationError(
                    f"核定结果{award_id}属于{row['year']}年度，不是{year}年度", field="年度"
                )
            if row["status"] != "草稿":
                raise Conflict(f"核定结果{award_id}状态为“{row['status']}”，只有草稿可以审核")
            if row["amount_fen"] == 0:
                raise Conflict(f"核定结果{award_id}金额为0（{row['explanation']}），无需审核")
            rows.append(row)
        check_separation(db, [r["id"] for r in rows], "审核")
    to_approve = [r for r in rows if r["amount_fen"] > 0]
    _refuse_drifted(db, to_approve)
    at = now_text()
    with db.transaction():
        for row in to_approve:
            db.execute(
                "UPDATE awards SET status = '已审核', reviewed_at = ?, reviewed_by = ?, approved_hash = ?"
                " WHERE id = ? AND status = '草稿'",
                (at, db.user, approved_hash(row), row["id"]),
            )
        db.log_many(
            [
                (
                    "审核通过",
                    "awards",
                    r["id"],
                    {"status": "草稿"},
                    {"status": "已审核", "amount_fen": r["amount_fen"]},
                )
                for r in to_approve
            ]
        )
    return ApproveSummary(
        len(to_approve),
        len(rows) - len(to_approve),
        sum(r["amount_fen"] for r in to_approve),
        skipped_own,
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


def _row(db: Database, award_id: int):
    row = db.one("SELECT * FROM awards WHERE id = ?", (award_id,))
    if row is None:
        raise NotFound(f"核定结果编号{award_id}不存在")
    return row


def reject(db: Database, award_id: int, reason: str | None) -> None:
    """草稿 → 不予奖补, with the reason (required)."""
    require_district(db)
    require_role(db, REVIEWER)
    text = _require_reason(reason, "不予奖补")
    row = _row(db, award_id)
    if row["status"] != "草稿":
        raise Conflict(
            f"核定结果{award_id}状态为“{row['status']}”，只有草稿可以不予奖补；已审核的请撤销"
        )
    check_separation(db, [award_id], "作出不予奖补决定")
    with db.transaction():
        db.execute(
            "UPDATE awards SET status = '不予奖补', decision_reason = ?, reviewed_at = ?, reviewed_by = ?"
            " WHERE id = ?",
            (text, now_text(), db.user, award_id),
        )
        db.log(
            "不予奖补",
            "awards",
            award_id,
            {"status": "草稿"},
            {"status": "不予奖补", "reason": text},
        )


def revoke(db: Database, award_id: int, reason: str | None) -> None:
    """已审核/已拨付 → 已撤销, with the reason (required); the amount stays as evidence."""
    require_district(db)
    require_role(db, REVIEWER)
    text = _require_reason(reason, "撤销")
    row = _row(db, award_id)
    if row["status"] not in ("已审核", "已拨付"):
        raise Conflict(f"核定结果{award_id}状态为“{row['status']}”，只有已审核或已拨付的可以撤销")
    with db.transaction():
        db.execute(
            "UPDATE awards SET status = '已撤销', decision_reason = ?, reviewed_at = ?, reviewed_by = ?"
            " WHERE id = ?",
            (text, now_text(), db.user, award_id),
        )
        db.log(
            "撤销",
            "awards",
            award_id,
            {"status": row["status"]},
            {"status": "已撤销", "reason": text},
        )


def reopen(db: Database, award_id: int) -> None:
    """不予奖补 → 草稿 (a rejection taken back); the next calculation recomputes it."""
    require_district(db)
    require_role(db, REVIEWER)
    row = _row(db, award_id)
    if row["status"] != "不予奖补":
        raise Conflict(f"核定结果{award_id}状态为“{row['status']}”，只有不予奖补的可以恢复为草稿")
    with db.transaction():
        db.execute(
            "UPDATE awards SET status = '草稿', decision_reason = NULL WHERE id = ?", (award_id,)
        )
        db.log("恢复草稿", "awards", award_id, {"status": "不予奖补"}, {"status": "草稿"})


def mark_paid(db: Database, award_ids: Iterable[int]) -> int:
    require_district(db)
    require_role(db, REVIEWER)
    ids = list(dict.fromkeys(int(i) for i in award_ids))
    rows = [_row(db, i) for i in ids]
    for row in rows:
        if row["status"] != "已审核":
            raise Conflict(
                f"核定结果{row['id']}状态为“{row['status']}”，只有已审核的可以标记为已拨付"
            )
    at = now_text()
    with db.transaction():
        db.executemany(
            "UPDATE awards SET status = '已拨付', paid_at = ? WHERE id = ?", [(at, i) for i in ids]
        )
        db.log_many(
            [("拨付", "awards", i, {"status": "已审核"}, {"status": "已拨付"}) for i in ids]
        )
    return len(ids)


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
