"""What each report shows, as plain data: queries in, :class:`Report` out (no openpyxl, no reportlab).

Amount cells hold integer 分 (fen) and every total is a sum of integer fen, so the 合计 row equals the
sum of the rows shown whatever unit the renderer prints. The renderers (``excel.py``, ``pdf.py``) draw
any :class:`Report` the same way, so a workbook and its PDF always show the same numbers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from desktop.core.errors import NotFound, ValidationError
from desktop.storage.database import Database

Kind = Literal["text", "amount", "int"]
Unit = Literal["元", "万元"]

GRANTED_EXCLUDED = ("不予奖补", "已撤销")
AFTER_EXPIRY_MARK = "政策到期后延续兑现"
PROJECTED_STATUS = "待核定"
DEFAULT_ORG = "临淄区工业和信息化局"
DEFAULT_ASSESSMENT_RULES = ("LZ41-1A", "LZ41-1B", "LZ41-2", "LZ41-3")


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` decides the cell type (amount = integer fen, int = count, text)."""

    title: str
    kind: Kind = "text"
    width: float = 8  # relative width in "CJK characters" (a CJK character = 2 Excel units)
    wrap: bool = False  # long text: wrap inside the cell instead of widening the column
    align: Literal["left", "center", "right"] | None = None

    @property
    def alignment(self) -> str:
        if self.align:
            return self.align
        return "right" if self.kind in ("amount", "int") else "left"


@dataclass
class ReportTable:
    """One table of a report: a sheet in the workbook, a section of the PDF."""

    title: str
    sheet_name: str
    columns: list[Column]
    rows: list[list[Any]]
    totals: list[Any] | None = None  # the 合计 row (same shape as a row), or None
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    words_column: int | None = None  # the amount column whose total is also written in 大写
    empty_text: str = "（无记录）"

    @property
    def total_fen(self) -> int | None:
        if self.totals is None or self.words_column is None:
            return None
        return int(self.totals[self.words_column] or 0)


@dataclass
class Report:
    """A whole report: its title, the paper's form fields and one or more tables."""

    name: str
    title: str
    tables: list[ReportTable]
    org: str = DEFAULT_ORG
    as_of: date = field(default_factory=date.today)
    unit: Unit = "元"
    year: int | None = None  # what the report was asked for (recorded in the file for `verify`)
    credit_code: str | None = None
    stamp: Any = None  # services.fingerprint.Stamp: export time, user, data fingerprint (footer)

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables)

    def all_text(self) -> Iterable[str]:
        """Every text that is printed (for the font-coverage check)."""
        yield self.title
        yield self.org
        for table in self.tables:
            yield table.title
            yield table.subtitle
            yield from table.notes
            for column in table.columns:
                yield column.title
            for row in table.rows:
                for column, value in zip(table.columns, row, strict=False):
                    if column.kind == "text" and value:
                        yield str(value)


def totals_row(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    label_column: int = 0,
    sum_columns: Iterable[int] | None = None,
    overrides: dict[int, Any] | None = None,
) -> list[Any]:
    """The 合计 row: integer sums of the amount (and chosen count) columns of ``rows``."""
    if sum_columns is None:
        sum_columns = [i for i, c in enumerate(columns) if c.kind == "amount"]
    total: list[Any] = [None] * len(columns)
    total[label_column] = "合计"
    for i in sum_columns:
        total[i] = sum(int(r[i] or 0) for r in rows)
    for i, value in (overrides or {}).items():
        total[i] = value
    return total


def totals_label_span(totals: Sequence[Any] | None) -> int:
    """How many leading columns the 合计 label spans: up to the first column with a total."""
    if not totals:
        return 1
    for i, value in enumerate(totals[1:], start=1):
        if value is not None:
            return i
    return len(totals)


# -- shared lookups ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    id: int
    code: str
    name: str
    method: str
    sort_order: int
    params: dict[str, Any]
    valid_to: str | None


