"""Where the user's data lives: %APPDATA% on Windows, the XDG data folder elsewhere, or a
``data/`` folder next to the program (portable mode, for a USB stick) when one exists."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_FOLDER = "SiqiangAwards"
DB_NAME = "siqiang.db"


def program_dir() -> Path:
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def portable_data_dir() -> Path | None:
    """``data/`` beside the frozen program, if the clerk created it (portable mode)."""
    if not getattr(sys, "frozen", False):
        return None
    candidate = program_dir() / "data"
    return candidate if candidate.is_dir() else None


def user_data_dir() -> Path:
    override = os.environ.get("SIQIANG_DATA_DIR")
    if override:
        return Path(override)
    portable = portable_data_dir()
    if portable is not None:
        return portable
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / APP_FOLDER
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_FOLDER


def default_database_path() -> Path:
    return user_data_dir() / DB_NAME
