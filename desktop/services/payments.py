"""Payment batches (拨付清单) and 财政's result files.

``create_batch`` takes every award of the year that may be paid now: 已审核 or 拨付失败, its 公示
ended with no open objection, not in a batch still awaiting its result, with usable bank details,
its enterprise not on the 失信 list today. It pays what is still due (a corrected award only the
difference, 补拨) less any clawback the clerk chose to offset against it. ``import_result`` reads
财政's file: 成功 → 已拨付 with date and voucher; 失败 → 拨付失败 with the reason (eligible again in
the next batch). Rows are matched on 序号 + 统一社会信用代码 + 金额; a row that matches nothing is
refused by row number and nothing is written; the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from desktop.core import status
from desktop.core.errors import Conflict, ImportRejected, NotFound, RowProblem, ValidationError
from desktop.core.money import format_yuan, parse_amount, yuan_string
from desktop.services.budget import SOURCE_SQL
from desktop.services.cells import clean_text, parse_date, text_field
from desktop.services.offices import require_district
from desktop.services.signing import current_signer, sign_awards
from desktop.services.users import REVIEWER, require_role
from desktop.storage.database import Database, LogItem, now_text

SUCCESS, FAILURE = "成功", "失败"
# Why an award is left out of a batch (interfaces.md), in the order they are checked.
NOT_PUBLICISED = "未公示"
PUBLICITY_OPEN = "公示未结束"
OBJECTION_OPEN = "异议未处理"
NO_BANK = "缺少银行账户"
BLACKLISTED = "失信"
IN_BATCH = "已在拨付批次中等待结果"


def bank_details_problem(bank_name: str | None, account: str | None) -> str | None:
    """Why a payee's bank details cannot be used for a payment (None: they can): the registry's
    own check of 银行账号 (``registry.parse_bank_account``), and a 开户银行."""
    from desktop.services.registry import parse_bank_account

    if not (bank_name or "").strip() or not (account or "").strip():
        return NO_BANK
    try:
        parse_bank_account(account)
    except ValidationError as exc:
        return f"{NO_BANK}（{exc}）"
    return None


def pending_batch_of(db: Database, award_id: int) -> int | None:
    """The batch in which ``award_id`` awaits 财政's result (None: none)."""
    value = db.scalar(
        "SELECT batch_id FROM payment_items WHERE award_id = ? AND result IS NULL", (award_id,)
    )
    return None if value is None else int(value)


@dataclass(frozen=True)
class LeftOut:
    award_id: int
    enterprise: str
    rule_code: str
    amount_fen: int
    reason: str
    detail: str = ""

    def text(self) -> str:
        more = f"（{self.detail}）" if self.detail else ""
        return (
            f"核定结果{self.award_id} {self.enterprise} {self.rule_code} "
            f"{format_yuan(self.amount_fen)}元：{self.reason}{more}"
        )


@dataclass(frozen=True)
class PaymentItem:
    id: int
    batch_id: int
    seq: int
    award_id: int
    credit_code: str
    payee: str
    bank_name: str
    bank_account: str
    amount_fen: int
    offset_fen: int
    credit_fen: int
    fund_source: str
    summary: str
    result: str | None
    result_reason: str | None
    paid_on: str | None
    voucher: str | None
    enterprise: str = ""
    rule_code: str = ""


@dataclass(frozen=True)
class Batch:
    id: int
    year: int
    created_at: str
    created_by: str
    items: list[PaymentItem]
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(i.amount_fen for i in self.items)

    @property
    def state(self) -> str:
        pending = sum(i.result is None for i in self.items)
        if pending == len(self.items):
            return "待财政支付结果"
        if pending:
            return f"部分回执（{pending}笔待结果）"
        return "已回执"


