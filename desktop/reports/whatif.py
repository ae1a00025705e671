"""试算对比表: what ``services.whatif`` found, as a report (Excel or PDF) for a 局务会.

Four tables, one sheet each: 汇总 (现行合计, 试算合计, 差额), 按条款, 按镇街 and 企业变化 (the
enterprises whose amount changes, largest change first). Built from the service's typed rows;
no SQL here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from desktop.reports.data import Column, Report, ReportTable, counted_table

_AMOUNTS = [
    Column("现行（元）", "amount", 9),
    Column("试算（元）", "amount", 9),
    Column("差额（元）", "amount", 9),
]


def whatif_report(result: Any, *, as_of: date | None = None) -> Report:
    """The 试算对比表 of one what-if (``services.whatif.WhatIf``)."""
    summary = [[result.against, result.now_fen, result.trial_fen, result.difference_fen]]
    rules = [[c.key, c.name, c.now_fen, c.trial_fen, c.difference_fen] for c in result.by_rule]
    towns = [[c.key, c.now_fen, c.trial_fen, c.difference_fen] for c in result.by_town]
    enterprises = [
        [i, c.key, c.name, c.town, c.now_fen, c.trial_fen, c.difference_fen]
        for i, c in enumerate(result.enterprises, start=1)
    ]
    tables = [
        ReportTable(
            title=f"{result.year}年度试算汇总",
            sheet_name="汇总",
            columns=[Column("试算依据", "text", 24, wrap=True), *_AMOUNTS],
            rows=summary,
        ),
        counted_table(
            "按条款",
            "按条款",
            [Column("条款编号", "text", 6), Column("条款名称", "text", 20, wrap=True), *_AMOUNTS],
            rules,
            [2, 3, 4],
        ),
        counted_table(
            "按镇街", "按镇街", [Column("所属镇街", "text", 10), *_AMOUNTS], towns, [1, 2, 3]
        ),
        counted_table(
            "金额变化的企业",
            "企业变化",
            [
                Column("序号", "int", 3, align="center"),
                Column("统一社会信用代码", "text", 10),
                Column("企业名称", "text", 16, wrap=True),
                Column("所属镇街", "text", 6),
                *_AMOUNTS,
            ],
            enterprises,
            [4, 5, 6],
        ),
    ]
    return Report(
        name="whatif",
        title=f"{result.year}年度四强产业配套奖补政策试算对比表",
        tables=tables,
        as_of=as_of or date.today(),
        year=result.year,
    )
