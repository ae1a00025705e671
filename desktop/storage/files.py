"""Writing (and reading) a file the clerk sees — a report, an exported log, a backup, an import
workbook — the way Windows needs it. Every file the program writes for the clerk goes through
:func:`write_file`.

:func:`write_file` writes to a temporary file in the target's folder and then moves it over the
target in one step (``os.replace``): a failure, a cancel or a power cut leaves the old file (or
none), never half a file, and the temporary file is always removed.

On Windows that last step fails with ``PermissionError`` while another program holds the target
open — Excel and WPS keep a workbook open without letting anyone replace it — and, for a moment,
while an antivirus scanner or a backup client reads the new file. The step is retried a few times
with a short wait (:data:`RETRY_WAITS`), then :class:`~desktop.core.errors.FileInUse` says
“文件…正被其他程序（如Excel/WPS）打开，请关闭后重试，或另存为其他文件名”; the GUI then offers 另存为.
Reading the head of a file (:func:`read_head`: a database, an import workbook) is retried the same
way. Paths past Windows' 260-character limit go to the OS in their ``\\\\?\\`` form
(:func:`desktop.paths.os_path`).

:func:`guard_output` is the one guard every ``--out`` (export, backup, log, and later ones) and
save dialog calls first: it never overwrites a database, a backup, or a file that is not one of our
own exports.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from desktop.core.errors import FileInUse, StorageError, ValidationError
from desktop.paths import os_path

T = TypeVar("T")

# Seconds to wait before each further attempt (about 1.5 s in all): long enough for a virus
# scanner to let go of a new file, short enough that a clerk with the file open in Excel is told
# at once.
RETRY_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8)
IN_USE = "正被其他程序（如Excel/WPS）打开，请关闭后重试，或另存为其他文件名"
_sleep = time.sleep  # tests replace it (no test waits on a clock)
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def in_use_message(path: str | os.PathLike[str]) -> str:
    return f"文件“{Path(path).name}”{IN_USE}"


def next_free_name(path: str | os.PathLike[str]) -> Path:
    """``报表(2).xlsx``, ``报表(3).xlsx``, …: the first such name beside ``path`` not yet taken
    (what 另存为 proposes when the file is held open by another program)."""
    path = Path(path)
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem}({n}){path.suffix}")
        if not os.path.exists(os_path(candidate)):
            return candidate
    return path.with_name(f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")


def retry_sharing(action: Callable[[], T]) -> T:
    """``action()``, tried again after each wait of :data:`RETRY_WAITS` while it raises
    ``PermissionError`` (on Windows: a sharing or lock violation, or access denied while another
    program holds the file); the last attempt's error propagates."""
    for wait in RETRY_WAITS:
        try:
            return action()
        except PermissionError:
            _sleep(wait)
    return action()


def reason(exc: OSError) -> str:
    """The operating system's own words for an error (Chinese on a Chinese Windows)."""
    return exc.strerror or type(exc).__name__


def read_head(path: str | os.PathLike[str], size: int) -> bytes:
    """The first ``size`` bytes of ``path``, retried while another program holds the file.

    Raises ``PermissionError`` when it is still held after the retries, ``OSError`` otherwise."""

    def read() -> bytes:
        with open(os_path(path), "rb") as handle:
            return handle.read(size)

    return retry_sharing(read)


