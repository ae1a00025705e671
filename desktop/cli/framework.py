"""How a command is declared and run: parse, open the session, log in if it writes, call one service.

Each command module defines small handler functions and registers them with :func:`command`,
saying whether the command writes (a bool, or a function of the parsed arguments: ``import …
--dry-run`` does not). The runner in ``desktop.cli`` opens the database read-only or writable
accordingly, asks for the password only when the command writes and logins are on, and turns every
``DomainError`` into one Chinese line on stderr.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from desktop.core.errors import DomainError

Handler = Callable[[Any, argparse.Namespace], int]
Writes = bool | Callable[[argparse.Namespace], bool]
# What a command does with the database file: opens an existing one, or creates it (``init``).
OPENS_EXISTING, OPENS_OR_CREATES, OPENS_NOTHING = "existing", "create", "nothing"


@dataclass(frozen=True)
class Command:
    handler: Handler
    writes: Writes
    opens: str = OPENS_EXISTING

    def writes_for(self, args: argparse.Namespace) -> bool:
        return self.writes(args) if callable(self.writes) else self.writes


def command(
    parser: argparse.ArgumentParser,
    handler: Handler,
    *,
    writes: Writes,
    opens: str = OPENS_EXISTING,
) -> argparse.ArgumentParser:
    """Attach ``handler`` to ``parser`` (a sub-command's parser)."""
    parser.set_defaults(_command=Command(handler, writes, opens))
    return parser


# -- argparse in Chinese -----------------------------------------------------------------------
_ARGPARSE_TEXT = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "须指定以下参数之一：%s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
}


def _translate(text: str) -> str:
    return _ARGPARSE_TEXT.get(text, text)


argparse._ = _translate  # type: ignore[attr-defined]  # argparse looks its texts up through ``_``
_ngettext = argparse.ngettext


def _ngettext_cn(singular: str, plural: str, n: int) -> str:
    return _translate(_ngettext(singular, plural, n))


argparse.ngettext = _ngettext_cn  # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    """argparse with its messages in Chinese; a usage error is one line and exit status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"用法错误：{message}（运行 python -m desktop --help 查看用法）\n")


def subcommands(parser: argparse.ArgumentParser, dest: str, title: str = "命令") -> Any:
    return parser.add_subparsers(dest=dest, required=True, parser_class=Parser, title=title)


# -- output ------------------------------------------------------------------------------------
def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def print_table(rows: list[dict[str, Any]], out: TextIO | None = None) -> None:
    """An aligned table (CJK characters count double), or ``（无记录）``."""
    out = out or sys.stdout
    if not rows:
        print("（无记录）", file=out)
        return
    headers = list(rows[0])
    cells = [[str(r[h]) if r[h] is not None else "" for h in headers] for r in rows]
    widths = [
        max(display_width(h), *(display_width(c[i]) for c in cells)) for i, h in enumerate(headers)
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            v + " " * (w - display_width(v)) for v, w in zip(values, widths, strict=True)
        ).rstrip()

    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for c in cells:
        print(line(c), file=out)


def print_json(value: Any) -> None:
    import json

    print(json.dumps(value, ensure_ascii=False, indent=1))


def require_year(args: argparse.Namespace) -> int:
    if getattr(args, "year", None) is None:
        raise DomainError("请用 --year 指定年度")
    return int(args.year)


def database_path(args: argparse.Namespace) -> Path:
    from desktop.paths import default_database_path

    return Path(args.db) if args.db else default_database_path()