class _Rules:
    """Rules by id and, for awards without a rule version, the latest version of each code."""

    def __init__(self, db: Database) -> None:
        rows = db.query(
            "SELECT r.id, r.code, r.name, r.method, r.sort_order, r.params, v.valid_from, v.valid_to"
            " FROM rules r JOIN policy_versions v ON v.id = r.policy_version_id"
            " ORDER BY v.valid_from, r.id"
        )
        self.by_id: dict[int, _Rule] = {}
        self.latest: dict[str, _Rule] = {}
        for r in rows:
            rule = _Rule(
                r["id"],
                r["code"],
                r["name"],
                r["method"],
                r["sort_order"],
                json.loads(r["params"]),
                r["valid_to"],
            )
            self.by_id[rule.id] = rule
            self.latest[rule.code] = rule  # ordered by valid_from: the last one wins

    def get(self, rule_id: int | None, code: str) -> _Rule | None:
        if rule_id is not None and rule_id in self.by_id:
            return self.by_id[rule_id]
        return self.latest.get(code)

    def name(self, rule_id: int | None, code: str) -> str:
        rule = self.get(rule_id, code)
        return rule.name if rule else ""

    def order(self, code: str) -> tuple[int, str]:
        rule = self.latest.get(code)
        return (rule.sort_order if rule else 10_000, code)

    def codes(self) -> list[str]:
        return sorted(self.latest, key=self.order)


def _fen(text: Any) -> int:
    """A catalogue parameter such as ``"500000.00"`` (元) as integer fen."""
    return int((Decimal(str(text)) * 100).to_integral_value())


def amount_title(label: str, unit: Unit) -> str:
    return f"{label}（{unit}）"


_AWARD_SQL = """
SELECT a.id, a.application_id, a.enterprise_id, a.rule_code, a.rule_id, a.year, a.installment_no,
       a.basis_fen, a.amount_fen, a.status, a.explanation, a.after_expiry, a.decision_reason,
       e.name AS enterprise, e.credit_code, t.name AS town, t.sort_order AS town_order,
       ap.event_date
FROM awards a
JOIN enterprises e ON e.id = a.enterprise_id
JOIN towns t ON t.id = e.town_id
JOIN applications ap ON ap.id = a.application_id
"""


def _granted(row: Any) -> bool:
    return row["amount_fen"] > 0 and row["status"] not in GRANTED_EXCLUDED


def _installment_label(rule: _Rule | None, no: int, after_expiry: bool) -> str:
    if rule is None or rule.method != "installments":
        text = "" if no == 0 else f"第{no}期"
    else:
        text = "一次性奖励" if no == 0 else f"第{no}年分期"
    if after_expiry:
        text += ("（" if text else "") + AFTER_EXPIRY_MARK + ("）" if text else "")
    return text


def _reason(row: Any) -> str:
    text = row["explanation"] or ""
    if row["decision_reason"]:
        text += f"（{row['status']}理由：{row['decision_reason']}）"
    return text


def default_year(db: Database, as_of: date) -> int:
    """The newest award year not after ``as_of`` (or ``as_of``'s year when there is none)."""
    year = db.scalar("SELECT max(year) FROM awards WHERE year <= ?", (as_of.year,))
    return int(year) if year is not None else as_of.year


def _check_year(year: int) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError(f"年度“{year}”无效，应为2000至2100之间的年份", field="年度")
    return year


# -- 奖补明细表 -----------------------------------------------------------------------------------


