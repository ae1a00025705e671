"""The change log for auditors: who entered, changed and approved what, filtered and exported.

``query_log`` reads ``change_log`` (the append-only, hash-chained table written by
``Database.log``) with optional filters by user, date range and enterprise; ``export_log`` writes
the same rows to an .xlsx workbook (openpyxl imported only then) including each entry's hash, so
an auditor can match the copy against the database. Qt-free: the GUI page and the ``log`` command
both use this module.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from desktop.core.errors import ValidationError
from desktop.core.money import format_yuan
from desktop.services.cells import safe_cell, text_row
from desktop.storage.database import Database, now_text
from desktop.storage.files import check_target, guard_output, write_file

DEFAULT_LIMIT = 1000
TABLE_LABELS = {
    "enterprises": "企业名录",
    "siqiang_list": "四强名单",
    "applications": "奖补事项",
    "awards": "核定结果",
    "towns": "镇街",
    "policies": "政策",
    "policy_versions": "政策版本",
    "rules": "政策条款",
    "settings": "系统设置",
    "users": "用户",
    "intake_items": "受理",
    "office_files": "上报包与回执",
    "office_keys": "公钥登记",
}
HEADERS = ("编号", "时间", "操作人", "操作", "数据", "记录", "原值", "新值")
_ENTERPRISE_MATCHES = 200  # at most this many enterprises match a name fragment
_TEXT_MATCHES = 20  # up to this many matched enterprises, their codes are also searched as text


@dataclass(frozen=True)
class LogEntry:
    id: int
    at: str
    user: str
    action: str
    table_name: str
    row_key: str | None
    old_values: str | None
    new_values: str | None
    hash: str

    @property
    def at_text(self) -> str:
        return self.at.replace("T", " ")

    @property
    def table_label(self) -> str:
        return TABLE_LABELS.get(self.table_name, self.table_name)

    @property
    def old_text(self) -> str:
        return values_text(self.old_values)

    @property
    def new_text(self) -> str:
        return values_text(self.new_values)

    def cells(self) -> tuple[Any, ...]:
        """The row as the table and the export show it (in :data:`HEADERS` order)."""
        return (
            self.id,
            self.at_text,
            self.user,
            self.action,
            self.table_label,
            self.row_key or "",
            self.old_text,
            self.new_text,
        )


# What the change log's JSON keys mean, in the clerk's words. A key not listed stays as it is.
FIELD_LABELS = {
    "above_scale": "是否规上",
    "account_name": "账户名称",
    "added": "新增",
    "amount_fen": "金额",
    "award_fen": "奖补金额",
    "bank_account": "银行账号",
    "bank_name": "开户银行",
    "basis_fen": "计算基数",
    "city_document": "市级政策文号",
    "computed_fen": "计算金额",
    "contact": "联系人",
    "credit_code": "统一社会信用代码",
    "deleted": "删除",
    "description": "事项说明",
    "doc_number": "文号",
    "dropped": "移出",
    "enterprise_id": "企业编号",
    "event_date": "事项日期",
    "granted": "给予奖补",
    "identity_key": "事项标识",
    "industry": "四强产业",
    "inserted": "新增",
    "issued_on": "发文日期",
    "level": "认定级别",
    "locked": "已锁定",
    "manual_amount_fen": "核定金额",
    "name": "名称",
    "phone": "联系电话",
    "reason": "理由",
    "results": "结果数",
    "role": "角色",
    "rule_code": "条款编号",
    "same_matter_key": "同一事项编号",
    "status": "状态",
    "title": "标题",
    "total": "合计",
    "total_fen": "合计金额",
    "town_id": "镇街编号",
    "towns": "镇街",
    "unchanged": "未变",
    "updated": "更新",
    "valid_from": "施行日期",
    "valid_to": "有效期至",
    "value": "值",
    "year": "年度",
}


def _value_text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
        return f"{format_yuan(value)}元"
    if key == "above_scale" and isinstance(value, bool | int):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def values_text(raw: str | None) -> str:
    """``{"amount_fen": 15000000, "status": "已审核"}`` → ``金额=150,000.00元；状态=已审核``:
    fields in Chinese, amounts (stored in 分) in 元."""
    if not raw:
        return ""
    try:
        values = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(values, dict):
        return str(values)
    return "；".join(f"{FIELD_LABELS.get(k, k)}={_value_text(k, v)}" for k, v in values.items())


def parse_day(text: str | date | None, what: str) -> date | None:
    if text is None or text == "":
        return None
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValidationError(
            f"{what}“{text}”不是有效日期，应写作 2024-05-06", field=what
        ) from None


def _enterprise_clause(db: Database, text: str) -> tuple[str, list[Any]]:
    """Entries about an enterprise given by credit code or (part of) its name: its own row, its
    applications, awards and list entries, plus any entry whose key or values mention the text."""
    needle = text.strip()
    rows = db.query(
        "SELECT id, credit_code FROM enterprises WHERE credit_code = ?", (needle.upper(),)
    )
    if rows:
        needle = needle.upper()
    else:
        rows = db.query(
            "SELECT id, credit_code FROM enterprises WHERE name LIKE ? ESCAPE '\\' LIMIT ?",
            (f"%{_like(needle)}%", _ENTERPRISE_MATCHES),
        )
    text_match = "(instr(row_key, ?) > 0 OR instr(new_values, ?) > 0 OR instr(old_values, ?) > 0)"
    parts = [text_match]
    params: list[Any] = [needle] * 3
    if rows:
        ids = [r["id"] for r in rows]
        codes = [r["credit_code"] for r in rows]
        marks = ",".join("?" * len(ids))
        cmarks = ",".join("?" * len(codes))
        parts.append(f"(table_name = 'enterprises' AND row_key IN ({cmarks}))")
        params.extend(codes)
        # application identity keys start with the credit code
        parts.append(f"(table_name = 'applications' AND substr(row_key, 1, 18) IN ({cmarks}))")
        params.extend(codes)
        if len(codes) <= _TEXT_MATCHES:  # e.g. a list replacement naming the codes it added
            for c in codes:
                if c != needle:
                    parts.append(text_match)
                    params.extend([c] * 3)
        parts.append(
            "(table_name = 'applications' AND row_key IN"
            f" (SELECT CAST(id AS TEXT) FROM applications WHERE enterprise_id IN ({marks})))"
        )
        parts.append(
            "(table_name = 'awards' AND row_key IN"
            f" (SELECT CAST(id AS TEXT) FROM awards WHERE enterprise_id IN ({marks})))"
        )
        parts.append(  # one enterprise's place on a list: row key "year/enterprise id"
            "(table_name = 'siqiang_list' AND"
            f" substr(row_key, instr(row_key, '/') + 1) IN ({marks}))"
        )
        params.extend(ids * 2)
        params.extend(str(i) for i in ids)
    return "(" + " OR ".join(parts) + ")", params


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(
    db: Database,
    user: str | None,
    date_from: str | date | None,
    date_to: str | date | None,
    enterprise: str | None,
) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if user:
        where.append("user = ?")
        params.append(user.strip())
    start, end = parse_day(date_from, "起始日期"), parse_day(date_to, "截止日期")
    if start and end and end < start:
        raise ValidationError(f"截止日期{end}早于起始日期{start}", field="截止日期")
    if start:
        where.append("at >= ?")
        params.append(start.isoformat())
    if end:
        where.append("at < ?")
        params.append((end + timedelta(days=1)).isoformat())
    if enterprise and enterprise.strip():
        clause, extra = _enterprise_clause(db, enterprise)
        where.append(clause)
        params.extend(extra)
    return (" WHERE " + " AND ".join(where)) if where else "", params


_COLUMNS = "id, at, user, action, table_name, row_key, old_values, new_values, hash"


def iter_log(
    db: Database,
    *,
    user: str | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    enterprise: str | None = None,
    limit: int | None = None,
    newest_first: bool = True,
) -> Iterator[LogEntry]:
    where, params = _where(db, user, date_from, date_to, enterprise)
    sql = (
        f"SELECT {_COLUMNS} FROM change_log{where} ORDER BY id {'DESC' if newest_first else 'ASC'}"
    )
    if limit is not None and limit > 0:
        sql += " LIMIT ?"
        params.append(int(limit))
    for row in db.conn.execute(sql, params):
        yield LogEntry(*row)


def query_log(
    db: Database,
    user: str | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    enterprise: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    *,
    newest_first: bool = True,
) -> list[LogEntry]:
    """Change-log entries matching every given filter, newest first, at most ``limit`` (None or
    0: all). ``enterprise``: a credit code or part of a name; matches the enterprise's own
    entries, those of its applications, awards and list places, and any entry mentioning it."""
    return list(
        iter_log(
            db,
            user=user,
            date_from=date_from,
            date_to=date_to,
            enterprise=enterprise,
            limit=limit,
            newest_first=newest_first,
        )
    )


def count_log(
    db: Database,
    user: str | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    enterprise: str | None = None,
) -> int:
    where, params = _where(db, user, date_from, date_to, enterprise)
    return int(db.scalar(f"SELECT count(*) FROM change_log{where}", params) or 0)


def log_users(db: Database) -> list[str]:
    """Everyone who appears in the log (for the filter's list)."""
    return [r[0] for r in db.query("SELECT DISTINCT user FROM change_log ORDER BY user")]


def filter_text(
    user: str | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    enterprise: str | None = None,
) -> str:
    parts = []
    if user:
        parts.append(f"操作人：{user}")
    if date_from or date_to:
        parts.append(f"日期：{date_from or '最早'} 至 {date_to or '最新'}")
    if enterprise:
        parts.append(f"企业：{enterprise}")
    return "；".join(parts) if parts else "全部记录"


def export_log(
    db: Database,
    out_path: str | os.PathLike[str],
    *,
    user: str | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    enterprise: str | None = None,
    limit: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> int:
    """Write the matching entries, oldest first, to ``out_path`` (.xlsx); returns how many.

    The file is written beside the target and moved into place at the end (no half file; a target
    open in Excel/WPS raises ``FileInUse``)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    out = guard_output(Path(out_path), live_db=db.path, what="导出")
    if out.suffix.lower() != ".xlsx":
        raise ValidationError(f"导出文件“{out.name}”应以 .xlsx 结尾", field="文件")
    check_target(out)
    total = count_log(db, user, date_from, date_to, enterprise)
    if limit:
        total = min(total, limit)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("变更日志")
    widths = (8, 20, 12, 14, 12, 36, 50, 50, 66)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    title = safe_cell(WriteOnlyCell(ws), "变更日志（审计用）")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append(text_row(ws, [f"筛选条件：{filter_text(user, date_from, date_to, enterprise)}"]))
    ws.append(
        text_row(
            ws,
            [
                f"导出时间：{now_text().replace('T', ' ')}  导出人：{db.user}  数据库：{db.path.name}"
            ],
        )
    )
    bold = Font(bold=True)
    header = []
    for text in (*HEADERS, "哈希（SHA-256，与上一条链接）"):
        cell = safe_cell(WriteOnlyCell(ws), text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    count = 0
    for entry in iter_log(
        db,
        user=user,
        date_from=date_from,
        date_to=date_to,
        enterprise=enterprise,
        limit=limit,
        newest_first=False,
    ):
        ws.append(text_row(ws, [*entry.cells(), entry.hash]))  # a name "=…" stays text
        count += 1
        if progress is not None and count % 5000 == 0:
            progress(count, total, f"已导出{count}/{total}条")
    wb.properties.title = "变更日志"
    wb.properties.creator = db.user
    from openpyxl.packaging.custom import StringProperty

    # Marks the file as ours: a later --out may overwrite it (storage.files.guard_output).
    wb.custom_doc_props.append(StringProperty(name="siqiang-export", value="change-log"))
    write_file(out, wb.save, suffix=".xlsx.tmp")
    return count
