"""Reports: every report as an Excel workbook and as a PDF showing the same numbers.

``export_report(db, name, fmt, out_path, ...)`` is the one entry point for the GUI and the CLI.
Qt-free; openpyxl and reportlab are imported only when a report is written.

Report names: ``detail`` (奖补明细表, sheets 奖补明细 + 不予奖补), ``summary`` (汇总表 by rule and by
town), ``ledger`` (单户企业奖补台账, needs ``credit_code``), ``installments`` (多年度兑现计划),
``assessment`` (镇街考核加分统计).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from desktop.core.errors import ValidationError
from desktop.reports.common import ExportCancelled, Progress, Ticker, check_unit
from desktop.storage.database import Database
from desktop.storage.files import check_target, guard_output, move_into_place, temp_beside

__all__ = [
    "REPORTS",
    "FORMATS",
    "ExportCancelled",
    "ExportResult",
    "ReportKind",
    "build_report",
    "export_built",
    "export_report",
    "write_report",
]


@dataclass(frozen=True)
class ReportKind:
    """One report of the program: what the CLI's ``--report`` and the GUI's export dialog offer."""

    title: str
    builder: str  # the function of ``desktop.reports.data`` that makes its tables
    needs_year: bool = True  # a year is required (else optional: the whole history)
    needs_credit_code: bool = False  # one enterprise's report (chosen from its record in the GUI)

    def __str__(self) -> str:
        return self.title


# The one list of reports (key → kind), in the order the CLI help and the GUI list them.
REPORTS: dict[str, ReportKind] = {
    "detail": ReportKind("奖补明细表", "build_detail"),
    "summary": ReportKind("奖补汇总表（按条款、按镇街）", "build_summary"),
    "ledger": ReportKind(
        "单户企业奖补台账", "build_ledger", needs_year=False, needs_credit_code=True
    ),
    "installments": ReportKind("多年度兑现计划", "build_installments", needs_year=False),
    "assessment": ReportKind("镇街考核加分统计表", "build_assessment"),
}
# The payment path's reports (reports/payment.py: 公示名单, 拨付清单, 资金使用情况表, 追回台账, 审计档案)
# are built by the same ``build_report``/``export_report`` but exported from their own commands and
# dialogs; publicity/payment/dossier take a record id as key.
FORMATS = ("xlsx", "pdf")
_FORMAT_ALIASES = {"excel": "xlsx", "xlsx": "xlsx", "pdf": "pdf"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int  # data rows written (all tables, without 合计 rows)
    pages: int | None = None  # PDF pages (None for a workbook)
    warnings: list[str] = field(default_factory=list)
    fingerprint: str = ""  # the data fingerprint in the footer (``verify FILE`` recomputes it)


def build_report(
    db: Database,
    name: str,
    *,
    year: int | None = None,
    credit_code: str | None = None,
    unit: str = "元",
    org: str = "临淄区工业和信息化局",
    as_of: date | None = None,
):
    """The :class:`~desktop.reports.data.Report` named ``name`` (what both formats render).

    ``credit_code`` is the report's key: the enterprise of ``ledger``, the record id of the
    payment path's ``publicity`` (公示编号), ``payment`` (拨付批次) and ``dossier`` (核定结果编号)."""
    from desktop.reports import data, payment

    check_unit(unit)
    as_of = as_of or date.today()
    if name in payment.NAMES:
        title, tables, year = payment.build(db, name, year=year, key=credit_code, unit=unit)
    else:
        title, tables, year = _listed_report(db, name, year, credit_code, unit, as_of)
    return data.Report(
        name=name,
        title=title,
        tables=tables,
        org=org,
        as_of=as_of,
        unit=unit,
        year=year,
        credit_code=credit_code,
    )


def _listed_report(
    db: Database, name: str, year: int | None, credit_code: str | None, unit: str, as_of: date
) -> tuple[str, list, int | None]:
    """Title, tables and year of one of ``REPORTS``."""
    from desktop.reports import data, payment

    kind = REPORTS.get(name)
    if kind is None:
        known = "、".join(f"{k}（{v}）" for k, v in REPORTS.items())
        raise ValidationError(f"没有名为“{name}”的报表，可选：{known}", field="报表")
    if kind.needs_credit_code and not credit_code:
        raise ValidationError(
            f"{kind.title}需要指定企业的统一社会信用代码", field="统一社会信用代码"
        )
    if kind.needs_year and year is None:
        year = data.default_year(db, as_of)
    title, tables = getattr(data, kind.builder)(db, year=year, credit_code=credit_code, unit=unit)
    if name == "ledger" and credit_code:  # the payment path's 追回 of this enterprise, if any
        clawbacks = payment.clawback_table_for_ledger(db, credit_code, unit)
        if clawbacks is not None:
            tables.append(clawbacks)
    return title, tables, year


