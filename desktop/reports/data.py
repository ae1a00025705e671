"""What each report shows, as plain tables: typed rows from ``services.report_rows`` in,
:class:`Report` out (no SQL, no openpyxl, no reportlab).

Amount cells hold integer 分 (fen) and every total is a sum of integer fen, so the 合计 row equals the
sum of the rows shown whatever unit the renderer prints. The renderers (``excel.py``, ``pdf.py``) draw
any :class:`Report` the same way, so a workbook and its PDF always show the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from desktop.core import status
from desktop.core.money import format_wan, format_yuan
from desktop.services import report_rows as rr
from desktop.storage.database import Database

Kind = Literal["text", "amount", "int"]
Unit = Literal["元", "万元"]

AFTER_EXPIRY_MARK = "政策到期后延续兑现"
PROJECTED_STATUS = "待核定"
DEFAULT_ORG = "临淄区工业和信息化局"
ROUNDING_NOTE = "因四舍五入，分项之和与合计存在尾差"
WORDS_LABEL = "合计（大写）"


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` decides the cell type (amount = integer fen, int = count, text)."""

    title: str
    kind: Kind = "text"
    width: float = 8  # relative width in "CJK characters" (a CJK character = 2 Excel units)
    wrap: bool = False  # long text: wrap inside the cell instead of widening the column
    align: Literal["left", "center", "right"] | None = None
    keep_words: bool = False  # a name: break only between its words (PDF), never inside one

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
    # Rows drawn like the 合计 row between the data and it (e.g. the ledger's subtotals by state);
    # each has the shape of a row, its label in the first cell.
    subtotals: list[list[Any]] = field(default_factory=list)
    words_label: str = WORDS_LABEL  # what the 大写 line says before the words

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
            for row in (*table.rows, *table.subtotals):
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
    label: str = "合计",
) -> list[Any]:
    """The 合计 row: integer sums of the amount (and chosen count) columns of ``rows``."""
    if sum_columns is None:
        sum_columns = [i for i, c in enumerate(columns) if c.kind == "amount"]
    total: list[Any] = [None] * len(columns)
    total[label_column] = label
    for i in sum_columns:
        total[i] = sum(int(r[i] or 0) for r in rows)
    for i, value in (overrides or {}).items():
        total[i] = value
    return total


def counted_table(
    title: str, sheet: str, columns: list[Column], rows: list[list[Any]], sums: list[int]
) -> ReportTable:
    """A table of ``rows`` with its 合计 of the ``sums`` columns and a 共N条 subtitle."""
    return ReportTable(
        title=title,
        sheet_name=sheet,
        columns=columns,
        rows=rows,
        totals=totals_row(columns, rows, sum_columns=sums) if rows else None,
        subtitle=f"共{len(rows)}条",
    )


def totals_label_span(totals: Sequence[Any] | None) -> int:
    """How many leading columns the 合计 label spans: up to the first column with a total."""
    if not totals:
        return 1
    for i, value in enumerate(totals[1:], start=1):
        if value is not None:
            return i
    return len(totals)


def amount_title(label: str, unit: Unit) -> str:
    return f"{label}（{unit}）"


def _printed_wan(fen: int) -> Decimal:
    return Decimal(format_wan(fen).replace(",", ""))


Check = tuple[list[Any], list[list[Any]]]  # a total row and the rows it adds up


def rounding_gaps(table: ReportTable, checks: list[Check] | None = None) -> list[str]:
    """Amount columns whose rows, as printed in 万元, do not add up to the printed total.

    ``checks`` pairs each total row with the rows it adds up (default: the 合计 row and every
    row). Returns one description per gap, e.g. ``核定金额：分项之和 233.7036，合计 233.7037``.
    """
    if checks is None:
        checks = [(table.totals, table.rows)] if table.totals is not None else []
    gaps = []
    for total, rows in checks:
        for j, column in enumerate(table.columns):
            if column.kind != "amount" or total[j] is None:
                continue
            printed = _printed_wan(int(total[j]))
            added = sum((_printed_wan(int(r[j] or 0)) for r in rows), Decimal(0))
            if added != printed:
                label = column.title.split("（")[0]
                what = "" if total[0] == "合计" else f"{total[0]}，"
                gaps.append(f"{what}{label}：分项之和 {added:,.4f}，合计 {printed:,.4f}")
    return gaps


