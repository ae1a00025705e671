"""Test helpers: write import workbooks with openpyxl, valid rows for the three imports, row counts.

Rows are plain sequences in header order (``None`` leaves the cell empty); ``date`` and
``datetime`` values become real Excel dates, everything else is written as given.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook

from desktop.core.creditcode import make_credit_code

ENTERPRISE_HEADERS = (
    "统一社会信用代码",
    "企业名称",
    "所属镇街",
    "是否规上",
    "四强产业",
    "联系人",
    "联系电话",
)
LIST_HEADERS = ("统一社会信用代码", "企业名称")
APPLICATION_HEADERS = (
    "统一社会信用代码",
    "企业名称",
    "条款编号",
    "事项日期",
    "基数金额（元）",
    "认定级别",
    "市级政策文号",
    "事项说明",
)
TABLES = ("enterprises", "siqiang_list", "applications", "awards", "change_log")
TOWNS = ("辛店街道", "闻韶街道", "齐都镇", "临淄经济开发区")
INDUSTRIES = ("新材料", "智能装备", "医药健康", "电子信息", None)


def write_xlsx(
    path: str | Path | BinaryIO,
    headers: Sequence[Any] | None,
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str | None = None,
) -> Path:
    """Write one sheet: the header row (unless ``headers`` is None), then ``rows``.

    ``path`` may also be a binary stream (e.g. ``io.BytesIO``); it is returned as given.
    """
    if isinstance(path, str | os.PathLike):
        path = Path(path)
    book = Workbook()
    sheet = book.active
    if sheet_title:
        sheet.title = sheet_title
    out_row = 1
    if headers is not None:
        for col, value in enumerate(headers, start=1):
            sheet.cell(row=out_row, column=col, value=value)
        out_row += 1
    for values in rows:
        for col, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = sheet.cell(row=out_row, column=col, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
        out_row += 1
    book.save(path)
    return path


def write_records(
    path: str | Path, headers: Sequence[str], records: Iterable[Mapping[str, Any]], **kwargs: Any
) -> Path:
    """Like :func:`write_xlsx`, for rows given as {header: value} (missing keys → empty cells)."""
    return write_xlsx(path, headers, [[r.get(h) for h in headers] for r in records], **kwargs)


def code(n: int) -> str:
    """The n-th valid credit code (deterministic, distinct for 0 ≤ n < 10**6)."""
    return make_credit_code("9", "1", "370305", f"MA{n:06d}")


def enterprise_name(n: int) -> str:
    return f"淄博测试{n:04d}新材料有限公司"


def enterprise_row(n: int, **changes: Any) -> dict[str, Any]:
    """A valid 企业名录 row for enterprise number ``n``; keyword arguments override columns."""
    row = {
        "统一社会信用代码": code(n),
        "企业名称": enterprise_name(n),
        "所属镇街": TOWNS[n % len(TOWNS)],
        "是否规上": "是" if n % 3 else "否",
        "四强产业": INDUSTRIES[n % len(INDUSTRIES)],
        "联系人": "王经理",
        "联系电话": f"0533-71{n:05d}",
    }
    row.update(changes)
    return row


def list_row(n: int, **changes: Any) -> dict[str, Any]:
    row = {"统一社会信用代码": code(n), "企业名称": enterprise_name(n)}
    row.update(changes)
    return row


def application_row(n: int, **changes: Any) -> dict[str, Any]:
    """A valid LZ41-2 application (ratio rule with a basis) of enterprise ``n`` in 2024."""
    row = {
        "统一社会信用代码": code(n),
        "企业名称": enterprise_name(n),
        "条款编号": "LZ41-2",
        "事项日期": date(2024, 3, 15),
        "基数金额（元）": 1_000_000 + n,
        "认定级别": None,
        "市级政策文号": None,
        "事项说明": f"第{n}号测试事项",
    }
    row.update(changes)
    return row


def write_enterprises(path: str | Path, records: Iterable[Mapping[str, Any]]) -> Path:
    return write_records(path, ENTERPRISE_HEADERS, records)


def write_list(path: str | Path, records: Iterable[Mapping[str, Any]]) -> Path:
    return write_records(path, LIST_HEADERS, records)


def write_applications(path: str | Path, records: Iterable[Mapping[str, Any]]) -> Path:
    return write_records(path, APPLICATION_HEADERS, records)


def register_enterprises(db: Any, numbers: Iterable[int]) -> None:
    """Put enterprises ``numbers`` into the registry directly (not through the import)."""
    from desktop.services.registry import EnterpriseInput, upsert_enterprises

    items = []
    for n in numbers:
        r = enterprise_row(n)
        items.append(
            EnterpriseInput(
                credit_code=r["统一社会信用代码"],
                name=r["企业名称"],
                town=r["所属镇街"],
                above_scale=r["是否规上"] == "是",
                industry=r["四强产业"],
                contact=r["联系人"],
                phone=r["联系电话"],
            )
        )
    upsert_enterprises(db, items, action="测试")


def row_counts(db: Any) -> dict[str, int]:
    """Row counts of the tables an import may touch."""
    return {t: db.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}


def snapshot(db: Any) -> tuple[dict[str, int], str | None]:
    """Row counts plus the newest change-log hash (a rejected import must leave both alone)."""
    last = db.scalar("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1")
    return row_counts(db), last
