"""Screenshots of the payment path (called by scripts/screenshots.py on its demo database): the
待办 start page, the 拨付 view's tabs, the dialogs opened from 核定与审核, the calendar editor, and
each payment-path report as PDF pages (pdftoppm) next to the PNGs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def _prepare(db, work: Path) -> dict:
    """2024 on the demo database: bank details, a budget, a 失信 entry, approvals, a 公示 across
    National Day with an objection, a batch with one failure, a clawback."""
    from openpyxl import Workbook

    from desktop.services import awards, budget, clawbacks, payments, publicity
    from desktop.services.blacklist import import_blacklist

    with db.transaction():
        db.execute(
            "UPDATE enterprises SET bank_name = '中国工商银行淄博临淄支行',"
            " bank_account = printf('1603001209%08d', id) WHERE id % 7 <> 0"
        )
    budget.set_budget(db, 2024, "区级财政", "30000000")
    drafts = [a for a in awards.list_awards(db, 2024, status="草稿") if a.amount_fen > 0]
    listed = drafts[-1]
    book = Workbook()
    ws = book.active
    ws.append(["统一社会信用代码", "名称", "列入日期", "移出日期", "列入机关", "事由"])
    ws.append(
        [
            listed.credit_code,
            listed.enterprise_name,
            "2024-05-20",
            None,
            "淄博市税务局",
            "逃避缴纳税款",
        ]
    )
    path = work / "失信名单.xlsx"
    book.save(path)
    import_blacklist(db, path)
    awards.approve(db, 2024, [a.id for a in drafts[:-1]])
    created = publicity.create_publicity(db, 2024, "2024-09-27", 5, phone="0533-7180000").publicity
    objection = publicity.add_objection(
        db,
        created.id,
        drafts[0].id,
        "张三 13800001111",
        "2024-09-29",
        "该企业车间尚未投产",
        channel="来电",
    )
    publicity.add_objection(
        db, created.id, drafts[1].id, "李四 13900002222", "2024-09-30", "金额有误", channel="来信"
    )
    publicity.close_objection(db, objection, "不成立", "经现场核实已投产")
    batch = payments.create_batch(db, 2024)
    rows = [
        ["序号", "统一社会信用代码", "金额（元）", "支付状态", "失败原因", "支付日期", "凭证号"]
    ]
    for i in batch.items:
        bad = i.seq == 2
        rows.append(
            [
                i.seq,
                i.credit_code,
                f"{i.amount_fen / 100:.2f}",
                "失败" if bad else "成功",
                "户名与账号不符" if bad else None,
                None if bad else "2024-11-05",
                None if bad else f"PZ{i.seq:04d}",
            ]
        )
    book = Workbook()
    for r in rows:
        book.active.append(r)
    result = work / "支付结果.xlsx"
    book.save(result)
    payments.import_result(db, batch.id, result)
    paid = batch.items[0].award_id
    clawbacks.add_clawback(
        db, paid, "20000", "项目设备未按期投用，按协议追回部分奖励", document="临工信字〔2025〕3号"
    )
    return {"publicity": created.id, "batch": batch.id, "paid": paid, "award": drafts[2].id}


def _pdf_pages(db, out: Path, name: str, key, year, label: str, shots: list[str]) -> None:
    from desktop.reports import export_report

    pdf = out / f"{label}.pdf"
    export_report(db, name, "pdf", pdf, year=year, credit_code=None if key is None else str(key))
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(out / label)], check=True)
        shots.extend(sorted(p.name for p in out.glob(f"{label}*.png")))
    xlsx = out / f"{label}.xlsx"
    export_report(db, name, "xlsx", xlsx, year=year, credit_code=None if key is None else str(key))


def take(window, db, save, work: Path, out: Path, shots: list[str]) -> None:
    from desktop.ui import messages
    from desktop.ui.payment_dialogs import (
        SignDialog,
        open_clawback,
        open_objection,
        open_record,
    )

    keys = _prepare(db, work)
    window.set_year(2024)
    window.ctx.notify()
    save(window.go_to("待办") and window, "P22-待办")
    review = window.go_to("核定与审核")
    save(window, "P23-核定与审核-签批与拨付")
    drafts = [a.id for a in review.model.rows() if a.status == "草稿" and a.amount_fen > 0]
    sign = SignDialog(window.ctx, review, drafts[:3] or [keys["award"]])
    sign.show()
    save(sign, "P24-签批")
    sign.reject()
    for dialog, name in (
        (open_objection(window.ctx, review, keys["award"]), "P25-登记公示异议"),
        (open_clawback(window.ctx, review, keys["paid"]), "P26-登记追回"),
        (open_record(window.ctx, review, keys["paid"]), "P27-签批与拨付记录"),
    ):
        save(dialog, name)
        dialog.reject()
    payment = window.go_to("拨付")
    payment.pub_table.selectRow(0)
    for index, name in enumerate(("公示与异议", "拨付批次", "预算", "追回", "失信名单", "设置")):
        payment.tabs.setCurrentIndex(index)
        if index == 1:
            payment.batch_table.selectRow(0)
        save(window, f"P28{chr(97 + index)}-拨付-{name}")
    publicity = payment.new_publicity()
    save(publicity, "P29-新建公示")
    publicity.start.setDate(publicity.start.date().fromString("2027-09-30", "yyyy-MM-dd"))
    save(publicity, "P29b-新建公示-日历未覆盖")
    publicity.reject()
    calendar = payment.open_calendar()
    calendar.year.setValue(2024)
    calendar.calendar.setCurrentPage(2024, 10)
    save(calendar, "P30-工作日历-2024")
    calendar.year.setValue(2027)
    save(calendar, "P30b-工作日历-2027未覆盖")
    calendar.reject()
    messages.close_all()
    for name, key, year, label in (
        ("publicity", keys["publicity"], None, "R1-公示名单"),
        ("payment", keys["batch"], None, "R2-拨付清单"),
        ("budget", None, 2024, "R3-资金使用情况表"),
        ("clawbacks", None, 2024, "R4-追回台账"),
        ("dossier", keys["paid"], None, "R5-审计档案"),
    ):
        _pdf_pages(db, out, name, key, year, label, shots)