def detail_report(db: Database, year: int, *, unit: Unit = "元") -> list[ReportTable]:
    """奖补明细 (granted awards and installments of ``year``) and 不予奖补 (the rest, with reasons)."""
    _check_year(year)
    rules = _Rules(db)
    rows = db.query(_AWARD_SQL + " WHERE a.year = ?", (year,))
    rows.sort(
        key=lambda r: (
            *rules.order(r["rule_code"]),
            r["town_order"],
            r["enterprise"],
            r["credit_code"],
            r["event_date"],
            r["installment_no"],
            r["id"],
        )
    )
    columns = [
        Column("序号", "int", 3, align="center"),
        Column("企业名称", "text", 14, wrap=True),
        Column("统一社会信用代码", "text", 10),
        Column("所属镇街", "text", 6, wrap=True),
        Column("条款编号", "text", 5),
        Column("条款名称", "text", 12, wrap=True),
        Column(amount_title("计算基数", unit), "amount", 8),
        Column(amount_title("核定金额", unit), "amount", 8),
        Column("计算说明", "text", 24, wrap=True),
        Column("状态", "text", 3, align="center"),
        Column("分期", "text", 5, wrap=True),
    ]
    granted: list[list[Any]] = []
    denied: list[list[Any]] = []
    for r in rows:
        rule = rules.get(r["rule_id"], r["rule_code"])
        common = [
            r["enterprise"],
            r["credit_code"],
            r["town"],
            r["rule_code"],
            rules.name(r["rule_id"], r["rule_code"]),
            r["basis_fen"],
        ]
        stage = _installment_label(rule, r["installment_no"], bool(r["after_expiry"]))
        if _granted(r):
            granted.append(
                [len(granted) + 1, *common, r["amount_fen"], r["explanation"], r["status"], stage]
            )
        else:
            denied.append([len(denied) + 1, *common, r["status"], stage, _reason(r)])
    title = f"{year}年度四强产业配套奖补明细表"
    main = ReportTable(
        title=title,
        sheet_name="奖补明细",
        columns=columns,
        rows=granted,
        totals=totals_row(columns, granted, sum_columns=[7]),
        words_column=7,
        subtitle=f"共{len(granted)}笔，涉及企业{len({r[2] for r in granted})}户",
    )
    denied_columns = [
        *columns[:7],
        Column("状态", "text", 4, align="center"),
        Column("分期", "text", 5, wrap=True),
        Column("不予奖补原因（计算说明）", "text", 34, wrap=True),
    ]
    second = ReportTable(
        title=f"{year}年度不予奖补事项",
        sheet_name="不予奖补",
        columns=denied_columns,
        rows=denied,
        subtitle=f"共{len(denied)}笔（核定为0、不予奖补或已撤销）",
    )
    return [main, second]


# -- 汇总表 --------------------------------------------------------------------------------------


def summary_report(db: Database, year: int, *, unit: Unit = "元") -> list[ReportTable]:
    """Granted awards of ``year`` by rule and by town, every rule and every active town listed."""
    _check_year(year)
    rules = _Rules(db)
    rows = [r for r in db.query(_AWARD_SQL + " WHERE a.year = ?", (year,)) if _granted(r)]
    by_rule: dict[str, list[Any]] = defaultdict(list)
    by_town: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_rule[r["rule_code"]].append(r)
        by_town[r["town"]].append(r)

    codes = rules.codes() + sorted(set(by_rule) - set(rules.latest))
    rule_columns = [
        Column("序号", "int", 3, align="center"),
        Column("条款编号", "text", 5),
        Column("条款名称", "text", 26, wrap=True),
        Column("户数", "int", 4),
        Column("笔数", "int", 4),
        Column(amount_title("核定金额", unit), "amount", 10),
    ]
    rule_rows = []
    for code in codes:
        items = by_rule.get(code, [])
        rule_rows.append(
            [
                len(rule_rows) + 1,
                code,
                rules.name(None, code),
                len({r["enterprise_id"] for r in items}),
                len(items),
                sum(r["amount_fen"] for r in items),
            ]
        )
    enterprises = len({r["enterprise_id"] for r in rows})
    rule_table = ReportTable(
        title=f"{year}年度四强产业配套奖补汇总表（按条款）",
        sheet_name="按条款汇总",
        columns=rule_columns,
        rows=rule_rows,
        totals=totals_row(rule_columns, rule_rows, sum_columns=[4, 5], overrides={3: enterprises}),
        words_column=5,
        notes=["合计户数为去重后的企业户数（一户企业可享受多项条款，故可能小于各条款户数之和）。"],
    )

    towns = [
        t["name"]
        for t in db.query("SELECT name FROM towns WHERE active = 1 ORDER BY sort_order, id")
    ]
    towns += sorted(set(by_town) - set(towns))
    town_columns = [
        Column("序号", "int", 3, align="center"),
        Column("所属镇街", "text", 10),
        Column("户数", "int", 4),
        Column("笔数", "int", 4),
        Column(amount_title("核定金额", unit), "amount", 10),
    ]
    town_rows = []
    for town in towns:
        items = by_town.get(town, [])
        town_rows.append(
            [
                len(town_rows) + 1,
                town,
                len({r["enterprise_id"] for r in items}),
                len(items),
                sum(r["amount_fen"] for r in items),
            ]
        )
    town_table = ReportTable(
        title=f"{year}年度四强产业配套奖补汇总表（按镇街）",
        sheet_name="按镇街汇总",
        columns=town_columns,
        rows=town_rows,
        totals=totals_row(town_columns, town_rows, sum_columns=[2, 3, 4]),
        words_column=4,
    )
    return [rule_table, town_table]


