"""The command line of interfaces.md. Each command parses, opens the database, calls one service.

Domain errors become a one-line Chinese message on stderr and exit status 1 (2 for usage errors,
which argparse reports itself).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from desktop.core.errors import DomainError, ImportRejected
from desktop.core.money import yuan_string

REPORT_NAMES = ("detail", "summary", "ledger", "installments", "assessment")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one Chinese line, exit 2
        self.exit(2, f"用法错误：{message}（运行 python -m desktop --help 查看用法）\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="siqiang", description="四强产业配套奖补管理系统（临淄区工业和信息化局）命令行"
    )
    p.add_argument("--db", type=Path, help="数据库文件（默认为用户数据目录中的数据库）")
    p.add_argument(
        "--user",
        help="操作人（记入变更日志）；已启用登录的数据库中，写入数据的命令须指定用户名，"
        "密码取自环境变量 SIQIANG_PASSWORD，未设置时在终端提示输入",
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    init = sub.add_parser("init", help="创建或升级数据库")
    init.add_argument("--demo", action="store_true", help="在新数据库中生成演示数据")

    imp = sub.add_parser("import", help="导入工作簿")
    imp_sub = imp.add_subparsers(dest="what", required=True, parser_class=_Parser)
    for name in ("enterprises", "siqiang-list", "applications"):
        one = imp_sub.add_parser(name)
        one.add_argument("file", type=Path)
        one.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        if name == "siqiang-list":
            one.add_argument("--year", type=int)

    calc = sub.add_parser("calculate", help="计算一个年度的奖补")
    calc.add_argument("--year", type=int, required=True)

    exp = sub.add_parser("export", help="导出报表")
    exp.add_argument("format", choices=("excel", "pdf"))
    exp.add_argument("--year", type=int)
    exp.add_argument("--out", type=Path, required=True)
    exp.add_argument("--report", choices=REPORT_NAMES, default="detail")
    exp.add_argument("--unit", choices=("元", "万元"), default="元")
    exp.add_argument("--credit-code", help="单户企业台账的统一社会信用代码")

    bak = sub.add_parser("backup", help="备份数据库")
    bak.add_argument("--out", type=Path)

    rst = sub.add_parser("restore", help="用备份文件恢复数据库（先检查文件，并保留被替换的数据库）")
    rst.add_argument("file", type=Path, help="备份文件")

    sub.add_parser("check", help="检查数据库")

    ver = sub.add_parser("verify", help="核对导出的报表（Excel或PDF）与当前数据库是否一致")
    ver.add_argument("file", type=Path, help="本系统导出的 .xlsx 或 .pdf 报表")

    log = sub.add_parser("log", help="查看或导出变更日志（审计用）")
    log.add_argument("--user", dest="log_user", metavar="U", help="只看该操作人的记录")
    log.add_argument("--from", dest="date_from", metavar="D", help="起始日期，如 2024-01-01")
    log.add_argument("--to", dest="date_to", metavar="D", help="截止日期（含当天）")
    log.add_argument("--enterprise", metavar="CODE", help="企业统一社会信用代码或名称的一部分")
    log.add_argument("--out", type=Path, metavar="FILE.xlsx", help="导出到Excel（全部匹配记录）")
    log.add_argument("--limit", type=int, help="最多显示的条数（屏幕默认最近200条）")

    lst = sub.add_parser("list", help="列出企业或核定结果")
    lst.add_argument("what", choices=("enterprises", "awards"))
    lst.add_argument("--year", type=int)
    lst.add_argument("--json", action="store_true")

    exp_one = sub.add_parser("explain", help="显示一条核定结果的完整计算过程")
    exp_one.add_argument("award_id", type=int)

    app = sub.add_parser("approve", help="审核通过")
    app.add_argument("--year", type=int, required=True)
    group = app.add_mutually_exclusive_group(required=True)
    group.add_argument("--all", action="store_true")
    group.add_argument("ids", nargs="*", type=int, default=[])

    rej = sub.add_parser("reject", help="不予奖补")
    rej.add_argument("award_id", type=int)
    rej.add_argument("--reason", required=True)

    rev = sub.add_parser("revoke", help="撤销已审核的核定结果")
    rev.add_argument("award_id", type=int)
    rev.add_argument("--reason", required=True)

    paid = sub.add_parser("pay", help="标记为已拨付")
    paid.add_argument("ids", nargs="+", type=int)

    pol = sub.add_parser("policy", help="政策版本：列出，或复制为新版本（续期政策）")
    pol_sub = pol.add_subparsers(dest="policy_command", required=True, parser_class=_Parser)
    pol_sub.add_parser("list", help="列出政策版本及其条款参数")
    copy = pol_sub.add_parser("copy", help="复制一个政策版本为新版本")
    copy.add_argument("version_id", type=int, help="被复制的政策版本编号（见 policy list）")
    copy.add_argument("--doc-number", required=True, help="新文号")
    copy.add_argument("--valid-from", required=True, help="施行日期，如 2026-01-01")
    copy.add_argument("--valid-to", help="有效期至（不填为长期）")
    copy.add_argument("--title", help="新版本标题")
    copy.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="条款编号.参数=值",
        help="修改参数，如 --set LZ41-2.rate=0.40 --set LZ41-2.cap=2000000.00（可重复）",
    )

    usr = sub.add_parser(
        "user", help="用户管理（第一个用户须为管理员，创建后本数据库从此需要登录）"
    )
    usr_sub = usr.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    u_add = usr_sub.add_parser(
        "add", help="新增用户（新密码取自 SIQIANG_NEW_PASSWORD 或提示输入两次）"
    )
    u_add.add_argument("name")
    u_add.add_argument("--role", required=True, choices=("录入员", "审核员", "管理员"))
    usr_sub.add_parser("list", help="列出用户")
    usr_sub.add_parser("passwd", help="修改本人密码，或由管理员重设他人密码").add_argument("name")
    usr_sub.add_parser("disable", help="停用用户（管理员）").add_argument("name")

    sets = sub.add_parser("settings", help="系统设置")
    sets.add_argument("key", choices=("separation",), help="separation：录入与审核分离")
    sets.add_argument("value", nargs="?", choices=("on", "off"), help="不填则显示当前设置")
    return p


def _open(args: argparse.Namespace, *, create: bool = False):
    from desktop.paths import default_database_path
    from desktop.storage.database import Database

    path = args.db or default_database_path()
    if not create and not Path(path).exists():
        raise DomainError(f"数据库文件{path}不存在，请先运行 init")
    # A command that writes needs the write lock (else a Chinese error naming its holder);
    # one that only reads opens read-only while another program holds the file.
    writes = create or not _read_only(args)
    db = Database(path, user=args.user or "本机用户", readonly=False if writes else None)
    try:
        for notice in (db.lock_notice, db.readonly_message):
            if notice:
                print(f"提示：{notice}", file=sys.stderr)
        if writes:
            from desktop.services.backup import backup_daily

            backup_daily(db)
    except BaseException:
        db.close()
        raise
    return db


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def print_table(rows: list[dict[str, Any]], out=None) -> None:
    out = out or sys.stdout
    if not rows:
        print("（无记录）", file=out)
        return
    headers = list(rows[0])
    cells = [[str(r[h]) if r[h] is not None else "" for h in headers] for r in rows]
    widths = [max(_width(h), *(_width(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(
            v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)
        ).rstrip()

    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for c in cells:
        print(line(c), file=out)


def _enterprise_rows(db) -> list[dict[str, Any]]:
    from desktop.services.registry import all_enterprises

    return [
        {
            "统一社会信用代码": e.credit_code,
            "企业名称": e.name,
            "所属镇街": e.town,
            "是否规上": "是" if e.above_scale else "否",
            "四强产业": e.industry or "",
        }
        for e in all_enterprises(db)
    ]


def _award_rows(db, year: int) -> list[dict[str, Any]]:
    from desktop.services.awards import list_awards

    return [
        {
            "编号": a.id,
            "统一社会信用代码": a.credit_code,
            "企业名称": a.enterprise_name,
            "条款编号": a.rule_code,
            "年度": a.year,
            "计算基数（元）": None if a.basis_fen is None else yuan_string(a.basis_fen),
            "核定金额（元）": yuan_string(a.amount_fen),
            "状态": a.status,
            "计算说明": a.explanation,
        }
        for a in list_awards(db, year)
    ]


def _require_year(args: argparse.Namespace) -> int:
    if args.year is None:
        raise DomainError("请用 --year 指定年度")
    return args.year


def _policy(db, args: argparse.Namespace) -> int:
    from desktop.services.catalogue import copy_policy_version, policy_versions, rules_of_version

    if args.policy_command == "list":
        for v in policy_versions(db):
            print(f"[{v.id}] {v.doc_number} {v.title}（{v.valid_from} 至 {v.valid_to or '长期'}）")
            for rule in rules_of_version(db, v.id):
                params = "，".join(f"{k}={val}" for k, val in rule.params.items())
                print(f"    {rule.code:<9} {rule.method:<12} {params}")
        return 0
    changes: dict[str, dict] = {}
    for item in args.set:
        target, sep, value = item.partition("=")
        code, dot, key = target.partition(".")
        if not sep or not dot or not code or not key:
            raise DomainError(f"参数写法“{item}”不正确，应为 条款编号.参数=值，如 LZ41-2.rate=0.40")
        parsed: object = value
        if value.isdigit():
            parsed = int(value)
        elif value in ("", "none", "无"):
            parsed = None
        changes.setdefault(code.upper(), {}).setdefault("params", {})[key] = parsed
    new_id = copy_policy_version(
        db,
        args.version_id,
        doc_number=args.doc_number,
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        title=args.title,
        rule_changes=changes,
    )
    print(f"已复制为新的政策版本[{new_id}] {args.doc_number}（自{args.valid_from}起）")
    return 0


def _read_only(args: argparse.Namespace) -> bool:
    """Commands that write nothing to the database run without a login."""
    cmd = args.command
    return (
        cmd in ("export", "backup", "check", "list", "explain", "verify", "log")
        or (cmd == "init" and not args.demo)
        or (cmd == "import" and args.dry_run)
        or (cmd == "policy" and args.policy_command == "list")
        or (cmd == "user" and args.user_command == "list")
        or (cmd == "settings" and args.value is None)
    )


def _prompt_password(prompt: str) -> str:
    if not sys.stdin or not sys.stdin.isatty():
        raise DomainError(
            "需要输入密码，但当前不是交互式终端：请设置环境变量 SIQIANG_PASSWORD（新密码用 SIQIANG_NEW_PASSWORD）"
        )
    import getpass

    return getpass.getpass(prompt)


def _login_if_needed(db, args: argparse.Namespace) -> None:
    """With logins on, a command that writes needs --user and the password (env or prompt)."""
    import os

    from desktop.core.errors import PermissionDenied
    from desktop.services.users import login, logins_enabled

    if _read_only(args) or not logins_enabled(db):
        return
    if not args.user:
        raise PermissionDenied(
            "本数据库已启用登录：写入数据的命令须用 --user 指定用户名，"
            "密码由环境变量 SIQIANG_PASSWORD 提供或在提示时输入"
        )
    password = os.environ.get("SIQIANG_PASSWORD")
    if password is None:
        password = _prompt_password(f"用户“{args.user}”的密码：")
    login(db, args.user, password)


def _new_password(db) -> str:
    """SIQIANG_NEW_PASSWORD; else SIQIANG_PASSWORD when it was not used to log in; else prompt."""
    import os

    password = os.environ.get("SIQIANG_NEW_PASSWORD")
    if password is None and db.role is None:
        password = os.environ.get("SIQIANG_PASSWORD")
    if password is None:
        password = _prompt_password("新密码：")
        if _prompt_password("再次输入新密码：") != password:
            raise DomainError("两次输入的密码不一致，未作修改")
    return password


def _users(db, args: argparse.Namespace) -> int:
    from desktop.services import users

    if args.user_command == "add":
        first = not users.logins_enabled(db)
        users.add_user(db, args.name, args.role, _new_password(db))
        print(f"已新增用户“{args.name.strip()}”（{args.role}）")
        if first:
            print("本数据库从此启用登录：写入数据的命令须加 --user 用户名，并输入密码")
    elif args.user_command == "list":
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
    elif args.user_command == "passwd":
        users.change_password(db, args.name, _new_password(db))
        print(f"用户“{args.name}”的密码已修改")
    else:
        users.deactivate_user(db, args.name)
        print(f"用户“{args.name}”已停用")
    return 0


def _log(db, args: argparse.Namespace) -> int:
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


def _settings(db, args: argparse.Namespace) -> int:
    from desktop.services import users

    if args.value is not None:
        users.set_separation_of_duties(db, args.value == "on")
    state = "开启" if db.setting(users.SEPARATION_KEY, "1") != "0" else "关闭"
    mode = "" if users.logins_enabled(db) else "（单用户模式，尚未启用登录，此规则暂不起作用）"
    print(f"录入与审核分离：{state}{mode}")
    return 0


def execute(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd == "init":
        with _open(args, create=True) as db:
            _login_if_needed(db, args)
            if args.demo:
                from desktop.services.demo import build_demo

                summary = build_demo(db)
                print(f"已生成演示数据：{summary}")
            print(f"数据库已就绪：{db.path}（结构版本{db.user_version}）")
        return 0
    with _open(args) as db:
        _login_if_needed(db, args)
        if cmd == "import":
            from desktop.services import importing

            func = {
                "enterprises": importing.import_enterprises,
                "siqiang-list": importing.import_siqiang_list,
                "applications": importing.import_applications,
            }[args.what]
            kwargs = {"year": args.year} if args.what == "siqiang-list" else {}
            report = func(db, args.file, dry_run=args.dry_run, **kwargs)
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
            return 0
        if cmd == "calculate":
            from desktop.core.money import format_yuan
            from desktop.services.calculation import calculate_year

            s = calculate_year(db, args.year)
            print(
                f"{s.year}年度计算完成：{s.results}条结果（新增{s.inserted}，更新{s.updated}，未变{s.unchanged}，"
                f"删除过期草稿{s.deleted}，已审核等锁定{s.locked}），给予奖补{s.granted}条，"
                f"合计 {format_yuan(s.total_fen)} 元"
            )
            return 0
        if cmd == "export":
            from desktop.reports import export_report

            year = None if args.report == "ledger" else _require_year(args)
            result = export_report(
                db,
                args.report,
                args.format,
                args.out,
                year=year,
                credit_code=args.credit_code,
                unit=args.unit,
            )
            print(f"已导出：{result.path}（{result.rows}行）")
            return 0
        if cmd == "backup":
            from desktop.services.backup import backup_dir, backup_to
            from desktop.storage.database import now_text

            target = (
                args.out
                or backup_dir(db.path)
                / f"{db.path.stem}-{now_text().replace(':', '').replace('T', '-').replace('-', '')}-手动备份.db"
            )
            print(f"已备份到：{backup_to(db, target)}")
            return 0
        if cmd == "restore":
            from desktop.services.restore import restore_backup

            result = restore_backup(db, args.file)
            with result.db as restored:
                print(f"已用 {result.source} 恢复数据库：{restored.path}")
                if result.replaced_backup:
                    print(f"被替换的数据库已保留为：{result.replaced_backup}")
                if result.schema_version < restored.user_version:
                    print(
                        f"备份文件结构版本{result.schema_version}，已升级到{restored.user_version}"
                    )
            return 0
        if cmd == "check":
            from desktop.services.check import run_check

            report = run_check(db)
            for line in report.lines():
                print(line)
            return 0 if report.ok else 1
        if cmd == "verify":
            from desktop.services.fingerprint import verify_report

            result = verify_report(db, args.file)
            print(result.message)
            return 0 if result.ok else 1
        if cmd == "log":
            return _log(db, args)
        if cmd == "list":
            if args.what == "enterprises":
                rows = _enterprise_rows(db)
            else:
                rows = _award_rows(db, _require_year(args))
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=1))
            else:
                print_table(rows)
            return 0
        if cmd == "explain":
            from desktop.services.awards import explain

            print(explain(db, args.award_id))
            return 0
        if cmd == "approve":
            from desktop.core.money import format_yuan
            from desktop.services.awards import approve

            if not args.all and not args.ids:
                raise DomainError("请指定核定结果编号，或用 --all 审核该年度全部草稿")
            s = approve(db, args.year, None if args.all else args.ids)
            print(
                f"已审核{s.approved}条，合计 {format_yuan(s.total_fen)} 元"
                + (f"；{s.skipped_zero}条金额为0的草稿未审核" if s.skipped_zero else "")
                + (
                    f"；{s.skipped_own}条为本人录入或修改的事项，按录入与审核分离规则未审核"
                    if s.skipped_own
                    else ""
                )
            )
            return 0
        if cmd == "reject":
            from desktop.services.awards import reject

            reject(db, args.award_id, args.reason)
            print(f"核定结果{args.award_id}已设为不予奖补")
            return 0
        if cmd == "revoke":
            from desktop.services.awards import revoke

            revoke(db, args.award_id, args.reason)
            print(f"核定结果{args.award_id}已撤销")
            return 0
        if cmd == "pay":
            from desktop.services.awards import mark_paid

            print(f"已标记拨付{mark_paid(db, args.ids)}条")
            return 0
        if cmd == "policy":
            return _policy(db, args)
        if cmd == "user":
            return _users(db, args)
        if cmd == "settings":
            return _settings(db, args)
    raise DomainError(f"未知命令：{cmd}")


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return execute(args)
    except ImportRejected as exc:
        for problem in exc.problems:
            print(str(problem))
        print(f"错误：{exc}".splitlines()[0], file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"错误：{exc}".replace("\n", " "), file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `siqiang list … | head`
        return 0
    except KeyboardInterrupt:
        print("错误：已中断，未完成的操作已回滚", file=sys.stderr)
        return 130