def export_report(
    db: Database,
    name: str,
    fmt: str,
    out_path: str | os.PathLike[str],
    *,
    year: int | None = None,
    credit_code: str | None = None,
    unit: str = "元",
    org: str = "临淄区工业和信息化局",
    as_of: date | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Write report ``name`` as ``fmt`` (``xlsx``/``excel`` or ``pdf``) to ``out_path``.

    The file is written to a temporary file in the same folder and moved into place at the end, so
    a cancelled (:class:`ExportCancelled`) or failed export leaves no half-written file and never
    damages an existing one. ``progress(done, total, message)`` is called per chunk of rows;
    ``cancel`` is polled at the same points. ``as_of`` is the 填报日期 (default: today).
    """
    kind = _format(fmt)
    out = _target(out_path, live_db=db.path)
    ticker = Ticker(1, progress, cancel)
    ticker.check()
    report = build_report(
        db, name, year=year, credit_code=credit_code, unit=unit, org=org, as_of=as_of
    )
    from desktop.services.fingerprint import stamp_report

    report.stamp = stamp_report(db, report)  # export time, user, data fingerprint: in the footer
    return write_report(report, kind, out, ticker)


def _format(fmt: str) -> str:
    kind = _FORMAT_ALIASES.get(str(fmt).lower())
    if kind is None:
        raise ValidationError(f"导出格式“{fmt}”无效，应为 xlsx 或 pdf", field="格式")
    return kind


def _target(out_path: str | os.PathLike[str], live_db: Path | None = None) -> Path:
    # never a database, a backup or a file that is not one of our exports
    out = guard_output(Path(out_path), live_db=live_db, what="导出")
    check_target(out)  # a folder, a missing folder, a read-only file: refused before any work
    return out


def write_report(
    report,
    fmt: str,
    out_path: str | os.PathLike[str],
    ticker: Ticker | None = None,
) -> ExportResult:
    """Render a built :class:`~desktop.reports.data.Report` (with or without a stamp) as ``fmt``.

    The file is written to a temporary file in the same folder and moved into place at the end,
    so a cancelled or failed export leaves no half-written file and never damages an existing one.
    """
    kind = _format(fmt)
    out = _target(out_path)
    ticker = ticker or Ticker(1, None, None)
    rows = report.row_count
    ticker.total = max(rows, 1) + (1 if kind == "xlsx" else rows // 2 + 1)
    ticker.report(0, "已读取数据")

    warnings: list[str] = []
    tmp = temp_beside(out, suffix=f".{kind}.tmp")  # desktop.storage.files: the Windows rules
    pages: int | None = None
    try:
        if kind == "xlsx":
            from desktop.reports.excel import render_excel

            render_excel(report, tmp, ticker)
        else:
            from desktop.reports.pdf import missing_glyphs, render_pdf

            missing = missing_glyphs(report.all_text())
            if missing:
                warnings.append("内置字体缺少字符：" + "".join(sorted(missing)))
            pages = render_pdf(report, tmp, ticker, missing)
        ticker.check()
        move_into_place(tmp, out)  # retried while Excel/WPS holds the target, then FileInUse
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    ticker.report(ticker.total, "导出完成")
    return ExportResult(
        path=out,
        rows=rows,
        pages=pages,
        warnings=warnings,
        fingerprint=report.stamp.fingerprint if report.stamp is not None else "",
    )


def format_of(path: str | os.PathLike[str]) -> str:
    """``xlsx`` or ``pdf`` from a file name (``.xlsx``/``.pdf``), else a ``ValidationError``."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError(f"文件“{Path(path).name}”应以 .xlsx 或 .pdf 结尾", field="文件")
    return suffix


def export_built(
    db: Database,
    name: str,
    out_path: str | os.PathLike[str],
    *,
    key: str | int | None = None,
    year: int | None = None,
) -> ExportResult:
    """Export report ``name`` to ``out_path`` in the format its suffix names (payment path)."""
    return export_report(
        db,
        name,
        format_of(out_path),
        out_path,
        year=year,
        credit_code=None if key is None else str(key),
    )
