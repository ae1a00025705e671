"""Bad import workbooks: each is refused with the exact row and a Chinese message naming the
field, and the database is left exactly as it was (all or nothing)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desktop.core.creditcode import CHARSET, uscc_check_char
from desktop.core.errors import ImportRejected
from desktop.services.applications import insert_applications, parse_application, registry_index
from desktop.services.calculation import calculate_year
from desktop.services.catalogue import load_catalogue
from desktop.services.importing import (
    import_applications,
    import_enterprises,
    import_siqiang_list,
)
from desktop.services.siqiang_lists import replace_list
from desktop.storage.backup import backup_dir
from tests.workbooks import (
    APPLICATION_HEADERS,
    ENTERPRISE_HEADERS,
    application_row,
    code,
    enterprise_name,
    enterprise_row,
    list_row,
    register_enterprises,
    snapshot,
    write_applications,
    write_enterprises,
    write_list,
    write_records,
    write_xlsx,
)

REPO = Path(__file__).resolve().parents[1]
REGISTERED = range(10)  # enterprises 0–9 are in the registry; 50+ are not
UNKNOWN = 50


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def populated(db):
    """A database with some of everything, so "unchanged" is checked against non-empty tables."""
    register_enterprises(db, REGISTERED)
    ids = [r[0] for r in db.query("SELECT id FROM enterprises ORDER BY id")]
    replace_list(db, 2024, set(ids[:5]))
    registry, catalogue = registry_index(db), load_catalogue(db)
    item = parse_application(
        credit_code=code(0),
        rule_code="LZ41-2",
        event_date=date(2023, 5, 1),
        basis="100000",
        registry=registry,
        catalogue=catalogue,
    )
    insert_applications(db, [item])
    calculate_year(db, 2023)
    assert all(snapshot(db)[0].values())
    return db


def _run(kind: str, db, path: Path, year: int | None = 2024):
    if kind == "enterprises":
        return import_enterprises(db, path)
    if kind == "list":
        return import_siqiang_list(db, path, year=year)
    return import_applications(db, path)


def _rejected(kind: str, db, path: Path, **kwargs: Any) -> ImportRejected:
    """Run the import, expect ImportRejected, and check that nothing at all was written."""
    before = snapshot(db)
    with pytest.raises(ImportRejected) as info:
        _run(kind, db, path, **kwargs)
    assert snapshot(db) == before
    assert not backup_dir(db.path).exists()
    error = info.value
    assert _has_cjk(str(error))
    return error


# -- invalid credit codes, in every import ---------------------------------------------------

BASE = code(7)


def _with_char(text: str, pos: int, ch: str) -> str:
    return text[: pos - 1] + ch + text[pos:]


def _wrong_check_digit() -> str:
    other = next(c for c in CHARSET if c != BASE[17])
    return BASE[:17] + other


def _wrong_org_check_digit() -> str:
    first17 = _with_char(BASE[:17], 17, "3" if BASE[16] != "3" else "4")
    return first17 + uscc_check_char(first17)  # only the 17th is wrong


BAD_CODES = [
    pytest.param(_wrong_check_digit(), "第18位校验位错误", id="wrong-18th-check"),
    pytest.param(
        _wrong_org_check_digit(), "第17位（组织机构代码校验位）错误", id="wrong-org-check"
    ),
    pytest.param(BASE.lower(), "小写", id="lower-case"),
    *[
        pytest.param(_with_char(BASE, 12, ch), f"第12位“{ch}”", id=f"forbidden-{ch}")
        for ch in "IOZSV"
    ],
    pytest.param(BASE[:17], "应为18位，实际为17位", id="17-chars"),
    pytest.param(BASE + "0", "应为18位，实际为19位", id="19-chars"),
    pytest.param(_with_char(BASE, 4, "A"), "行政区划码", id="letter-in-region"),
    pytest.param("  ", "统一社会信用代码不能为空", id="blank"),
]


def _code_rows(kind: str, bad: str) -> tuple[list[dict[str, Any]], Callable[..., Path]]:
    if kind == "enterprises":
        rows = [enterprise_row(1), enterprise_row(2, 统一社会信用代码=bad), enterprise_row(3)]
        return rows, write_enterprises
    if kind == "list":
        rows = [list_row(1), list_row(2, 统一社会信用代码=bad), list_row(3)]
        return rows, write_list
    rows = [application_row(1), application_row(2, 统一社会信用代码=bad), application_row(3)]
    return rows, write_applications


@pytest.mark.parametrize("kind", ["enterprises", "list", "applications"])
@pytest.mark.parametrize(("bad", "fragment"), BAD_CODES)
def test_invalid_credit_code_is_reported_on_its_row(populated, tmp_path, kind, bad, fragment):
    rows, write = _code_rows(kind, bad)
    path = write(tmp_path / "坏代码.xlsx", rows)

    error = _rejected(kind, populated, path)

    assert [p.row for p in error.problems] == [3]
    message = error.problems[0].message
    assert "统一社会信用代码" in message and fragment in message
    assert f"第3行：{message}" in str(error)


# -- one bad cell per case ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Row 2 is good, row 3 carries ``bad`` (column → value), row 4 is good."""

    kind: str
    bad: dict[str, Any]
    fragments: tuple[str, ...]
    headers: tuple[str, ...] | None = None