# -- 单户企业奖补台账 ------------------------------------------------------------------------------


def ledger_report(
    db: Database, credit_code: str, *, unit: Unit = "元"
) -> tuple[str, list[ReportTable]]:
    """Every award and installment of one enterprise, all years (granted first, then the rest)."""
    code = (credit_code or "").strip().upper()
    ent = db.one(
        "SELECT e.*, t.name AS town FROM enterprises e JOIN towns t ON t.id = e.town_id"
        " WHERE e.credit_code = ?",
        (code,),
    )
    if ent is None:
        raise NotFound(f"统一社会信用代码为{code or '（空）'}的企业不存在")
    rules = _Rules(db)
    rows = db.query(_AWARD_SQL + " WHERE a.enterprise_id = ?", (ent["id"],))
    rows.sort(
        key=lambda r: (
            r["year"],
            r["event_date"],
            *rules.order(r["rule_code"]),
            r["installment_no"],
            r["id"],
        )
    )
    list_years = [
        r["year"]
        for r in db.query(
            "SELECT year FROM siqiang_list WHERE enterprise_id = ? ORDER BY year", (ent["id"],)
        )
    ]
    columns = [
        Column("序号", "int", 3, align="center"),
        Column("年度", "int", 3, align="center"),
        Column("事项日期", "text", 5, align="center"),
        Column("条款编号", "text", 5),
        Column("条款名称", "text", 13, wrap=True),
        Column("分期", "text", 5, wrap=True),
        Column(amount_title("计算基数", unit), "amount", 8),
        Column(amount_title("核定金额", unit), "amount", 8),
        Column("状态", "text", 3, align="center"),
        Column("计算说明", "text", 30, wrap=True),
    ]
    granted: list[list[Any]] = []
    other: list[list[Any]] = []
    for r in rows:
        rule = rules.get(r["rule_id"], r["rule_code"])
        stage = _installment_label(rule, r["installment_no"], bool(r["after_expiry"]))
        base = [
            r["year"],
            r["event_date"],
            r["rule_code"],
            rules.name(r["rule_id"], r["rule_code"]),
            stage,
            r["basis_fen"],
        ]
        if _granted(r):
            granted.append(
                [len(granted) + 1, *base, r["amount_fen"], r["status"], r["explanation"]]
            )
        else:
            other.append([len(other) + 1, *base, r["amount_fen"], r["status"], _reason(r)])
    industry = ent["industry"] or "—"
    who = f"企业名称：{ent['name']}；统一社会信用代码：{ent['credit_code']}"
    subtitle = (
        f"{who}；所属镇街：{ent['town']}；是否规上：{'是' if ent['above_scale'] else '否'}；"
        f"四强产业：{industry}；列入四强名单年度：{'、'.join(str(y) for y in list_years) or '无'}"
    )
    per_year: dict[int, int] = defaultdict(int)
    for r in granted:
        per_year[r[1]] += r[7]
    notes = []
    if per_year:
        from desktop.core.money import format_yuan

        notes.append(
            "分年度合计："
            + "；".join(
                f"{y}年度 {format_yuan(v) if unit == '元' else _wan_text(v)} {unit}"
                for y, v in sorted(per_year.items())
            )
        )
    main = ReportTable(
        title=f"单户企业奖补台账（{ent['name']}）",
        sheet_name="奖补台账",
        columns=columns,
        rows=granted,
        totals=totals_row(columns, granted, sum_columns=[7]),
        words_column=7,
        subtitle=subtitle,
        notes=notes,
    )
    other_columns = [
        *columns[:7],
        Column(amount_title("原核定金额", unit), "amount", 8),
        *columns[8:],
    ]
    rest = ReportTable(
        title="不予奖补及撤销记录",
        sheet_name="不予奖补及撤销",
        columns=other_columns,
        rows=other,
        subtitle=who,
        notes=["本表金额不计入奖补合计。"] if other else [],
    )
    return ent["name"], [main, rest]


