"""Fuzz the three imports with 1,000 bad workbooks; prints counts (it is not a test).

    python bench/fuzz_import.py [--cases 1000] [--seed 1] [-v]

Half the cases come from the hypothesis generators of ``tests/test_fuzz_import.py`` (valid rows with
random cells replaced by odd values, columns reordered / dropped / added, duplicated rows, missing
header); the rest are targeted, each drawn at random within its kind:

wrong cell types, huge / negative / NaN / inf amounts, dates in 1900 and 9999, control characters
(Excel's ``_xHHHH_`` escapes), 10,000-character names, formulas, merged cells, duplicate credit codes
within one file, a workbook whose first sheet is empty (the data on the second), a zero-byte file, a
truncated zip, a ``.xls`` renamed ``.xlsx``, random bytes changed, other files renamed (CSV, PDF,
a zip that is no workbook), LibreOffice-made .xls/.ods/.csv files with bytes changed, CSV in odd
encodings, and every crafted file of ``tests/workbooks.crafted_files`` (tiny files declaring huge
sheets: far cells in every attribute form, cells and rows without ``r=``, ``<dimension>``,
shared-strings counts, ODS repeats, shared-strings bombs) — run it under ``ulimit -v 2000000``.

Every case runs through ``import_enterprises``, ``import_applications`` or ``import_siqiang_list``
(dry run or real) on a copy of a small prepared database. Counted: rejected (``ImportRejected``,
every message Chinese, every row number inside the sheet), accepted (then ``run_check`` must pass),
other ``DomainError`` and unhandled exceptions (must be 0). For every rejected case (and every
dry run) the database must be unchanged: row counts of every table and a hash over all of its
contents.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from desktop.core.errors import DomainError, ImportRejected  # noqa: E402
from desktop.services.importing import (  # noqa: E402
    import_applications,
    import_enterprises,
    import_siqiang_list,
)
from desktop.storage.database import Database  # noqa: E402
from tests.test_fuzz_import import REGISTERED, SPECIAL_TEXT, workbook  # noqa: E402
from tests.workbooks import (  # noqa: E402
    APPLICATION_HEADERS,
    ENTERPRISE_HEADERS,
    LIST_HEADERS,
    application_row,
    crafted_files,
    enterprise_row,
    list_row,
    register_enterprises,
    write_applications,
    write_xlsx,
)

APP_HEADERS = (*APPLICATION_HEADERS, "同一事项编号", "核定金额（元）")
LIST_WITH_YEAR = (*LIST_HEADERS, "年度")
IMPORTS = {
    "enterprises": (ENTERPRISE_HEADERS, enterprise_row, range(12)),
    "applications": (APP_HEADERS, application_row, range(7)),
    "siqiang-list": (LIST_WITH_YEAR, list_row, range(7)),
}

# -- odd values by kind (the targeted cases draw from these) -----------------------------------
WRONG_TYPES = [True, False, dtime(12, 30), 3.5, -7, 0, date(2024, 3, 15), datetime(2024, 1, 1, 8)]
AMOUNTS = [
    10**20,
    -(10**20),
    1e308,
    -1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    -1,
    -0.01,
    0.001,
    1e-300,
    "NaN",
    "inf",
    "-Infinity",
    "1e400",
    "-0",
    "９９９９９９９９９９９９９９９",
    "1,000,000,000,000,000.00",
]
DATES = [
    date(1900, 1, 1),
    date(1900, 2, 28),
    date(9999, 12, 31),
    datetime(1900, 1, 1),
    datetime(9999, 12, 31, 23, 59, 59),
    "1900-01-00",
    "9999-12-31",
    "0000-00-00",
    1,
    2958465,
    -1,
]
CONTROL = [
    "_x0007_",
    "淄博_x001F_公司",
    "_x0000_",
    "a\x7fb",
    "\u200b\u200e淄博",
    "_x000D__x000A_",
    "\u2028",
    "淄博\ufeff公司",
]
LONG = ["淄" * 10_000, "A" * 10_000, "淄博" * 5_000 + "有限公司", " " * 10_000]
FORMULAS = ["=1+1", "=A1*2", "=SUM(A1:A3)", '=HYPERLINK("http://x","y")', "=1/0", "=", "=SUM("]
KINDS_OF_CELLS = {
    "wrong cell types": WRONG_TYPES,
    "huge/negative/NaN/inf amounts": AMOUNTS,
    "dates in 1900 and 9999": DATES,
    "control characters": CONTROL,
    "10,000-character names": LONG,
    "formulas": FORMULAS,
    "odd text of the property tests": SPECIAL_TEXT,
}
# which columns a kind of value goes into (by import)
TARGET_COLUMNS = {
    "huge/negative/NaN/inf amounts": {
        "applications": ("基数金额（元）", "核定金额（元）"),
        "enterprises": ("是否规上", "联系电话"),
        "siqiang-list": ("年度",),
    },
    "dates in 1900 and 9999": {
        "applications": ("事项日期",),
        "enterprises": ("企业名称", "联系人"),
        "siqiang-list": ("年度",),
    },
    "10,000-character names": {
        "applications": ("企业名称", "事项说明", "市级政策文号"),
        "enterprises": ("企业名称", "联系人", "所属镇街"),
        "siqiang-list": ("企业名称",),
    },
}


# -- the prepared database and its state -------------------------------------------------------


def prepare(folder: Path) -> Path:
    path = folder / "template.db"
    db = Database(path, user="模糊测试")
    try:
        register_enterprises(db, REGISTERED)
        import_applications(db, write_applications(folder / "seed.xlsx", [application_row(0)]))
    finally:
        db.close()
    return path


def full_state(conn: sqlite3.Connection) -> tuple[dict[str, int], str]:
    """Row counts of every table and a hash over every column of every row, in rowid order."""
    digest = hashlib.sha256()
    counts = {}
    for (table,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ):
        without_rowid = (
            "WITHOUT ROWID"
            in (
                conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            ).upper()
        )
        order = "1, 2" if without_rowid else "rowid"
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        counts[table] = len(rows)
        digest.update(f"#{table}\n".encode())
        for row in rows:
            digest.update(repr(tuple(row)).encode())
    return counts, digest.hexdigest()


# -- building the bad files --------------------------------------------------------------------


def _rows(rng: random.Random, what: str, n: int) -> tuple[tuple[str, ...], list[list]]:
    headers, factory, numbers = IMPORTS[what]
    rows = []
    for _ in range(n):
        record = factory(rng.choice(numbers))
        if what == "siqiang-list":
            record["年度"] = 2024
        rows.append([record.get(h) for h in headers])
    return headers, rows


def _valid_bytes(rng: random.Random, what: str) -> bytes:
    headers, rows = _rows(rng, what, rng.randint(2, 12))
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows)
    return buffer.getvalue()


def cells_case(kind: str) -> Callable[[random.Random, str, Path], None]:
    values = KINDS_OF_CELLS[kind]

    def build(rng: random.Random, what: str, path: Path) -> None:
        headers, rows = _rows(rng, what, rng.randint(1, 8))
        targets = TARGET_COLUMNS.get(kind, {}).get(what) or headers
        for row in rows:
            for _ in range(rng.randint(1, 3)):
                column = headers.index(rng.choice(targets))
                row[column] = rng.choice(values)
        write_xlsx(path, headers, rows)

    return build


def merged_cells(rng: random.Random, what: str, path: Path) -> None:
    from openpyxl import Workbook

    headers, rows = _rows(rng, what, rng.randint(2, 8))
    wb = Workbook()
    ws = wb.active
    offset = rng.choice([0, 0, 1, 2])  # sometimes a merged title block above the header
    if offset:
        ws.cell(1, 1, "企业名录（合并的标题）")
        ws.merge_cells(start_row=1, start_column=1, end_row=offset, end_column=len(headers))
    for c, h in enumerate(headers, start=1):
        ws.cell(offset + 1, c, h)
    for r, row in enumerate(rows, start=offset + 2):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    last = offset + 1 + len(rows)
    for _ in range(rng.randint(1, 4)):
        r1 = rng.randint(offset + 1, last)
        r2 = rng.randint(r1, min(last, r1 + 3))
        c1 = rng.randint(1, len(headers))
        c2 = rng.randint(c1, min(len(headers), c1 + 2))
        if (r1, c1) != (r2, c2):
            try:
                ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
            except ValueError:
                pass  # overlapping ranges: openpyxl refuses, try the next
    wb.save(path)


def duplicate_codes(rng: random.Random, what: str, path: Path) -> None:
    headers, rows = _rows(rng, what, rng.randint(2, 8))
    source = rng.choice(rows)
    copy = [
        (f"{v}（另一家）" if headers[i] == "企业名称" and v else v) for i, v in enumerate(source)
    ]
    if rng.random() < 0.5 and "统一社会信用代码" in headers:  # the same code in lower case
        i = headers.index("统一社会信用代码")
        copy[i] = str(copy[i]).lower()
    rows.insert(rng.randint(0, len(rows)), copy)
    write_xlsx(path, headers, rows)


def empty_first_sheet(rng: random.Random, what: str, path: Path) -> None:
    from openpyxl import Workbook

    headers, rows = _rows(rng, what, rng.randint(1, 5))
    wb = Workbook()
    first = wb.active
    first.title = rng.choice(["Sheet1", "说明", "封面"])
    if rng.random() < 0.3:
        first.cell(1, 1, "   ")  # looks empty
    data = wb.create_sheet("企业名录")
    data.append(list(headers))
    for row in rows:
        data.append(row)
    wb.save(path)


def zero_bytes(rng: random.Random, what: str, path: Path) -> None:
    path.write_bytes(b"")


def truncated_zip(rng: random.Random, what: str, path: Path) -> None:
    data = _valid_bytes(rng, what)
    path.write_bytes(data[: rng.randint(1, len(data) - 1)])


def xls_renamed(rng: random.Random, what: str, path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    path.write_bytes(ole + rng.randbytes(rng.randint(0, 4096)))


def corrupted_bytes(rng: random.Random, what: str, path: Path) -> None:
    data = bytearray(_valid_bytes(rng, what))
    for _ in range(rng.randint(1, 20)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))


def other_file_renamed(rng: random.Random, what: str, path: Path) -> None:
    choice = rng.randrange(4)
    if choice == 0:
        headers, rows = _rows(rng, what, 3)
        text = "\n".join(",".join(str(v or "") for v in r) for r in [list(headers), *rows])
        path.write_bytes(text.encode(rng.choice(["utf-8", "gbk"])))
    elif choice == 1:
        path.write_bytes(b"%PDF-1.4\n" + rng.randbytes(200))
    elif choice == 2:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "不是工作簿")
        path.write_bytes(buffer.getvalue())
    else:
        path.write_bytes(rng.choice([b"<html><body>", b"\xef\xbb\xbf", b"PK", rng.randbytes(64)]))


def crafted(name: str, suffix: str, data: bytes) -> Callable[[random.Random, str, Path], Path]:
    """A crafted file of tests/workbooks.py (a tiny file declaring a huge sheet)."""

    def build(rng: random.Random, what: str, path: Path) -> Path:
        target = path.with_suffix(suffix)
        target.write_bytes(data)
        return target

    build.__name__ = name
    return build


FIXTURES = ROOT / "tests" / "workbook_fixtures"


def real_format_corrupted(rng: random.Random, what: str, path: Path) -> Path:
    """A LibreOffice-made .xls/.ods/.csv fixture with random bytes changed or cut."""
    source = rng.choice(
        [p for p in FIXTURES.iterdir() if p.suffix in (".xls", ".ods", ".csv", ".xlsx")]
    )
    data = bytearray(source.read_bytes())
    for _ in range(rng.randint(0, 20)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        del data[rng.randrange(1, len(data)) :]
    target = path.with_suffix(source.suffix)
    target.write_bytes(bytes(data))
    return target


def csv_odd_encodings(rng: random.Random, what: str, path: Path) -> Path:
    headers, rows = _rows(rng, what, rng.randint(1, 6))
    text = "\n".join(",".join(str(v or "") for v in r) for r in [list(headers), *rows])
    encoding = rng.choice(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "big5", "latin-1"])
    data = text.encode(encoding, errors="replace")
    if rng.random() < 0.3:
        data = rng.randbytes(rng.randint(1, 400)) + data
    target = path.with_suffix(".csv")
    target.write_bytes(data)
    return target


TARGETED: dict[str, Callable[[random.Random, str, Path], Path | None]] = {
    **{kind: cells_case(kind) for kind in KINDS_OF_CELLS},
    "merged cells": merged_cells,
    "duplicate codes within one file": duplicate_codes,
    "first sheet empty (data on the second)": empty_first_sheet,
    "zero-byte file": zero_bytes,
    "truncated zip": truncated_zip,
    ".xls renamed .xlsx": xls_renamed,
    "random bytes changed": corrupted_bytes,
    "other file renamed .xlsx": other_file_renamed,
    "real .xls/.ods/.csv with bytes changed": real_format_corrupted,
    "CSV in odd encodings": csv_odd_encodings,
    **{f"crafted {name}": crafted(name, *made) for name, made in crafted_files().items()},
}


# -- running one case --------------------------------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.cases = 0
        self.outcomes: Counter[str] = Counter()
        self.by_kind: Counter[tuple[str, str]] = Counter()
        self.unchanged_ok = 0
        self.must_be_unchanged = 0
        self.bad_messages: list[str] = []
        self.unhandled: list[str] = []
        self.check_failures: list[str] = []


def _chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def run_case(
    tally: Tally, template: Path, folder: Path, kind: str, what: str, build, dry_run: bool, rng
) -> None:
    from desktop.services.check import run_check

    case = folder / f"case-{tally.cases}"
    case.mkdir()
    try:
        db_path = case / "fuzz.db"
        shutil.copyfile(template, db_path)
        book = build(rng, what, case / "坏.xlsx") or case / "坏.xlsx"
        with Database(db_path, user="模糊测试") as db:
            before = full_state(db.conn)
            outcome = "accepted"
            try:
                if what == "enterprises":
                    import_enterprises(db, book, dry_run=dry_run, backup=False)
                elif what == "applications":
                    import_applications(db, book, dry_run=dry_run, backup=False)
                else:
                    year = rng.choice([2024, None])
                    import_siqiang_list(db, book, year=year, dry_run=dry_run, backup=False)
            except ImportRejected as error:
                outcome = "rejected"
                rows = _sheet_rows(book)
                if not _chinese(str(error)) or not all(
                    _chinese(p.message) and (rows is None or 2 <= p.row <= rows)
                    for p in error.problems
                ):
                    tally.bad_messages.append(f"{kind}/{what}: {str(error)[:120]}")
            except DomainError as error:
                outcome = "other domain error"
                if not _chinese(str(error)):
                    tally.bad_messages.append(f"{kind}/{what}: {str(error)[:120]}")
            except Exception as error:  # the point of the exercise: there must be none
                outcome = "unhandled"
                tally.unhandled.append(
                    f"{kind}/{what}: {type(error).__name__}: {error}\n"
                    + "".join(traceback.format_exc(limit=6))
                )
            if outcome != "accepted" or dry_run:
                tally.must_be_unchanged += 1
                if full_state(db.conn) == before:
                    tally.unchanged_ok += 1
            elif not run_check(db).ok:
                tally.check_failures.append(f"{kind}/{what}")
    finally:
        shutil.rmtree(case, ignore_errors=True)
    tally.cases += 1
    tally.outcomes[outcome] += 1
    tally.by_kind[(kind, outcome)] += 1


def _sheet_rows(path: Path) -> int | None:
    """The last row number of the sheet an import reads (None when the file cannot be read).

    Through the import's own checked, memory-bounded path: calamine never sees a crafted file."""
    from desktop.services import sheetread, sheetscan

    try:
        if path.suffix == ".csv":
            return len(sheetread.read_csv(path)[0])
        with path.open("rb") as handle:
            magic = handle.read(8)
        return len(sheetread.read_values(path, sheetscan.scan(path, magic).sheet_index))
    except (ImportRejected, OSError):  # unreadable: only file-level problems are expected then
        return None


