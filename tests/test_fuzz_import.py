"""Property tests: odd and hostile workbooks never crash an import.

Whatever the cells hold (wrong types, huge / negative / NaN / infinite numbers, dates in 1900 and
9999, control characters, 10,000-character names, formulas, duplicate codes, random text in every
column), an import either succeeds or raises ``ImportRejected`` whose every problem is a Chinese
sentence naming a sheet row (≥ 2) or the file, and a rejected import leaves the database as it was.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from desktop.core.errors import ImportRejected
from desktop.services.importing import import_applications, import_enterprises
from desktop.storage.database import Database
from tests.workbooks import (
    APPLICATION_HEADERS,
    ENTERPRISE_HEADERS,
    TOWNS,
    application_row,
    code,
    enterprise_row,
    register_enterprises,
    row_counts,
    snapshot,
    write_applications,
    write_xlsx,
)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REGISTERED = range(5)

# Characters openpyxl can put in a cell (it refuses the XML-illegal C0 controls); control
# characters still reach the importer through Excel's own escape, e.g. "_x0007_".
_ILLEGAL = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32)]) + "\ufffe\uffff"
_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters=_ILLEGAL)
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)

SPECIAL_TEXT = [
    "=1+1",
    "=A1*2",
    "=SUM(",
    "#DIV/0!",
    "#N/A",
    "_x0007_",
    "淄博_x001F_公司",
    "a\x7fb",
    "淄" * 10_000,
    "A" * 10_000,
    "　",
    " \t\n ",
    "１２３，４５６．７８",
    "1,23,4",
    "300万",
    "-0",
    "-1,000",
    "1e5",
    "NaN",
    "inf",
    "-Infinity",
    "0x1F",
    "1_000",
    "2024-02-30",
    "2024-13-01",
    "9999-12-31",
    "1900/1/1",
    "2024年3月15日",
    "2024-03-15T00:00:00",
    "LZ41-2",
    "lz41-10a",
    "LZ41-1B",
    "LZ41-99",
    "淄政办字〔2021〕7号",
    "淄政办字(2021)7号",
    "国家级",
    "县级",
    "是",
    "否",
    "新材料",
    *TOWNS,
    *(code(n) for n in (0, 1, 99)),
    code(1).lower(),
    code(1)[:17],
    "0" * 18,
    "I" * 18,
]

CELLS = st.one_of(
    st.none(),
    st.text(_CHARS, max_size=30),
    st.text(_CJK, min_size=1, max_size=12),
    st.sampled_from(SPECIAL_TEXT),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e-308, 0.1 + 0.2]),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15),
    st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from([date(1900, 1, 1), date(9999, 12, 31), date(2024, 3, 15), date(2026, 3, 1)]),
    st.booleans(),
    st.times(),
)


@st.composite
def workbook(draw, headers: tuple[str, ...], factory, numbers: range):
    """(header row or None, data rows): valid rows with random columns replaced, reordered
    columns, sometimes a missing or extra column, sometimes duplicated rows."""
    columns = list(draw(st.permutations(headers)))
    rare = st.integers(0, 9).map(lambda n: n == 7)  # true about one time in ten
    dropped = draw(st.sets(st.sampled_from(columns), max_size=2)) if draw(rare) else set()
    columns = [c for c in columns if c not in dropped]
    if draw(st.booleans()):
        columns.insert(draw(st.integers(0, len(columns))), draw(st.text(_CHARS, max_size=10)))
    rows = []
    for _ in range(0 if draw(rare) else draw(st.integers(1, 8))):
        record = factory(draw(st.sampled_from(numbers)))
        for column in draw(st.sets(st.sampled_from(columns), max_size=3)):
            record[column] = draw(CELLS)
        rows.append([record.get(c) for c in columns])
    if rows and draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), list(draw(st.sampled_from(rows))))
    header_row = None if draw(rare) else columns
    return header_row, rows


def _is_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _check_rejection(error: ImportRejected, last_row: int) -> None:
    assert _is_chinese(str(error))
    if not error.problems:
        assert _is_chinese(error.file_message)
    for problem in error.problems:
        assert 2 <= problem.row <= last_row, problem
        assert _is_chinese(problem.message), problem


def _import_once(importer, sheet, dry_run: bool) -> None:
    headers, rows = sheet
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = Database(folder / "fuzz.db", user="测试员")
        try:
            register_enterprises(db, REGISTERED)
            # one stored application, so duplicates of stored rows are exercised too
            import_applications(db, write_applications(folder / "seed.xlsx", [application_row(0)]))
            path = write_xlsx(folder / "fuzz.xlsx", headers, rows)
            before = snapshot(db)
            try:
                report = importer(db, path, dry_run=dry_run)
            except ImportRejected as error:
                event("rejected: file" if error.file_message else "rejected: rows")
                _check_rejection(error, last_row=len(rows) + 1)
                assert snapshot(db) == before
            else:
                event("accepted")
                if dry_run or not (report.added or report.updated):
                    assert snapshot(db) == before
                else:
                    assert row_counts(db) != before[0]
        finally:
            db.close()


@FUZZ
@given(
    sheet=workbook(
        APPLICATION_HEADERS + ("同一事项编号", "核定金额（元）"), application_row, range(7)
    ),
    dry_run=st.booleans(),
)
def test_applications_import_survives_odd_workbooks(sheet, dry_run):
    _import_once(import_applications, sheet, dry_run)


@FUZZ
@given(sheet=workbook(ENTERPRISE_HEADERS, enterprise_row, range(12)), dry_run=st.booleans())
def test_enterprises_import_survives_odd_workbooks(sheet, dry_run):
    _import_once(import_enterprises, sheet, dry_run)


def _sample_workbook() -> bytes:
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        ENTERPRISE_HEADERS,
        [[enterprise_row(n).get(h) for h in ENTERPRISE_HEADERS] for n in range(20)],
    )
    return buffer.getvalue()


_SAMPLE = _sample_workbook()


@settings(FUZZ, max_examples=100)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(_SAMPLE) - 1), st.integers(0, 255)), min_size=1, max_size=20
    ),
    cut=st.none() | st.integers(0, len(_SAMPLE)),
)
def test_corrupted_bytes_are_refused_not_a_crash(edits, cut):
    data = bytearray(_SAMPLE)
    for position, value in edits:
        data[position] = value
    if cut is not None:
        del data[cut:]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "坏.xlsx"
        path.write_bytes(bytes(data))
        with Database(Path(tmp) / "fuzz.db") as db:
            before = snapshot(db)
            try:
                import_enterprises(db, path)
            except ImportRejected as error:
                _check_rejection(error, last_row=21)
                assert snapshot(db) == before
