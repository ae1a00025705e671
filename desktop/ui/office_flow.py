"""文件 → 导出上报包 / 导入上报包 / 导入回执 / 导入市级下达清单: file dialogs, the work on a worker
thread (``ctx.run``), and the result shown to the clerk. The services say what is refused and why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.core.errors import ImportRejected
from desktop.ui import messages
from desktop.ui.common import (
    APPLICATIONS,
    AWARDS,
    ENTERPRISES,
    LISTS,
    POLICIES,
    AppContext,
    choose_open_file,
    keep_open,
)
from desktop.ui.import_flow import ImportProblemsDialog, choose_workbook

INTAKE = "intake"  # what a write changed: the 受理 queue (or, at a township, the outcomes)
PACKAGE_FILTER = "上报包 (*.sqpkg);;所有文件 (*)"
RECEIPT_FILTER = "回执 (*.sqrcpt);;所有文件 (*)"


def export_package_dialog(ctx: AppContext, parent: QWidget | None) -> None:
    from desktop.services.offices import township_name

    town = township_name(ctx.db)
    if town is None:
        messages.show_info(
            parent, "本数据库是区级数据库：上报包由镇街导出，区级用“导入上报包”。", "导出上报包"
        )
        return
    default = ctx.db.path.parent / f"{town}-上报包-{date.today():%Y%m%d}.sqpkg"
    path, _ = QFileDialog.getSaveFileName(parent, "导出上报包", str(default), PACKAGE_FILTER)
    if path:
        export_package(ctx, parent, Path(path))


def export_package(ctx: AppContext, parent: QWidget | None, path: Path) -> Any:
    from desktop.services.packages import export_package as export

    def done(r) -> None:
        ctx.notify(INTAKE)
        messages.show_info(
            parent,
            f"已导出{r.town}第{r.sequence}号上报包：企业{r.enterprises}户、事项{r.matters}个、撤回{r.withdrawn}个。\n"
            f"文件：{r.path}\n签名密钥指纹：{r.fingerprint}\n请将文件交区工信局导入。",
            "导出上报包",
        )

    return ctx.run(parent, lambda db, _p, _c: export(db, path), title="导出上报包", on_success=done)


def import_package_dialog(ctx: AppContext, parent: QWidget | None) -> None:
    path = choose_open_file(parent, "导入上报包", PACKAGE_FILTER)
    if path is not None:
        import_package(ctx, parent, path)


def import_package(
    ctx: AppContext,
    parent: QWidget | None,
    path: Path,
    on_done: Callable[[Any], None] | None = None,
) -> Any:
    from desktop.services.packages import import_package as take

    def done(report) -> None:
        ctx.notify(INTAKE, ENTERPRISES)
        messages.show_info(parent, report.summary(), "导入上报包")
        if on_done is not None:
            on_done(report)

    return ctx.run(
        parent,
        lambda db, _p, _c: take(db, path),
        title="导入上报包",
        label="正在核对签名并导入上报包…",
        on_success=done,
        on_error=lambda e: messages.show_error(parent, e, "上报包未导入"),
    )


def import_receipt_dialog(ctx: AppContext, parent: QWidget | None) -> None:
    path = choose_open_file(parent, "导入回执", RECEIPT_FILTER)
    if path is not None:
        import_receipt(ctx, parent, path)


def import_receipt(ctx: AppContext, parent: QWidget | None, path: Path) -> Any:
    from desktop.services.receipts import import_receipt as take

    def done(r) -> None:
        ctx.notify(INTAKE, ENTERPRISES, LISTS, POLICIES, APPLICATIONS, AWARDS)
        text = r.summary()
        if r.first_use:
            text = (
                f"首次导入回执：已记录区工信局的公钥，指纹 {r.district_fingerprint}。\n"
                "请与区工信局电话核对该指纹；此后只接受该公钥签发的回执。\n\n" + text
            )
        lines = [o.line() for o in r.outcomes] + r.enterprise_lines
        messages.show_info(parent, text, "导入回执", "\n".join(lines) or None)

    return ctx.run(
        parent,
        lambda db, _p, _c: take(db, path),
        title="导入回执",
        label="正在核对签名并导入回执…",
        on_success=done,
        on_error=lambda e: messages.show_error(parent, e, "回执未导入"),
    )


def import_city_dialog(ctx: AppContext, parent: QWidget | None) -> None:
    path = choose_workbook(parent, "导入市级下达清单")
    if path is not None:
        import_city(ctx, parent, path)


def import_city(ctx: AppContext, parent: QWidget | None, path: Path) -> Any:
    from desktop.services.city import import_city_list

    def done(result) -> None:
        ctx.notify(INTAKE, APPLICATIONS, AWARDS)
        messages.ask(
            parent,
            result.summary() + "\n\n是否保存对账表（匹配一致、新建事项、金额变更、清单未列）？",
            lambda: save_reconcile_dialog(parent, result),
            "导入市级下达清单",
        )

    def failed(error: BaseException) -> None:
        if isinstance(error, ImportRejected):
            keep_open(ImportProblemsDialog(parent, "市级下达清单", path, error)).open()
        else:
            messages.show_error(parent, error, "市级下达清单未导入")

    return ctx.run(
        parent,
        lambda db, _p, _c: import_city_list(db, path),
        title="导入市级下达清单",
        label="正在核对市级下达清单…",
        on_success=done,
        on_error=failed,
    )


def save_reconcile_dialog(parent: QWidget | None, result: Any) -> None:
    default = Path.home() / f"市级下达清单对账表-{date.today():%Y%m%d}.xlsx"
    path, _ = QFileDialog.getSaveFileName(
        parent, "保存对账表", str(default), "Excel 工作簿 (*.xlsx)"
    )
    if path:
        save_reconcile(parent, result, Path(path))


def save_reconcile(parent: QWidget | None, result: Any, path: Path) -> Path | None:
    from desktop.core.errors import DomainError
    from desktop.reports import write_report
    from desktop.reports.reconcile import reconcile_report

    try:
        written = write_report(reconcile_report(result), "xlsx", path).path
    except DomainError as exc:
        messages.show_error(parent, exc, "对账表未保存")
        return None
    messages.show_info(parent, f"对账表已保存：{written}", "对账表")
    return written
