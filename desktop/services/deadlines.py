"""待办与逾期: each step's due date in working days.

- 公示: an award that is 已审核 and not publicised is to be put into a 公示; an open objection is
  due by the end of its 公示期.
- 兑现时限: from the last sign-off to the money in the account, ``payment_deadline_days`` working
  days (default 60, a setting) — for 已审核 (in 公示 or not), in a batch awaiting its result, and
  拨付失败 awards.
- 签批: awards waiting at a node of the chain; 追回: clawbacks not yet recovered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.errors import ValidationError
from desktop.core.money import format_yuan
from desktop.services.users import ADMIN, require_role
from desktop.storage.database import Database

SETTING = "payment_deadline_days"
DEFAULT_DAYS = 60


def payment_deadline_days(db: Database) -> int:
    return int(db.setting(SETTING, str(DEFAULT_DAYS)) or DEFAULT_DAYS)


def set_payment_deadline_days(db: Database, days: int) -> None:
    require_role(db, ADMIN)
    if not 1 <= int(days) <= 365:
        raise ValidationError("兑现时限应为1至365个工作日", field="兑现时限")
    with db.transaction():
        db.set_setting(SETTING, str(int(days)))


@dataclass(frozen=True)
class Todo:
    kind: str  # 签批 / 公示 / 异议 / 拨付 / 支付结果 / 追回
    award_id: int | None
    enterprise: str
    what: str
    due: date | None
    overdue: bool

    def json_row(self) -> dict[str, Any]:
        return {
            "事项": self.kind,
            "核定结果": self.award_id,
            "企业名称": self.enterprise,
            "内容": self.what,
            "期限": self.due.isoformat() if self.due else "",
            "状态": "逾期" if self.overdue else "待办",
        }


def todo(db: Database, *, on: date | None = None) -> list[Todo]:
    """Everything waiting for someone, overdue first, then by due date."""
    from desktop.services.signoff import chain, signatures
    from desktop.services.workcalendar import WorkCalendar

    on = on or date.today()
    calendar = WorkCalendar(db)
    limit = payment_deadline_days(db)
    nodes = chain(db)
    items: list[Todo] = []
    rows = db.query(
        "SELECT a.id, a.status, a.amount_fen, a.reviewed_at, e.name,"
        " (SELECT p.end_date FROM publicity_items i JOIN publicities p ON p.id = i.publicity_id"
        "  WHERE i.award_id = a.id) AS end_date,"
        " (SELECT count(*) FROM objections o WHERE o.award_id = a.id AND o.outcome IS NULL) AS open,"
        " (SELECT pi.batch_id FROM payment_items pi WHERE pi.award_id = a.id AND pi.result IS NULL)"
        "  AS batch"
        " FROM awards a JOIN enterprises e ON e.id = a.enterprise_id"
        f" WHERE a.status IN {status.sql_list(status.COMMITTED_UNPAID)} ORDER BY a.id"
    )
    signed = signatures(db, [r["id"] for r in rows if r["status"] == status.IN_REVIEW])
    for r in rows:
        money = f"{format_yuan(r['amount_fen'])}元"
        if r["status"] == status.IN_REVIEW:
            done = len(signed.get(r["id"], []))
            node = nodes[min(done, len(nodes) - 1)]
            items.append(
                Todo("签批", r["id"], r["name"], f"待“{node.name}”签批（{money}）", None, False)
            )
            continue
        due = (
            calendar.end_date(date.fromisoformat(r["reviewed_at"][:10]), limit)
            if r["reviewed_at"]
            else None
        )
        late = due is not None and on > due
        if r["open"]:
            end = date.fromisoformat(r["end_date"])
            items.append(
                Todo("异议", r["id"], r["name"], f"{r['open']}件公示异议待处理", end, on > end)
            )
        elif r["end_date"] is None and r["status"] == status.APPROVED:
            items.append(Todo("公示", r["id"], r["name"], f"已审核待公示（{money}）", due, late))
        elif r["batch"] is not None:
            items.append(
                Todo(
                    "支付结果", r["id"], r["name"], f"拨付批次{r['batch']}待财政支付结果", due, late
                )
            )
        elif r["end_date"] is not None and r["end_date"] >= on.isoformat():
            items.append(
                Todo(
                    "公示",
                    r["id"],
                    r["name"],
                    f"公示中，{r['end_date']}结束",
                    date.fromisoformat(r["end_date"]),
                    False,
                )
            )
        else:
            word = "拨付失败，待重新拨付" if r["status"] == status.PAYMENT_FAILED else "待拨付"
            items.append(
                Todo(
                    "拨付",
                    r["id"],
                    r["name"],
                    f"{word}（{money}，兑现时限{limit}个工作日）",
                    due,
                    late,
                )
            )
    for c in db.query(
        "SELECT c.id, c.award_id, c.amount_fen, e.name FROM clawbacks c"
        " JOIN enterprises e ON e.id = c.enterprise_id WHERE c.status = '待追回' ORDER BY c.id"
    ):
        items.append(
            Todo(
                "追回",
                c["award_id"],
                c["name"],
                f"追回记录{c['id']}待追回{format_yuan(c['amount_fen'])}元",
                None,
                False,
            )
        )
    items.sort(key=lambda t: (not t.overdue, t.due or date.max, t.award_id or 0))
    return items
