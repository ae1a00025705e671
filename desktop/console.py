"""Console output that shows Chinese wherever the command line runs.

On a Windows console Python writes through the console API, which takes Unicode whatever the code
page (936 or 65001). Redirected to a file or a pipe, Python would use the ANSI code page (GBK on
Chinese Windows): ``--json`` output must be UTF-8 there, so redirected streams are switched to UTF-8.
A character a stream cannot encode is replaced, never a traceback.
"""

from __future__ import annotations

import sys


def configure_console() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
            if not stream.isatty() and encoding != "utf8":
                reconfigure(encoding="utf-8", errors="replace")
            else:
                reconfigure(errors="replace")
        except (OSError, ValueError):  # a closed or detached stream: leave it alone
            continue