_CANDIDATES = f"""
SELECT a.*, e.credit_code, e.name AS enterprise, e.bank_name, e.bank_account, e.account_name,
       r.clause, r.name AS rule_name, v.doc_number,
       {SOURCE_SQL} AS fund_source,
       p.id AS publicity_id, p.end_date,
       (SELECT count(*) FROM objections o WHERE o.award_id = a.id AND o.outcome IS NULL) AS open_objections,
       (SELECT pi.batch_id FROM payment_items pi WHERE pi.award_id = a.id AND pi.result IS NULL) AS pending_batch
FROM awards a
JOIN enterprises e ON e.id = a.enterprise_id
LEFT JOIN rules r ON r.id = a.rule_id
LEFT JOIN policy_versions v ON v.id = r.policy_version_id
LEFT JOIN publicity_items pu ON pu.award_id = a.id
LEFT JOIN publicities p ON p.id = pu.publicity_id
WHERE a.year = ? AND a.status IN {status.sql_list((status.APPROVED, status.PAYMENT_FAILED))}
ORDER BY e.name, a.id
"""


def _why_not(row: Any, on: date, listed: dict) -> tuple[str, str] | None:
    if row["pending_batch"] is not None:
        return IN_BATCH, f"批次{row['pending_batch']}"
    if row["publicity_id"] is None:
        return NOT_PUBLICISED, "尚未列入公示"
    if row["end_date"] >= on.isoformat():
        return PUBLICITY_OPEN, f"公示{row['publicity_id']}至{row['end_date']}"
    if row["open_objections"]:
        return OBJECTION_OPEN, f"{row['open_objections']}件异议待处理"
    problem = bank_details_problem(row["bank_name"], row["bank_account"])
    if problem:
        return NO_BANK, problem.removeprefix(NO_BANK).strip("（）")
    listing = listed.get(row["credit_code"])
    if listing is not None:
        return BLACKLISTED, f"列入日期{listing.listed_on}，事由：{listing.reason or '未注明'}"
    return None


def _summary(row: Any, credit: int, offset: int) -> str:
    if row["doc_number"]:
        text = f"{row['doc_number']}{row['clause']}{row['rule_name']}"
    else:
        text = f"条款{row['rule_code']}"
    if row["installment_no"]:
        text += f"（第{row['installment_no']}期）"
    if credit:
        text += f"（补拨差额，原已拨付{format_yuan(credit)}元）"
    if offset:
        text += f"（抵扣追回{format_yuan(offset)}元）"
    return text


def _account_digits(account: str) -> str:
    from desktop.services.registry import parse_bank_account

    return parse_bank_account(account) or ""


def plan_batch(
    db: Database, year: int, *, on: date | None = None
) -> tuple[list[dict], list[LeftOut]]:
    """The rows a batch of ``year`` would have now, and the awards left out with why (read only)."""
    from desktop.services.blacklist import listings_on
    from desktop.services.budget import credits
    from desktop.services.clawbacks import PENDING

    on = on or date.today()
    rows = db.query(_CANDIDATES, (year,))
    credit = credits(db, [r["id"] for r in rows])
    listed = listings_on(db, on)
    offsets: dict[int, list[Any]] = {}
    for claw in db.query(
        "SELECT * FROM clawbacks WHERE offset_award_id IS NOT NULL AND status = ? ORDER BY id",
        (PENDING,),
    ):
        offsets.setdefault(claw["offset_award_id"], []).append(claw)
    items: list[dict] = []
    left: list[LeftOut] = []
    for row in rows:
        why = _why_not(row, on, listed)
        if why is not None:
            left.append(
                LeftOut(row["id"], row["enterprise"], row["rule_code"], row["amount_fen"], *why)
            )
            continue
        due = row["amount_fen"] - credit.get(row["id"], 0)
        if due <= 0:
            continue
        offset_ids, offset = [], 0
        for claw in offsets.get(row["id"], []):
            if offset + claw["amount_fen"] < due:
                offset += claw["amount_fen"]
                offset_ids.append(claw["id"])
        items.append(
            {
                "seq": len(items) + 1,
                "award_id": row["id"],
                "credit_code": row["credit_code"],
                "payee": row["account_name"] or row["enterprise"],
                "bank_name": row["bank_name"].strip(),
                "bank_account": _account_digits(row["bank_account"]),
                "amount_fen": due - offset,
                "offset_fen": offset,
                "credit_fen": credit.get(row["id"], 0),
                "fund_source": row["fund_source"],
                "summary": _summary(row, credit.get(row["id"], 0), offset),
                "offsets": offset_ids,
            }
        )
    return items, left


