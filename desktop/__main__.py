"""``python -m desktop``: the desktop app without arguments, the command line with them."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("gui",) or (args[0] == "--db" and len(args) == 2):
        from desktop.app import run_gui

        db = args[1] if args and args[0] == "--db" else None
        return run_gui(db)
    from desktop.cli import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