def add_rounding_note(table: ReportTable, unit: Unit, checks: list[Check] | None = None) -> None:
    """In 万元, say under the table where the printed rows do not add up to the printed 合计."""
    if unit != "万元":
        return
    gaps = rounding_gaps(table, checks)
    if gaps:
        table.notes.append(
            f"{ROUNDING_NOTE}（{'；'.join(gaps)}；单位：万元），以按元计算的合计为准。"
        )


def _money_text(fen: int, unit: Unit) -> str:
    return f"{format_yuan(fen) if unit == '元' else format_wan(fen)} {unit}"


def _installment_label(method: str | None, no: int, after_expiry: bool) -> str:
    if method != "installments":
        text = "" if no == 0 else f"第{no}期"
    else:
        text = "一次性奖励" if no == 0 else f"第{no}年分期"
    if after_expiry:
        text += ("（" if text else "") + AFTER_EXPIRY_MARK + ("）" if text else "")
    return text


def _reason(award: rr.AwardRow) -> str:
    text = award.explanation
    if award.decision_reason:
        text += f"（{award.status}理由：{award.decision_reason}）"
    return text


def default_year(db: Database, as_of: date) -> int:
    """The newest award year not after ``as_of`` (or ``as_of``'s year when there is none)."""
    return rr.default_year(db, as_of)


# -- 奖补明细表 -----------------------------------------------------------------------------------


def _detail_columns(unit: Unit) -> list[Column]:
    return [
        Column("序号", "int", 3, align="center"),
        Column("企业名称", "text", 14, wrap=True, keep_words=True),
        Column("统一社会信用代码", "text", 10),
        Column("所属镇街", "text", 6, wrap=True, keep_words=True),
        Column("条款编号", "text", 5),
        Column("条款名称", "text", 12, wrap=True),
        Column(amount_title("计算基数", unit), "amount", 8),
        Column(amount_title("核定金额", unit), "amount", 8),
        Column("计算说明", "text", 24, wrap=True),
        Column("状态", "text", 3, align="center"),
        Column("分期", "text", 5, wrap=True),
    ]


def _detail_common(r: rr.AwardRow) -> list[Any]:
    return [r.enterprise, r.credit_code, r.town, r.rule_code, r.rule_name, r.basis_fen]


def detail_report(db: Database, year: int, *, unit: Unit = "元") -> list[ReportTable]:
    """奖补明细 (granted awards and installments of ``year``) and 不予奖补 (the rest, with reasons)."""
    data = rr.detail_rows(db, year)
    columns = _detail_columns(unit)
    granted = [
        [
            n,
            *_detail_common(r),
            r.amount_fen,
            r.explanation,
            r.status,
            _installment_label(r.rule_method, r.installment_no, r.after_expiry),
        ]
        for n, r in enumerate(data.granted, start=1)
    ]
    denied = [
        [
            n,
            *_detail_common(r),
            status.shown(r.status, r.amount_fen),  # a 0 draft is 核定为0, not 草稿 on paper
            _installment_label(r.rule_method, r.installment_no, r.after_expiry),
            _reason(r),
        ]
        for n, r in enumerate(data.not_granted, start=1)
    ]
    main = ReportTable(
        title=f"{year}年度四强产业配套奖补明细表",
        sheet_name="奖补明细",
        columns=columns,
        rows=granted,
        totals=totals_row(columns, granted, sum_columns=[7]),
        words_column=7,
        subtitle=f"共{len(granted)}笔，涉及企业{len({r.enterprise_id for r in data.granted})}户",
    )
    add_rounding_note(main, unit)
    denied_columns = [
        *columns[:7],
        Column("状态", "text", 4, align="center"),
        Column("分期", "text", 5, wrap=True),
        Column("不予奖补原因（计算说明）", "text", 34, wrap=True),
    ]
    second = ReportTable(
        title=f"{year}年度不予奖补事项",
        sheet_name=status.REJECTED,  # interfaces.md: the second sheet is named 不予奖补
        columns=denied_columns,
        rows=denied,
        subtitle=f"共{len(denied)}笔（核定为0、不予奖补或已撤销）",
    )
    return [main, second]


