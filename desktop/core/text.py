"""Characters a name must not contain: they hide or reorder text on screen and in Excel.

Control characters (C0, DEL, C1), bidirectional overrides and isolates (U+202A–202E,
U+2066–2069, U+200E/200F), zero-width characters (U+200B–200D, U+FEFF, U+2060) and line breaks
(also U+2028/2029 and U+0085): a name with U+202E shows reversed, one with U+200B looks like
another, one with a line break spoofs the next line of a log export.
"""

from __future__ import annotations

import re

_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_ZERO_WIDTH = "\u200b-\u200d\ufeff\u2060"
_LINE_BREAKS = "\n\r\u2028\u2029\u0085\x0b\x0c"
_CONTROL = "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
_HIDDEN = re.compile(f"[{_BIDI}{_ZERO_WIDTH}{_CONTROL}]")
_BREAK = re.compile(f"[{_LINE_BREAKS}\t]")


def unsafe_character(text: str, *, single_line: bool) -> str | None:
    """A Chinese description of the first character ``text`` must not contain, or None."""
    match = _HIDDEN.search(text)
    if match:
        ch = match.group(0)
        if re.match(f"[{_BIDI}]", ch):
            kind = "改变文字方向的字符"
        elif re.match(f"[{_ZERO_WIDTH}]", ch):
            kind = "零宽度（不可见）字符"
        else:
            kind = "不可见的控制字符"
        return f"{kind}（U+{ord(ch):04X}）"
    if single_line:
        match = _BREAK.search(text)
        if match:
            return f"换行或制表符（U+{ord(match.group(0)):04X}）"
    return None
