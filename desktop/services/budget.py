"""Budgets per award year and fund source (资金来源), and what awards take from them.

Money is counted as it moves:

- 已拨付 = what was paid for the year's awards (``awards.paid_fen``: cash plus any 追回 offset,
  also for awards revoked after payment — that money left the budget) less the clawbacks already
  recovered (已追回) on them.
- 已审核未拨付 = for every award signed at any node and not yet paid (审核中, 已审核, in 公示, in a
  batch, 拨付失败) what is still to pay: its amount less what was paid before on the award it
  corrects (:func:`credits` — a corrected award pays only the difference, 补拨).
- 余额 = 预算 − 已审核未拨付 − 已拨付.

An approval that would take 已审核未拨付 + 已拨付 over the budget is refused naming the 余额.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from desktop.core import status
from desktop.core.errors import Conflict, ValidationError
from desktop.core.methods.base import DEFAULT_FUND_SOURCE
from desktop.core.money import format_yuan, parse_amount, yuan_string
from desktop.services.offices import require_district_for
from desktop.services.users import ADMIN, require_role
from desktop.storage.database import Database, now_text

SOURCE_SQL = f"COALESCE(json_extract(r.params, '$.fund_source'), '{DEFAULT_FUND_SOURCE}')"


def credits(db: Database, award_ids: Iterable[int]) -> dict[int, int]:
    """What was paid before on the awards each award corrects (its ``supersedes`` chain), net of
    clawbacks on them; only awards with a non-zero credit are in the result."""
    ids = [int(i) for i in award_ids]
    out: dict[int, int] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        rows = db.query(
            "WITH RECURSIVE chain(start, anc) AS ("
            f" SELECT id, supersedes FROM awards WHERE id IN ({marks}) AND supersedes IS NOT NULL"
            " UNION ALL SELECT chain.start, a.supersedes FROM chain JOIN awards a ON a.id = chain.anc"
            " WHERE a.supersedes IS NOT NULL)"
            " SELECT chain.start, sum(COALESCE(a.paid_fen, 0)"
            "   - COALESCE((SELECT sum(c.amount_fen) FROM clawbacks c WHERE c.award_id = a.id), 0))"
            " FROM chain JOIN awards a ON a.id = chain.anc GROUP BY chain.start",
            chunk,
        )
        out.update({r[0]: int(r[1]) for r in rows if r[1]})
    return out


def award_source(db: Database, award_id: int) -> str:
    return str(
        db.scalar(
            f"SELECT {SOURCE_SQL} FROM awards a LEFT JOIN rules r ON r.id = a.rule_id WHERE a.id = ?",
            (award_id,),
        )
        or DEFAULT_FUND_SOURCE
    )


@dataclass(frozen=True)
class BudgetLine:
    year: int
    source: str
    budget_fen: int | None  # None: no budget set
    committed_fen: int
    paid_fen: int

    @property
    def remaining_fen(self) -> int | None:
        if self.budget_fen is None:
            return None
        return self.budget_fen - self.committed_fen - self.paid_fen

    def json_row(self) -> dict[str, Any]:
        def money(v: int | None) -> str | None:
            return None if v is None else yuan_string(v)

        return {
            "资金来源": self.source,
            "预算": money(self.budget_fen),
            "已审核未拨付": money(self.committed_fen),
            status.PAID: money(self.paid_fen),  # the contract's column 已拨付
            "余额": money(self.remaining_fen),
            "年度": self.year,
        }


def _usage(db: Database, year: int) -> tuple[dict[str, int], dict[str, int]]:
    """(committed, paid) by fund source for award year ``year``."""
    committed: dict[str, int] = defaultdict(int)
    paid: dict[str, int] = defaultdict(int)
    rows = db.query(
        f"SELECT a.id, a.status, a.amount_fen, COALESCE(a.paid_fen, 0), {SOURCE_SQL},"
        " COALESCE((SELECT sum(c.amount_fen) FROM clawbacks c WHERE c.award_id = a.id"
        "   AND c.status = '已追回'), 0), a.supersedes"
        " FROM awards a LEFT JOIN rules r ON r.id = a.rule_id WHERE a.year = ?"
        f" AND (a.status IN {status.sql_list(status.GRANTED)} OR a.paid_fen IS NOT NULL)",
        (year,),
    )
    credit = credits(db, [r[0] for r in rows if r[6] is not None])
    for award_id, state, amount, paid_fen, source, recovered, _ in rows:
        paid[source] += paid_fen - recovered
        if state in status.COMMITTED_UNPAID:
            committed[source] += max(0, amount - credit.get(award_id, 0) - paid_fen)
    return committed, paid


def budget_lines(db: Database, year: int) -> list[BudgetLine]:
    """Every fund source of ``year`` that has a budget or money committed or paid."""
    budgets = {
        r[0]: r[1]
        for r in db.query("SELECT source, amount_fen FROM budgets WHERE year = ?", (year,))
    }
    committed, paid = _usage(db, year)
    sources = sorted(
        set(budgets) | set(committed) | set(paid), key=lambda s: (s != DEFAULT_FUND_SOURCE, s)
    )
    return [
        BudgetLine(year, s, budgets.get(s), committed.get(s, 0), paid.get(s, 0)) for s in sources
    ]


def set_budget(db: Database, year: int, source: str, amount: Any) -> BudgetLine:
    """Set (or change) the budget of one award year and fund source (管理员)."""
    require_district_for(db, "设置预算")
    require_role(db, ADMIN)
    if not 2000 <= int(year) <= 2100:
        raise ValidationError(f"年度“{year}”无效", field="年度")
    source = (source or "").strip()
    if not source or len(source) > 40:
        raise ValidationError("资金来源不能为空（最多40字）", field="资金来源")
    fen = parse_amount(amount, field="预算金额")
    old = db.scalar("SELECT amount_fen FROM budgets WHERE year = ? AND source = ?", (year, source))
    with db.transaction():
        db.execute(
            "INSERT INTO budgets (year, source, amount_fen, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(year, source) DO UPDATE SET amount_fen = excluded.amount_fen,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (year, source, fen, now_text(), db.user),
        )
        db.log(
            "设置预算",
            "budgets",
            f"{year}/{source}",
            None if old is None else {"amount_fen": old},
            {"year": year, "source": source, "amount_fen": fen},
        )
    return next(line for line in budget_lines(db, year) if line.source == source)


def check_signing(db: Database, rows: list[Any]) -> tuple[dict[int, str], list[str]]:
    """Budget check before awards are signed (at any node). Returns each award's budget note and
    the notices (no budget set); raises ``Conflict`` naming the 余额 when one would overrun."""
    need: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in rows:
        need[(row["year"], award_source(db, row["id"]))].append(row)
    notes: dict[int, str] = {}
    notices: list[str] = []
    credit = credits(db, [r["id"] for r in rows])
    for (year, source), items in sorted(need.items()):
        line = next((x for x in budget_lines(db, year) if x.source == source), None)
        new_fen = sum(
            max(0, r["amount_fen"] - credit.get(r["id"], 0))
            for r in items
            if r["status"] == status.DRAFT  # a 审核中 award already counts as committed
        )
        if line is None or line.budget_fen is None:
            notices.append(f"{year}年度{source}未设置预算，未作预算控制")
            for r in items:
                notes[r["id"]] = f"{year}年度{source}未设置预算"
            continue
        remaining = line.remaining_fen or 0
        if new_fen > remaining or remaining < 0:
            ids = "、".join(str(r["id"]) for r in items[:5]) + ("等" if len(items) > 5 else "")
            raise Conflict(
                f"超出预算：{year}年度{source}预算{format_yuan(line.budget_fen)}元，"
                f"已审核未拨付{format_yuan(line.committed_fen)}元，已拨付{format_yuan(line.paid_fen)}元，"
                f"余额{format_yuan(remaining)}元（{yuan_string(remaining)}），"
                f"本次签批核定结果{ids}需{format_yuan(new_fen)}元，不能审核"
            )
        after = remaining - new_fen
        for r in items:
            notes[r["id"]] = (
                f"{year}年度{source}预算余额{format_yuan(remaining)}元，签批后{format_yuan(after)}元"
            )
    return notes, notices


def future_installments(db: Database, from_year: int) -> list[tuple[int, str, int]]:
    """(due year, fund source, amount) of installments that granted multi-year awards still owe
    in years after ``from_year`` and that are not calculated yet (what 财政 must plan for): each
    rule's own payment schedule (``RuleVersion.schedule``) from its granted first award."""
    from desktop.services.catalogue import load_catalogue

    rules = {r.rule_id: r for r in load_catalogue(db).all_versions()}
    out: dict[tuple[int, str], int] = defaultdict(int)
    calculated = {
        (r[0], r[1])
        for r in db.query(
            "SELECT application_id, installment_no FROM awards WHERE installment_no > 0"
            f" AND status NOT IN {status.sql_list(status.SUPERSEDED)}"
        )
    }
    for app_id, year, amount, rule_id in db.query(
        "SELECT application_id, year, amount_fen, rule_id FROM awards WHERE installment_no = 0"
        f" AND rule_id IS NOT NULL AND status IN {status.sql_list(status.GRANTED)}"
    ):
        rule = rules.get(rule_id)
        if rule is None:
            continue
        for payment in rule.schedule(year, amount)[1:]:
            due, no = payment.year, payment.no
            if due > from_year and (app_id, no) not in calculated:
                out[(due, rule.fund_source)] += payment.amount_fen
    return sorted((y, s, v) for (y, s), v in out.items())
