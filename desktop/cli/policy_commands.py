"""Policy versions (list, show, draft, set, clause-text, add-clause, retire-clause, publish,
delete, copy = draft + set + publish), 试算 (whatif), replay, and the 典型案例 (case)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop.cli.framework import command, print_json, print_table, subcommands
from desktop.core.errors import ValidationError
from desktop.core.money import format_yuan
from desktop.storage.database import Database


def _print_cases(report: Any) -> None:
    for line in report.lines():
        print(line)


def policy_list(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.catalogue import policy_versions, rules_of_version

    for v in policy_versions(db):
        mark = "（草拟，未发布）" if v.is_draft else ""
        print(
            f"[{v.id}] {v.doc_number} {v.title}（{v.valid_from} 至 {v.valid_to or '长期'}）{mark}"
        )
        for rule in rules_of_version(db, v.id):
            print(f"    {rule.code:<9} {rule.method_label:<12} {rule.parameters_text}")
    return 0


def policy_show(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.policy_drafts import show_version

    detail = show_version(db, args.version_id)
    if args.json:
        print_json(detail.json_value())
    else:
        print("\n".join(detail.lines()))
    return 0


def policy_draft(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.cases import run_cases
    from desktop.services.policy_drafts import create_draft

    new_id = create_draft(
        db,
        args.version_id,
        doc_number=args.doc_number,
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        title=args.title,
    )
    print(f"已新建政策版本草稿[{new_id}] {args.doc_number}（依据版本{args.version_id}，未发布）")
    _print_cases(run_cases(db, with_draft=new_id))
    print(new_id)
    return 0


def policy_set(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.policy_drafts import set_draft

    report = set_draft(db, args.draft_id, args.items)
    print(f"已修改草稿[{args.draft_id}]：{'；'.join(args.items)}")
    _print_cases(report)
    return 0


def policy_clause_text(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.policy_drafts import set_clause_text

    report = set_clause_text(db, args.draft_id, args.code, args.text)
    print(f"已修改草稿[{args.draft_id}]条款{args.code.upper()}的原文")
    _print_cases(report)
    return 0


def _params(items: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                f"参数写法“{item}”不正确，应为 参数=值，如 amount=50万", field="参数"
            )
        params[key.strip()] = value.strip()
    return params


def policy_add_clause(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.policy_drafts import ClauseInput, add_clause

    report = add_clause(
        db,
        args.draft_id,
        ClauseInput(
            code=args.code,
            clause=args.clause,
            name=args.name,
            method=args.method,
            params=_params(args.param),
            conditions=args.condition,
            city_documents=args.city_document,
            first_time_key=args.first_time_key,
            clause_text=args.text or "",
        ),
    )
    print(f"已在草稿[{args.draft_id}]中新增条款{args.code.upper()} {args.name}")
    _print_cases(report)
    return 0


def policy_retire_clause(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.policy_drafts import retire_clause

    report = retire_clause(db, args.draft_id, args.code)
    print(f"已从草稿[{args.draft_id}]中废止条款{args.code.upper()}")
    _print_cases(report)
    return 0


def policy_publish(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.policy_drafts import publish_version

    done = publish_version(db, args.draft_id)
    v = done.version
    print(f"已发布政策版本[{v.id}] {v.doc_number}（{v.valid_from} 至 {v.valid_to or '长期'}）")
    if done.cases is not None:
        _print_cases(done.cases)
    return 0


def policy_delete(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.policy_drafts import delete_version

    gone = delete_version(db, args.version_id)
    what = "政策草稿" if gone.was_draft else "政策版本"
    extra = (
        f"；依据其条款的{gone.draft_awards}条草稿核定结果已一并删除，请重新计算相关年度"
        if gone.draft_awards
        else ""
    )
    print(f"已删除{what}[{args.version_id}] {gone.doc_number}{extra}")
    return 0


def policy_copy(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.catalogue import parse_assignments
    from desktop.services.policy_drafts import copy_version

    new_id = copy_version(
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


# -- 试算 and replay ----------------------------------------------------------------------------
def _yuan(fen: int) -> str:
    return format_yuan(fen)


def whatif(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.whatif import whatif as compute

    result = compute(db, args.year, version=args.version, settings=args.set)
    if args.out:
        from desktop.reports import write_report
        from desktop.reports.whatif import whatif_report

        written = write_report(whatif_report(result), "xlsx", args.out)
        print(f"试算对比表：{written.path}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print_json(result.json_value())
        return 0
    print(f"{result.year}年度试算（{result.against}）")
    print(
        f"现行合计 {_yuan(result.now_fen)} 元，试算合计 {_yuan(result.trial_fen)} 元，"
        f"差额 {_yuan(result.difference_fen)} 元"
    )
    print("按条款：")
    print_table(
        [
            {
                "条款编号": c.key,
                "条款名称": c.name,
                "现行": _yuan(c.now_fen),
                "试算": _yuan(c.trial_fen),
                "差额": _yuan(c.difference_fen),
            }
            for c in result.by_rule
        ]  # fmt: skip
    )
    print("按镇街：")
    print_table(
        [
            {
                "镇街": c.key,
                "现行": _yuan(c.now_fen),
                "试算": _yuan(c.trial_fen),
                "差额": _yuan(c.difference_fen),
            }
            for c in result.by_town
        ]  # fmt: skip
    )
    print(f"金额变化的企业（{len(result.enterprises)}户）：")
    print_table(
        [
            {
                "统一社会信用代码": c.key,
                "企业名称": c.name,
                "所属镇街": c.town,
                "现行": _yuan(c.now_fen),
                "试算": _yuan(c.trial_fen),
            }
            for c in result.enterprises
        ]  # fmt: skip
    )
    return 0


def replay(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.replay import replay as run

    report = run(db, year=args.year)
    if args.json:
        print_json(report.json_value())
    else:
        for difference in report.differences:
            print(difference.text)
        print(report.headline)
    if not report.clean:
        print(f"错误：{report.headline}", file=sys.stderr)
        return 1
    return 0


# -- 典型案例 -------------------------------------------------------------------------------------
def case_list(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.cases import list_cases

    cases = list_cases(db)
    if args.json:
        print_json(
            [
                {
                    "编号": c.id,
                    "名称": c.name,
                    "企业情况": c.facts_text,
                    "事项": [m.label for m in c.matters],
                    "应得": [e.to_json() for e in c.expected],
                    "备注": c.note,
                }
                for c in cases
            ]
        )
        return 0
    for c in cases:
        print(f"[{c.id}] {c.name}（{c.facts_text}）")
        for i, m in enumerate(c.matters, start=1):
            print(f"    事项{i}：{m.label}")
        for e in c.expected:
            reason = f"，说明含“{e.reason}”" if e.reason else ""
            print(f"    应得：事项{e.matter} {e.year}年度 {_yuan(e.amount_fen)} 元{reason}")
    return 0


def case_run(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.cases import run_cases

    report = run_cases(db, with_draft=args.version)
    if args.json:
        print_json(report.json_value())
    else:
        _print_cases(report)
    return 0 if not report.failing else 1


def _matter_spec(text: str) -> dict[str, str]:
    """``LZ41-2 2024-03-15 基数=3205000 级别=省级 文号=… 同一事项=… 核定=… 说明=…``"""
    keys = {
        "基数": "basis",
        "basis": "basis",
        "级别": "level",
        "level": "level",
        "文号": "city_document",
        "document": "city_document",
        "同一事项": "same_matter_key",
        "same": "same_matter_key",
        "核定": "manual_amount",
        "manual": "manual_amount",
        "说明": "description",
        "description": "description",
    }
    parts = text.split()
    if len(parts) < 2:
        raise ValidationError(
            f"事项写法“{text}”不正确，应为 条款编号 事项日期 [基数=金额] [级别=省级] …",
            field="事项",
        )
    out = {"rule_code": parts[0], "event_date": parts[1]}
    if parts[0].startswith(("文号=", "document=")):
        out = {"city_document": parts[0].partition("=")[2], "event_date": parts[1]}
    for part in parts[2:]:
        key, sep, value = part.partition("=")
        if not sep or key not in keys:
            raise ValidationError(
                f"事项写法“{part}”不正确（可写：{'、'.join(k for k in keys if not k.isascii())}）",
                field="事项",
            )
        out[keys[key]] = value
    return out


def _expect_spec(text: str) -> dict[str, str]:
    """``1 2024 961500 [说明文字]``"""
    parts = text.split(maxsplit=3)
    if len(parts) < 3:
        raise ValidationError(
            f"应得写法“{text}”不正确，应为 事项序号 年度 金额 [说明含有的文字]", field="应得结果"
        )
    return {
        "matter": parts[0],
        "year": parts[1],
        "amount": parts[2],
        "reason": parts[3] if len(parts) > 3 else "",
    }


def case_add(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.cases import CaseInput, run_cases, save_case

    case_id = save_case(
        db,
        CaseInput(
            name=args.name,
            above_scale=not args.not_above_scale,
            list_years=args.list_year,
            matters=[_matter_spec(m) for m in args.matter],
            expected=[_expect_spec(e) for e in args.expect],
            note=args.note,
        ),
    )
    print(f"已新增典型案例[{case_id}] {args.name}")
    _print_cases(run_cases(db))
    return 0


def case_delete(db: Database, args: argparse.Namespace) -> int:
    from desktop.services.cases import delete_case

    delete_case(db, args.case_id)
    print(f"已删除典型案例[{args.case_id}]")
    return 0


# -- registration ---------------------------------------------------------------------------------
def _register_policy(commands: Any) -> None:
    p = commands.add_parser("policy", help="政策版本：列出、查看、草稿编辑、发布、删除、复制")
    actions = subcommands(p, "policy_command", "政策操作")
    command(actions.add_parser("list", help="列出政策版本及其条款参数"), policy_list, writes=False)

    show = actions.add_parser("show", help="查看一个政策版本的全部条款")
    show.add_argument("version_id", type=int)
    show.add_argument("--json", action="store_true")
    command(show, policy_show, writes=False)

    draft = actions.add_parser("draft", help="以一个政策版本为底稿新建草稿（末行输出草稿编号）")
    draft.add_argument("version_id", type=int, help="底稿的政策版本编号（见 policy list）")
    draft.add_argument("--doc-number", required=True, help="新文号")
    draft.add_argument("--valid-from", required=True, help="施行日期，如 2026-01-01")
    draft.add_argument("--valid-to", help="有效期至（不填为长期）")
    draft.add_argument("--title", help="新版本标题")
    command(draft, policy_draft, writes=True)

    edit = actions.add_parser(
        "set", help="修改草稿：条款编号.参数=值（参数、名称、条款、适用条件、市级文件等）或 文号=…"
    )
    edit.add_argument("draft_id", type=int)
    edit.add_argument("items", nargs="+", metavar="条款编号.参数=值")
    command(edit, policy_set, writes=True)

    text = actions.add_parser("clause-text", help="修改草稿中一个条款的原文")
    text.add_argument("draft_id", type=int)
    text.add_argument("code", metavar="CODE")
    text.add_argument("--text", required=True)
    command(text, policy_clause_text, writes=True)

    add = actions.add_parser("add-clause", help="在草稿中新增条款")
    add.add_argument("draft_id", type=int)
    add.add_argument("--code", required=True, help="条款编号，如 LZ41-11")
    add.add_argument("--clause", required=True, help="条款，如 三（十一）")
    add.add_argument("--name", required=True, help="条款名称")
    add.add_argument("--method", required=True, help="ratio|fixed|level|installments|manual")
    add.add_argument("--param", action="append", default=[], metavar="K=V")
    add.add_argument("--condition", action="append", default=[], help="四强名单|规上|首次|新列入")
    add.add_argument("--city-document", action="append", default=[], metavar="文号")
    add.add_argument("--first-time-key", help="首次享受口径（与其他条款共用“首次”时填写）")
    add.add_argument("--text", help="条款原文")
    command(add, policy_add_clause, writes=True)

    retire = actions.add_parser("retire-clause", help="从草稿中废止一个条款")
    retire.add_argument("draft_id", type=int)
    retire.add_argument("code", metavar="CODE")
    command(retire, policy_retire_clause, writes=True)

    publish = actions.add_parser("publish", help="发布草稿，自其施行日期起用于计算")
    publish.add_argument("draft_id", type=int)
    command(publish, policy_publish, writes=True)

    delete = actions.add_parser("delete", help="删除草稿，或没有核定结果依据的政策版本")
    delete.add_argument("version_id", type=int)
    command(delete, policy_delete, writes=True)

    copy = actions.add_parser("copy", help="复制一个政策版本为新版本并施行（草稿+修改+发布）")
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


def _register_cases(commands: Any) -> None:
    p = commands.add_parser("case", help="典型案例：列出、核对、新增、删除")
    actions = subcommands(p, "case_command", "典型案例操作")
    listing = actions.add_parser("list", help="列出典型案例")
    listing.add_argument("--json", action="store_true")
    command(listing, case_list, writes=False)

    run = actions.add_parser(
        "run", help="按现行政策（或草稿）核对全部典型案例；有不成立的退出码为1"
    )
    run.add_argument("--version", type=int, help="按该草稿核对")
    run.add_argument("--json", action="store_true")
    command(run, case_run, writes=False)

    add = actions.add_parser("add", help="新增典型案例")
    add.add_argument("--name", required=True)
    add.add_argument("--not-above-scale", action="store_true", help="企业为非规上")
    add.add_argument(
        "--list-year", action="append", default=[], type=int, help="列入四强名单的年度"
    )
    add.add_argument(
        "--matter",
        action="append",
        required=True,
        help="事项：条款编号 事项日期 [基数=金额] [级别=省级] [文号=…] [同一事项=…] [核定=金额]",
    )
    add.add_argument(
        "--expect", action="append", required=True, help="应得：事项序号 年度 金额 [说明含有的文字]"
    )
    add.add_argument("--note")
    command(add, case_add, writes=True)

    delete = actions.add_parser("delete", help="删除典型案例")
    delete.add_argument("case_id", type=int)
    command(delete, case_delete, writes=True)


def register(commands: Any) -> None:
    _register_policy(commands)

    p = commands.add_parser("whatif", help="试算：按草稿或调整后的参数计算一个年度，不写入数据")
    p.add_argument("--year", type=int, required=True)
    trial = p.add_mutually_exclusive_group(required=True)
    trial.add_argument("--version", type=int, help="草稿的政策版本编号")
    trial.add_argument(
        "--set", action="append", metavar="条款编号.参数=值", help="调整参数（可重复）"
    )
    p.add_argument("--out", type=Path, help="试算对比表（.xlsx）")
    p.add_argument("--json", action="store_true")
    command(p, whatif, writes=False)

    p = commands.add_parser("replay", help="按审核时的政策版本重算已审核的核定结果，列出差异")
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    command(p, replay, writes=False)

    _register_cases(commands)
