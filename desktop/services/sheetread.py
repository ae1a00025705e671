"""Reading the cell values of a checked sheet: calamine (xlsx/xls/ods) with a memory bound, or CSV.

calamine runs in a child process with an address-space limit (``RLIMIT_AS``) on POSIX, so that
whatever a file still manages to make it allocate ends in a Chinese refusal, never in a SIGABRT
of the program (which would leave the database lock behind). Only files that passed
``sheetscan.scan`` get here. Where rlimit is unavailable (Windows) or the program is frozen
(PyInstaller: ``sys.executable`` is the program itself), calamine runs in-process behind the scan's
bounds alone. Starting the child costs ~60 ms and handing 10,000 rows back ~0.1 s more; a regular
.xlsx of moderate size (every cell and row tag in the standard ``r="A1"`` form, ≤ 32 MB
uncompressed — what Excel, WPS, LibreOffice and openpyxl write), whose extent the scan has
established exactly, is read in-process; every other file (.xls, .ods, any irregular or large
.xlsx) in the bounded child.
"""

from __future__ import annotations

import csv
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from desktop.services.sheetscan import HEADER_SEARCH_ROWS, MAX_COLUMNS, MAX_ROWS, reject

MEMORY_LIMIT = 1536 * 1024 * 1024  # address space of the reading child
TIMEOUT_SECONDS = 300
contained_crashes = 0  # reading children that died by a signal (each became a refusal)

_CHILD = r"""
import pickle, sys
try:
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = int(sys.argv[3])
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
except (ImportError, ValueError, OSError):
    pass
try:
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(sys.argv[1])
    out = ("ok", book.get_sheet_by_index(int(sys.argv[2])).to_python(skip_empty_area=False))
except MemoryError:
    out = ("memory", "")
except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException (BaseException)
    out = ("error", type(exc).__name__)
try:
    data = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
except MemoryError:
    data = pickle.dumps(("memory", ""))
sys.stdout.buffer.write(data)
"""


def child_process_available() -> bool:
    if os.environ.get("SIQIANG_READ_IN_PROCESS") == "1":
        return False
    if getattr(sys, "frozen", False) or sys.platform == "win32":
        return False
    try:
        import resource  # noqa: F401
    except ImportError:
        return False
    return True


def _memory_refusal(name: str) -> Exception:
    return reject(
        f"读取工作簿“{name}”时超出内存上限（{MEMORY_LIMIT // 1024 // 1024} MB），"
        "文件可能已损坏或被篡改，或数据过多；请只保留需要导入的数据，用Excel另存后再导入"
    )


def _broken(name: str, detail: str) -> Exception:
    return reject(f"文件“{name}”已损坏或不是有效的Excel工作簿，无法读取（{detail}）")


def read_values(path: Path, sheet_index: int, *, bounded: bool = True) -> list[list[Any]]:
    """The sheet's cells from A1 as rows of Python values (str/float/int/bool/date/datetime).

    ``bounded`` False (a regular .xlsx of moderate size, see ``Layout.regular``) reads in-process:
    the child's start and the transfer of the values cost ~0.1 s per 10,000 rows."""
    if bounded and child_process_available():
        return _read_in_child(path, sheet_index)
    return _read_here(path, sheet_index)


def _read_here(path: Path, sheet_index: int) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        return book.get_sheet_by_index(sheet_index).to_python(skip_empty_area=False)
    except MemoryError as exc:
        raise _memory_refusal(path.name) from exc
    except Exception as exc:  # calamine raises several types for broken zips and XML
        raise _broken(path.name, type(exc).__name__) from exc


def _read_in_child(path: Path, sheet_index: int) -> list[list[Any]]:
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD, str(path), str(sheet_index), str(MEMORY_LIMIT)],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise reject(
            f"读取工作簿“{path.name}”超过{TIMEOUT_SECONDS}秒仍未完成，文件可能已损坏，无法导入"
        ) from exc
    except OSError as exc:  # the child could not start (e.g. out of memory): read here
        if isinstance(exc, MemoryError):
            raise _memory_refusal(path.name) from exc
        return _read_here(path, sheet_index)
    if done.returncode < 0 or not done.stdout or b"MemoryError" in done.stderr:
        global contained_crashes
        contained_crashes += done.returncode < 0
        raise _memory_refusal(path.name)  # killed by a signal (abort on allocation failure)
    if done.returncode != 0:
        raise _broken(path.name, f"读取进程退出码{done.returncode}")
    try:
        status, value = pickle.loads(done.stdout)
    except MemoryError as exc:
        raise _memory_refusal(path.name) from exc
    except Exception as exc:
        raise _broken(path.name, "读取进程输出异常") from exc
    if status == "memory":
        raise _memory_refusal(path.name)
    if status != "ok":
        raise _broken(path.name, str(value))
    return value


# -- CSV ------------------------------------------------------------------------------------------

_CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "cp936", "hz"}


def decode_csv(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding name shown to the clerk): UTF-8 (with or without BOM), UTF-16, GBK/GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "strict"), "UTF-8（带BOM）"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    encoding = (best.encoding if best is not None else "").lower().replace("-", "").replace("_", "")
    if encoding in _CHINESE_ENCODINGS:
        try:
            return data.decode("gb18030"), "GBK/GB18030"
        except UnicodeDecodeError:
            pass
    shown = f"（识别为{best.encoding}）" if best is not None else ""
    raise reject(
        f"无法识别CSV文件“{name}”的文字编码{shown}：请在Excel或WPS中另存为“CSV UTF-8”"
        "或GBK编码的CSV后再导入"
    )


def _csv_cell(cell: str) -> str | None:
    """Empty → None; ``="0123"`` (how Excel users keep codes as text in a CSV) → ``0123``."""
    if not cell.strip():
        return None
    if cell.startswith('="') and cell.endswith('"') and len(cell) >= 3:
        return cell[2:-1]
    return cell


def read_csv(path: Path) -> tuple[list[list[Any]], str]:
    """The rows of a CSV file (every cell text, empty cells None) and its encoding."""
    text, encoding = decode_csv(path.read_bytes(), path.name)
    sample = text[:8192]
    delimiter = ","
    if sample.count("\t") > sample.count(","):
        delimiter = "\t"
    elif sample.count(";") > sample.count(","):
        delimiter = ";"
    rows: list[list[Any]] = []
    try:
        for line_no, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            if line_no > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise reject(f"CSV文件“{path.name}”超过单次导入上限{MAX_ROWS}行，请拆分后导入")
            if len(record) > MAX_COLUMNS:
                raise reject(
                    f"CSV文件“{path.name}”第{line_no}行有{len(record)}列，超过上限{MAX_COLUMNS}列"
                )
            rows.append([_csv_cell(cell) for cell in record])
    except csv.Error as exc:
        raise reject(f"CSV文件“{path.name}”格式有误，无法读取（{exc}）") from exc
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return rows, encoding