def _c(kind: str, fragments: str | tuple[str, ...], headers=None, **bad: Any) -> Case:
    return Case(kind, bad, (fragments,) if isinstance(fragments, str) else fragments, headers)


BASIS = "基数金额（元）"
MANUAL = "核定金额（元）"
WITH_MANUAL = (*APPLICATION_HEADERS, MANUAL)
LIST_WITH_YEAR = ("统一社会信用代码", "企业名称", "年度")
LONG = "淄" * 10_000

CASES = {
    # 企业名录
    "unknown-town": _c("enterprises", ("所属镇街", "不存在镇"), 所属镇街="不存在镇"),
    # a blank cell leaves a registered enterprise's field as stored; a new one needs it
    "blank-town": _c(
        "enterprises", ("新增企业须填写所属镇街",), 统一社会信用代码=code(60), 所属镇街="   "
    ),
    "blank-name": _c(
        "enterprises", ("新增企业须填写企业名称",), 统一社会信用代码=code(61), 企业名称=None
    ),
    "10000-char-name": _c("enterprises", ("企业名称", "过长", "10000"), 企业名称=LONG),
    "control-char-name": _c("enterprises", ("企业名称", "控制字符"), 企业名称="淄博_x0007_公司"),
    "bad-yes-no": _c("enterprises", ("是否规上", "也许"), 是否规上="也许"),
    "bad-industry": _c("enterprises", ("四强产业", "纺织"), 四强产业="纺织"),
    "long-phone": _c("enterprises", ("联系电话", "过长"), 联系电话="1" * 41),
    # 四强企业名单
    "list-code-not-registered": _c(
        "list", ("统一社会信用代码", "未在企业名录中登记"), 统一社会信用代码=code(UNKNOWN)
    ),
    "list-year-mismatch": _c(
        "list", ("年度", "2023", "2024"), LIST_WITH_YEAR, 年度=2023
    ),  # imported with year=2024
    "list-year-text": _c("list", ("年度", "去年"), LIST_WITH_YEAR, 年度="去年"),
    "list-year-out-of-range": _c("list", ("年度", "1999"), LIST_WITH_YEAR, 年度=1999),
    # 奖补事项
    "code-not-registered": _c(
        "applications",
        ("统一社会信用代码", "未在企业名录中登记"),
        统一社会信用代码=code(UNKNOWN),
        企业名称=None,
    ),
    "name-mismatch": _c(
        "applications",
        ("企业名称", "淄博别家有限公司", enterprise_name(2)),
        企业名称="淄博别家有限公司",
    ),
    "unknown-rule": _c("applications", ("条款编号", "LZ99-1"), 条款编号="LZ99-1"),
    "ratio-rule-without-basis": _c("applications", ("LZ41-2", BASIS), **{BASIS: None}),
    "level-rule-without-level": _c(
        "applications", ("LZ41-10A", "认定级别"), 条款编号="LZ41-10A", **{BASIS: None}
    ),
    "unknown-level": _c("applications", ("认定级别", "县级"), 条款编号="LZ41-10A", 认定级别="县级"),
    "manual-rule-without-amount": _c(
        "applications", ("LZ41-1B", MANUAL), WITH_MANUAL, 条款编号="LZ41-1B", **{BASIS: None}
    ),
    "manual-amount-not-numeric": _c(
        "applications", (MANUAL, "面议"), WITH_MANUAL, 条款编号="LZ41-1B", **{MANUAL: "面议"}
    ),
    "no-rule-no-document": _c(
        "applications", ("条款编号", "市级政策文号", "不能同时为空"), 条款编号=None
    ),
    "unmatched-document": _c(
        "applications",
        ("市级政策文号", "淄政办字〔2099〕1号"),
        条款编号=None,
        市级政策文号="淄政办字〔2099〕1号",
    ),
    "negative-number": _c("applications", (BASIS, "不能为负数"), **{BASIS: -100}),
    "negative-text": _c("applications", (BASIS, "不能为负数"), **{BASIS: "-1,000.00"}),
    "amount-words": _c("applications", (BASIS, "一百万", "不是有效的金额"), **{BASIS: "一百万"}),
    "amount-letters": _c("applications", (BASIS, "不是有效的金额"), **{BASIS: "abc"}),
    "amount-boolean": _c("applications", (BASIS, "不是有效的金额"), **{BASIS: True}),
    "amount-three-decimals": _c("applications", (BASIS, "两位小数"), **{BASIS: "1.234"}),
    "amount-bad-separators": _c("applications", (BASIS, "千分位"), **{BASIS: "1,23,456"}),
    "amount-too-large": _c("applications", (BASIS, "超过上限"), **{BASIS: 10**15}),
    "date-blank": _c("applications", "事项日期不能为空", 事项日期=None),
    "date-feb-30": _c("applications", ("事项日期", "2024-02-30"), 事项日期="2024-02-30"),
    "date-month-13": _c("applications", ("事项日期", "2024/13/1"), 事项日期="2024/13/1"),
    "date-words": _c("applications", ("事项日期", "明天", "无法识别"), 事项日期="明天"),
    "date-1900": _c("applications", ("事项日期", "超出合理范围"), 事项日期=date(1900, 1, 1)),
    "date-9999": _c("applications", ("事项日期", "超出合理范围"), 事项日期=date(9999, 12, 31)),
    "date-1999-text": _c("applications", ("事项日期", "超出合理范围"), 事项日期="1999年12月31日"),
    "date-negative-serial": _c("applications", ("事项日期", "不是有效日期"), 事项日期=-5),
    "description-too-long": _c("applications", ("事项说明", "过长"), 事项说明="说" * 501),
}