def create_batch(db: Database, year: int, *, on: date | None = None) -> Batch:
    """Make a payment batch of every award of ``year`` that may be paid now (审核员)."""
    require_district(db)
    require_role(db, REVIEWER)
    items, left = plan_batch(db, year, on=on)
    if not items:
        why = "；".join(x.text() for x in left[:10]) if left else "该年度没有已审核待拨付的核定结果"
        raise Conflict(f"{year}年度没有可以拨付的核定结果：{why}")
    at = now_text()
    with db.transaction():
        batch_id = db.insert(
            "INSERT INTO payment_batches (year, created_at, created_by, items, total_fen)"
            " VALUES (?, ?, ?, ?, ?)",
            (year, at, db.user, len(items), sum(i["amount_fen"] for i in items)),
        )
        logged = []
        for item in items:
            values = {k: v for k, v in item.items() if k != "offsets"}
            values["batch_id"] = batch_id
            item_id = db.insert(
                "INSERT INTO payment_items (batch_id, seq, award_id, credit_code, payee, bank_name,"
                " bank_account, amount_fen, offset_fen, credit_fen, fund_source, summary) VALUES"
                " (:batch_id, :seq, :award_id, :credit_code, :payee, :bank_name, :bank_account,"
                " :amount_fen, :offset_fen, :credit_fen, :fund_source, :summary)",
                values,
            )
            logged.append(
                ("拨付批次", "payment_items", item_id, None, {**values, "offsets": item["offsets"]})
            )
        db.log_many(
            [
                (
                    "生成拨付批次",
                    "payment_batches",
                    batch_id,
                    None,
                    {
                        "year": year,
                        "items": len(items),
                        "total_fen": sum(i["amount_fen"] for i in items),
                        "created_at": at,
                    },
                ),
                *logged,
            ]
        )
    return get_batch(db, batch_id, left_out=left)


_ITEM_SQL = (
    "SELECT pi.id, pi.batch_id, pi.seq, pi.award_id, pi.credit_code, pi.payee, pi.bank_name,"
    " pi.bank_account, pi.amount_fen, pi.offset_fen, pi.credit_fen, pi.fund_source, pi.summary,"
    " pi.result, pi.result_reason, pi.paid_on, pi.voucher, e.name, a.rule_code"
    " FROM payment_items pi JOIN awards a ON a.id = pi.award_id"
    " JOIN enterprises e ON e.id = a.enterprise_id"
)


def get_batch(db: Database, batch_id: int, *, left_out: list[LeftOut] | None = None) -> Batch:
    row = db.one("SELECT * FROM payment_batches WHERE id = ?", (batch_id,))
    if row is None:
        raise NotFound(f"拨付批次{batch_id}不存在")
    items = [
        PaymentItem(*r)
        for r in db.query(_ITEM_SQL + " WHERE pi.batch_id = ? ORDER BY pi.seq", (batch_id,))
    ]
    return Batch(
        row["id"], row["year"], row["created_at"], row["created_by"], items, left_out or []
    )


def list_batches(db: Database, year: int | None = None) -> list[Batch]:
    ids = db.query(
        "SELECT id FROM payment_batches"
        + (" WHERE year = ?" if year is not None else "")
        + " ORDER BY id",
        () if year is None else (year,),
    )
    return [get_batch(db, r[0]) for r in ids]


