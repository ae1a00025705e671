"""Report commands: export, verify."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.cli.framework import command, require_year
from desktop.storage.database import Database


def export(db: Database, args: argparse.Namespace) -> int:
    from desktop.reports import export_report

    year = None if args.report == "ledger" else require_year(args)
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
    for warning in result.warnings:
        print(f"提示：{warning}")
    return 0


def verify(db: Database, args: argparse.Namespace) -> int:
    from desktop.reports.verify import verify_report

    result = verify_report(db, args.file)
    print(result.message)
    return 0 if result.ok else 1


def register(commands: Any) -> None:
    from desktop.reports import REPORTS

    p = commands.add_parser("export", help="导出报表（Excel或PDF）")
    p.add_argument("format", choices=("excel", "pdf"))
    p.add_argument("--year", type=int)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument(
        "--report",
        choices=tuple(REPORTS),
        default="detail",
        help="；".join(f"{k}：{v}" for k, v in REPORTS.items()),
    )
    p.add_argument("--unit", choices=("元", "万元"), default="元")
    p.add_argument("--credit-code", help="单户企业台账的统一社会信用代码")
    command(p, export, writes=False)

    p = commands.add_parser("verify", help="核对导出的报表（Excel或PDF）与当前数据库是否一致")
    p.add_argument("file", type=Path, help="本系统导出的 .xlsx 或 .pdf 报表")
    command(p, verify, writes=False)
