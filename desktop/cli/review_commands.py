"""Review commands: approve, reject, revoke, pay."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.framework import command
from desktop.core import status
from desktop.core.errors import DomainError
from desktop.core.money import format_yuan
from desktop.storage.database import Database


def approve(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.awards import approve as approve_awards

    if not args.all and not args.ids:
        raise DomainError("请指定核定结果编号，或用 --all 审核该年度全部草稿")
    s = approve_awards(
        db, args.year, None if args.all else args.ids, opinion=args.opinion, minutes_no=args.minutes
    )
    print(
        f"{status.APPROVED}{s.approved}条，合计 {format_yuan(s.total_fen)} 元"
        + (f"；签批{s.signed}条，待下一节点签批（审核中）" if s.signed else "")
        + (f"；{s.skipped_not_mine}条不是本人可签批的节点，未签批" if s.skipped_not_mine else "")
        + (f"；{s.skipped_zero}条金额为0的草稿未审核" if s.skipped_zero else "")
        + (
            f"；{s.skipped_own}条为本人录入或修改的事项，按录入与审核分离规则未审核"
            if s.skipped_own
            else ""
        )
    )
    for notice in s.notices:
        print(f"提示：{notice}")
    return 0


def reject(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.awards import reject as reject_award

    reject_award(db, args.award_id, args.reason)
    print(f"核定结果{args.award_id}已设为不予奖补")
    return 0


def revoke(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.awards import revoke as revoke_award

    revoke_award(db, args.award_id, args.reason)
    print(f"核定结果{args.award_id}已撤销；更正事项后重新计算，将生成新的草稿供重新审核")
    return 0


def pay(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.awards import mark_paid

    print(f"已标记拨付{mark_paid(db, args.ids)}条")
    return 0


def register(commands: Any) -> None:
    p = commands.add_parser("approve", help="审核通过")
    p.add_argument("--year", type=int, required=True)
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--all", action="store_true", help="该年度全部金额大于0的草稿")
    group.add_argument("ids", nargs="*", type=int, default=[], metavar="AWARD_ID")
    p.add_argument("--opinion", help="签批意见")
    p.add_argument("--minutes", help="局务会纪要编号（局务会节点）")
    command(p, approve, writes=True)

    p = commands.add_parser("reject", help="不予奖补（须写明理由）")
    p.add_argument("award_id", type=int)
    p.add_argument("--reason", required=True)
    command(p, reject, writes=True)

    p = commands.add_parser("revoke", help="撤销已审核的核定结果（须写明理由）")
    p.add_argument("award_id", type=int)
    p.add_argument("--reason", required=True)
    command(p, revoke, writes=True)

    p = commands.add_parser("pay", help="标记为已拨付")
    p.add_argument("ids", nargs="+", type=int, metavar="AWARD_ID")
    command(p, pay, writes=True)
