"""The reports of the payment path, as data for the shared renderers (``excel.py``, ``pdf.py``):
公示名单, 拨付清单, 资金使用情况表, 追回台账 and one award's audit dossier. Rows come from the
services' read models; every 合计 is the integer sum of the rows shown, money totals are also
written in 大写, and the renderers add the signature block."""

from __future__ import annotations

from typing import Any

from desktop.core import status
from desktop.core.errors import ValidationError
from desktop.core.money import amount_in_words
from desktop.reports.data import Column, ReportTable, Unit, amount_title, totals_row
from desktop.services.clawbacks import RECOVERED
from desktop.storage.database import Database

NAMES: dict[str, str] = {
    "publicity": "公示名单",
    "payment": "拨付清单",
    "budget": "资金使用情况表",
    "clawbacks": "追回台账",
    "dossier": "审计档案",
}
# Reports keyed by a record's id (given as ``key``) rather than by a year.
BY_ID = ("publicity", "payment", "dossier")


def _key(name: str, key: str | None) -> int:
    try:
        return int(str(key or "").strip())
    except ValueError as exc:
        label = {"publicity": "公示编号", "payment": "拨付批次编号", "dossier": "核定结果编号"}[
            name
        ]
        raise ValidationError(f"{NAMES[name]}需要指定{label}", field=label) from exc


def build(
    db: Database, name: str, *, year: int | None, key: str | None, unit: Unit
) -> tuple[str, list[ReportTable], int | None]:
    """(title, tables, year) of payment-path report ``name``."""
    if name == "publicity":
        return publicity_list(db, _key(name, key), unit)
    if name == "payment":
        return payment_list(db, _key(name, key), unit)
    if name == "dossier":
        return dossier_report(db, _key(name, key), unit)
    if year is None:
        raise ValidationError(f"{NAMES[name]}需要指定年度", field="年度")
    if name == "budget":
        return budget_report(db, year, unit)
    return clawback_ledger(db, year, unit)


def publicity_list(
    db: Database, publicity_id: int, unit: Unit
) -> tuple[str, list[ReportTable], int]:
    from desktop.services.publicity import PHONE_BLANK, get_publicity, public_rows

    pub = get_publicity(db, publicity_id)
    rows = public_rows(db, publicity_id)
    period = f"{pub.start_date} 至 {pub.end_date}"
    columns = [
        Column("序号", "int", 3, align="center"),
        Column("企业名称", "text", 16, wrap=True),
        Column("条款名称", "text", 18, wrap=True),
        Column(amount_title("奖补金额", unit), "amount", 9),
        Column("公示期", "text", 10, align="center"),
        Column("监督电话", "text", 8, align="center"),
    ]
    data = [
        [n, r.enterprise, r.rule_name, r.amount_fen, period, pub.phone]
        for n, r in enumerate(rows, 1)
    ]
    title = f"{pub.year}年度四强产业配套奖补拟奖补名单公示"
    phone = "" if pub.phone == PHONE_BLANK else f"，监督电话：{pub.phone}"
    table = ReportTable(
        title=title,
        sheet_name="公示名单",
        columns=columns,
        rows=data,
        totals=totals_row(columns, data, sum_columns=[3]),
        words_column=3,
        subtitle=f"公示期：{period}（{pub.days}个工作日）{phone}；共{len(data)}笔",
        notes=[
            "公示期内，对公示对象有异议的，可实名向区工业和信息化局书面或电话反映，"
            "并提供联系方式；匿名及超出公示期的异议不予受理。",
            *([pub.calendar_note] if pub.calendar_note else []),
        ],
    )
    return title, [table], pub.year