def _rows_for(case: Case) -> list[dict[str, Any]]:
    factory = {"enterprises": enterprise_row, "list": list_row, "applications": application_row}
    rows = [factory[case.kind](1), factory[case.kind](2, **case.bad), factory[case.kind](3)]
    if case.headers and "年度" in case.headers:
        rows[0]["年度"] = rows[2]["年度"] = 2024
    return rows


DEFAULT_HEADERS = {
    "enterprises": ENTERPRISE_HEADERS,
    "list": ("统一社会信用代码", "企业名称"),
    "applications": APPLICATION_HEADERS,
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_cell_is_reported_on_its_row_and_nothing_is_written(populated, tmp_path, case):
    headers = case.headers or DEFAULT_HEADERS[case.kind]
    path = write_records(tmp_path / "坏数据.xlsx", headers, _rows_for(case))

    error = _rejected(case.kind, populated, path)

    assert [p.row for p in error.problems] == [3], error.problems
    message = error.problems[0].message
    assert _has_cjk(message)
    for fragment in case.fragments:
        assert fragment in message
    assert str(error).startswith("导入未执行，发现1处错误：第3行：")


@pytest.mark.parametrize("year_text", ["inf", "-Infinity"])
def test_infinite_list_year_is_a_row_problem(populated, tmp_path, year_text):
    rows = [list_row(1, 年度=2024), list_row(2, 年度=year_text)]
    path = write_records(tmp_path / "名单.xlsx", LIST_WITH_YEAR, rows)

    error = _rejected("list", populated, path, year=None)

    assert [p.row for p in error.problems] == [3]
    assert "年度" in error.problems[0].message


def test_fractional_list_year_is_refused(populated, tmp_path):
    rows = [list_row(1, 年度=2024), list_row(2, 年度="2024.7")]
    path = write_records(tmp_path / "名单.xlsx", LIST_WITH_YEAR, rows)

    error = _rejected("list", populated, path, year=None)

    assert [p.row for p in error.problems] == [3]
    assert "年度" in error.problems[0].message


# -- duplicates ------------------------------------------------------------------------------


def test_duplicate_codes_in_one_enterprise_file(populated, tmp_path):
    rows = [
        enterprise_row(20),
        enterprise_row(21),
        enterprise_row(20, 企业名称="淄博另一家有限公司"),
        enterprise_row(22),
        enterprise_row(21),
    ]
    path = write_enterprises(tmp_path / "重复.xlsx", rows)

    error = _rejected("enterprises", populated, path)

    assert [(p.row, p.message) for p in error.problems] == [
        (4, f"统一社会信用代码{code(20)}与第2行重复"),
        (6, f"统一社会信用代码{code(21)}与第3行重复"),
    ]


def test_identical_rows_in_one_applications_file(populated, tmp_path):
    rows = [application_row(1), application_row(2), application_row(1)]
    path = write_applications(tmp_path / "重复.xlsx", rows)

    error = _rejected("applications", populated, path)

    assert [p.row for p in error.problems] == [4]
    assert "第2行" in error.problems[0].message and "重复" in error.problems[0].message


def test_duplicate_codes_in_one_list_file(populated, tmp_path):
    path = write_list(tmp_path / "重复.xlsx", [list_row(1), list_row(2), list_row(1)])

    error = _rejected("list", populated, path)

    assert [p.row for p in error.problems] == [4]
    assert "统一社会信用代码" in error.problems[0].message


# -- all or nothing, every bad row reported ----------------------------------------------------


@pytest.mark.parametrize("kind", ["enterprises", "applications"])
def test_ten_bad_rows_among_nine_good_rows_are_all_reported_and_nothing_is_written(
    populated, tmp_path, kind
):
    bad_rows = {3, 4, 6, 8, 9, 11, 14, 16, 19, 20}
    rows, headers = [], ENTERPRISE_HEADERS if kind == "enterprises" else APPLICATION_HEADERS
    for sheet_row in range(2, 21):  # 19 data rows: 10 bad, 9 good
        n = sheet_row % 10  # registered enterprises 0–9
        if kind == "enterprises":
            row = enterprise_row(100 + sheet_row)
            if sheet_row in bad_rows:
                row["所属镇街"] = f"第{sheet_row}号虚构镇"
        else:
            row = application_row(n, **{BASIS: 5_000 + sheet_row})
            if sheet_row in bad_rows:
                row["事项日期"] = "2024-02-30"
        rows.append(row)
    path = write_records(tmp_path / "十处错误.xlsx", headers, rows)

    error = _rejected(kind, populated, path)

    assert [p.row for p in error.problems] == sorted(bad_rows)
    assert str(error).startswith("导入未执行，发现10处错误：")
    field_name = "所属镇街" if kind == "enterprises" else "事项日期"
    assert all(field_name in p.message for p in error.problems)


def test_more_than_twenty_bad_rows_are_all_kept_in_problems(populated, tmp_path):
    rows = [
        application_row(1, 事项日期=f"2024-02-{30 + i % 2}", 事项说明=str(i)) for i in range(25)
    ]
    path = write_applications(tmp_path / "很多错误.xlsx", rows)

    error = _rejected("applications", populated, path)

    assert [p.row for p in error.problems] == list(range(2, 27))
    assert "另有5处错误" in str(error)


def test_row_numbers_follow_the_sheet_with_a_title_block_and_blank_lines(populated, tmp_path):
    title = ["临淄区2024年度奖补事项汇总表"]
    rows = [title, [], list(APPLICATION_HEADERS)]
    rows.append([application_row(1)[h] for h in APPLICATION_HEADERS])  # row 4
    rows.append([])  # row 5, blank
    rows.append([application_row(2, 条款编号="LZ00")[h] for h in APPLICATION_HEADERS])  # row 6
    path = write_xlsx(tmp_path / "带标题.xlsx", None, rows)

    error = _rejected("applications", populated, path)

    assert [p.row for p in error.problems] == [6]


# -- files that are not good workbooks ----------------------------------------------------------


def _real_workbook(tmp_path: Path) -> Path:
    return write_applications(tmp_path / "真的.xlsx", [application_row(n) for n in range(1, 30)])


def _empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "空.xlsx"
    path.write_bytes(b"")
    return path


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "文本.xlsx"
    path.write_text("统一社会信用代码,企业名称\n91370305MA3C4HB1X4,某公司\n", encoding="utf-8")
    return path


def _old_xls(tmp_path: Path) -> Path:
    path = tmp_path / "旧版.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    return path


def _truncated(tmp_path: Path) -> Path:
    data = _real_workbook(tmp_path).read_bytes()
    path = tmp_path / "截断.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _zip_not_xlsx(tmp_path: Path) -> Path:
    import zipfile

    path = tmp_path / "压缩包.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    return path


def _no_headers(tmp_path: Path) -> Path:
    rows = [[application_row(n)[h] for h in APPLICATION_HEADERS] for n in range(1, 4)]
    return write_xlsx(tmp_path / "无表头.xlsx", None, rows)


def _only_headers(tmp_path: Path) -> Path:
    # every column any of the three imports needs, and no data row
    return write_xlsx(tmp_path / "只有表头.xlsx", (*APPLICATION_HEADERS, "所属镇街"), [])


def _empty_sheet(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "空表.xlsx", None, [])


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "不存在.xlsx"


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "文件夹.xlsx"
    path.mkdir()
    return path


def _no_rule_or_document_column(tmp_path: Path) -> Path:
    headers = ["统一社会信用代码", "企业名称", "事项日期", BASIS]
    return write_records(tmp_path / "缺条款列.xlsx", headers, [application_row(1)])


BAD_FILES = {
    "empty-0-bytes": (_empty_file, ("空文件", "0字节")),
    "text-renamed": (_text_file, ("不是Excel工作簿", "CSV")),
    "xls-renamed": (_old_xls, ("损坏",)),  # real .xls files are read (tests/test_import_formats.py)
    "truncated": (_truncated, ("损坏",)),
    "zip-not-xlsx": (_zip_not_xlsx, ("损坏",)),
    "no-headers": (_no_headers, ("缺少表头", "统一社会信用代码")),
    "only-headers": (_only_headers, ("没有数据行",)),
    "empty-sheet": (_empty_sheet, ("空的",)),
    "missing-file": (_missing, ("不存在",)),
    "directory": (_directory, ("文件夹",)),
}
FILE_CASES = [
    pytest.param(kind, make, fragments, True, id=f"{kind}-{name}")
    for kind in ("enterprises", "list", "applications")
    for name, (make, fragments) in BAD_FILES.items()
] + [
    pytest.param(
        "applications",
        _no_rule_or_document_column,
        ("条款编号", "市级政策文号"),
        False,
        id="applications-no-rule-column",
    )
]


@pytest.mark.parametrize(("kind", "make", "fragments", "names_file"), FILE_CASES)
def test_bad_file_is_refused_with_a_file_message(
    populated, tmp_path, kind, make, fragments, names_file
):
    path = make(tmp_path)

    error = _rejected(kind, populated, path)

    assert error.problems == []
    assert error.file_message and _has_cjk(error.file_message)
    assert str(error) == error.file_message
    for fragment in fragments:
        assert fragment in error.file_message
    if names_file:
        assert path.name in error.file_message


def test_list_without_year_or_year_column_is_refused(populated, tmp_path):
    path = write_list(tmp_path / "名单.xlsx", [list_row(1)])

    error = _rejected("list", populated, path, year=None)

    assert error.problems == [] and "年度" in error.file_message


_FAR_CELL_SCRIPT = textwrap.dedent(
    """
    import sys
    from openpyxl import Workbook
    from desktop.core.errors import ImportRejected
    from desktop.services.importing import import_enterprises
    from desktop.storage.database import Database

    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "所属镇街"])
    sheet["XFD1048576"] = "多余的单元格"
    book.save(sys.argv[1] + "/far.xlsx")
    db = Database(sys.argv[1] + "/t.db")
    try:
        import_enterprises(db, sys.argv[1] + "/far.xlsx", dry_run=True)
    except ImportRejected as exc:
        print(exc.file_message)
    """
)


def _limit_memory() -> None:
    import resource  # POSIX only

    limit = 3 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_AS to contain the crash")
def test_stray_cell_far_away_is_refused_not_a_crash(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", _FAR_CELL_SCRIPT, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert _has_cjk(result.stdout)
