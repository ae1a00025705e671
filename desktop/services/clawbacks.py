"""追回 and 补拨: money an enterprise owes back, and the difference a corrected award still pays.

Decision (the correction path of ``awards.revoke`` + recalculation): when a corrected award
supersedes one that was paid, the enterprise is never paid twice —

- corrected amount higher: the award goes through 公示 and a payment batch as usual, but the batch
  pays only the difference (补拨; the 拨付清单's 摘要 says so and names what was paid before);
- corrected amount equal or lower: at its last sign-off node it is 已拨付 at once (nothing more is
  paid; the earlier payment covers it) and, when lower, a clawback of the difference is recorded
  automatically (待追回, reason naming both amounts).

A clawback (``clawback AWARD_ID``) records amount, reason, document and date against a paid award;
it is 待追回 until the refund is recorded (已追回, 退回) or, when the clerk chose to offset it
against a later unpaid award of the same enterprise, until that award's payment succeeds (已追回,
抵扣: the batch pays that much less).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.core.money import format_yuan, parse_amount, yuan_string
from desktop.services.cells import text_field
from desktop.services.offices import require_district_for
from desktop.services.users import REVIEWER, require_role
from desktop.storage.database import Database, LogItem, now_text

PENDING, RECOVERED = "待追回", "已追回"
REFUND, OFFSET = "退回", "抵扣"


def _award(db: Database, award_id: int) -> Any:
    from desktop.services.awards import award_row

    return award_row(db, award_id)


def _insert(db: Database, values: dict[str, Any]) -> int:
    clawback_id = db.insert(
        "INSERT INTO clawbacks (award_id, enterprise_id, amount_fen, reason, document, decided_on,"
        " status, offset_award_id, automatic, created_at, created_by) VALUES (:award_id,"
        " :enterprise_id, :amount_fen, :reason, :document, :decided_on, :status, :offset_award_id,"
        " :automatic, :created_at, :created_by)",
        values,
    )
    db.log("追回登记", "clawbacks", clawback_id, None, values)
    return clawback_id


def settle_correction(db: Database, award_id: int) -> None:
    """At the last node of a corrected award (inside the caller's transaction): when the awards it
    corrects were paid at least as much, it is 已拨付 at once, and a clawback records any excess."""
    from desktop.services.awards import record_paid
    from desktop.services.budget import credits

    credit = credits(db, [award_id]).get(award_id, 0)
    if credit <= 0:
        return
    row = _award(db, award_id)
    if row["amount_fen"] > credit:
        return  # pays the difference in a payment batch (补拨)
    record_paid(db, row, now_text(), 0, voucher="原拨付冲抵", action="更正冲抵拨付")
    excess = credit - row["amount_fen"]
    if excess:
        _insert(
            db,
            {
                "award_id": award_id,
                "enterprise_id": row["enterprise_id"],
                "amount_fen": excess,
                "reason": f"更正后核定金额{format_yuan(row['amount_fen'])}元，低于已拨付的"
                f"{format_yuan(credit)}元，多拨差额追回",
                "document": "",
                "decided_on": date.today().isoformat(),
                "status": PENDING,
                "offset_award_id": None,
                "automatic": 1,
                "created_at": now_text(),
                "created_by": db.user,
            },
        )


def add_clawback(
    db: Database,
    award_id: int,
    amount: Any,
    reason: str | None,
    *,
    document: str | None = None,
    offset_against: int | None = None,
    on: date | None = None,
) -> int:
    """Record a clawback against a paid award (审核员). ``offset_against``: a later unpaid award of
    the same enterprise whose payment will be reduced by it."""
    require_district_for(db, "登记追回")
    require_role(db, REVIEWER)
    row = _award(db, award_id)
    if row["status"] != status.PAID and not (row["status"] == status.REVOKED and row["paid_fen"]):
        raise Conflict(f"核定结果{award_id}状态为“{row['status']}”，只能对已拨付的奖补追回")
    fen = parse_amount(amount, field="追回金额")
    if fen <= 0:
        raise ValidationError("追回金额必须大于0", field="追回金额")
    owed = int(
        db.scalar(
            "SELECT COALESCE(sum(amount_fen), 0) FROM clawbacks WHERE award_id = ?", (award_id,)
        )
    )
    paid = int(row["paid_fen"] or 0)
    if fen + owed > paid:
        raise ValidationError(
            f"追回金额{format_yuan(fen)}元超过核定结果{award_id}已拨付的{format_yuan(paid)}元"
            + (f"（已登记追回{format_yuan(owed)}元）" if owed else ""),
            field="追回金额",
        )
    text = text_field(reason, "追回理由", required=True, max_length=500) or ""
    if offset_against is not None:
        _check_offset(db, row, int(offset_against), fen)
    with db.transaction():
        return _insert(
            db,
            {
                "award_id": award_id,
                "enterprise_id": row["enterprise_id"],
                "amount_fen": fen,
                "reason": text,
                "document": text_field(document, "文号", max_length=100) or "",
                "decided_on": (on or date.today()).isoformat(),
                "status": PENDING,
                "offset_award_id": offset_against,
                "automatic": 0,
                "created_at": now_text(),
                "created_by": db.user,
            },
        )


def _check_offset(db: Database, source: Any, target_id: int, fen: int) -> None:
    target = _award(db, target_id)
    if target["enterprise_id"] != source["enterprise_id"]:
        raise ValidationError(f"抵扣对象核定结果{target_id}不是同一企业的奖补", field="抵扣对象")
    if target["status"] not in (status.DRAFT, *status.COMMITTED_UNPAID):
        raise Conflict(
            f"抵扣对象核定结果{target_id}状态为“{target['status']}”，只能抵扣尚未拨付的奖补"
        )
    if target["amount_fen"] < fen:
        raise ValidationError(
            f"抵扣金额{format_yuan(fen)}元超过核定结果{target_id}的金额{format_yuan(target['amount_fen'])}元",
            field="追回金额",
        )


def record_refund(db: Database, clawback_id: int, on: date, voucher: str | None = None) -> None:
    """待追回 → 已追回 (the enterprise refunded it)."""
    require_role(db, REVIEWER)
    row = db.one("SELECT * FROM clawbacks WHERE id = ?", (clawback_id,))
    if row is None:
        raise NotFound(f"追回记录{clawback_id}不存在")
    if row["status"] != PENDING:
        raise Conflict(f"追回记录{clawback_id}已于{row['recovered_on']}追回")
    with db.transaction():
        mark_recovered(db, row, on.isoformat(), REFUND, voucher, None)


def mark_recovered(
    db: Database,
    row: Any,
    on: str,
    how: str,
    voucher: str | None,
    item_id: int | None,
    logs: list[LogItem] | None = None,
) -> None:
    """A clawback recovered (inside the caller's transaction; its log entry to ``logs`` if given)."""
    db.execute(
        "UPDATE clawbacks SET status = ?, recovered_on = ?, recovered_how = ?, voucher = ?,"
        " payment_item_id = ? WHERE id = ?",
        (RECOVERED, on, how, voucher, item_id, row["id"]),
    )
    entry: LogItem = (
        "追回完成",
        "clawbacks",
        row["id"],
        {"status": PENDING},
        {
            "status": RECOVERED,
            "recovered_on": on,
            "recovered_how": how,
            "voucher": voucher,
            "payment_item_id": item_id,
        },
    )
    if logs is None:
        db.log(*entry)
    else:
        logs.append(entry)


@dataclass(frozen=True)
class ClawbackView:
    id: int
    award_id: int
    year: int
    credit_code: str
    enterprise: str
    rule_code: str
    amount_fen: int
    reason: str
    document: str
    decided_on: str
    status: str
    offset_award_id: int | None
    recovered_on: str | None
    recovered_how: str | None
    voucher: str | None
    automatic: bool

    def json_row(self) -> dict[str, Any]:
        return {
            "编号": self.id,
            "核定结果编号": self.award_id,
            "年度": self.year,
            "统一社会信用代码": self.credit_code,
            "企业名称": self.enterprise,
            "条款编号": self.rule_code,
            "追回金额（元）": yuan_string(self.amount_fen),
            "追回理由": self.reason,
            "文号": self.document,
            "登记日期": self.decided_on,
            "状态": self.status,
            "抵扣对象": self.offset_award_id,
            "追回日期": self.recovered_on,
            "方式": self.recovered_how,
            "凭证号": self.voucher,
        }


_VIEW_SQL = (
    "SELECT c.id, c.award_id, a.year, e.credit_code, e.name, a.rule_code, c.amount_fen, c.reason,"
    " c.document, c.decided_on, c.status, c.offset_award_id, c.recovered_on, c.recovered_how,"
    " c.voucher, c.automatic FROM clawbacks c JOIN awards a ON a.id = c.award_id"
    " JOIN enterprises e ON e.id = c.enterprise_id"
)


def list_clawbacks(
    db: Database, *, year: int | None = None, enterprise_id: int | None = None
) -> list[ClawbackView]:
    where, params = [], []
    if year is not None:
        where.append("a.year = ?")
        params.append(year)
    if enterprise_id is not None:
        where.append("c.enterprise_id = ?")
        params.append(enterprise_id)
    sql = _VIEW_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.id"
    return [ClawbackView(*(tuple(r[:15]) + (bool(r[15]),))) for r in db.query(sql, params)]
