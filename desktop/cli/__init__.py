"""The command line of interfaces.md: ``python -m desktop [--db PATH] [--user NAME] COMMAND …``.

Each command lives in one of the modules listed in :data:`COMMAND_MODULES` as a small handler
that calls one service; :mod:`desktop.cli.framework` says how a command declares whether it
writes. This module only parses, opens the session, logs in when needed and maps errors to exit
codes: 0 success, 1 a domain error (one Chinese line on stderr), 2 a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from pathlib import Path

from desktop.cli.framework import (
    OPENS_NOTHING,
    OPENS_OR_CREATES,
    Command,
    Parser,
    database_path,
    subcommands,
)
from desktop.core.errors import DomainError, ImportRejected

# Every module that registers commands (each has ``register(commands)``), in help order.
COMMAND_MODULES = (
    "desktop.cli.data_commands",
    "desktop.cli.review_commands",
    "desktop.cli.report_commands",
    "desktop.cli.admin_commands",
    "desktop.cli.policy_commands",
    "desktop.cli.key_commands",
    "desktop.cli.office_commands",
    "desktop.cli.payment_commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="siqiang", description="四强产业配套奖补管理系统（临淄区工业和信息化局）命令行"
    )
    parser.add_argument("--db", type=Path, help="数据库文件（默认为用户数据目录中的数据库）")
    parser.add_argument(
        "--user",
        help="操作人（记入变更日志）；已启用登录的数据库中，写入数据的命令须指定用户名，"
        "密码取自环境变量 SIQIANG_PASSWORD，未设置时在终端提示输入",
    )
    commands = subcommands(parser, "command")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def execute(args: argparse.Namespace) -> int:
    from desktop.cli.login import login_if_needed
    from desktop.services.session import open_session

    spec: Command = args._command
    if spec.opens == OPENS_NOTHING:
        return spec.handler(None, args)
    writes = spec.writes_for(args)
    session = open_session(
        database_path(args),
        user=args.user or "本机用户",
        writable=True if writes else None,
        create=spec.opens == OPENS_OR_CREATES,
        daily_backup=writes,  # a read-only command leaves the backup folder alone
    )
    with session:
        for notice in session.notices:
            print(f"提示：{notice}", file=sys.stderr)
        if writes:
            login_if_needed(session.db, args)
        return spec.handler(session.db, args)


def run(argv: list[str]) -> int:
    from desktop.console import configure_console

    configure_console()
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
    except sqlite3.Error as exc:  # outside a transaction (which maps its own): still Chinese
        from desktop.storage.database import storage_error

        print(f"错误：{storage_error(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk or a read-only folder while writing a file
        where = f"（{exc.filename}）" if getattr(exc, "filename", None) else ""
        print(f"错误：文件读写失败{where}：{exc.strerror or exc}，未写入任何文件", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("错误：已中断，未完成的操作已回滚", file=sys.stderr)
        return 130
