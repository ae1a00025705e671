"""Entry script of both frozen programs (see ``siqiang.spec``).

``siqiang`` (windowed on Windows) starts the GUI without arguments and runs the command line with
them; ``siqiang-cli`` (a console program) is the command line and prints the help without
arguments. Everything else is ``desktop.__main__.main``: this file only adapts the frozen process.
"""

import os
import sys


def _attach_parent_console() -> None:
    """A windowed Windows program has no stdout/stderr (they are None, and ``print`` would fail).
    When it is given arguments from a console, write to that console; otherwise discard output."""
    if sys.platform != "win32" or (sys.stdout is not None and sys.stderr is not None):
        return
    try:
        import ctypes

        attached = bool(ctypes.windll.kernel32.AttachConsole(-1))  # ATTACH_PARENT_PROCESS
    except (AttributeError, OSError):
        attached = False
    # "CONOUT$" is the console itself (written as UTF-16 by Python), so Chinese shows correctly.
    target = "CONOUT$" if attached else os.devnull
    if sys.stdout is None:
        sys.stdout = open(target, "w", encoding="utf-8", errors="replace")
    if sys.stderr is None:
        sys.stderr = open(target, "w", encoding="utf-8", errors="replace")


def _is_cli_program() -> bool:
    name = os.path.splitext(os.path.basename(sys.executable))[0].lower()
    return name.endswith("-cli")


def main() -> int:
    from desktop.__main__ import main as desktop_main

    args = sys.argv[1:]
    if _is_cli_program():
        from desktop.cli import run

        return run(args or ["--help"])
    if args:
        _attach_parent_console()
    return desktop_main(args)


if __name__ == "__main__":
    sys.exit(main())
