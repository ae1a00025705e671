"""Administration: backup, restore, check, log, users, settings."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli.framework import command, print_table, subcommands
from desktop.cli.login import new_password
from desktop.storage.database import Database


def backup(db: Database, args: argparse.Namespace) -> int:
    from desktop.storage.anchor import anchor_path, chain_head
    from desktop.storage.backup import backup_to, manual_backup_path

    target = backup_to(db, args.out or manual_backup_path(db.path))
    print(f"已备份到：{target}")
    print(f"链头已记在：{anchor_path(target)}（{chain_head(db).text()}）")
    return 0


def restore(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.restore import restore_backup

    result = restore_backup(db, args.file)
    with result.db as restored:
        print(f"已用 {result.source} 恢复数据库：{restored.path}")
        if result.replaced_backup:
            print(f"被替换的数据库已保留为：{result.replaced_backup}")
        if result.schema_version < restored.user_version:
            print(f"备份文件结构版本{result.schema_version}，已升级到{restored.user_version}")
    return 0


def check(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.check import run_check
    from desktop.services.integrity import read_anchor

    anchor = read_anchor(args.anchor) if args.anchor else None
    report = run_check(db, anchor)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def log(db: Database, args: argparse.Namespace) -> int:
    from desktop.services import changelog

    filters = {
        "user": args.log_user,
        "date_from": args.date_from,
        "date_to": args.date_to,
        "enterprise": args.enterprise,
    }
    if args.out is not None:
        n = changelog.export_log(db, args.out, limit=args.limit, **filters)
        print(f"已导出变更日志{n}条：{args.out}（{changelog.filter_text(**filters)}）")
        return 0
    limit = 200 if args.limit is None else args.limit
    entries = changelog.query_log(db, limit=limit or None, **filters)
    short = [[c if len(str(c)) <= 60 else str(c)[:59] + "…" for c in e.cells()] for e in entries]
    print_table([dict(zip(changelog.HEADERS, cells, strict=True)) for cells in short])
    total = changelog.count_log(db, **filters)
    if total > len(entries):
        print(f"共{total}条，显示最近{len(entries)}条（--limit 0 显示全部，--out 导出到Excel）")
    return 0


def user_add(db: Database, args: argparse.Namespace) -> int:
    from desktop.services import users

    first = not users.logins_enabled(db)
    users.add_user(db, args.name, args.role, new_password(db))
    print(f"已新增用户“{args.name.strip()}”（{args.role}）")
    if first:
        print("本数据库从此启用登录：写入数据的命令须加 --user 用户名，并输入密码")
    return 0


def user_list(db: Database, args: argparse.Namespace) -> int:
    from desktop.services import users

    print_table(
        [
            {
                "用户名": u.name,
                "角色": u.role,
                "状态": "已停用" if not u.active else "正常",
                "锁定至": (u.locked_until or "").replace("T", " "),
                "创建时间": u.created_at.replace("T", " "),
                "创建人": u.created_by,
            }
            for u in users.list_users(db)
        ]
    )
    return 0


def user_passwd(db: Database, args: argparse.Namespace) -> int:
    from desktop.services import users

    users.change_password(db, args.name, new_password(db))
    print(f"用户“{args.name}”的密码已修改")
    return 0


def user_disable(db: Database, args: argparse.Namespace) -> int:
    from desktop.services import users

    users.deactivate_user(db, args.name)
    print(f"用户“{args.name}”已停用")
    return 0


def settings(db: Database, args: argparse.Namespace) -> int:
    from desktop.services import users

    if args.value is not None:
        users.set_separation_of_duties(db, args.value == "on")
    state = "开启" if users.separation_setting(db) else "关闭"
    mode = "" if users.logins_enabled(db) else "（单用户模式，尚未启用登录，此规则暂不起作用）"
    print(f"录入与审核分离：{state}{mode}")
    return 0


def register(commands: Any) -> None:
    p = commands.add_parser("backup", help="备份数据库")
    p.add_argument("--out", type=Path)
    command(p, backup, writes=False)

    p = commands.add_parser(
        "restore", help="用备份文件恢复数据库（先检查文件，并保留被替换的数据库）"
    )
    p.add_argument("file", type=Path, help="备份文件")
    command(p, restore, writes=True)

    p = commands.add_parser("check", help="检查数据库（签名、结构、日志重放；--anchor 核对链头）")
    p.add_argument(
        "--anchor",
        type=Path,
        metavar="FILE",
        help="报表文件或备份旁的 .anchor.json：核对数据库仍延续其链头",
    )
    command(p, check, writes=False)

    p = commands.add_parser("log", help="查看或导出变更日志（审计用）")
    p.add_argument("--user", dest="log_user", metavar="U", help="只看该操作人的记录")
    p.add_argument("--from", dest="date_from", metavar="D", help="起始日期，如 2024-01-01")
    p.add_argument("--to", dest="date_to", metavar="D", help="截止日期（含当天）")
    p.add_argument("--enterprise", metavar="CODE", help="企业统一社会信用代码或名称的一部分")
    p.add_argument("--out", type=Path, metavar="FILE.xlsx", help="导出到Excel（全部匹配记录）")
    p.add_argument("--limit", type=int, help="最多显示的条数（屏幕默认最近200条）")
    command(p, log, writes=False)

    p = commands.add_parser(
        "user", help="用户管理（第一个用户须为管理员，创建后本数据库从此需要登录）"
    )
    actions = subcommands(p, "user_command", "用户操作")
    one = actions.add_parser(
        "add", help="新增用户（新密码取自 SIQIANG_NEW_PASSWORD 或提示输入两次）"
    )
    one.add_argument("name")
    one.add_argument("--role", required=True, choices=("录入员", "审核员", "管理员"))
    command(one, user_add, writes=True)
    command(actions.add_parser("list", help="列出用户"), user_list, writes=False)
    one = actions.add_parser("passwd", help="修改本人密码，或由管理员重设他人密码")
    one.add_argument("name")
    command(one, user_passwd, writes=True)
    one = actions.add_parser("disable", help="停用用户（管理员）")
    one.add_argument("name")
    command(one, user_disable, writes=True)

    p = commands.add_parser("settings", help="系统设置")
    p.add_argument("key", choices=("separation",), help="separation：录入与审核分离")
    p.add_argument("value", nargs="?", choices=("on", "off"), help="不填则显示当前设置")
    command(p, settings, writes=lambda a: a.value is not None)