def _wan_text(fen: int) -> str:
    from desktop.core.money import format_wan

    return format_wan(fen)


# -- 多年度兑现计划 --------------------------------------------------------------------------------


def installments_report(
    db: Database, *, year: int | None = None, unit: Unit = "元"
) -> list[ReportTable]:
    """The multi-year plan of every ``installments`` rule matter: what falls due when, and its state.

    Stored awards show their status; yearly installments not yet calculated (their due year has not
    been calculated) are projected from the rule's parameters with status 待核定. With ``year``, only
    matters with something due in that year are listed (still with their whole plan).
    """
    if year is not None:
        _check_year(year)
    rules = _Rules(db)
    codes = [c for c, r in rules.latest.items() if r.method == "installments"]
    codes += [
        r.code for r in rules.by_id.values() if r.method == "installments" and r.code not in codes
    ]
    if not codes:
        return []
    marks = ",".join("?" * len(codes))
    rows = db.query(_AWARD_SQL + f" WHERE a.rule_code IN ({marks})", codes)
    matters: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for r in rows:
        matters[(r["application_id"], r["rule_code"])].append(r)

    plan: list[dict[str, Any]] = []
    for (_app_id, code), items in matters.items():
        items.sort(key=lambda r: r["installment_no"])
        first = next((r for r in items if r["installment_no"] == 0), None)
        ref = first or items[0]
        rule = rules.get(ref["rule_id"], code)
        entries = [
            {
                "year": r["year"],
                "no": r["installment_no"],
                "amount": r["amount_fen"],
                "status": r["status"],
                "after": bool(r["after_expiry"]),
                "stored": True,
                "row": r,
            }
            for r in items
        ]
        if (
            first is not None
            and _granted(first)
            and rule is not None
            and rule.method == "installments"
        ):
            have = {r["installment_no"] for r in items}
            years = int(rule.params.get("years", 0))
            offset = int(rule.params.get("first_year_offset", 1))
            event_year = int(first["event_date"][:4])
            expiry = int(rule.valid_to[:4]) if rule.valid_to else None
            for n in range(1, years + 1):
                if n in have:
                    continue
                due = event_year + offset + n - 1
                entries.append(
                    {
                        "year": due,
                        "no": n,
                        "amount": _fen(rule.params["yearly"]),
                        "status": PROJECTED_STATUS,
                        "after": expiry is not None and due > expiry,
                        "stored": False,
                        "row": first,
                    }
                )
        if year is not None and not any(e["year"] == year for e in entries):
            continue
        for e in sorted(entries, key=lambda e: e["no"]):
            e["rule"] = rule
            e["code"] = code
            plan.append(e)

    plan.sort(
        key=lambda e: (
            e["row"]["town_order"],
            e["row"]["enterprise"],
            e["row"]["credit_code"],
            e["row"]["event_date"],
            *rules.order(e["code"]),
            e["no"],
        )
    )
    columns = [
        Column("序号", "int", 3, align="center"),
        Column("企业名称", "text", 14, wrap=True),
        Column("统一社会信用代码", "text", 10),
        Column("所属镇街", "text", 6, wrap=True),
        Column("条款编号", "text", 5),
        Column("事项", "text", 12, wrap=True),
        Column("认定日期", "text", 5, align="center"),
        Column("兑现年度", "int", 4, align="center"),
        Column("期次", "text", 5, wrap=True),
        Column(amount_title("金额", unit), "amount", 8),
        Column("状态", "text", 4, align="center"),
        Column("备注", "text", 10, wrap=True),
    ]
    table_rows: list[list[Any]] = []
    denied: list[list[Any]] = []
    for e in plan:
        r = e["row"]
        stage = _installment_label(e["rule"], e["no"], False)
        note = AFTER_EXPIRY_MARK if e["after"] else ""
        if not e["stored"]:
            note = "；".join(x for x in (note, "未到兑现年度，按政策参数列示，届时核定") if x)
        values = [
            r["enterprise"],
            r["credit_code"],
            r["town"],
            e["code"],
            rules.name(r["rule_id"], e["code"]),
            r["event_date"],
            e["year"],
            stage,
        ]
        if e["stored"] and not _granted(r):
            reason = r["decision_reason"] or ""
            denied.append(
                [
                    len(denied) + 1,
                    *values,
                    e["amount"],
                    e["status"],
                    "；".join(x for x in (note, reason) if x),
                ]
            )
            continue
        table_rows.append([len(table_rows) + 1, *values, e["amount"], e["status"], note])
    scope = f"（含{year}年度兑现事项）" if year is not None else ""
    by_status: dict[str, int] = defaultdict(int)
    for row in table_rows:
        by_status[row[10]] += row[9]
    main = ReportTable(
        title=f"四强产业配套奖补多年度兑现计划{scope}",
        sheet_name="兑现计划",
        columns=columns,
        rows=table_rows,
        totals=totals_row(columns, table_rows, sum_columns=[9]),
        words_column=9,
        subtitle="适用条款："
        + "、".join(f"{c} {rules.name(None, c)}" for c in sorted(codes, key=rules.order)),
        notes=[
            f"“{AFTER_EXPIRY_MARK}”：政策有效期内认定的事项，其分年兑现部分在政策到期后继续兑现。",
            f"“{PROJECTED_STATUS}”：兑现年度尚未核算的分期，金额按政策参数列示。",
        ],
    )

    year_columns = [
        Column("兑现年度", "int", 4, align="center"),
        Column("笔数", "int", 4),
        Column(amount_title("应兑现金额", unit), "amount", 9),
        Column(amount_title("其中：已拨付", unit), "amount", 9),
        Column(amount_title("其中：已审核", unit), "amount", 9),
        Column(amount_title("其中：草稿及待核定", unit), "amount", 9),
        Column(amount_title("其中：政策到期后延续兑现", unit), "amount", 9),
    ]
    per_year: dict[int, list[int]] = {}
    for row in table_rows:
        acc = per_year.setdefault(row[7], [0, 0, 0, 0, 0, 0])
        acc[0] += 1
        acc[1] += row[9]
        if row[10] == "已拨付":
            acc[2] += row[9]
        elif row[10] == "已审核":
            acc[3] += row[9]
        else:
            acc[4] += row[9]
        if AFTER_EXPIRY_MARK in row[11]:
            acc[5] += row[9]
    year_rows = [[y, *v] for y, v in sorted(per_year.items())]
    by_year = ReportTable(
        title=f"多年度兑现计划{scope}（分年度汇总）",
        sheet_name="分年度汇总",
        columns=year_columns,
        rows=year_rows,
        totals=totals_row(year_columns, year_rows, sum_columns=[1, 2, 3, 4, 5, 6]),
        words_column=2,
    )
    tables = [main, by_year]
    if denied:
        denied_columns = [
            *columns[:9],
            Column(amount_title("原核定金额", unit), "amount", 8),
            columns[10],
            Column("原因", "text", 16, wrap=True),
        ]
        tables.append(
            ReportTable(
                title=f"多年度兑现计划{scope}（不予兑现及撤销记录）",
                sheet_name="不予兑现",
                columns=denied_columns,
                rows=denied,
                notes=["本表金额不计入兑现合计。"],
            )
        )
    return tables