def payment_list(db: Database, batch_id: int, unit: Unit) -> tuple[str, list[ReportTable], int]:
    from desktop.services.payments import get_batch

    batch = get_batch(db, batch_id)
    columns = [
        Column("序号", "int", 3, align="center"),
        Column("收款单位", "text", 12, wrap=True),
        Column("统一社会信用代码", "text", 10),
        Column("开户银行", "text", 10, wrap=True),
        Column("银行账号", "text", 11),
        Column(amount_title("金额", unit), "amount", 8),
        Column("金额大写", "text", 12, wrap=True),
        Column("资金来源", "text", 5, wrap=True),
        Column("摘要", "text", 16, wrap=True),
    ]
    data = [
        [
            i.seq,
            i.payee,
            i.credit_code,
            i.bank_name,
            i.bank_account,
            i.amount_fen,
            amount_in_words(i.amount_fen),
            i.fund_source,
            i.summary,
        ]
        for i in batch.items
    ]
    title = f"{batch.year}年度四强产业配套奖补资金拨付清单"
    table = ReportTable(
        title=title,
        sheet_name="拨付清单",
        columns=columns,
        rows=data,
        totals=totals_row(columns, data, sum_columns=[5]),
        words_column=5,
        subtitle=f"拨付批次：{batch.id}；生成：{batch.created_at.replace('T', ' ')} {batch.created_by}；共{len(data)}笔",
        notes=[
            "财政支付结果请按本清单的序号、统一社会信用代码和金额回填支付状态、支付日期和凭证号。"
        ],
    )
    return title, [table], batch.year


def budget_report(db: Database, year: int, unit: Unit) -> tuple[str, list[ReportTable], int]:
    from desktop.services.budget import budget_lines, future_installments

    lines = budget_lines(db, year)
    columns = [
        Column("序号", "int", 3, align="center"),
        Column("资金来源", "text", 10),
        Column(amount_title("预算", unit), "amount", 9),
        Column(amount_title("已审核未拨付", unit), "amount", 9),
        Column(amount_title(status.PAID, unit), "amount", 9),
        Column(amount_title("余额", unit), "amount", 9),
    ]
    data = [
        [n, x.source, x.budget_fen or 0, x.committed_fen, x.paid_fen, x.remaining_fen or 0]
        for n, x in enumerate(lines, 1)
    ]
    unset = [x.source for x in lines if x.budget_fen is None]
    title = f"{year}年度四强产业配套奖补资金使用情况表"
    main = ReportTable(
        title=title,
        sheet_name="资金使用情况",
        columns=columns,
        rows=data,
        totals=totals_row(columns, data),
        words_column=4,
        notes=[
            "已审核未拨付含审核中、已审核、公示中、拨付批次中和拨付失败的奖补；已拨付已扣除已追回金额；"
            "合计（大写）为已拨付合计。",
            *([f"未设置预算：{'、'.join(unset)}（预算、余额按0列示）"] if unset else []),
        ],
    )
    future_cols = [
        Column("序号", "int", 3, align="center"),
        Column("兑现年度", "int", 5, align="center"),
        Column("资金来源", "text", 10),
        Column(amount_title("已承诺分年兑现", unit), "amount", 10),
    ]
    future = [[n, y, s, v] for n, (y, s, v) in enumerate(future_installments(db, year), 1)]
    later = ReportTable(
        title=f"以后年度已承诺的分年兑现（{year}年以后）",
        sheet_name="以后年度兑现",
        columns=future_cols,
        rows=future,
        totals=totals_row(future_cols, future),
        words_column=3,
        notes=["多年度奖补已审核首年奖励、尚未计算的以后年度分期，供财政编制以后年度预算。"],
    )
    return title, [main, later], year


