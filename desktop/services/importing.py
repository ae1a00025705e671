"""Imports of the three workbooks of interfaces.md: all or nothing, every bad row reported.

Every row is checked first; if any row is bad nothing is written and each bad row is reported by
its sheet row number. A dry run stops after the check and returns the preview (counts, the
changed fields per enterprise, the notices: hidden rows, units converted, rows after 合计). A
real import makes a backup first, writes everything in one transaction and records the batch so
that it can be undone (``import_batches.undo_last_import``). ``expect`` (the fingerprint of a
preview) makes the write refuse when the file or the database changed since the preview.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.creditcode import validate_credit_code
from desktop.core.errors import Cancelled, Conflict, ImportRejected, RowProblem, ValidationError
from desktop.core.money import format_yuan
from desktop.services import import_batches
from desktop.services.applications import (
    ApplicationInput,
    existing_identity_keys,
    insert_applications,
    parse_application,
    registry_index,
)
from desktop.services.catalogue import load_catalogue
from desktop.services.cells import credit_code_text, wan_to_yuan
from desktop.services.registry import (
    COLUMN_LABELS,
    apply_upsert,
    parse_enterprise_update,
    plan_upsert,
    town_ids_by_name,
)
from desktop.services.siqiang_lists import ListChange, check_year, plan_replacement, replace_list
from desktop.services.users import CLERK, require_role
from desktop.services.workbook import Sheet, read_sheet
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
    "开户银行": ("开户行", "开户银行名称"),
    "银行账号": ("账号", "银行帐号", "帐号", "开户账号"),
    "账户名称": ("账户名", "户名", "帐户名称", "开户名称"),
}
LIST_COLUMNS = {
    "统一社会信用代码": ENTERPRISE_COLUMNS["统一社会信用代码"],
    "企业名称": ENTERPRISE_COLUMNS["企业名称"],
    "年度": ("年份", "名单年度"),
}
BASIS = "基数金额（元）"
MANUAL = "核定金额（元）"
APPLICATION_COLUMNS = {
    "统一社会信用代码": ENTERPRISE_COLUMNS["统一社会信用代码"],
    "企业名称": ENTERPRISE_COLUMNS["企业名称"],
    "条款编号": ("条款", "条款代码", "政策条款"),
    "事项日期": ("日期", "到账日期", "认定日期", "资金到账日期"),
    BASIS: ("基数金额", "基数", "计算基数（元）", "计算基数"),
    "认定级别": ("级别",),
    "市级政策文号": ("政策文号", "文号", "市级文号"),
    "事项说明": ("说明", "备注"),
    "同一事项编号": ("同一事项",),
    MANUAL: ("核定金额", "人工核定金额（元）"),
}


@dataclass(frozen=True)
class Change:
    """One line of the preview: what the import does to one enterprise or matter."""

    row: int | None  # sheet row (None: not in the workbook, e.g. dropped from a list)
    credit_code: str
    name: str
    action: str  # 新增 | 修改 | 移出
    details: tuple[str, ...] = ()
    fields: tuple[tuple[str, str, str], ...] = ()  # (项目, 原值, 新值) for the preview table


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
    changes: list[Change] = field(default_factory=list)
    fingerprint: str = ""
    file_name: str = ""
    batch_id: int | None = None

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

    @property
    def writes(self) -> bool:
        """Whether the import (when not a dry run) changes anything."""
        if self.kind == "四强企业名单":
            return any(c.added or c.dropped for c in self.list_changes)
        return bool(self.added or self.updated)


def _check_rows(
    sheet: Sheet, parse, progress: Progress | None, cancel: threading.Event | None, what: str
):
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
            problems.append(RowProblem(row_no, _with_column(sheet, exc)))
    if not data:
        raise ImportRejected(
            [], file_message=f"工作簿“{sheet.path.name}”没有数据行（表头在第{sheet.header_row}行）"
        )
    return items, problems


def _with_column(sheet: Sheet, exc: ValidationError) -> str:
    """The message, naming the column as the workbook heads it where that differs."""
    message = str(exc)
    if exc.field in sheet.headers:
        label = sheet.labels[exc.field]
        if label != exc.field and label not in message:
            message += f"（{sheet.column(exc.field)}）"
    return message


def _backup(db: Database, reason: str, wanted: bool) -> Path | None:
    """The automatic backup before an import (``wanted`` False only for benchmarks and tests)."""
    if not wanted:
        return None
    from desktop.storage.backup import backup_before

    return backup_before(db, reason)


def _file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _finish(report: ImportReport, sheet: Sheet, digest: str) -> None:
    report.warnings = [*sheet.notices, *report.warnings]
    report.file_name = sheet.path.name
    # What the clerk saw: counts, every change and every notice (not the file's bytes: a file
    # saved again with the same cells previews the same).
    del digest
    content = [
        [report.kind, report.rows, report.added, report.updated, report.unchanged],
        report.duplicates,
        report.warnings,
        [(c.row, c.credit_code, c.action, c.details) for c in report.changes],
    ]
    report.fingerprint = hashlib.sha256(
        json.dumps(content, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()[:16]


def _check_expected(report: ImportReport, expect: str | None) -> None:
    if expect is not None and expect != report.fingerprint:
        raise Conflict(
            f"工作簿“{report.file_name}”或数据库在预览之后已有变动，本次未写入：请重新导入并核对预览"
        )


def _code(values: dict[str, Any]) -> str:
    return validate_credit_code(credit_code_text(values.get("统一社会信用代码")))


# -- 企业名录 ---------------------------------------------------------------------------------


def _show(column: str, value: Any, town_names: dict[int, str]) -> str:
    if value is None or value == "":
        return "（空）"
    if column == "town_id":
        return town_names.get(value, str(value))
    if column == "above_scale":
        return "是" if value else "否"
    return str(value)


def import_enterprises(
    db: Database,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    backup: bool = True,
    expect: str | None = None,
) -> ImportReport:
    """Upsert by credit code; only the columns the workbook has, only the cells it fills."""
    sheet = read_sheet(path, ENTERPRISE_COLUMNS, ("统一社会信用代码",))
    digest = _file_digest(path)
    towns = town_ids_by_name(db)

    def parse(v):
        cells = {k: x for k, x in v.items() if k != "统一社会信用代码"}
        return parse_enterprise_update(credit_code_text(v.get("统一社会信用代码")), cells, towns)

    items, problems = _check_rows(sheet, parse, progress, cancel, "企业名录")
    first_row: dict[str, int] = {}
    unique = []
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
            unique.append((row_no, item))
    plan = plan_upsert(db, [i for _, i in unique], details=dry_run or expect is not None)
    problems += [RowProblem(unique[index][0], message) for index, message in plan.problems]
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row))
    report = ImportReport("企业名录", len(items), dry_run)
    summary = plan.summary
    report.added, report.updated, report.unchanged = (
        summary.added,
        summary.updated,
        summary.unchanged,
    )
    if dry_run or expect is not None:  # the preview (or the write checking it)
        report.changes = _enterprise_changes(plan, [r for r, _ in unique], towns)
    _finish(report, sheet, digest)
    if dry_run or not report.writes:
        return report
    _check_expected(report, expect)
    require_role(db, CLERK)
    report.backup = _backup(db, "导入企业名录", backup)
    with db.transaction():
        mark = import_batches.log_mark(db)
        apply_upsert(db, plan)
        undo = {
            "added": [r["credit_code"] for r in plan.inserts],
            "changed": {code: old for code, old, _new in plan.updates},
            "new": {code: new for code, _old, new in plan.updates},
        }
        report.batch_id = import_batches.record(db, report, digest, mark, undo)
    return report


def _enterprise_changes(plan, rows: list[int], towns: dict[str, int]) -> list[Change]:
    town_names = {v: k for k, v in towns.items()}
    out = []
    for change in plan.changes:
        shown = [
            (
                COLUMN_LABELS[f.column],
                _show(f.column, f.old, town_names),
                _show(f.column, f.new, town_names),
            )
            for f in change.fields
        ]
        fields: tuple[tuple[str, str, str], ...]
        if change.action == "新增":
            details = tuple(f"{label}：{new}" for label, _old, new in shown)
            fields = (("新增企业", "", "，".join(details)),)
        else:
            details = tuple(f"{label}：{old} → {new}" for label, old, new in shown)
            fields = tuple(shown)
        out.append(
            Change(
                rows[change.index], change.credit_code, change.name, change.action, details, fields
            )
        )
    return out


# -- 四强企业名单 -----------------------------------------------------------------------------


def _list_year(raw_year: Any, year: int | None) -> int:
    if raw_year in (None, ""):
        if year is None:
            raise ValidationError("年度不能为空", field="年度")
        return year
    if isinstance(raw_year, float) and raw_year.is_integer():
        raw_year = int(raw_year)
    text = str(raw_year).strip().removesuffix("年度").removesuffix("年")
    if not re.fullmatch(r"\d{4}", text):
        raise ValidationError(f"年度“{raw_year}”不是有效年份", field="年度")
    parsed = int(text)
    check_year(parsed)
    if year is not None and parsed != year:
        raise ValidationError(f"年度列为{parsed}，与导入时选择的{year}年度不一致", field="年度")
    return parsed


def import_siqiang_list(
    db: Database,
    path: str | Path,
    *,
    year: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    backup: bool = True,
    expect: str | None = None,
) -> ImportReport:
    if year is not None:
        check_year(year)
    sheet = read_sheet(path, LIST_COLUMNS, ("统一社会信用代码",))
    digest = _file_digest(path)
    if year is None and "年度" not in sheet.headers:
        raise ImportRejected(
            [], file_message="未指定年度：请在导入时选择年度（--year），或在工作簿中加“年度”列"
        )
    registry = registry_index(db)

    def parse(v):
        code = _code(v)
        if code not in registry:
            raise ValidationError(
                f"统一社会信用代码{code}未在企业名录中登记，请先导入企业名录",
                field="统一社会信用代码",
            )
        name = str(v.get("企业名称") or "").strip()
        return _list_year(v.get("年度"), year), code, name

    items, problems = _check_rows(sheet, parse, progress, cancel, "四强名单")
    seen: dict[tuple[int, str], int] = {}
    report = ImportReport("四强企业名单", len(items), dry_run)
    by_year: dict[int, set[int]] = {}
    rows_of: dict[int, int] = {}
    for row_no, (row_year, code, name) in items:
        if (row_year, code) in seen:
            problems.append(
                RowProblem(row_no, f"统一社会信用代码{code}与第{seen[(row_year, code)]}行重复")
            )
            continue
        seen[(row_year, code)] = row_no
        enterprise_id, registered = registry[code]
        rows_of[enterprise_id] = row_no
        if name and name != registered:
            report.warnings.append(
                f"第{row_no}行：企业名称“{name}”与名录登记的“{registered}”不一致，按信用代码列入"
            )
        by_year.setdefault(row_year, set()).add(enterprise_id)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row))
    _preview_lists(
        report, [plan_replacement(db, y, ids) for y, ids in sorted(by_year.items())], rows_of
    )
    _finish(report, sheet, digest)
    if dry_run or not report.writes:
        return report
    _check_expected(report, expect)
    require_role(db, CLERK)
    report.backup = _backup(db, "导入四强名单", backup)
    with db.transaction():
        mark = import_batches.log_mark(db)
        report.list_changes = [replace_list(db, y, ids) for y, ids in sorted(by_year.items())]
        undo = {
            "years": {
                str(c.year): {
                    "added": [m.enterprise_id for m in c.added],
                    "dropped": [m.enterprise_id for m in c.dropped],
                }
                for c in report.list_changes
            }
        }
        report.batch_id = import_batches.record(db, report, digest, mark, undo)
    return report


def _preview_lists(
    report: ImportReport, planned: list[ListChange], rows_of: dict[int, int]
) -> None:
    report.list_changes = planned
    report.added = sum(len(c.added) for c in planned)
    report.unchanged = sum(c.kept for c in planned)
    for change in planned:
        for m in change.added:
            detail = (f"列入{change.year}年度四强企业名单",)
            fields = ((f"{change.year}年度四强名单", "不在名单", "列入"),)
            report.changes.append(
                Change(rows_of.get(m.enterprise_id), m.credit_code, m.name, "新增", detail, fields)
            )
        for m in change.dropped:
            detail = (f"移出{change.year}年度四强企业名单（新名单中没有）",)
            fields = ((f"{change.year}年度四强名单", "在名单中", "移出（新名单中没有）"),)
            report.changes.append(Change(None, m.credit_code, m.name, "移出", detail, fields))


# -- 奖补事项 ---------------------------------------------------------------------------------


def _amount(sheet: Sheet, column: str, value: Any) -> Any:
    """The cell in 元 for ``parse_application``: converted exactly when the column is in 万元."""
    if sheet.units.get(column) == "万元":
        return wan_to_yuan(value, field=sheet.labels[column])
    return value


def import_applications(
    db: Database,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    backup: bool = True,
    expect: str | None = None,
) -> ImportReport:
    sheet = read_sheet(
        path, APPLICATION_COLUMNS, ("统一社会信用代码", "事项日期"), amounts=(BASIS, MANUAL)
    )
    digest = _file_digest(path)
    if "条款编号" not in sheet.headers and "市级政策文号" not in sheet.headers:
        raise ImportRejected(
            [], file_message=f"工作簿“{Path(path).name}”缺少表头：须有“条款编号”或“市级政策文号”列"
        )
    registry = registry_index(db)
    catalogue = load_catalogue(db)

    def parse(v) -> ApplicationInput:
        return parse_application(
            credit_code=credit_code_text(v.get("统一社会信用代码")),
            enterprise_name=v.get("企业名称"),
            rule_code=v.get("条款编号"),
            event_date=v.get("事项日期"),
            basis=_amount(sheet, BASIS, v.get(BASIS)),
            level=v.get("认定级别"),
            city_document=v.get("市级政策文号"),
            description=v.get("事项说明"),
            same_matter_key=v.get("同一事项编号"),
            manual_amount=_amount(sheet, MANUAL, v.get(MANUAL)),
            registry=registry,
            catalogue=catalogue,
        )

    items, problems = _check_rows(sheet, parse, progress, cancel, "奖补事项")
    stored = existing_identity_keys(db)
    first_row: dict[str, int] = {}
    report = ImportReport("奖补事项", len(items), dry_run)
    new: list[ApplicationInput] = []
    names = {code: name for code, (_id, name) in registry.items()}
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
            matter = _matter(item)
            report.changes.append(
                Change(
                    row_no,
                    item.credit_code,
                    names[item.credit_code],
                    "新增",
                    matter,
                    (("奖补事项", "", matter[0]),),
                )
            )
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row))
    report.added = len(new)
    report.unchanged = len(report.duplicates)
    _finish(report, sheet, digest)
    if dry_run or not new:
        return report
    _check_expected(report, expect)
    require_role(db, CLERK)
    report.backup = _backup(db, "导入奖补事项", backup)
    with db.transaction():
        mark = import_batches.log_mark(db)
        insert_applications(db, new)
        undo = {"ids": import_batches.application_ids(db, [i.identity_key for i in new])}
        report.batch_id = import_batches.record(db, report, digest, mark, undo)
    return report


def _matter(item: ApplicationInput) -> tuple[str, ...]:
    parts = [f"条款{item.rule_code or '（按文号）'}", f"事项日期{item.event_date.isoformat()}"]
    if item.basis_fen is not None:
        parts.append(f"基数{format_yuan(item.basis_fen)}元")
    if item.level:
        parts.append(f"认定级别{item.level}")
    if item.city_document:
        parts.append(f"文号{item.city_document}")
    if item.manual_amount_fen is not None:
        parts.append(f"核定金额{format_yuan(item.manual_amount_fen)}元")
    return ("，".join(parts),)


def run_import(db: Database, kind: str, path: str | Path, **kwargs: Any) -> ImportReport:
    """One entry point for the GUI and the CLI: ``kind`` is enterprises | siqiang-list | applications."""
    if kind == "siqiang-list":
        return import_siqiang_list(db, path, **kwargs)
    kwargs.pop("year", None)
    if kind == "enterprises":
        return import_enterprises(db, path, **kwargs)
    return import_applications(db, path, **kwargs)
