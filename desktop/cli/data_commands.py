"""Commands on the data: init, import, calculate, list, explain."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli.framework import (
    OPENS_OR_CREATES,
    command,
    print_json,
    print_table,
    require_year,
    subcommands,
)
from desktop.core.errors import DomainError
from desktop.core.money import format_yuan
from desktop.storage.database import Database

IMPORT_KINDS = ("enterprises", "siqiang-list", "applications")
TABLE_ENTERPRISE_COLUMNS = ("统一社会信用代码", "企业名称", "所属镇街", "是否规上", "四强产业")


def init(db: Database, args: argparse.Namespace) -> int:
    if args.township is not None:
        return init_township(db, args)
    if args.demo:
        from desktop.services.demo import build_demo

        print(f"已生成演示数据：{build_demo(db)}")
    print(f"数据库已就绪：{db.path}（结构版本{db.user_version}）")
    return 0


def init_township(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.keys import installation_key
    from desktop.services.offices import make_township

    if args.demo:
        raise DomainError("镇街数据库不能生成演示数据（演示数据含审核和拨付记录）")
    town, changed = make_township(db, args.township)
    key = installation_key()
    print(
        f"{'已设为' if changed else '已是'}{town}的镇街数据库：{db.path}（结构版本{db.user_version}）"
    )
    print(f"本机公钥文件：{key.public_file}（指纹 {key.fingerprint}）")
    print(f"请将公钥文件交区工信局登记：township register {town} --key 公钥文件")
    return 0


def import_workbook(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.importing import run_import

    if args.what == "undo":
        return import_undo(db, args)
    report = run_import(db, args.what, args.file, dry_run=args.dry_run, year=args.year)
    print(report.summary())
    for change in report.list_changes:
        for m in change.added:
            print(f"  新增 {change.year} {m.credit_code} {m.name}")
        for m in change.dropped:
            print(f"  移出 {change.year} {m.credit_code} {m.name}")
    for row in report.duplicates:
        print(f"  第{row}行：与已导入的事项相同，未再导入")
    for warning in report.warnings:
        print(f"  提示：{warning}")
    for change in report.changes[:200] if args.dry_run else ():
        where = f"第{change.row}行 " if change.row else ""
        print(
            f"  {where}{change.action} {change.credit_code} {change.name} {'；'.join(change.details)}"
        )
    if report.batch_id is not None:
        print("如需撤销本次导入：import undo")
    return 0


def import_undo(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.import_batches import undo_last_import

    report = undo_last_import(db, dry_run=args.dry_run)
    print(report.summary())
    for line in report.lines:
        print(f"  {line}")
    return 0


def calculate(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.calculation import calculate_year

    s = calculate_year(db, args.year)
    print(
        f"{s.year}年度计算完成：{s.results}条结果（新增{s.inserted}，更新{s.updated}，未变{s.unchanged}，"
        f"删除过期草稿{s.deleted}，已审核等锁定{s.locked}），给予奖补{s.granted}条，"
        f"合计 {format_yuan(s.total_fen)} 元"
    )
    return 0


def enterprise_rows(db: Database) -> list[dict[str, Any]]:
    from desktop.services.registry import all_enterprises

    return [e.json_row() for e in all_enterprises(db)]


def award_rows(db: Database, year: int) -> list[dict[str, Any]]:
    from desktop.services.awards import json_rows

    return json_rows(db, year)


def list_records(db: Database, args: argparse.Namespace) -> int:
    if args.what == "enterprises":
        rows = enterprise_rows(db)
        shown = TABLE_ENTERPRISE_COLUMNS  # bank details only in --json
    else:
        rows = award_rows(db, require_year(args))
        shown = None
    if args.json:
        print_json(rows)
    elif shown:
        print_table([{k: r[k] for k in shown} for r in rows])
    else:
        print_table(
            [r | {"签批": "；".join(f"{s['节点']} {s['签批人']}" for s in r["签批"])} for r in rows]
        )
    return 0


def explain(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.awards import explain as explain_award

    print(explain_award(db, args.award_id))
    return 0


def application_edit(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.applications import EDITABLE_FIELDS, edit_application

    changes = {field: getattr(args, field) for field in EDITABLE_FIELDS}
    if all(v is None for v in changes.values()):
        raise DomainError("请至少指定一项要修改的内容，如 --basis 或 --date")
    edit_application(db, args.application_id, changes)
    print(f"奖补事项{args.application_id}已修改；请重新计算该年度，新的草稿待重新审核")
    return 0


def register(commands: Any) -> None:
    p = commands.add_parser("init", help="创建或升级数据库")
    p.add_argument("--demo", action="store_true", help="在新数据库中生成演示数据")
    p.add_argument(
        "--township", metavar="镇街名", help="建立镇街数据库（只录入、计算和上报，不审核、不拨付）"
    )
    command(p, init, writes=lambda a: a.demo or a.township is not None, opens=OPENS_OR_CREATES)

    p = commands.add_parser("import", help="导入工作簿（企业名录、四强名单、奖补事项）")
    kinds = subcommands(p, "what", "导入内容")
    for name, label in zip(IMPORT_KINDS, ("企业名录", "四强企业名单", "奖补事项"), strict=True):
        one = kinds.add_parser(name, help=f"导入{label}")
        one.add_argument("file", type=Path)
        one.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        one.add_argument(
            "--year",
            type=int,
            help="四强名单的年度" if name == "siqiang-list" else argparse.SUPPRESS,
        )
        command(one, import_workbook, writes=lambda a: not a.dry_run)
    undo = kinds.add_parser("undo", help="撤销最近一次导入（其后没有依赖它的变动时）")
    undo.add_argument("--dry-run", action="store_true", help="只检查能否撤销，不写入")
    command(undo, import_workbook, writes=lambda a: not a.dry_run)

    p = commands.add_parser("calculate", help="计算一个年度的奖补")
    p.add_argument("--year", type=int, required=True)
    command(p, calculate, writes=True)

    p = commands.add_parser("list", help="列出企业或核定结果")
    p.add_argument("what", choices=("enterprises", "awards"))
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    command(p, list_records, writes=False)

    p = commands.add_parser("application", help="奖补事项：更正已录入的事项")
    actions = subcommands(p, "application_command", "事项操作")
    edit = actions.add_parser("edit", help="修改事项（已审核的须先撤销审核）")
    edit.add_argument("application_id", type=int, metavar="ID")
    for flag, field, label in (
        ("--rule", "rule_code", "条款编号"),
        ("--date", "event_date", "事项日期"),
        ("--basis", "basis", "基数金额（元）"),
        ("--level", "level", "认定级别"),
        ("--document", "city_document", "市级政策文号"),
        ("--description", "description", "事项说明"),
        ("--same-matter", "same_matter_key", "同一事项编号"),
        ("--amount", "manual_amount", "核定金额（元，人工核定条款）"),
    ):
        edit.add_argument(flag, dest=field, help=f"新的{label}")
    command(edit, application_edit, writes=True)

    p = commands.add_parser("explain", help="显示一条核定结果的完整计算过程")
    p.add_argument("award_id", type=int)
    command(p, explain, writes=False)
