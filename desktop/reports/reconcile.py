"""市级下达清单对账表: what ``services.city.import_city_list`` found, as a report (Excel or PDF).

Four tables, one sheet each: 匹配一致 (rows that match a matter with the same amount), 新建事项
(rows no matter matched: the matters 市级下达清单生成 made), 金额变更 (matched with a different
amount: updated, or a 补拨/追回 proposal), 清单未列 (the list's 文号 and years, matters the list
does not have). Built from the service's typed rows; no SQL here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from desktop.reports.data import Column, Report, counted_table

_ROW_COLUMNS = [
    Column("行号", "int", 3, align="center"),
    Column("统一社会信用代码", "text", 10),
    Column("企业名称", "text", 14, wrap=True),
    Column("市级政策文号", "text", 10, wrap=True),
    Column("下达日期", "text", 6, align="center"),
    Column("下达文号", "text", 8, wrap=True),
    Column("市级资金金额（元）", "amount", 8),
    Column("事项编号", "int", 4, align="center"),
    Column("事项日期", "text", 6, align="center"),
]


def _row_cells(line: Any) -> list[Any]:
    r = line.row
    return [
        r.row,
        r.credit_code,
        r.enterprise_name,
        r.document,
        r.issued_on.isoformat(),
        r.issue_document or "",
        r.amount_fen,
        line.application_id,
        line.event_date or (r.issued_on.isoformat() if line.outcome == "新建" else ""),
    ]


def reconcile_report(result: Any, *, as_of: date | None = None) -> Report:
    """The 对账表 of one city-list import (``services.city.CityImport``)."""
    lines = result.lines
    matched = [[*_row_cells(x), x.note] for x in lines if x.outcome == "一致"]
    created = [[*_row_cells(x), x.note] for x in lines if x.outcome == "新建"]
    changed = [
        [*_row_cells(x), x.old_basis_fen, x.row.amount_fen - (x.old_basis_fen or 0), x.outcome,
         x.award_status or "", x.award_fen, x.note]
        for x in lines
        if x.outcome not in ("一致", "新建")
    ]  # fmt: skip
    lacking = [
        [m.application_id, m.credit_code, m.enterprise_name, m.town, m.rule_code or "",
         m.city_document or "", m.event_date, m.basis_fen, m.source, m.award_status or "未核定",
         m.award_fen]
        for m in result.lacking
    ]  # fmt: skip
    note = Column("说明", "text", 16, wrap=True)
    change_columns = [
        *_ROW_COLUMNS,
        Column("事项原金额（元）", "amount", 8),
        Column("差额（元）", "amount", 8),
        Column("处理", "text", 4, align="center"),
        Column("核定状态", "text", 4, align="center"),
        Column("核定金额（元）", "amount", 8),
        note,
    ]
    lacking_columns = [
        Column("事项编号", "int", 4, align="center"),
        Column("统一社会信用代码", "text", 10),
        Column("企业名称", "text", 14, wrap=True),
        Column("所属镇街", "text", 6),
        Column("条款编号", "text", 5),
        Column("市级政策文号", "text", 10, wrap=True),
        Column("事项日期", "text", 6, align="center"),
        Column("基数（元）", "amount", 8),
        Column("来源", "text", 6),
        Column("核定状态", "text", 4, align="center"),
        Column("核定金额（元）", "amount", 8),
    ]
    tables = [
        counted_table("匹配一致", "匹配一致", [*_ROW_COLUMNS, note], matched, [6]),
        counted_table(
            "新建事项（市级下达清单生成）", "新建事项", [*_ROW_COLUMNS, note], created, [6]
        ),
        counted_table(
            "金额变更（更新事项或补拨、追回建议）", "金额变更", change_columns, changed, [6, 9, 10]
        ),
        counted_table("清单未列的事项", "清单未列", lacking_columns, lacking, [7]),
    ]
    return Report(
        name="reconcile",
        title=f"市级下达清单对账表（{result.file_name}）",
        tables=tables,
        as_of=as_of or date.today(),
    )