def file_state(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(size, modification time in ns): two equal states mean the file did not change between."""
    info = os.stat(os_path(path))
    return info.st_size, info.st_mtime_ns


def check_target(target: str | os.PathLike[str]) -> None:
    """Refuse, in Chinese, a target that is a folder, is in a folder that does not exist, or is a
    read-only file (Windows would refuse to replace it)."""
    target = Path(target)
    dest = os_path(target)
    if os.path.isdir(dest):
        raise ValidationError(f"“{target}”是文件夹，请指定文件名", field="文件")
    if not os.path.isdir(os.path.dirname(dest) or "."):
        raise ValidationError(f"文件夹“{target.parent}”不存在", field="文件")
    if os.path.exists(dest) and not os.access(dest, os.W_OK):
        raise StorageError(f"文件“{target.name}”是只读文件，不能覆盖；请另存为其他文件名")


def temp_beside(target: str | os.PathLike[str], *, suffix: str = ".tmp") -> Path:
    """A new empty temporary file in ``target``'s folder (for :func:`move_into_place`), after
    :func:`check_target`; a folder that cannot be written is refused in Chinese."""
    target = Path(target)
    check_target(target)
    dest = os_path(target)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem[:40]}.", suffix=suffix, dir=os.path.dirname(dest) or "."
        )
    except FileNotFoundError as exc:
        raise ValidationError(f"文件夹“{target.parent}”不存在", field="文件") from exc
    except OSError as exc:
        raise StorageError(
            f"无法在文件夹“{target.parent}”中写入文件（{reason(exc)}），请选择其他文件夹"
        ) from exc
    os.close(fd)
    return Path(tmp_name)


def move_into_place(tmp: Path, target: str | os.PathLike[str]) -> None:
    """Replace ``target`` by the finished ``tmp`` in one step, retried while another program holds
    the target; then ``FileInUse`` (``tmp`` is left for the caller to remove)."""
    if os.name == "posix":  # mkstemp creates 0600; give the file the mode a new file gets
        os.chmod(tmp, 0o666 & ~_UMASK)
    retry_sharing(lambda: _flush_to_disk(tmp))  # on disk before it replaces the old file
    dest = os_path(target)
    try:
        retry_sharing(lambda: os.replace(tmp, dest))
    except PermissionError as exc:
        raise FileInUse(in_use_message(target), path=Path(target)) from exc


def _flush_to_disk(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(
    target: str | os.PathLike[str], write: Callable[[Path], object], *, suffix: str = ".tmp"
) -> Path:
    """Create or replace ``target`` with what ``write(tmp)`` puts into the temporary file ``tmp``.

    ``tmp`` already exists (empty) in the target's folder. Whatever ``write`` raises (a cancel, a
    ``DomainError``) propagates after ``tmp`` is removed; an ``OSError`` becomes a
    ``StorageError`` in Chinese. The target is untouched unless the whole file was written.
    Returns ``target`` as given.
    """
    target = Path(target)
    tmp = temp_beside(target, suffix=suffix)
    try:
        write(tmp)
        move_into_place(tmp, target)
    except OSError as exc:
        raise StorageError(f"写入文件“{target.name}”失败（{reason(exc)}），原文件未改动") from exc
    finally:
        with contextlib.suppress(OSError):  # gone after the replace; else ours to remove
            tmp.unlink(missing_ok=True)
    return target


# -- the --out guard ---------------------------------------------------------------------------
SQLITE_HEADER = b"SQLite format 3\x00"
# Markers our own exports carry (Excel: a custom document property; PDF: the keywords).
MARKERS = (b"siqiang-report", b"siqiang-export")
_SIDE_FILES = ("-wal", "-shm", "-journal", ".lock", ".logins")


def _pdf_marked(path: Path) -> bool:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        metadata: Any = PdfReader(path).metadata or {}
        keywords = metadata.get("/Keywords")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        keywords = None
    if isinstance(keywords, str):
        return any(keywords.startswith(m.decode()) for m in MARKERS)
    data = path.read_bytes()  # an older export: ASCII keywords
    return any(m in data for m in MARKERS)


def _is_our_export(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
        if head.startswith(b"PK"):
            with zipfile.ZipFile(path) as archive:
                if "docProps/custom.xml" not in archive.namelist():
                    return False
                custom = archive.read("docProps/custom.xml")
            return any(m in custom for m in MARKERS)
        if head.startswith(b"%PDF"):
            return _pdf_marked(path)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return False
    return False


def guard_output(
    path: str | os.PathLike[str], *, live_db: Path | None = None, what: str = "文件"
) -> Path:
    """Refuse (``ValidationError``, in Chinese) to write ``path`` when it is a folder, the live
    database or one of its side files, any SQLite file (a database or a backup), a backup's
    anchor, or an existing file that is not one of our exports. Returns the path."""
    out = Path(path)
    name = out.name
    if out.is_dir():
        raise ValidationError(f"{what}位置“{out}”是文件夹，请指定文件名", field="文件")
    if live_db is not None and str(live_db) != ":memory:":
        live = Path(live_db)
        sides = [live, *(live.with_name(live.name + s) for s in _SIDE_FILES)]
        try:
            same = any(
                out.exists() and side.exists() and os.path.samefile(out, side) for side in sides
            )
        except OSError:
            same = False
        if same or out.resolve() in {s.resolve() for s in sides}:
            raise ValidationError(f"不能写到当前数据库文件“{name}”上", field="文件")
    if name.endswith(".anchor.json") or any(name.endswith(s) for s in _SIDE_FILES):
        raise ValidationError(f"“{name}”是数据库的附属文件，不能覆盖", field="文件")
    if not out.exists():
        return out
    try:
        with out.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise ValidationError(
            f"无法读取已有文件“{name}”：{exc.strerror or exc}", field="文件"
        ) from exc
    if header == SQLITE_HEADER:
        raise ValidationError(f"“{name}”是数据库或备份文件，不能覆盖；请换一个文件名", field="文件")
    if not _is_our_export(out):
        raise ValidationError(
            f"“{name}”已存在且不是本系统导出的报表，为防止误覆盖不予写入；请换一个文件名",
            field="文件",
        )
    return out