# -- 汇总表 --------------------------------------------------------------------------------------


def summary_report(db: Database, year: int, *, unit: Unit = "元") -> list[ReportTable]:
    """Granted awards of ``year`` by rule and by town, every rule and every active town listed."""
    data = rr.summary_rows(db, year)
    rule_columns = [
        Column("序号", "int", 3, align="center"),
        Column("条款编号", "text", 5),
        Column("条款名称", "text", 26, wrap=True),
        Column("户数", "int", 4),
        Column("笔数", "int", 4),
        Column(amount_title("核定金额", unit), "amount", 10),
    ]
    rule_rows = [
        [n, g.key, g.name, g.enterprises, g.awards, g.amount_fen]
        for n, g in enumerate(data.by_rule, start=1)
    ]
    rule_table = ReportTable(
        title=f"{year}年度四强产业配套奖补汇总表（按条款）",
        sheet_name="按条款汇总",
        columns=rule_columns,
        rows=rule_rows,
        totals=totals_row(
            rule_columns, rule_rows, sum_columns=[4, 5], overrides={3: data.enterprises}
        ),
        words_column=5,
        notes=["合计户数为去重后的企业户数（一户企业可享受多项条款，故可能小于各条款户数之和）。"],
    )
    add_rounding_note(rule_table, unit)
    town_columns = [
        Column("序号", "int", 3, align="center"),
        Column("所属镇街", "text", 10, keep_words=True),
        Column("户数", "int", 4),
        Column("笔数", "int", 4),
        Column(amount_title("核定金额", unit), "amount", 10),
    ]
    town_rows = [
        [n, g.key, g.enterprises, g.awards, g.amount_fen]
        for n, g in enumerate(data.by_town, start=1)
    ]
    town_table = ReportTable(
        title=f"{year}年度四强产业配套奖补汇总表（按镇街）",
        sheet_name="按镇街汇总",
        columns=town_columns,
        rows=town_rows,
        totals=totals_row(town_columns, town_rows, sum_columns=[2, 3, 4]),
        words_column=4,
    )
    add_rounding_note(town_table, unit)
    return [rule_table, town_table]


# -- 单户企业奖补台账 ------------------------------------------------------------------------------

_LEDGER_LABELS = {
    rr.PAID: "已拨付小计",
    rr.COMMITTED: "已审核未拨付小计",
    rr.DRAFT: "草稿（未审核）小计",
    rr.PLANNED: "计划兑现（以后年度，未核定）小计",
}
LEDGER_GRANTED_LABEL = "已给予合计（已拨付＋已审核未拨付）"