def clawback_ledger(db: Database, year: int, unit: Unit) -> tuple[str, list[ReportTable], int]:
    from desktop.services.clawbacks import list_clawbacks

    items = list_clawbacks(db, year=year)
    columns = [
        Column("序号", "int", 3, align="center"),
        Column("企业名称", "text", 12, wrap=True),
        Column("统一社会信用代码", "text", 10),
        Column("核定结果", "int", 4, align="center"),
        Column("条款编号", "text", 5),
        Column(amount_title("追回金额", unit), "amount", 8),
        Column("追回理由", "text", 16, wrap=True),
        Column("文号", "text", 8, wrap=True),
        Column("登记日期", "text", 5, align="center"),
        Column("状态", "text", 4, align="center"),
        Column("追回方式及日期", "text", 10, wrap=True),
    ]
    data = [
        [
            n,
            c.enterprise,
            c.credit_code,
            c.award_id,
            c.rule_code,
            c.amount_fen,
            c.reason,
            c.document,
            c.decided_on,
            c.status,
            _how(c),
        ]
        for n, c in enumerate(items, 1)
    ]
    title = f"{year}年度四强产业配套奖补资金追回台账"
    recovered = sum(c.amount_fen for c in items if c.status == RECOVERED)
    table = ReportTable(
        title=title,
        sheet_name="追回台账",
        columns=columns,
        rows=data,
        totals=totals_row(columns, data, sum_columns=[5]),
        words_column=5,
        subtitle=f"共{len(data)}笔；其中已追回{sum(c.status == RECOVERED for c in items)}笔",
        notes=[
            f"已追回合计 {recovered / 100:,.2f} 元，待追回合计 {(sum(c.amount_fen for c in items) - recovered) / 100:,.2f} 元。"
        ],
    )
    return title, [table], year


def _how(c: Any) -> str:
    if c.recovered_on:
        return f"{c.recovered_how} {c.recovered_on}" + (f" 凭证{c.voucher}" if c.voucher else "")
    if c.offset_award_id:
        return f"待抵扣核定结果{c.offset_award_id}"
    return ""


def clawback_table_for_ledger(db: Database, credit_code: str, unit: Unit) -> ReportTable | None:
    """The 追回记录 section of an enterprise's ledger (单户企业奖补台账); None without clawbacks."""
    from desktop.services.clawbacks import list_clawbacks
    from desktop.services.registry import find_by_code

    enterprise = find_by_code(db, credit_code.strip().upper())
    items = [] if enterprise is None else list_clawbacks(db, enterprise_id=enterprise.id)
    if not items:
        return None
    columns = [
        Column("序号", "int", 3, align="center"),
        Column("年度", "int", 3, align="center"),
        Column("核定结果", "int", 4, align="center"),
        Column("条款编号", "text", 5),
        Column(amount_title("追回金额", unit), "amount", 8),
        Column("追回理由", "text", 20, wrap=True),
        Column("文号", "text", 8, wrap=True),
        Column("状态", "text", 4, align="center"),
        Column("追回方式及日期", "text", 10, wrap=True),
    ]
    data = [
        [n, c.year, c.award_id, c.rule_code, c.amount_fen, c.reason, c.document, c.status, _how(c)]
        for n, c in enumerate(items, 1)
    ]
    return ReportTable(
        title="追回记录",
        sheet_name="追回记录",
        columns=columns,
        rows=data,
        totals=totals_row(columns, data, sum_columns=[4]),
        words_column=4,
    )


