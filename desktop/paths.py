"""Where the user's data lives: %APPDATA% on Windows, the XDG data folder elsewhere, or a
``data/`` folder next to the program (portable mode, for a USB stick) when one exists.

Also the two Windows facts about a path that the rest of the program must respect:
:func:`os_path` (the form to hand to the operating system, ``\\\\?\\`` past the 260-character
limit) and :func:`shared_location` (a network share or a synced folder, where SQLite's file locking
is unreliable). Both are pure functions of the path and the platform facts passed in, so they are
tested on any machine.
"""

from __future__ import annotations

import ntpath
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

APP_FOLDER = "SiqiangAwards"
DB_NAME = "siqiang.db"

# Windows' classic limit is MAX_PATH = 260 characters including the terminating NUL, and 248 for
# a folder. Past this length a path gets the ``\\?\`` form; the margin leaves room for what the
# program and SQLite append to a name (``-journal``, ``-wal``, ``.lock``, a temporary suffix).
LONG_PATH = 240
_VERBATIM = ("\\\\?\\", "\\\\.\\")
_UNC_VERBATIM = "\\\\?\\UNC\\"


def is_windows() -> bool:
    return sys.platform == "win32"


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
    """The data folder. A user name with Chinese characters or spaces (``C:\\Users\\张 三``)
    needs nothing special: Python hands every path to Windows through its Unicode (``…W``)
    functions, and SQLite receives it as UTF-8."""
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


# -- long paths ------------------------------------------------------------------------------------


def os_path(path: str | os.PathLike[str], *, windows: bool | None = None) -> str:
    """The string to hand to the operating system (``open``, ``os.replace``, SQLite) for ``path``.

    Unchanged except on Windows for a path longer than :data:`LONG_PATH`: that one becomes the
    absolute path in the ``\\\\?\\C:\\…`` form (``\\\\?\\UNC\\server\\share\\…`` for a network
    path), which the file functions accept up to 32,767 characters even where the system policy
    ``LongPathsEnabled`` is off (its default on Windows 10 and 11). A short path is left exactly as
    it is, so nothing changes where nothing was broken. Show the clerk the path as given, never
    this form.
    """
    text = os.fspath(path)
    if not (is_windows() if windows is None else windows):
        return text
    if text.startswith(_VERBATIM):
        return text
    full = ntpath.abspath(text)  # also normalises: forward slashes and ``..`` are not allowed
    if len(full) <= LONG_PATH:
        return text
    if full.startswith("\\\\"):  # \\server\share\… → \\?\UNC\server\share\…
        return _UNC_VERBATIM + full[2:]
    return "\\\\?\\" + full


def needs_long_form(path: str | os.PathLike[str], *, windows: bool | None = None) -> bool:
    """Whether ``path`` is, or is given to the OS as, a ``\\\\?\\`` path (on Windows only):
    SQLite then needs its ``win32-longpath`` VFS."""
    if not (is_windows() if windows is None else windows):
        return False
    return os_path(path, windows=True).startswith(_VERBATIM)


# -- network shares and synced folders -------------------------------------------------------------

# Folder names that synchronisation clients create (matched case-insensitively against each part
# of the path: the whole name, or its start followed by a space, e.g. "OneDrive - 临淄区工信局").
SYNC_FOLDERS = {
    "onedrive": "OneDrive",
    "wps云盘": "WPS云盘",
    "wpsdrive": "WPS云盘",
    "坚果云": "坚果云",
    "我的坚果云": "坚果云",
    "nutstore": "坚果云",
    "百度网盘": "百度网盘",
    "baidunetdisk": "百度网盘",
    "baidusyncdisk": "百度网盘同步空间",
    "百度网盘同步空间": "百度网盘同步空间",
    "dropbox": "Dropbox",
    "iclouddrive": "iCloud",
    "icloud drive": "iCloud",
    "google drive": "Google Drive",
    "synologydrive": "Synology Drive",
}
# Environment variables the OneDrive client sets to its folder (personal and work accounts); they
# find a OneDrive folder under any name, e.g. the Desktop or Documents redirected into it.
SYNC_ENV = ("OneDrive", "OneDriveConsumer", "OneDriveCommercial")
DRIVE_REMOTE = 4  # GetDriveTypeW: a network drive (a mapped drive letter)


def _sync_marker(parts: list[str]) -> str | None:
    for part in parts:
        name = part.casefold().strip()
        for marker, label in SYNC_FOLDERS.items():
            if name == marker or name.startswith(marker + " "):
                return label
    return None


def _under(path: str, folder: str, windows: bool) -> bool:
    norm = ntpath.normcase if windows else os.path.normpath
    sep = "\\" if windows else "/"
    path_n, folder_n = norm(path).rstrip(sep), norm(folder).rstrip(sep)
    return bool(folder_n) and (path_n == folder_n or path_n.startswith(folder_n + sep))


def shared_location(
    path: str | os.PathLike[str],
    *,
    windows: bool | None = None,
    env: Mapping[str, str] | None = None,
    drive_type: Callable[[str], int | None] | None = None,
) -> str | None:
    """What kind of shared place ``path`` is in — ``网络共享文件夹（\\\\server\\share）``,
    ``网络驱动器（Z:）``, ``OneDrive 同步文件夹`` — or None for a local disk.

    ``windows``, ``env`` (for the OneDrive variables) and
    ``drive_type`` (``GetDriveTypeW`` of a root such as ``Z:\\``) default to this machine's.
    """
    windows = is_windows() if windows is None else windows
    env = os.environ if env is None else env
    text = os.fspath(path)
    if windows:
        text = ntpath.abspath(text)
        if text.upper().startswith(_UNC_VERBATIM):
            text = "\\\\" + text[len(_UNC_VERBATIM) :]
        elif text.startswith(_VERBATIM):
            text = text[4:]
        if text.startswith("\\\\"):
            server_share = "\\".join(text.split("\\")[2:4])
            return f"网络共享文件夹（\\\\{server_share}）"
        drive, _rest = ntpath.splitdrive(text)
        probe = drive_type or _drive_type
        if len(drive) == 2 and probe(drive + "\\") == DRIVE_REMOTE:
            return f"网络驱动器（{drive.upper()}）"
        parts = text.split("\\")
    else:
        text = os.path.abspath(text)
        parts = Path(text).parts
    for name in SYNC_ENV:
        folder = env.get(name)
        if folder and _under(text, folder, windows):
            return "OneDrive 同步文件夹"
    label = _sync_marker(parts[:-1])  # the folders, not the file's own name
    return f"{label} 同步文件夹" if label else None


def _drive_type(root: str) -> int | None:
    """``GetDriveTypeW(root)`` on Windows, None elsewhere or when it cannot be asked."""
    if not is_windows():
        return None
    try:
        import ctypes

        return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return None
