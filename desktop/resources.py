"""One resolver for the data files shipped with the program (``resources/`` and ``db/``).

Works from a source checkout, from an installed wheel (files mapped to ``desktop/_data``) and
from a PyInstaller build (files under ``sys._MEIPASS``), so no other module builds such paths.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def _roots() -> tuple[Path, ...]:
    here = Path(__file__).resolve().parent
    roots: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        roots.append(Path(frozen))
    roots.append(here / "_data")  # installed wheel
    roots.append(here.parent)  # source checkout
    return tuple(roots)


def _find(top: str, parts: tuple[str, ...]) -> Path:
    for root in _roots():
        candidate = root.joinpath(top, *parts)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"程序文件缺失：{top}/{'/'.join(parts)}（安装可能不完整）")


def resource_path(*parts: str) -> Path:
    """A file under ``resources/`` (fonts, icons, report assets)."""
    return _find("resources", parts)


def db_path(*parts: str) -> Path:
    """A file under ``db/`` (migrations, seed data)."""
    return _find("db", parts)


FONT_FILE = ("fonts", "wqy-microhei.ttc")
FONT_FAMILY = "WenQuanYi Micro Hei"


def font_path() -> Path:
    """The bundled CJK font (TrueType outlines, so reportlab can embed it; Qt uses it too)."""
    return resource_path(*FONT_FILE)