def dossier_report(db: Database, award_id: int, unit: Unit) -> tuple[str, list[ReportTable], int]:
    from desktop.core.money import format_yuan
    from desktop.services.dossier import dossier

    d = dossier(db, award_id)
    a = d.award
    text_cols = [Column("序号", "int", 3, align="center"), Column("内容", "text", 70, wrap=True)]

    def lines(title: str, sheet: str, items: list[str]) -> ReportTable:
        return ReportTable(title, sheet, text_cols, [[n, t] for n, t in enumerate(items, 1)])

    basic = [
        f"核定结果编号：{a.id}；状态：{a.status}；年度：{a.year}",
        f"企业：{a.enterprise_name}（{a.credit_code}，{a.town}）",
        f"条款：{a.rule_code} {a.rule_name}；核定金额：{format_yuan(a.amount_fen)}元（{amount_in_words(a.amount_fen)}）",
        f"已拨付：{format_yuan(d.paid_fen)}元" + (f"；凭证号：{d.voucher}" if d.voucher else ""),
        *([f"更正自核定结果{d.supersedes}（已撤销）"] if d.supersedes else []),
        *([f"已被核定结果{'、'.join(map(str, d.superseded_by))}更正"] if d.superseded_by else []),
    ]
    signs = [
        f"第{s.node_no}/{s.node_count}节点“{s.node_name}”（{s.node_role}）：{s.signer}，"
        f"{s.signed_at.replace('T', ' ')}，意见：{s.opinion or '同意'}"
        + (f"，局务会纪要编号：{s.minutes_no}" if s.minutes_no else "")
        + f"；金额{format_yuan(s.amount_fen)}元；预算：{s.budget_note or '—'}"
        for s in d.signatures
    ]
    blacklist = [f"第{s.node_no}节点签批时：{s.blacklist_note}" for s in d.signatures]
    pub = []
    if d.publicity:
        p = d.publicity
        pub.append(
            f"公示编号{p.id}：{p.start_date}至{p.end_date}（{p.days}个工作日），监督电话{p.phone}"
        )
        if p.calendar_note:
            pub.append(p.calendar_note)
    pub += [
        f"异议{o.id}：{o.person}（{o.contact}{'，' + o.channel if o.channel else ''}）{o.received_on}提出：{o.content}；"
        f"结论：{o.outcome or '待处理'}"
        + (f"（{o.handling}，{o.closed_by} {o.closed_at}）" if o.outcome else "")
        for o in d.objections
    ]
    pay_cols = [
        Column("批次", "int", 3, align="center"),
        Column("序号", "int", 3, align="center"),
        Column("收款单位", "text", 12, wrap=True),
        Column("银行账号", "text", 11),
        Column(amount_title("金额", unit), "amount", 8),
        Column("支付状态", "text", 4, align="center"),
        Column("支付日期", "text", 5, align="center"),
        Column("凭证号/失败原因", "text", 12, wrap=True),
    ]
    pays = [
        [
            i.batch_id,
            i.seq,
            i.payee,
            i.bank_account,
            i.amount_fen,
            i.result or "待结果",
            i.paid_on or "",
            i.voucher or i.result_reason or "",
        ]
        for i in d.payments
    ]
    claw_cols = [
        Column("编号", "int", 3, align="center"),
        Column(amount_title("追回金额", unit), "amount", 8),
        Column("理由及文号", "text", 24, wrap=True),
        Column("状态", "text", 4, align="center"),
        Column("追回方式及日期", "text", 10, wrap=True),
    ]
    claws = [
        [c.id, c.amount_fen, f"{c.reason} {c.document}".strip(), c.status, _how(c)]
        for c in d.clawbacks
    ]
    log_cols = [
        Column("日志号", "int", 4, align="center"),
        Column("时间", "text", 8),
        Column("操作人", "text", 5),
        Column("操作", "text", 6),
        Column("对象", "text", 8),
        Column("新值", "text", 34, wrap=True),
        Column("哈希（前12位）", "text", 7),
    ]
    logs = [
        [
            x.id,
            x.at.replace("T", " "),
            x.user,
            x.action,
            f"{x.table} {x.row_key}",
            x.new_values[:300],
            x.hash[:12],
        ]
        for x in d.log
    ]
    title = f"奖补审计档案（核定结果{a.id} {a.enterprise_name}）"
    tables = [
        lines(title, "基本信息", basic),
        lines("政策依据与计算过程", "计算过程", d.explanation.splitlines()),
        lines("签批记录", "签批", signs or ["（尚无签批）"]),
        lines("公示与异议", "公示", pub or ["（尚未公示）"]),
        lines("失信核查", "失信核查", blacklist or ["（尚未签批，未核查）"]),
        ReportTable(
            "拨付与支付凭证",
            "拨付",
            pay_cols,
            pays,
            totals_row(pay_cols, pays, sum_columns=[4]),
            words_column=4,
        ),
        ReportTable(
            "追回",
            "追回",
            claw_cols,
            claws,
            totals_row(claw_cols, claws, sum_columns=[1]),
            words_column=1,
        ),
        ReportTable(
            "变更日志",
            "变更日志",
            log_cols,
            logs,
            notes=["每条日志的哈希链接上一条，可用“数据库检查”核对整条链。报表数据指纹见页脚。"],
        ),
    ]
    return title, tables, a.year