def payments_of_award(db: Database, award_id: int) -> list[PaymentItem]:
    return [
        PaymentItem(*r)
        for r in db.query(_ITEM_SQL + " WHERE pi.award_id = ? ORDER BY pi.id", (award_id,))
    ]


# -- 财政's result file --------------------------------------------------------------------------

RESULT_COLUMNS = {
    "序号": (),
    "统一社会信用代码": ("信用代码", "收款单位统一社会信用代码"),
    "金额（元）": ("金额", "支付金额（元）", "支付金额"),
    "支付状态": ("状态", "支付结果"),
    "失败原因": ("原因", "备注"),
    "支付日期": ("日期",),
    "凭证号": ("支付凭证号", "凭证编号"),
}


@dataclass(frozen=True)
class ResultImport:
    batch_id: int
    succeeded: int
    failed: int
    unchanged: int
    pending: int  # items of the batch still without a result

    def summary(self) -> str:
        return (
            f"拨付批次{self.batch_id}：成功{self.succeeded}笔，失败{self.failed}笔，"
            f"已登记未变{self.unchanged}笔，仍待结果{self.pending}笔"
        )


def _parse_result_row(
    values: dict[str, Any], items: dict[int, PaymentItem]
) -> tuple[PaymentItem, dict]:
    raw_seq = values.get("序号")
    try:
        seq = int(str(clean_text(raw_seq)).removesuffix(".0"))
    except ValueError as exc:
        raise ValidationError(f"序号“{raw_seq}”不是数字", field="序号") from exc
    item = items.get(seq)
    if item is None:
        raise ValidationError(f"序号{seq}不在本拨付批次中", field="序号")
    code = clean_text(values.get("统一社会信用代码")).upper()
    if code != item.credit_code:
        raise ValidationError(
            f"序号{seq}的统一社会信用代码{code or '（空）'}与拨付清单（{item.credit_code}）不符",
            field="统一社会信用代码",
        )
    fen = parse_amount(values.get("金额（元）"), field="金额（元）", allow_wan=False)
    if fen != item.amount_fen:
        raise ValidationError(
            f"序号{seq}的金额{format_yuan(fen)}元与拨付清单（{format_yuan(item.amount_fen)}元）不符",
            field="金额（元）",
        )
    state = clean_text(values.get("支付状态"))
    if state not in (SUCCESS, FAILURE):
        raise ValidationError(f"支付状态“{state}”无效，应为成功或失败", field="支付状态")
    result: dict[str, Any] = {"result": state}
    if state == SUCCESS:
        result["paid_on"] = parse_date(values.get("支付日期"), field="支付日期").isoformat()
        result["voucher"] = text_field(values.get("凭证号"), "凭证号", max_length=60) or None
        result["result_reason"] = None
    else:
        result["paid_on"] = None
        result["voucher"] = None
        result["result_reason"] = (
            text_field(values.get("失败原因"), "失败原因", max_length=500) or "未注明原因"
        )
    if item.result is not None and item.result != state:
        raise ValidationError(
            f"序号{seq}已登记为支付{item.result}，与本文件的“{state}”不一致", field="支付状态"
        )
    return item, result


