"""From approval to payment: sign-off chain, 公示 and objections, budgets, 失信 list, payment
batches and 财政's results, clawbacks, the working-day calendar, deadlines and the audit dossier.

Commands that create a record print its id alone on their last line (interfaces.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli.framework import command, print_json, print_table, subcommands
from desktop.core.money import amount_in_words, format_yuan
from desktop.storage.database import Database


# -- sign-off ------------------------------------------------------------------------------------
def signoff_show(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.signoff import chain

    nodes = chain(db)
    print_table([{"序号": n.no, "节点": n.name, "签批角色": n.role} for n in nodes])
    return 0


def signoff_set(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.signoff import chain_text, set_chain

    print(f"签批节点已设为：{chain_text(set_chain(db, args.chain))}")
    return 0


# -- 公示 ----------------------------------------------------------------------------------------
def publicity_create(db: Database, args: argparse.Namespace) -> int:
    from desktop.reports import export_built, format_of
    from desktop.services.publicity import create_publicity

    if args.out:
        format_of(args.out)
    created = create_publicity(db, args.year, args.start, args.days, phone=args.phone)
    pub = created.publicity
    for warning in created.warnings:
        print(f"提示：{warning}")
    print(
        f"公示{pub.id}：{pub.awards}笔，合计 {format_yuan(pub.total_fen)} 元；"
        f"公示期 {pub.start_date} 至 {pub.end_date}（{pub.days}个工作日）"
    )
    print(f"公示结束日期：{pub.end_date}")
    if args.out:
        result = export_built(db, "publicity", args.out, key=pub.id)
        print(f"已导出公示名单：{result.path}")
    print(pub.id)
    return 0


def publicity_list(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.publicity import list_publicities

    rows = [p.json_row() for p in list_publicities(db, args.year)]
    print_json(rows) if args.json else print_table(rows)
    return 0


def objection_add(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.publicity import add_objection

    objection_id = add_objection(
        db,
        args.publicity_id,
        args.award,
        args.person,
        args.received,
        args.text,
        channel=args.channel,
    )
    print(f"异议已登记：公示{args.publicity_id}，核定结果{args.award}（处理前该笔暂不拨付）")
    print(objection_id)
    return 0


def objection_close(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.publicity import UPHELD, close_objection

    objection = close_objection(db, args.objection_id, args.outcome, args.reason)
    more = (
        f"；核定结果{objection.award_id}已撤销，更正事项后重新计算、重新审核"
        if objection.outcome == UPHELD
        else ""
    )
    print(f"异议{objection.id}已处理：{objection.outcome}{more}")
    return 0


# -- budget --------------------------------------------------------------------------------------
def budget_set(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.budget import set_budget

    line = set_budget(db, args.year, args.source, args.amount)
    print(
        f"{line.year}年度{line.source}预算 {format_yuan(line.budget_fen or 0)} 元；"
        f"已审核未拨付 {format_yuan(line.committed_fen)} 元，已拨付 {format_yuan(line.paid_fen)} 元，"
        f"余额 {format_yuan(line.remaining_fen or 0)} 元"
    )
    return 0


def budget_show(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.budget import budget_lines, future_installments

    lines = budget_lines(db, args.year)
    if args.json:
        print_json([x.json_row() for x in lines])
        return 0
    print_table(
        [{k: ("未设置" if v is None else v) for k, v in x.json_row().items()} for x in lines]
    )
    future = future_installments(db, args.year)
    if future:
        print("以后年度已承诺的分年兑现：")
        print_table([{"兑现年度": y, "资金来源": s, "金额": format_yuan(v)} for y, s, v in future])
    return 0


# -- 失信 ----------------------------------------------------------------------------------------
def blacklist_import(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.blacklist import import_blacklist

    result = import_blacklist(db, args.file)
    replaced = f"，替换了此前的名单（导入{result.replaced}）" if result.replaced else ""
    print(
        f"已导入严重失信主体名单{result.rows}条（其中本系统企业名录内{result.registered}户）{replaced}"
    )
    return 0


# -- payment -------------------------------------------------------------------------------------
def payment_batch(db: Database, args: argparse.Namespace) -> int:
    from desktop.reports import export_built, format_of
    from desktop.services.payments import create_batch

    format_of(args.out)
    if args.pdf:
        format_of(args.pdf)
    batch = create_batch(db, args.year)
    for left in batch.left_out:
        print(f"未列入：{left.text()}")
    print(
        f"拨付批次{batch.id}：{len(batch.items)}笔，合计 {format_yuan(batch.total_fen)} 元"
        f"（{amount_in_words(batch.total_fen)}），未列入{len(batch.left_out)}笔"
    )
    for out in (args.out, args.pdf):
        if out:
            result = export_built(db, "payment", out, key=batch.id)
            print(f"已导出拨付清单：{result.path}")
    print(batch.id)
    return 0


def payment_result(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.payments import import_result

    print(import_result(db, args.batch_id, args.file).summary())
    return 0


def payment_list(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.payments import batch_json, list_batches

    batches = [batch_json(b) for b in list_batches(db, args.year)]
    if args.json:
        print_json(batches)
    else:
        print_table([{k: v for k, v in b.items() if k != "明细"} for b in batches])
    return 0


# -- 追回 ----------------------------------------------------------------------------------------
def clawback(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.clawbacks import add_clawback

    clawback_id = add_clawback(
        db,
        args.award_id,
        args.amount,
        args.reason,
        document=args.document,
        offset_against=args.offset_against,
    )
    how = f"，将在核定结果{args.offset_against}拨付时抵扣" if args.offset_against else ""
    print(f"已登记追回：核定结果{args.award_id}，待追回{how}")
    print(clawback_id)
    return 0


def clawbacks_list(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.clawbacks import list_clawbacks

    rows = [c.json_row() for c in list_clawbacks(db, year=args.year)]
    print_json(rows) if args.json else print_table(rows)
    return 0


def clawbacks_recover(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.cells import parse_date
    from desktop.services.clawbacks import record_refund

    record_refund(db, args.clawback_id, parse_date(args.date, field="追回日期"), args.voucher)
    print(f"追回记录{args.clawback_id}已追回")
    return 0


# -- calendar, deadlines, dossier ----------------------------------------------------------------
def calendar_show(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.workcalendar import calendar_year

    year = calendar_year(db, args.year)
    if year.warning:
        print(f"提示：{year.warning}")
    print(f"{year.year}年工作日历（来源：{year.source or '按周末推算'}），工作日{year.workdays}天")
    rows = [
        {"日期": d.day.isoformat(), "类型": "工作日" if d.workday else "休息日", "说明": d.note}
        for d in year.days
        if d.exception
    ]
    print_table(rows)
    return 0


def calendar_import(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.workcalendar import import_calendar

    result = import_calendar(db, args.file)
    print(f"已导入工作日历：{'、'.join(map(str, result.years))}年，共{result.days}天")
    return 0


def deadlines(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.deadlines import todo

    items = todo(db)
    if args.json:
        print_json([i.json_row() for i in items])
        return 0
    print_table([{k: v for k, v in i.json_row().items() if k != "核定结果"} for i in items])
    return 0


def dossier(db: Database, args: argparse.Namespace) -> int:
    from desktop.reports import export_built

    result = export_built(db, "dossier", args.out, key=args.award_id)
    print(f"已导出审计档案：{result.path}（数据指纹 {result.fingerprint}）")
    return 0


def register(commands: Any) -> None:
    _register_review(commands)
    _register_money(commands)
    _register_other(commands)


def _register_review(commands: Any) -> None:
    p = commands.add_parser("signoff", help="签批节点：查看或设置")
    sub = subcommands(p, "signoff_command", "签批节点")
    command(sub.add_parser("show", help="查看签批节点"), signoff_show, writes=False)
    s = sub.add_parser("set", help='设置签批节点，如 "经办:审核员,分管领导:管理员"')
    s.add_argument("chain", metavar="NODE:ROLE,...")
    command(s, signoff_set, writes=True)

    p = commands.add_parser("publicity", help="公示：生成公示批次、查看公示")
    sub = subcommands(p, "publicity_command", "公示")
    s = sub.add_parser("create", help="将该年度尚未公示的已审核结果列入公示")
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--start", required=True, help="公示开始日期 YYYY-MM-DD")
    s.add_argument("--days", type=int, default=5, help="公示工作日数（默认5）")
    s.add_argument("--out", type=Path, help="公示名单 .pdf 或 .xlsx")
    s.add_argument("--phone", help="监督电话（保存为默认值）")
    command(s, publicity_create, writes=True)
    s = sub.add_parser("list", help="列出公示")
    s.add_argument("--year", type=int)
    s.add_argument("--json", action="store_true")
    command(s, publicity_list, writes=False)

    p = commands.add_parser("objection", help="公示异议：登记、处理")
    sub = subcommands(p, "objection_command", "异议")
    s = sub.add_parser("add", help="登记实名异议（收到日期须在公示期内）")
    s.add_argument("publicity_id", type=int, metavar="PUBLICITY_ID")
    s.add_argument("--award", type=int, required=True, metavar="AWARD_ID")
    s.add_argument("--from", dest="person", required=True, help='"姓名 联系电话"')
    s.add_argument("--received", required=True, help="收到日期 YYYY-MM-DD")
    s.add_argument("--text", required=True, help="异议内容")
    s.add_argument("--channel", help="方式：来电/来信/来访/电子邮件…")
    command(s, objection_add, writes=True)
    s = sub.add_parser("close", help="处理异议：成立（撤销该结果）或不成立")
    s.add_argument("objection_id", type=int, metavar="OBJECTION_ID")
    s.add_argument("--outcome", required=True, choices=("成立", "不成立"))
    s.add_argument("--reason", required=True)
    command(s, objection_close, writes=True)


def _register_money(commands: Any) -> None:
    p = commands.add_parser("budget", help="预算：设置、查看执行情况")
    sub = subcommands(p, "budget_command", "预算")
    s = sub.add_parser("set", help="设置年度某资金来源的预算")
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--source", default="区级财政")
    s.add_argument("--amount", required=True, help="预算金额（元）")
    command(s, budget_set, writes=True)
    s = sub.add_parser("show", help="预算、已审核未拨付、已拨付、余额")
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--json", action="store_true")
    command(s, budget_show, writes=False)

    p = commands.add_parser("blacklist", help="严重失信主体名单")
    sub = subcommands(p, "blacklist_command", "失信名单")
    s = sub.add_parser("import", help="导入信用中国导出的严重失信主体名单（替换此前的名单）")
    s.add_argument("file", type=Path)
    command(s, blacklist_import, writes=True)

    p = commands.add_parser("payment", help="拨付：生成拨付批次、导入财政支付结果")
    sub = subcommands(p, "payment_command", "拨付")
    s = sub.add_parser("batch", help="生成拨付批次和拨付清单")
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--out", type=Path, required=True, help="拨付清单 .xlsx")
    s.add_argument("--pdf", type=Path, help="拨付清单 .pdf")
    command(s, payment_batch, writes=True)
    s = sub.add_parser("result", help="导入财政的支付结果文件")
    s.add_argument("batch_id", type=int, metavar="BATCH_ID")
    s.add_argument("file", type=Path)
    command(s, payment_result, writes=True)
    s = sub.add_parser("list", help="列出拨付批次")
    s.add_argument("--year", type=int)
    s.add_argument("--json", action="store_true")
    command(s, payment_list, writes=False)

    p = commands.add_parser("clawback", help="登记追回（对已拨付的奖补）")
    p.add_argument("award_id", type=int, metavar="AWARD_ID")
    p.add_argument("--amount", required=True, help="追回金额（元）")
    p.add_argument("--reason", required=True)
    p.add_argument("--document", help="追回依据文号")
    p.add_argument(
        "--offset-against", type=int, metavar="AWARD_ID", help="在该企业以后的一笔奖补中抵扣"
    )
    command(p, clawback, writes=True)

    p = commands.add_parser("clawbacks", help="追回台账：查看、登记已追回")
    sub = subcommands(p, "clawbacks_command", "追回")
    s = sub.add_parser("list", help="列出追回记录")
    s.add_argument("--year", type=int)
    s.add_argument("--json", action="store_true")
    command(s, clawbacks_list, writes=False)
    s = sub.add_parser("recover", help="登记企业已退回")
    s.add_argument("clawback_id", type=int, metavar="CLAWBACK_ID")
    s.add_argument("--date", required=True)
    s.add_argument("--voucher")
    command(s, clawbacks_recover, writes=True)


def _register_other(commands: Any) -> None:
    p = commands.add_parser("calendar", help="工作日历（节假日与调休）")
    sub = subcommands(p, "calendar_command", "工作日历")
    s = sub.add_parser("show", help="显示一年的节假日与调休上班日")
    s.add_argument("year", type=int, metavar="YYYY")
    command(s, calendar_show, writes=False)
    s = sub.add_parser("import", help="从工作簿导入（日期、类型 工作日|休息日、说明），整年替换")
    s.add_argument("file", type=Path)
    command(s, calendar_import, writes=True)

    p = commands.add_parser("deadlines", help="待办与逾期（公示、异议、兑现时限）")
    p.add_argument("--json", action="store_true")
    command(p, deadlines, writes=False)

    p = commands.add_parser("dossier", help="导出一条核定结果的审计档案（PDF或Excel）")
    p.add_argument("award_id", type=int, metavar="AWARD_ID")
    p.add_argument("--out", type=Path, required=True)
    command(p, dossier, writes=False)
