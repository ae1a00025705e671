"""The workbooks, read back with openpyxl: the export contract, numbers, totals and print setup."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from reports_fixture_data import (
    AS_OF,
    GRANTED_2024_FEN,
    GRANTED_2024_WORDS,
    LEDGER_B,
    LEDGER_B_GRANTED_WORDS,
    NAME_A,
    NAME_D,
)
from sample import credit_code

from desktop.reports import REPORTS, export_report

CONTRACT = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "所属镇街",
    "条款编号",
    "条款名称",
    "计算基数（元）",
    "核定金额（元）",
    "计算说明",
]


def _header_row(ws, first: str = "序号") -> int:
    for row in ws.iter_rows(min_row=1, max_row=10):
        if row[0].value == first:
            return row[0].row
    raise AssertionError(f"no header row in {ws.title}")


def _data(ws, header: int) -> tuple[list[tuple], tuple]:
    """The data rows under ``header`` and the 合计 row (the last of the rows with a text label
    that follow them: subtotals come before it)."""
    rows, sums = [], []
    for row in ws.iter_rows(min_row=header + 1, values_only=True):
        if (
            isinstance(row[0], str)
            and ("合计" in row[0] or "小计" in row[0])
            and "大写" not in row[0]
        ):
            sums.append(row)
            continue
        if sums or not isinstance(row[0], int):
            break
        rows.append(row)
    return rows, sums[-1] if sums else None


def _texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def _dec(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def detail_book(report_db, tmp_path):
    path = tmp_path / "明细.xlsx"
    result = export_report(report_db, "detail", "xlsx", path, year=2024, as_of=AS_OF)
    assert result.path == path and result.rows == 8 and result.pages is None
    return load_workbook(path)


def test_detail_workbook_keeps_the_export_contract(detail_book):
    assert detail_book.sheetnames == ["奖补明细", "不予奖补"]
    ws = detail_book["奖补明细"]
    assert ws["A1"].value == "2024年度四强产业配套奖补明细表"
    texts = [c.value for c in ws[2] if c.value]
    assert texts == ["填报单位：临淄区工业和信息化局", "填报日期：2025年1月10日", "单位：元"]
    header = _header_row(ws)
    assert [c.value for c in ws[header]][:9] == CONTRACT
    assert [c.value for c in ws[header]][9:] == ["状态", "分期"]


def test_amounts_are_numbers_with_two_decimals_and_the_total_is_their_sum(detail_book):
    ws = detail_book["奖补明细"]
    header = _header_row(ws)
    rows, total = _data(ws, header)
    assert len(rows) == 5
    amounts = [r[7] for r in rows]
    assert all(isinstance(v, int | float) for v in amounts)
    assert sum(_dec(v) for v in amounts) == _dec(total[7]) == Decimal(GRANTED_2024_FEN) / 100
    assert _dec(total[7]) == Decimal("2337037.03")
    assert Decimal("37037.03") in [_dec(v) for v in amounts]
    for row in ws.iter_rows(min_row=header + 1, max_row=header + len(rows)):
        assert row[6].number_format == "#,##0.00" and row[7].number_format == "#,##0.00"
    assert ws.cell(header + 1, 7).value is None or isinstance(
        ws.cell(header + 1, 7).value, int | float
    )


def test_names_and_explanations_wrap_and_text_stays_text(detail_book):
    ws = detail_book["奖补明细"]
    header = _header_row(ws)
    names = {ws.cell(r, 2).value: ws.cell(r, 2) for r in range(header + 1, header + 6)}
    assert NAME_A in names and names[NAME_A].alignment.wrap_text
    assert names[NAME_D].data_type == "s"  # a name starting with "=" is not a formula
    assert ws.cell(header + 1, 9).alignment.wrap_text
    # CJK counts double: the credit-code column fits 18 characters, the name column is capped.
    assert ws.column_dimensions["C"].width >= 18
    assert 20 <= ws.column_dimensions["B"].width <= 32


def test_sheet_is_ready_to_print(detail_book):
    for ws in detail_book.worksheets:
        header = _header_row(ws)
        assert ws.freeze_panes == f"A{header + 1}"
        assert ws.print_title_rows.replace("$", "") == f"1:{header}"  # title block + header
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        margins = ws.page_margins  # inches: 20 mm top and binding side, 15 mm bottom and right
        assert margins.top >= 0.787 and margins.left >= 0.787
        assert margins.bottom >= 0.59 and margins.right >= 0.59
        assert margins.footer < margins.bottom  # the footer inside the bottom margin


def test_every_sheet_ends_with_the_signature_block_the_seal_and_the_date_line(detail_book):
    for ws in detail_book.worksheets:
        values = _texts(ws)
        labels = ["填表人：", "审核人：", "负责人："]
        rows = {label: next(i for i, v in enumerate(values) if label in v) for label in labels}
        assert list(rows.values()) == sorted(rows.values())  # in this order
        org = next(
            c
            for row in ws.iter_rows()
            for c in row
            if c.value == "填报单位（盖章）：临淄区工业和信息化局"
        )
        date = ws.cell(org.row + 1, org.column)
        assert date.value.replace("　", "") == "年月日"
        assert org.alignment.horizontal == date.alignment.horizontal == "right"
        assert (
            org.row
            - max(
                c.row for row in ws.iter_rows() for c in row if c.value and "负责人" in str(c.value)
            )
            >= 3
        )


def test_the_workbook_carries_the_total_in_words_as_the_pdf_does(detail_book):
    assert f"合计（大写）：人民币{GRANTED_2024_WORDS}" in _texts(detail_book["奖补明细"])


def test_the_ledger_workbook_has_the_subtotals_and_words_only_for_what_was_granted(
    report_db, tmp_path
):
    path = tmp_path / "台账.xlsx"
    export_report(report_db, "ledger", "xlsx", path, credit_code=credit_code(2), as_of=AS_OF)
    ws = load_workbook(path)["奖补台账"]
    sums = {
        row[0]: _dec(row[7])
        for row in ws.iter_rows(values_only=True)
        if isinstance(row[0], str) and ("小计" in row[0] or "合计（已" in row[0])
    }
    assert sums == {
        "已拨付小计": Decimal(LEDGER_B["已拨付"]) / 100,
        "已审核未拨付小计": Decimal(LEDGER_B["已审核未拨付"]) / 100,
        "草稿（未审核）小计": Decimal(LEDGER_B["草稿"]) / 100,
        "计划兑现（以后年度，未核定）小计": Decimal(LEDGER_B["计划兑现"]) / 100,
        "已给予合计（已拨付＋已审核未拨付）": Decimal("2537037.03"),
    }
    assert f"已给予合计（大写）：人民币{LEDGER_B_GRANTED_WORDS}" in _texts(ws)


def test_second_sheet_lists_what_was_not_granted_with_the_reasons(detail_book):
    ws = detail_book["不予奖补"]
    header = _header_row(ws)
    titles = [c.value for c in ws[header]]
    reason_col = titles.index("不予奖补原因（计算说明）")
    rows = [r for r in ws.iter_rows(min_row=header + 1, values_only=True) if isinstance(r[0], int)]
    assert len(rows) == 3
    reasons = " ".join(r[reason_col] for r in rows)
    assert (
        "企业申报材料不全" in reasons
        and "保单已退保" in reasons
        and "非规模以上工业企业" in reasons
    )


def test_wan_yuan_shows_four_decimals_and_keeps_every_fen(report_db, tmp_path):
    path = tmp_path / "wan.xlsx"
    export_report(report_db, "detail", "xlsx", path, year=2024, unit="万元", as_of=AS_OF)
    ws = load_workbook(path)["奖补明细"]
    header = _header_row(ws)
    assert "核定金额（万元）" in [c.value for c in ws[header]]
    rows, total = _data(ws, header)
    cell = ws.cell(header + 1, 8)
    assert cell.number_format == "#,##0.0000"
    assert _dec(total[7]) == Decimal("233.703703")  # exact: 2,337,037.03 元
    assert sum(_dec(r[7]) for r in rows) == _dec(total[7])
    assert "单位：万元" in [c.value for c in ws[2]]


@pytest.mark.parametrize("name", [n for n in REPORTS if n not in ("detail", "ledger")])
def test_every_report_has_a_total_equal_to_its_rows(report_db, tmp_path, name):
    """(The ledger's 合计 is what was granted, not all its rows: its subtotals are checked above.)"""
    code = report_db.scalar("SELECT credit_code FROM enterprises WHERE id = 1")
    path = tmp_path / f"{name}.xlsx"
    export_report(report_db, name, "xlsx", path, year=2024, credit_code=code, as_of=AS_OF)
    wb = load_workbook(path)
    checked = 0
    for ws in wb.worksheets:
        header_row = next(
            r[0].row
            for r in ws.iter_rows(min_row=1, max_row=10)
            if r[0].value in ("序号", "兑现年度")
        )
        titles = [c.value for c in ws[header_row]]
        rows, total = _data(ws, header_row)
        if total is None or ws.title == "奖补台账":
            continue
        for j, value in enumerate(total):
            if j and isinstance(value, int | float):
                column_sum = sum(_dec(r[j] or 0) for r in rows)
                if titles[j] == "户数" and ws.title == "按条款汇总":
                    assert _dec(value) <= column_sum  # distinct enterprises
                else:
                    assert column_sum == _dec(value), (ws.title, titles[j])
                checked += 1
    assert checked


def test_the_workbook_is_well_formed_and_other_readers_agree(report_db, tmp_path):
    import xml.etree.ElementTree as ET
    import zipfile

    calamine = pytest.importorskip("python_calamine")
    path = tmp_path / "明细.xlsx"
    export_report(report_db, "detail", "xlsx", path, year=2024, as_of=AS_OF)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(z.read(name))  # raises on malformed XML
    rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("奖补明细").to_python()
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    total = next(r for r in rows if r[0] == "合计")
    data = [r for r in rows[header + 1 :] if isinstance(r[0], int | float) and r[0] != ""]
    assert len(data) == 5 and NAME_A in [r[1] for r in data] and NAME_D in [r[1] for r in data]
    assert sum(_dec(r[7]) for r in data) == _dec(total[7]) == Decimal("2337037.03")


@pytest.mark.parametrize("name", list(REPORTS))
def test_rows_are_in_order_and_each_written_once(report_db, tmp_path, name):
    import re
    import zipfile

    code = report_db.scalar("SELECT credit_code FROM enterprises WHERE id = 2")
    path = tmp_path / f"{name}.xlsx"
    export_report(report_db, name, "xlsx", path, year=2024, credit_code=code, as_of=AS_OF)
    with zipfile.ZipFile(path) as z:
        for entry in z.namelist():
            if entry.startswith("xl/worksheets/sheet"):
                numbers = [int(n) for n in re.findall(rb'<row r="(\d+)"', z.read(entry))]
                assert numbers == sorted(set(numbers)), entry