def import_result(db: Database, batch_id: int, path: str | Path) -> ResultImport:
    """Read 财政's result file for ``batch_id`` (审核员); all or nothing."""
    from desktop.services.workbook import read_sheet

    require_district(db)
    require_role(db, REVIEWER)
    batch = get_batch(db, batch_id)
    sheet = read_sheet(path, RESULT_COLUMNS, ("序号", "统一社会信用代码", "金额（元）", "支付状态"))
    items = {i.seq: i for i in batch.items}
    problems: list[RowProblem] = []
    parsed: list[tuple[PaymentItem, dict]] = []
    seen: dict[int, int] = {}
    for row_no, values in sheet.rows():
        try:
            item, result = _parse_result_row(values, items)
            if item.seq in seen:
                raise ValidationError(f"序号{item.seq}与第{seen[item.seq]}行重复", field="序号")
        except ValidationError as exc:
            problems.append(RowProblem(row_no, str(exc)))
            continue
        seen[item.seq] = row_no
        parsed.append((item, result))
    if problems:
        raise ImportRejected(problems)
    if not parsed:
        raise ImportRejected([], file_message=f"工作簿“{Path(path).name}”没有支付结果行")
    fresh = [(i, r) for i, r in parsed if i.result is None]
    if fresh:
        current_signer(db)  # before writing: a user whose key is locked is refused
    at = now_text()
    with db.transaction():
        logs: list[LogItem] = []
        for item, result in fresh:
            _record_result(db, item, result, at, logs)
        db.log_many(logs)
    done = {i.seq for i, _ in parsed}
    return ResultImport(
        batch_id,
        sum(r["result"] == SUCCESS for _, r in fresh),
        sum(r["result"] == FAILURE for _, r in fresh),
        len(parsed) - len(fresh),
        sum(1 for i in batch.items if i.result is None and i.seq not in done),
    )


def _record_result(
    db: Database, item: PaymentItem, result: dict, at: str, logs: list[LogItem]
) -> None:
    """One payment's result (inside the transaction): the one place it is written; its change-log
    entries are appended to ``logs``."""
    from desktop.services.awards import award_row, record_paid
    from desktop.services.clawbacks import OFFSET, PENDING, mark_recovered

    db.execute(
        "UPDATE payment_items SET result = :result, result_reason = :result_reason,"
        " paid_on = :paid_on, voucher = :voucher, result_at = :at, result_by = :user WHERE id = :id",
        {**result, "at": at, "user": db.user, "id": item.id},
    )
    logs.append(
        ("支付结果", "payment_items", item.id, {"result": None}, {**result, "result_at": at})
    )
    award = award_row(db, item.award_id)
    if result["result"] == SUCCESS:
        record_paid(
            db,
            award,
            result["paid_on"],
            int(award["paid_fen"] or 0) + item.amount_fen + item.offset_fen,
            voucher=result["voucher"],
            action="拨付成功",
            logs=logs,
        )
        if item.offset_fen:
            for claw in db.query(
                "SELECT * FROM clawbacks WHERE offset_award_id = ? AND status = ?",
                (item.award_id, PENDING),
            ):
                mark_recovered(
                    db, claw, result["paid_on"], OFFSET, result["voucher"], item.id, logs
                )
    else:
        db.execute(
            "UPDATE awards SET status = ?, decision_reason = ? WHERE id = ?",
            (status.PAYMENT_FAILED, f"拨付失败：{result['result_reason']}", item.award_id),
        )
        logs.append(
            (
                status.PAYMENT_FAILED,
                "awards",
                item.award_id,
                {"status": award["status"]},
                {
                    "status": status.PAYMENT_FAILED,
                    "reason": result["result_reason"],
                    "batch_id": item.batch_id,
                },
            )
        )
        sign_awards(db, status.PAYMENT_FAILED, [item.award_id])


def batch_json(batch: Batch) -> dict[str, Any]:
    return {
        "编号": batch.id,
        "年度": batch.year,
        "生成时间": batch.created_at,
        "生成人": batch.created_by,
        "笔数": len(batch.items),
        "合计（元）": yuan_string(batch.total_fen),
        "状态": batch.state,
        "明细": [
            {
                "序号": i.seq,
                "核定结果编号": i.award_id,
                "收款单位": i.payee,
                "统一社会信用代码": i.credit_code,
                "金额（元）": yuan_string(i.amount_fen),
                "支付状态": i.result or "待结果",
                "失败原因": i.result_reason or "",
                "支付日期": i.paid_on or "",
                "凭证号": i.voucher or "",
            }
            for i in batch.items
        ],
    }