def _ledger_columns(unit: Unit) -> list[Column]:
    return [
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


def _ledger_award(r: rr.AwardRow, amount_text: str) -> tuple[str, list[Any]]:
    row = [
        r.year,
        r.event_date,
        r.rule_code,
        r.rule_name,
        _installment_label(r.rule_method, r.installment_no, r.after_expiry),
        r.basis_fen,
        r.amount_fen,
        status.shown(r.status, r.amount_fen),
        amount_text,
    ]
    return rr.ledger_group(r), row


def _ledger_planned(e: rr.PlanEntry) -> tuple[str, list[Any]]:
    note = "未到兑现年度，按政策参数列示，届时核定"
    if e.after_expiry:
        note = f"{AFTER_EXPIRY_MARK}；{note}"
    row = [
        e.year,
        e.matter.event_date,
        e.matter.rule_code,
        e.matter.rule_name,
        _installment_label("installments", e.installment_no, False),
        None,
        e.amount_fen,
        PROJECTED_STATUS,
        note,
    ]
    return rr.PLANNED, row


def _ledger_subtitle(ent: rr.EnterpriseInfo) -> tuple[str, str]:
    who = f"企业名称：{ent.name}；统一社会信用代码：{ent.credit_code}"
    years = "、".join(str(y) for y in ent.list_years) or "无"
    return who, (
        f"{who}；所属镇街：{ent.town}；是否规上：{'是' if ent.above_scale else '否'}；"
        f"四强产业：{ent.industry or '—'}；列入四强名单年度：{years}"
    )


def _ledger_notes(grouped: list[tuple[str, list[Any]]], unit: Unit) -> list[str]:
    per_year: dict[int, int] = defaultdict(int)
    for group, row in grouped:
        if group in (rr.PAID, rr.COMMITTED):
            per_year[row[0]] += row[6]
    notes = [
        "“已给予”为已作出审核决定的金额（已拨付，及审核中、已审核、拨付失败等已审核未拨付）；"
        "草稿及计划兑现金额未经审核，不计入已给予合计。"
    ]
    if per_year:
        notes.append(
            "分年度已给予金额："
            + "；".join(f"{y}年度 {_money_text(v, unit)}" for y, v in sorted(per_year.items()))
        )
    return notes


def ledger_report(
    db: Database, credit_code: str, *, unit: Unit = "元"
) -> tuple[str, list[ReportTable]]:
    """Every award and installment of one enterprise, all years, with subtotals by state."""
    data = rr.ledger_rows(db, credit_code)
    columns = _ledger_columns(unit)
    grouped = [_ledger_award(r, r.explanation) for r in data.awards]
    grouped += [_ledger_planned(e) for e in data.planned]
    grouped.sort(key=lambda item: (item[1][0], item[1][1]))  # year, then event date (stable)
    rows = [[n, *row] for n, (_group, row) in enumerate(grouped, start=1)]
    checks: list[Check] = []
    for group in rr.LEDGER_GROUPS:
        members = [row for row, (g, _r) in zip(rows, grouped, strict=True) if g == group]
        checks.append(
            (totals_row(columns, members, sum_columns=[7], label=_LEDGER_LABELS[group]), members)
        )
    granted = [r for r, (g, _r) in zip(rows, grouped, strict=True) if g in (rr.PAID, rr.COMMITTED)]
    checks.append(
        (totals_row(columns, granted, sum_columns=[7], label=LEDGER_GRANTED_LABEL), granted)
    )
    who, subtitle = _ledger_subtitle(data.enterprise)
    main = ReportTable(
        title=f"单户企业奖补台账（{data.enterprise.name}）",
        sheet_name="奖补台账",
        columns=columns,
        rows=rows,
        totals=checks[-1][0],
        words_column=7,
        subtitle=subtitle,
        notes=_ledger_notes(grouped, unit),
        subtotals=[total for total, _members in checks[:-1]],
        words_label="已给予合计（大写）",
    )
    add_rounding_note(main, unit, checks)
    other_columns = [
        *columns[:7],
        Column(amount_title("原核定金额", unit), "amount", 8),
        *columns[8:],
    ]
    other = [[n, *_ledger_award(r, _reason(r))[1]] for n, r in enumerate(data.not_granted, start=1)]
    rest = ReportTable(
        title="不予奖补及撤销记录",
        sheet_name="不予奖补及撤销",
        columns=other_columns,
        rows=other,
        subtitle=who,
        notes=["本表金额不计入奖补合计。"] if other else [],
    )
    return data.enterprise.name, [main, rest]


# -- 多年度兑现计划 --------------------------------------------------------------------------------


def _plan_columns(unit: Unit) -> list[Column]:
    return [
        Column("序号", "int", 3, align="center"),
        Column("企业名称", "text", 14, wrap=True, keep_words=True),
        Column("统一社会信用代码", "text", 10),
        Column("所属镇街", "text", 6, wrap=True, keep_words=True),
        Column("条款编号", "text", 5),
        Column("事项", "text", 12, wrap=True),
        Column("认定日期", "text", 5, align="center"),
        Column("兑现年度", "int", 4, align="center"),
        Column("期次", "text", 5, wrap=True),
        Column(amount_title("金额", unit), "amount", 8),
        Column("状态", "text", 4, align="center"),
        Column("备注", "text", 10, wrap=True),
    ]


def _plan_values(e: rr.PlanEntry) -> list[Any]:
    m = e.matter
    method = e.rule.method if e.rule else None
    return [
        m.enterprise,
        m.credit_code,
        m.town,
        m.rule_code,
        m.rule_name,
        m.event_date,
        e.year,
        _installment_label(method, e.installment_no, False),
    ]


def _plan_note(e: rr.PlanEntry) -> str:
    note = AFTER_EXPIRY_MARK if e.after_expiry else ""
    if e.projected:
        note = "；".join(x for x in (note, "未到兑现年度，按政策参数列示，届时核定") if x)
    return note


def _plan_by_year(rows: list[list[Any]], groups: list[str], unit: Unit, scope: str) -> ReportTable:
    columns = [
        Column("兑现年度", "int", 4, align="center"),
        Column("笔数", "int", 4),
        Column(amount_title("应兑现金额", unit), "amount", 9),
        Column(amount_title("其中：已拨付", unit), "amount", 9),
        Column(amount_title("其中：已审核未拨付", unit), "amount", 9),
        Column(amount_title("其中：草稿及待核定", unit), "amount", 9),
        Column(amount_title("其中：政策到期后延续兑现", unit), "amount", 9),
    ]
    slot = {rr.PAID: 2, rr.COMMITTED: 3, rr.DRAFT: 4, rr.PLANNED: 4}
    per_year: dict[int, list[int]] = {}
    for row, group in zip(rows, groups, strict=True):
        acc = per_year.setdefault(row[7], [0, 0, 0, 0, 0, 0])
        acc[0] += 1
        acc[1] += row[9]
        acc[slot[group]] += row[9]
        if AFTER_EXPIRY_MARK in row[11]:
            acc[5] += row[9]
    year_rows = [[y, *v] for y, v in sorted(per_year.items())]
    table = ReportTable(
        title=f"多年度兑现计划{scope}（分年度汇总）",
        sheet_name="分年度汇总",
        columns=columns,
        rows=year_rows,
        totals=totals_row(columns, year_rows, sum_columns=[1, 2, 3, 4, 5, 6]),
        words_column=2,
    )
    add_rounding_note(table, unit)
    return table


def installments_report(
    db: Database, *, year: int | None = None, unit: Unit = "元"
) -> list[ReportTable]:
    """The multi-year plan of every ``installments`` rule matter: what falls due when, and its state.

    Stored awards show their status; yearly installments not yet calculated (their due year has not
    been calculated) are projected from the rule's parameters with status 待核定. With ``year``, only
    matters with something due in that year are listed (still with their whole plan).
    """
    plan = rr.installment_plan(db, year=year)
    if not plan.codes:
        return []
    columns = _plan_columns(unit)
    rows: list[list[Any]] = []
    groups: list[str] = []
    denied: list[list[Any]] = []
    for e in plan.entries:
        values = _plan_values(e)
        if not e.counts_as_granted:
            reason = e.award.decision_reason if e.award else ""
            note = "；".join(x for x in (_plan_note(e), reason) if x)
            denied.append([len(denied) + 1, *values, e.amount_fen, e.status, note])
            continue
        state = e.status or PROJECTED_STATUS
        rows.append([len(rows) + 1, *values, e.amount_fen, state, _plan_note(e)])
        groups.append(rr.ledger_group(e.award))
    scope = f"（含{year}年度兑现事项）" if year is not None else ""
    main = ReportTable(
        title=f"四强产业配套奖补多年度兑现计划{scope}",
        sheet_name="兑现计划",
        columns=columns,
        rows=rows,
        totals=totals_row(columns, rows, sum_columns=[9]),
        words_column=9,
        subtitle="适用条款：" + "、".join(f"{c} {n}" for c, n in plan.codes),
        notes=[
            f"“{AFTER_EXPIRY_MARK}”：政策有效期内认定的事项，其分年兑现部分在政策到期后继续兑现。",
            f"“{PROJECTED_STATUS}”：兑现年度尚未核算的分期，金额按政策参数列示。",
        ],
    )
    add_rounding_note(main, unit)
    tables = [main, _plan_by_year(rows, groups, unit, scope)]
    if denied:
        tables.append(_plan_denied(columns, denied, unit, scope))
    return tables


def _plan_denied(columns: list[Column], denied: list[list[Any]], unit: Unit, scope: str):
    denied_columns = [
        *columns[:9],
        Column(amount_title("原核定金额", unit), "amount", 8),
        columns[10],
        Column("原因", "text", 16, wrap=True),
    ]
    return ReportTable(
        title=f"多年度兑现计划{scope}（不予兑现及撤销记录）",
        sheet_name="不予兑现",
        columns=denied_columns,
        rows=denied,
        notes=["本表金额不计入兑现合计。"],
    )


# -- 镇街考核加分统计 ------------------------------------------------------------------------------


def assessment_report(db: Database, year: int, *, unit: Unit = "元") -> list[ReportTable]:
    """Towns with enterprises granted under the assessment rules in ``year``, with those enterprises."""
    data = rr.assessment_rows(db, year)
    rule_list = "、".join(f"{c} {n}" for c, n in data.codes) or "（未设置）"
    town_columns = [
        Column("序号", "int", 3, align="center"),
        Column("镇街", "text", 10, keep_words=True),
        Column("享受政策企业户数", "int", 8),
        Column("涉及条款", "text", 16, wrap=True),
        Column(amount_title("奖补金额", unit), "amount", 10),
    ]
    town_rows = [
        [n, t.town, t.enterprises, "、".join(t.rules), t.amount_fen]
        for n, t in enumerate(data.towns, start=1)
    ]
    basis = f"依据{data.citation}：{data.basis_text}" if data.citation else data.basis_text
    town_table = ReportTable(
        title=f"{year}年度镇街考核加分统计表",
        sheet_name="镇街考核加分",
        columns=town_columns,
        rows=town_rows,
        totals=totals_row(town_columns, town_rows, sum_columns=[2, 4]),
        words_column=4,
        subtitle=f"统计条款：{rule_list}",
        notes=[
            x for x in (basis, "统计口径：该年度核定金额大于0且未不予奖补、未撤销的奖补。") if x
        ],
        empty_text="（本年度无镇街符合加分条件）",
    )
    add_rounding_note(town_table, unit)
    ent_columns = [
        Column("序号", "int", 3, align="center"),
        Column("镇街", "text", 6, wrap=True, keep_words=True),
        Column("企业名称", "text", 16, wrap=True, keep_words=True),
        Column("统一社会信用代码", "text", 10),
        Column("享受条款", "text", 12, wrap=True),
        Column(amount_title("奖补金额", unit), "amount", 9),
    ]
    ent_rows = [
        [n, e.town, e.name, e.credit_code, "、".join(e.rules), e.amount_fen]
        for n, e in enumerate(data.enterprises, start=1)
    ]
    ent_table = ReportTable(
        title=f"{year}年度镇街考核加分统计表（享受政策企业名单）",
        sheet_name="企业名单",
        columns=ent_columns,
        rows=ent_rows,
        totals=totals_row(ent_columns, ent_rows, sum_columns=[5]),
        words_column=5,
    )
    add_rounding_note(ent_table, unit)
    return [town_table, ent_table]


# -- the list of reports -------------------------------------------------------------------------

Builder = Callable[..., tuple[str, list[ReportTable]]]


def build_detail(db: Database, *, year: int, credit_code: str | None, unit: Unit):
    tables = detail_report(db, year, unit=unit)
    return tables[0].title, tables


def build_summary(db: Database, *, year: int, credit_code: str | None, unit: Unit):
    return f"{year}年度四强产业配套奖补汇总表", summary_report(db, year, unit=unit)


def build_ledger(db: Database, *, year: int | None, credit_code: str, unit: Unit):
    enterprise, tables = ledger_report(db, credit_code, unit=unit)
    return f"单户企业奖补台账（{enterprise}）", tables


def build_installments(db: Database, *, year: int | None, credit_code: str | None, unit: Unit):
    tables = installments_report(db, year=year, unit=unit)
    return (tables[0].title if tables else "四强产业配套奖补多年度兑现计划"), tables


def build_assessment(db: Database, *, year: int, credit_code: str | None, unit: Unit):
    tables = assessment_report(db, year, unit=unit)
    return tables[0].title, tables