# -- the hypothesis half -----------------------------------------------------------------------


def generated_cases(n: int, tally: Tally, template: Path, folder: Path, seed: int) -> None:
    rng = random.Random(seed)
    names = list(IMPORTS)

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(data=st.data())
    def one(data) -> None:
        what = data.draw(st.sampled_from(names))
        headers, factory, numbers = IMPORTS[what]
        sheet = data.draw(workbook(headers, factory, numbers))
        dry_run = data.draw(st.booleans())

        def build(_rng, _what, path: Path) -> None:
            write_xlsx(path, *sheet)

        run_case(tally, template, folder, "hypothesis workbook", what, build, dry_run, rng)

    start = tally.cases
    one()
    while tally.cases - start < n:  # hypothesis may stop early on a small search space
        one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    tally = Tally()
    t = time.perf_counter()
    generated = args.cases // 2
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        folder = Path(tmp)
        template = prepare(folder)
        kinds = list(TARGETED)
        for i in range(args.cases - generated):
            kind = kinds[i % len(kinds)]
            what = list(IMPORTS)[(i // len(kinds)) % len(IMPORTS)]
            run_case(tally, template, folder, kind, what, TARGETED[kind], rng.random() < 0.3, rng)
        generated_cases(args.cases - tally.cases, tally, template, folder, args.seed)
    elapsed = time.perf_counter() - t
    print(f"cases:                 {tally.cases} ({elapsed:.0f} s)")
    print(f"rejected:              {tally.outcomes['rejected']}")
    print(f"accepted:              {tally.outcomes['accepted']}")
    print(f"other DomainError:     {tally.outcomes['other domain error']}")
    print(f"unhandled exceptions:  {len(tally.unhandled)}")
    print(f"DB unchanged:          {tally.unchanged_ok}/{tally.must_be_unchanged} (rows + hash)")
    print(f"messages not Chinese / row out of range: {len(tally.bad_messages)}")
    print(f"accepted but check failed: {len(tally.check_failures)}")
    from desktop.services import sheetread

    print(
        f"crashes:               0 (this process ran to the end; reading children killed by a signal and refused: {sheetread.contained_crashes})"
    )
    print(f"partial writes:        {tally.must_be_unchanged - tally.unchanged_ok}")
    if args.verbose:
        print("by kind:")
        for kind in [*TARGETED, "hypothesis workbook"]:
            parts = [f"{o} {tally.by_kind[(kind, o)]}" for o in ("rejected", "accepted")]
            other = tally.by_kind[(kind, "other domain error")] + tally.by_kind[(kind, "unhandled")]
            print(f"  {kind:<40} {', '.join(parts)}" + (f", other {other}" if other else ""))
    for item in (tally.unhandled + tally.bad_messages + tally.check_failures)[:10]:
        print("  PROBLEM", item)
    ok = (
        not tally.unhandled
        and not tally.bad_messages
        and not tally.check_failures
        and tally.unchanged_ok == tally.must_be_unchanged
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
