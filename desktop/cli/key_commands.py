"""``keys show``: this installation's public key, to register it at the district."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.framework import OPENS_NOTHING, command, subcommands


def keys_show(db: Any, args: argparse.Namespace) -> int:
    from desktop.services.keys import installation_key

    key = installation_key()
    print(f"本机公钥文件：{key.public_file}")
    print(f"公钥：{key.public_hex}")
    print(f"指纹（电话核对用）：{key.fingerprint}")
    return 0


def register(commands: Any) -> None:
    p = commands.add_parser("keys", help="本机签名密钥")
    actions = subcommands(p, "keys_command", "密钥操作")
    show = actions.add_parser("show", help="显示本机公钥及其指纹")
    command(show, keys_show, writes=False, opens=OPENS_NOTHING)
