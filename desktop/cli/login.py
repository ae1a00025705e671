"""Passwords on the command line: from the environment (scripts) or asked at the terminal."""

from __future__ import annotations

import argparse
import os
import sys

from desktop.core.errors import DomainError, PermissionDenied
from desktop.storage.database import Database


def prompt_password(prompt: str) -> str:
    if not sys.stdin or not sys.stdin.isatty():
        raise DomainError(
            "需要输入密码，但当前不是交互式终端：请设置环境变量 SIQIANG_PASSWORD"
            "（新密码用 SIQIANG_NEW_PASSWORD）"
        )
    import getpass

    return getpass.getpass(prompt)


def login_if_needed(db: Database, args: argparse.Namespace) -> None:
    """With logins on, a command that writes needs --user and the password (env or prompt)."""
    from desktop.services.users import login, logins_enabled

    if not logins_enabled(db):
        return
    if not args.user:
        raise PermissionDenied(
            "本数据库已启用登录：写入数据的命令须用 --user 指定用户名，"
            "密码由环境变量 SIQIANG_PASSWORD 提供或在提示时输入"
        )
    password = os.environ.get("SIQIANG_PASSWORD")
    if password is None:
        password = prompt_password(f"用户“{args.user}”的密码：")
    login(db, args.user, password)


def new_password(db: Database) -> str:
    """SIQIANG_NEW_PASSWORD; else SIQIANG_PASSWORD when it was not used to log in; else prompt."""
    password = os.environ.get("SIQIANG_NEW_PASSWORD")
    if password is None and db.role is None:
        password = os.environ.get("SIQIANG_PASSWORD")
    if password is None:
        password = prompt_password("新密码：")
        if prompt_password("再次输入新密码：") != password:
            raise DomainError("两次输入的密码不一致，未作修改")
    return password
