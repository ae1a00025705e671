"""Imports of the three workbooks of interfaces.md: all or nothing, every bad row reported.

Every row is checked first; if any row is bad nothing is written and each bad row is reported by
its sheet row number. A dry run stops after the check. A real import makes a backup first and
writes everything in one transaction.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.creditcode import validate_credit_code
from desktop.core.errors import Cancelled, ImportRejected, RowProblem, ValidationError
from desktop.services.applications import (
    ApplicationInput,
    existing_identity_keys,
    insert_applications,
    parse_application,
    registry_index,
)
from desktop.services.catalogue import load_catalogue
from desktop.services.registry import parse_enterprise, town_ids_by_name, upsert_enterprises
from desktop.services.siqiang_lists import ListChange, check_year, plan_replacement, replace_list
from desktop.services.users import CLERK, require_role
from desktop.services.workbook import read_sheet
from desktop.storage.database import Database

Progress = Callable[[int, int, str], None]

ENTERPRISE_COLUMNS = {
    "统一社会信用代码": ("信用代码", "社会信用代码", "统一代码", "统一社会信用代码证"),
    "企业名称": ("单位名称", "企业名", "名称", "企业（单位）名称"),
    "所属镇街": ("镇街", "所属镇（街道）", "镇（街道）", "所在镇街", "所属镇街（园区）"),
    "是否规上": ("规上", "是否规模以上", "规模以上", "是否规模以上企业"),
    "四强产业": ("产业", "所属产业", "四强产业类别"),
    "联系人": ("企业联系人",),
    "联系电话": ("电话", "手机", "联系方式"),
}
LIST_COLUMNS = {
    "统一社会信用代码": ENTERPRISE_COLUMNS["统一社会信用代码"],
    "企业名称": ENTERPRISE_COLUMNS["企业名称"],
    "年度": ("年份", "名单年度"),
}
APPLICATION_COLUMNS = {
    "统一社会信用代码": ENTERPRISE_COLUMNS["统一社会信用代码"],
    "企业名称": ENTERPRISE_COLUMNS["企业名称"],
    "条款编号": ("条款", "条款代码", "政策条款"),
    "事项日期": ("日期", "到账日期", "认定日期", "资金到账日期"),
    "基数金额（元）": ("基数金额", "基数", "计算基数（元）", "计算基数"),
    "认定级别": ("级别",),
    "市级政策文号": ("政策文号", "文号", "市级文号"),
    "事项说明": ("说明", "备注"),
    "同一事项编号": ("同一事项",),
    "核定金额（元）": ("核定金额", "人工核定金额（元）"),
}


@dataclass
class ImportReport:
    kind: str
    rows: int
    dry_run: bool
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[int] = field(default_factory=list)  # sheet row numbers already stored
    warnings: list[str] = field(default_factory=list)
    list_changes: list[ListChange] = field(default_factory=list)
    backup: Path | None = None

    def summary(self) -> str:
        verb = "检查通过（试运行，未写入）" if self.dry_run else "导入完成"
        parts = [f"{self.kind}{verb}：共{self.rows}行"]
        if self.kind == "四强企业名单":
            for change in self.list_changes:
                parts.append(
                    f"{change.year}年度名单{change.total}户，新增{len(change.added)}户，"
                    f"移出{len(change.dropped)}户"
                )
        else:
            parts.append(f"新增{self.added}条，更新{self.updated}条，未变{self.unchanged}条")
            if self.duplicates:
                parts.append(f"重复{len(self.duplicates)}条未再导入")
        return "，".join(parts)


def _check_rows(sheet, parse, progress: Progress | None, cancel: threading.Event | None, what: str):
    items, problems = [], []
    data = list(sheet.rows())
    total = len(data)
    for done, (row_no, values) in enumerate(data, start=1):
        if cancel is not None and done % 1000 == 0 and cancel.is_set():
            raise Cancelled("导入")
        if progress is not None and done % 2000 == 0:
            progress(done, total, f"正在检查{what}第{done}/{total}行")
        try:
            items.append((row_no, parse(values)))
        except ValidationError as exc:
            problems.append(RowProblem(row_no, str(exc)))
    if not data:
        raise ImportRejected(
            [], file_message=f"工作簿“{sheet.path.name}”没有数据行（表头在第{sheet.header_row}行）"
        )
    return items, problems


def _backup(db: Database, reason: str, wanted: bool) -> Path | None:
    """The automatic backup before an import (``wanted`` False only for benchmarks and tests)."""
    if not wanted:
        return None
    from desktop.storage.backup import backup_before

    return backup_before(db, reason)


def import_enterprises(
    db: Database,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    backup: bool = True,
) -> ImportReport:
    sheet = read_sheet(path, ENTERPRISE_COLUMNS, ("统一社会信用代码", "企业名称", "所属镇街"))
    towns = list(town_ids_by_name(db))

    def parse(v):
        return parse_enterprise(
            credit_code=v.get("统一社会信用代码"),
            name=v.get("企业名称"),
            town=v.get("所属镇街"),
            above_scale=v.get("是否规上"),
            industry=v.get("四强产业"),
            contact=v.get("联系人"),
            phone=v.get("联系电话"),
            known_towns=towns,
        )

    items, problems = _check_rows(sheet, parse, progress, cancel, "企业名录")
    first_row: dict[str, int] = {}
    for row_no, item in items:
        if item.credit_code in first_row:
            problems.append(
                RowProblem(
                    row_no,
                    f"统一社会信用代码{item.credit_code}与第{first_row[item.credit_code]}行重复",
                )
            )
        else:
            first_row[item.credit_code] = row_no
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row))
    report = ImportReport("企业名录", len(items), dry_run)
    if dry_run:
        summary = upsert_enterprises(db, [i for _, i in items], dry_run=True)
        report.added, report.updated, report.unchanged = (
            summary.added,
            summary.updated,
            summary.unchanged,
        )
        return report
    require_role(db, CLERK)
    report.backup = _backup(db, "导入企业名录", backup)
    summary = upsert_enterprises(db, [i for _, i in items])
    report.added, report.updated, report.unchanged = (
        summary.added,
        summary.updated,
        summary.unchanged,
    )
    return report


def import_siqiang_list(
    db: Database,
    path: str | Path,
    *,
    year: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    backup: bool = True,
) -> ImportReport:
    if year is not None:
        check_year(year)
    sheet = read_sheet(path, LIST_COLUMNS, ("统一社会信用代码",))
    if year is None and "年度" not in sheet.headers:
        raise ImportRejected(
            [], file_message="未指定年度：请在导入时选择年度（--year），或在工作簿中加“年度”列"
        )
    registry = registry_index(db)

    def parse(v):
        code = validate_credit_code(str(v.get("统一社会信用代码") or ""))
        if code not in registry:
            raise ValidationError(
                f"统一社会信用代码{code}未在企业名录中登记，请先导入企业名录",
                field="统一社会信用代码",
            )
        row_year = year
        raw_year = v.get("年度")
        if raw_year not in (None, ""):
            if isinstance(raw_year, float) and raw_year.is_integer():
                raw_year = int(raw_year)
            text = str(raw_year).strip().removesuffix("年度").removesuffix("年")
            if not re.fullmatch(r"\d{4}", text):
                raise ValidationError(f"年度“{raw_year}”不是有效年份", field="年度")
            parsed = int(text)
            check_year(parsed)
            if year is not None and parsed != year:
                raise ValidationError(
                    f"年度列为{parsed}，与导入时选择的{year}年度不一致", field="年度"
                )
            row_year = parsed
        if row_year is None:
            raise ValidationError("年度不能为空", field="年度")
        name = str(v.get("企业名称") or "").strip()
        return row_year, code, name

    items, problems = _check_rows(sheet, parse, progress, cancel, "四强名单")
    seen: dict[tuple[int, str], int] = {}
    report = ImportReport("四强企业名单", len(items), dry_run)
    by_year: dict[int, set[int]] = {}
    for row_no, (row_year, code, name) in items:
        if (row_year, code) in seen:
            problems.append(
                RowProblem(row_no, f"统一社会信用代码{code}与第{seen[(row_year, code)]}行重复")
            )
            continue
        seen[(row_year, code)] = row_no
        enterprise_id, registered = registry[code]
        if name and name != registered:
            report.warnings.append(
                f"第{row_no}行：企业名称“{name}”与名录登记的“{registered}”不一致，按信用代码列入"
            )
        by_year.setdefault(row_year, set()).add(enterprise_id)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row))
    if dry_run:
        report.list_changes = [plan_replacement(db, y, ids) for y, ids in sorted(by_year.items())]
        return report
    require_role(db, CLERK)
    report.backup = _backup(db, "导入四强名单", backup)
    with db.transaction():
        report.list_changes = [replace_list(db, y, ids) for y, ids in sorted(by_year.items())]
    report.added = sum(len(c.added) for c in report.list_changes)
    return report


def import_applications(
    db: Database,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    backup: bool = True,
) -> ImportReport:
    sheet = read_sheet(path, APPLICATION_COLUMNS, ("统一社会信用代码", "事项日期"))
    if "条款编号" not in sheet.headers and "市级政策文号" not in sheet.headers:
        raise ImportRejected(
            [], file_message=f"工作簿“{Path(path).name}”缺少表头：须有“条款编号”或“市级政策文号”列"
        )
    registry = registry_index(db)
    catalogue = load_catalogue(db)

    def parse(v) -> ApplicationInput:
        return parse_application(
            credit_code=v.get("统一社会信用代码"),
            enterprise_name=v.get("企业名称"),
            rule_code=v.get("条款编号"),
            event_date=v.get("事项日期"),
            basis=v.get("基数金额（元）"),
            level=v.get("认定级别"),
            city_document=v.get("市级政策文号"),
            description=v.get("事项说明"),
            same_matter_key=v.get("同一事项编号"),
            manual_amount=v.get("核定金额（元）"),
            registry=registry,
            catalogue=catalogue,
        )

    items, problems = _check_rows(sheet, parse, progress, cancel, "奖补事项")
    stored = existing_identity_keys(db)
    first_row: dict[str, int] = {}
    report = ImportReport("奖补事项", len(items), dry_run)
    new: list[ApplicationInput] = []
    for row_no, item in items:
        key = item.identity_key
        if key in first_row:
            problems.append(RowProblem(row_no, f"与第{first_row[key]}行完全相同（重复事项）"))
            continue
        first_row[key] = row_no
        if key in stored:
            report.duplicates.append(row_no)
        else:
            new.append(item)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row))
    report.added = len(new)
    report.unchanged = len(report.duplicates)
    if dry_run or not new:
        return report
    require_role(db, CLERK)
    report.backup = _backup(db, "导入奖补事项", backup)
    insert_applications(db, new)
    return report
