"""The award statuses and the sets the rules of the domain are written in — defined once.

An award (核定结果, one row per matter, rule and payment) moves along this path:

    草稿 ─签批→ 审核中 ─末级签批→ 已审核 ─拨付结果成功→ 已拨付
      │           │                  │  └─拨付结果失败→ 拨付失败 ─(next batch)→ 已拨付
      └─不予奖补   └─不予奖补          └─撤销 (also from 已拨付) → 已撤销

What each set means to the rest of the program:

- ``GRANTED``: a person's decision that the money is due. The amount is fixed (triggers refuse
  changes), it counts at that amount toward every cap and first-time key whatever its date, and
  its matter cannot be edited while it stands.
- ``DENIED``: 不予奖补 — a decision that nothing is due; the calculation keeps it at 0.
- ``SUPERSEDED``: 已撤销 — a decision withdrawn. It stays on record as evidence and counts for
  nothing; the next calculation gives its matter a new draft (linked to it) for review again.
- ``DECIDED``: everything the calculation never rewrites.
"""

from __future__ import annotations

from collections.abc import Iterable

DRAFT = "草稿"
IN_REVIEW = "审核中"
APPROVED = "已审核"
PAID = "已拨付"
PAYMENT_FAILED = "拨付失败"
REJECTED = "不予奖补"
REVOKED = "已撤销"

ALL: tuple[str, ...] = (DRAFT, IN_REVIEW, APPROVED, PAID, PAYMENT_FAILED, REJECTED, REVOKED)
GRANTED: frozenset[str] = frozenset({IN_REVIEW, APPROVED, PAID, PAYMENT_FAILED})
DENIED: frozenset[str] = frozenset({REJECTED})
SUPERSEDED: frozenset[str] = frozenset({REVOKED})
DECIDED: frozenset[str] = GRANTED | DENIED | SUPERSEDED
# Committed but not yet in the enterprise's account (the budget's 已审核未拨付).
COMMITTED_UNPAID: frozenset[str] = GRANTED - {PAID}

DESCRIPTIONS: dict[str, str] = {
    DRAFT: "计算结果，尚未审核",
    IN_REVIEW: "已有签批，尚未完成全部签批节点",
    APPROVED: "审核通过，待拨付",
    PAID: "资金已拨付到企业账户",
    PAYMENT_FAILED: "财政支付失败，待下一批次重新拨付",
    REJECTED: "经审核不予奖补",
    REVOKED: "审核已撤销（留档），事项更正后重新计算、重新审核",
}


def sql_list(statuses: Iterable[str]) -> str:
    """``('已审核','已拨付')`` for an SQL ``IN``: statuses are fixed words, never user input."""
    items = sorted(statuses, key=ALL.index)
    for status in items:
        if status not in ALL:
            raise ValueError(f"unknown award status {status!r}")
    return "(" + ",".join(f"'{s}'" for s in items) + ")"


def is_granted(status: str) -> bool:
    return status in GRANTED


def counts_as_granted(status: str, amount_fen: int) -> bool:
    """Whether an award row is money given or due (reports' 合计, budgets): a draft with an
    amount, or a granted decision; never a 0, a 不予奖补 or a 已撤销."""
    return amount_fen > 0 and status not in DENIED and status not in SUPERSEDED


NOTHING_DUE = "核定为0"


def shown(status: str, amount_fen: int) -> str:
    """The status as an official list prints it: a draft that came out at 0 is no draft awaiting
    review but a result that gives nothing (核定为0); every other status as it is."""
    return NOTHING_DUE if status == DRAFT and amount_fen == 0 else status
