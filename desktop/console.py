"""Console output that shows Chinese wherever the command line runs: ``siqiang-cli.exe`` in ``cmd``
or PowerShell with code page 936 (GBK, the default of a Chinese Windows) or 65001 (UTF-8), and
its output redirected to a file or piped into another program.

Where stdout and stderr go decides their encoding (:func:`choose_encoding`):

- **a console**: on Windows Python writes through the console API (``WriteConsoleW``), which takes
  Unicode whatever the code page, so the encoding is left alone; elsewhere the terminal's own.
- **a file** (``> out.json`` in cmd): UTF-8, so ``--json`` output is UTF-8 on every machine
  (Python would otherwise write the ANSI code page, GBK on a Chinese Windows).
- **a pipe** (``| findstr``, and PowerShell's ``|`` and ``>``, which decode what a program prints
  with the console's code page): the encoding ``PYTHONIOENCODING`` names, or UTF-8 under
  ``PYTHONUTF8=1``, when the caller set one; else on Windows the console's output code page
  (936 → GBK, 65001 → UTF-8), so the reader decodes exactly what was written; else UTF-8.

A character the chosen encoding lacks becomes ``?``, never a traceback.
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from collections.abc import Iterable, Mapping
from typing import Any

CONSOLE, FILE, PIPE = "console", "file", "pipe"
ASK_WINDOWS = -1  # configure_console's default: ask Windows for the console's code page


def stream_kind(stream: Any) -> str:
    """Whether ``stream`` is a console (terminal), a regular file or a pipe (anything else)."""
    try:
        if stream.isatty():
            return CONSOLE
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's StringIO): a pipe
        return PIPE
    return FILE if stat.S_ISREG(mode) else PIPE


def codec_for_code_page(code_page: int) -> str:
    """Python's codec for a Windows code page (936 → ``gbk``, 65001 → ``utf-8``)."""
    if code_page == 65001:
        return "utf-8"
    try:
        return codecs.lookup(f"cp{code_page}").name
    except LookupError:
        return "utf-8"


def console_output_code_page() -> int | None:
    """The console's output code page on Windows (``GetConsoleOutputCP``); None without a console
    (a program started by a service or by CI without one) and on other systems."""
    if sys.platform != "win32":
        return None
    try:
        import ctypes

        code_page = int(ctypes.windll.kernel32.GetConsoleOutputCP())
    except (AttributeError, OSError):
        return None
    return code_page or None


def choose_encoding(kind: str, *, env: Mapping[str, str], console_cp: int | None) -> str | None:
    """The encoding for a stream of ``kind`` (None: keep the one it has)."""
    if kind == CONSOLE:
        return None
    if kind == FILE:
        return "utf-8"
    explicit = env.get("PYTHONIOENCODING", "").split(":")[0].strip()
    if explicit:
        return explicit
    if env.get("PYTHONUTF8") == "1":
        return "utf-8"
    if console_cp:
        return codec_for_code_page(console_cp)
    return "utf-8"


def configure_console(
    streams: Iterable[Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    console_cp: int | None = ASK_WINDOWS,
) -> None:
    """Set the encoding of stdout and stderr (or ``streams``) for where they go; called first by
    the command line. ``env`` and ``console_cp`` (None: no console) are for tests."""
    env = os.environ if env is None else env
    code_page = console_output_code_page() if console_cp == ASK_WINDOWS else console_cp
    for stream in (sys.stdout, sys.stderr) if streams is None else streams:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # None (a windowed program has no console) or not a text stream
            continue
        encoding = choose_encoding(stream_kind(stream), env=env, console_cp=code_page)
        try:
            if encoding is not None and _known(encoding):
                reconfigure(encoding=encoding, errors="replace")
            else:
                reconfigure(errors="replace")
        except (OSError, ValueError):  # a closed or detached stream: leave it alone
            continue


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True