# -- 镇街考核加分统计 ------------------------------------------------------------------------------


def assessment_rules(db: Database) -> list[str]:
    raw = db.setting("assessment_rules")
    if not raw:
        return list(DEFAULT_ASSESSMENT_RULES)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"设置项 assessment_rules 不是有效的列表：{raw}") from exc
    return [str(v) for v in value]


def assessment_report(db: Database, year: int, *, unit: Unit = "元") -> list[ReportTable]:
    """Towns with enterprises granted under the assessment rules in ``year``, with those enterprises."""
    _check_year(year)
    codes = assessment_rules(db)
    rules = _Rules(db)
    marks = ",".join("?" * len(codes)) or "NULL"
    rows = [
        r
        for r in db.query(
            _AWARD_SQL + f" WHERE a.year = ? AND a.rule_code IN ({marks})", (year, *codes)
        )
        if _granted(r)
    ]
    per_ent: dict[int, dict[str, Any]] = {}
    for r in rows:
        item = per_ent.setdefault(
            r["enterprise_id"],
            {
                "town": r["town"],
                "town_order": r["town_order"],
                "name": r["enterprise"],
                "code": r["credit_code"],
                "rules": set(),
                "amount": 0,
            },
        )
        item["rules"].add(r["rule_code"])
        item["amount"] += r["amount_fen"]
    ents = sorted(
        per_ent.values(), key=lambda e: (e["town_order"], e["town"], e["name"], e["code"])
    )
    rule_list = "、".join(f"{c} {rules.name(None, c)}" for c in codes)

    town_columns = [
        Column("序号", "int", 3, align="center"),
        Column("镇街", "text", 10),
        Column("享受政策企业户数", "int", 8),
        Column("涉及条款", "text", 16, wrap=True),
        Column(amount_title("奖补金额", unit), "amount", 10),
    ]
    towns: dict[str, dict[str, Any]] = {}
    for e in ents:
        t = towns.setdefault(e["town"], {"count": 0, "rules": set(), "amount": 0})
        t["count"] += 1
        t["rules"] |= e["rules"]
        t["amount"] += e["amount"]
    town_rows = [
        [i, name, t["count"], "、".join(sorted(t["rules"], key=rules.order)), t["amount"]]
        for i, (name, t) in enumerate(towns.items(), start=1)
    ]
    town_table = ReportTable(
        title=f"{year}年度镇街考核加分统计表",
        sheet_name="镇街考核加分",
        columns=town_columns,
        rows=town_rows,
        totals=totals_row(town_columns, town_rows, sum_columns=[2, 4]),
        words_column=4,
        subtitle=f"统计条款：{rule_list}",
        notes=[
            "依据临政字〔2021〕41号：辖区内有企业享受以上政策的镇（街道），在年度考核中予以加分。",
            "统计口径：该年度核定金额大于0且未不予奖补、未撤销的奖补。",
        ],
        empty_text="（本年度无镇街符合加分条件）",
    )
    ent_columns = [
        Column("序号", "int", 3, align="center"),
        Column("镇街", "text", 6, wrap=True),
        Column("企业名称", "text", 16, wrap=True),
        Column("统一社会信用代码", "text", 10),
        Column("享受条款", "text", 12, wrap=True),
        Column(amount_title("奖补金额", unit), "amount", 9),
    ]
    ent_rows = [
        [
            i,
            e["town"],
            e["name"],
            e["code"],
            "、".join(sorted(e["rules"], key=rules.order)),
            e["amount"],
        ]
        for i, e in enumerate(ents, start=1)
    ]
    ent_table = ReportTable(
        title=f"{year}年度镇街考核加分统计表（享受政策企业名单）",
        sheet_name="企业名单",
        columns=ent_columns,
        rows=ent_rows,
        totals=totals_row(ent_columns, ent_rows, sum_columns=[5]),
        words_column=5,
    )
    return [town_table, ent_table]
