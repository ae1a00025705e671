"""Policy versions: list, copy (draft + set + publish in one)."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.framework import command, subcommands
from desktop.storage.database import Database


def policy_list(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.catalogue import policy_versions, rules_of_version

    for v in policy_versions(db):
        print(f"[{v.id}] {v.doc_number} {v.title}（{v.valid_from} 至 {v.valid_to or '长期'}）")
        for rule in rules_of_version(db, v.id):
            print(f"    {rule.code:<9} {rule.method_label:<12} {rule.parameters_text}")
    return 0


def policy_copy(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.catalogue import copy_policy_version, parse_assignments

    new_id = copy_policy_version(
        db,
        args.version_id,
        doc_number=args.doc_number,
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        title=args.title,
        rule_changes=parse_assignments(args.set),
    )
    print(f"已复制为新的政策版本[{new_id}] {args.doc_number}（自{args.valid_from}起）")
    return 0


def register(commands: Any) -> None:
    p = commands.add_parser("policy", help="政策版本：列出、复制为新版本（续期政策）")
    actions = subcommands(p, "policy_command", "政策操作")
    command(actions.add_parser("list", help="列出政策版本及其条款参数"), policy_list, writes=False)
    copy = actions.add_parser("copy", help="复制一个政策版本为新版本并施行")
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
        help="修改参数，如 --set LZ41-2.rate=40% --set LZ41-2.cap=200万（可重复）",
    )
    command(copy, policy_copy, writes=True)
