"""Other offices: township keys, packages up, 受理, receipts down, the city's 下达 list."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli.framework import command, print_json, print_table, subcommands
from desktop.storage.database import Database

INTAKE_TABLE = (
    "编号",
    "类别",
    "状态",
    "来源",
    "企业名称",
    "条款编号",
    "事项日期",
    "内容",
    "问题",
    "理由",
)


def township_register(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.offices import register_key

    r = register_key(db, args.town, args.key)
    if not r.changed:
        print(f"{r.party}的公钥已登记（指纹 {r.fingerprint}），未作改动")
    elif r.previous:
        print(f"已更换{r.party}的公钥：原指纹 {r.previous}，新指纹 {r.fingerprint}（请电话核对）")
    else:
        print(f"已登记{r.party}的公钥，指纹 {r.fingerprint}（请与对方电话核对）")
    return 0


def package_export(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.packages import export_package

    r = export_package(db, args.out, resend=args.resend)
    verb = "已重新导出" if r.resent else "已导出"
    print(
        f"{verb}{r.town}第{r.sequence}号上报包：{r.path}（企业{r.enterprises}户、事项{r.matters}个、"
        f"撤回{r.withdrawn}个；签名密钥指纹 {r.fingerprint}；文件SHA-256 {r.file_hash[:16]}…）"
    )
    return 0


def package_import(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.packages import import_package

    print(import_package(db, args.file).summary())
    return 0


def intake_list(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.intake import list_items

    rows = [i.json_row() for i in list_items(db, pending_only=args.pending)]
    if args.json:
        print_json(rows)
    else:
        print_table([{k: r[k] for k in INTAKE_TABLE} for r in rows])
    return 0


def intake_accept(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.intake import accept

    for d in accept(db, args.ids):
        print(f"受理编号{d.item_id}（{d.kind}）：{d.text}")
    return 0


def intake_return(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.intake import return_item

    item = return_item(db, args.id, args.reason)
    print(f"受理编号{item.id}（{item.kind}，{item.enterprise_name}）已退回：{item.reason}")
    return 0


def receipt_export(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.receipts import export_receipt

    r = export_receipt(db, args.township, args.out)
    shown = "，".join(f"{k}{v}个" for k, v in r.outcomes.items()) or "无事项"
    print(
        f"已导出给{r.town}的第{r.sequence}号回执：{r.path}（{shown}；企业{r.enterprises}户、"
        f"政策版本{r.policy_versions}个、四强名单{r.list_years}个年度；签名密钥指纹 {r.fingerprint}）"
    )
    return 0


def receipt_import(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.receipts import import_receipt

    r = import_receipt(db, args.file)
    if r.first_use:
        print(
            f"首次导入回执：已记录区工信局的公钥，指纹 {r.district_fingerprint}"
            "——请与区工信局电话核对；此后只接受该公钥签发的回执"
        )
    for outcome in r.outcomes:
        print(outcome.line())
    for line in r.enterprise_lines:
        print(line)
    print(r.summary())
    return 0


def city_import(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.city import import_city_list

    result = import_city_list(db, args.file, dry_run=args.dry_run)
    for line in result.lines:
        if line.outcome != "一致" or line.note:
            where = f"事项{line.application_id}" if line.application_id else ""
            print(
                f"  第{line.row.row}行 {line.row.enterprise_name}：{line.outcome} {where} {line.note}".rstrip()
            )
    for warning in result.warnings:
        print(f"  提示：{warning}")
    if args.report is not None:
        from desktop.reports import write_report
        from desktop.reports.reconcile import reconcile_report

        print(f"对账表：{write_report(reconcile_report(result), 'xlsx', args.report).path}")
    print(result.summary())
    return 0


def register(commands: Any) -> None:
    p = commands.add_parser("township", help="镇街：登记镇街（或区工信局）的公钥")
    actions = subcommands(p, "township_command", "镇街操作")
    one = actions.add_parser(
        "register", help="区级：登记镇街的公钥；镇街：township register 区 --key 区工信局的公钥"
    )
    one.add_argument("town", metavar="镇街名")
    one.add_argument("--key", type=Path, required=True, metavar="PUBLIC_KEY_FILE")
    command(one, township_register, writes=True)

    p = commands.add_parser("package", help="上报包：镇街导出，区级导入")
    actions = subcommands(p, "package_command", "上报包操作")
    one = actions.add_parser("export", help="镇街：导出自上次上报以来录入或修改的企业和事项")
    one.add_argument("--out", type=Path, required=True, metavar="FILE.sqpkg")
    one.add_argument("--resend", type=int, metavar="序号", help="重新导出已导出过的第N号上报包")
    command(one, package_export, writes=True)
    one = actions.add_parser("import", help="区级：导入镇街的上报包（事项进入受理）")
    one.add_argument("file", type=Path, metavar="FILE.sqpkg")
    command(one, package_import, writes=True)

    p = commands.add_parser("intake", help="受理：镇街上报的事项和市级清单的补拨、追回建议")
    actions = subcommands(p, "intake_command", "受理操作")
    one = actions.add_parser("list", help="列出受理队列（待受理在前）")
    one.add_argument("--json", action="store_true")
    one.add_argument("--pending", action="store_true", help="只列待受理的")
    command(one, intake_list, writes=False)
    one = actions.add_parser("accept", help="受理")
    one.add_argument("ids", type=int, nargs="+", metavar="ID")
    command(one, intake_accept, writes=True)
    one = actions.add_parser("return", help="退回（须写明理由）")
    one.add_argument("id", type=int, metavar="ID")
    one.add_argument("--reason", required=True)
    command(one, intake_return, writes=True)

    p = commands.add_parser("receipt", help="回执：区级导出给镇街，镇街导入")
    actions = subcommands(p, "receipt_command", "回执操作")
    one = actions.add_parser("export", help="区级：导出给某镇街的回执")
    one.add_argument("--township", required=True, metavar="镇街名")
    one.add_argument("--out", type=Path, required=True, metavar="FILE.sqrcpt")
    command(one, receipt_export, writes=True)
    one = actions.add_parser("import", help="镇街：导入区工信局的回执")
    one.add_argument("file", type=Path, metavar="FILE.sqrcpt")
    command(one, receipt_import, writes=True)

    p = commands.add_parser("city", help="市级下达清单")
    actions = subcommands(p, "city_command", "市级清单操作")
    one = actions.add_parser("import", help="导入市级下达清单并与奖补事项对账")
    one.add_argument("file", type=Path, metavar="FILE.xlsx")
    one.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    one.add_argument("--report", type=Path, metavar="FILE.xlsx", help="对账表输出到Excel")
    command(one, city_import, writes=lambda a: not a.dry_run)
