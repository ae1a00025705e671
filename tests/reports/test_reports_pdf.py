"""The PDFs, read back with pdfplumber / pdftotext as a receiving office reads them: text, totals,
page numbers, line breaks (文号, names, orphans), the 落款, the 大写, margins and the typeface."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from pdf_text import MM, broken_doc_numbers, cells, numbers_in, pages_text
from reports_fixture_data import (
    AS_OF,
    GRANTED_2024_WORDS,
    LEDGER_B_GRANTED_WORDS,
    NAME_A,
    NAME_B,
)
from sample import LONG_NAME, add_enterprises, build_sample, credit_code, enterprise, matter
from test_amount_in_words import BANFA_EXAMPLES

from desktop.core.money import parse_amount
from desktop.reports import REPORTS, build_report, export_report
from desktop.reports.common import Ticker
from desktop.reports.data import Column, Report, ReportTable, totals_row
from desktop.reports.linebreak import name_words
from desktop.reports.pdf import render_pdf
from desktop.storage.database import Database

UNITS = ("元", "万元")


def _export(db, name, tmp_path, unit="元", **kw):
    path = tmp_path / f"{name}-{unit}.pdf"
    kw.setdefault("year", 2024)
    kw.setdefault("credit_code", credit_code(2))
    result = export_report(db, name, "pdf", path, unit=unit, as_of=AS_OF, **kw)
    return path, result


@dataclass
class Exported:
    path: Path
    pages: list[str]
    cells: list
    known: set[str]  # the 文号 the report prints


@pytest.fixture(scope="module")
def exported(report_template, tmp_path_factory) -> dict[tuple[str, str], Exported]:
    """Every report in 元 and 万元, exported once and read back."""
    folder = tmp_path_factory.mktemp("exported")
    shutil.copyfile(report_template, folder / "reports.db")
    out = {}
    with Database(folder / "reports.db", user="测试员") as db:
        for name in REPORTS:
            for unit in UNITS:
                path, result = _export(db, name, folder, unit)
                pages = pages_text(path)
                assert len(pages) == result.pages
                report = build_report(db, name, year=2024, credit_code=credit_code(2), unit=unit)
                out[(name, unit)] = Exported(
                    path, pages, cells(path), numbers_in(report.all_text())
                )
    return out


EVERY = [(name, unit) for name in REPORTS for unit in UNITS]


@pytest.fixture
def detail_pdf(report_db, tmp_path):
    path, result = _export(report_db, "detail", tmp_path)
    assert result.rows == 8
    return path


def test_detail_pdf_has_the_form_of_the_paper(detail_pdf):
    pages = pages_text(detail_pdf)
    text = "".join(pages)
    assert all("2024年度四强产业配套奖补明细表" in t for t in pages)
    assert all(
        "填报单位：临淄区工业和信息化局" in t and "填报日期：2025年1月10日" in t for t in pages
    )
    assert "单位：元" in pages[0]
    assert NAME_B in text
    assert "2,337,037.03" in text and "37,037.03" in text and "961,500.00" in text
    assert f"合计（大写）：人民币{GRANTED_2024_WORDS}" in text
    assert f"第 1 页 共 {len(pages)} 页" in pages[0]
    assert "2024年度不予奖补事项" in text
    assert any("企业申报材料不全" in c.text for c in cells(detail_pdf) if "原因" in c.column)


@pytest.mark.parametrize(("name", "unit"), EVERY)
def test_every_report_ends_with_the_signature_block_seal_and_date_on_its_last_page(
    exported, name, unit
):
    pages = exported[(name, unit)].pages
    last = pages[-1]
    for label in ("填表人：", "审核人：", "负责人：", "填报单位（盖章）：临淄区工业和信息化局"):
        assert label in last, (name, label)
        assert all(label not in page for page in pages[:-1]), (name, label)
    assert re.search(r"填报单位（盖章）：临淄区工业和信息化局\s*年\s*月\s*日", last)
    with pdfplumber.open(exported[(name, unit)].path) as pdf:
        page = pdf.pages[-1]
        (org,) = page.search("填报单位（盖章）：临淄区工业和信息化局")
        (sign,) = page.search("负责人：")
        (date_line,) = page.search(r"年\s*月\s*日", regex=True)
        assert org["x1"] > page.width * 0.6  # right-aligned
        assert org["top"] - sign["bottom"] >= 15 * MM  # room for the seal above the 落款
        assert 0 < date_line["top"] - org["bottom"] < 10 * MM  # the date right under it
        assert date_line["x1"] < org["x1"]  # 右空四字: the date stands in from the right


@pytest.mark.parametrize(("name", "unit"), EVERY)
def test_no_line_starts_or_ends_inside_a_doc_number(exported, name, unit):
    done = exported[(name, unit)]
    for cell in done.cells:
        assert not broken_doc_numbers(cell.lines, done.known), (cell.column, cell.lines)
        assert sum(len(numbers_in([line])) for line in cell.lines) >= len(numbers_in([cell.text]))
    for page in done.pages:
        assert not broken_doc_numbers(page.split("\n"), done.known)
    if name in ("detail", "ledger", "assessment"):
        assert done.known  # they cite the policy or a city document


@pytest.mark.parametrize(("name", "unit"), EVERY)
def test_no_cell_leaves_a_single_character_alone_on_its_last_line(exported, name, unit):
    for cell in exported[(name, unit)].cells:
        if len(cell.lines) > 1:
            assert len(cell.lines[-1].strip()) > 1, (cell.column, cell.lines)


def test_a_narrow_rule_name_column_keeps_its_doc_number_whole(exported):
    detail = exported[("detail", "元")].cells
    names = [c for c in detail if c.column == "条款名称" and "〔2021〕7号" in c.text]
    assert names and all(any("淄政办字〔2021〕7号" in line for line in c.lines) for c in names)


def test_names_break_only_between_their_words(exported):
    name_cells = [
        c for done in exported.values() for c in done.cells if c.column in ("企业名称", "所属镇街")
    ]
    assert any(c.text == NAME_A and len(c.lines) > 1 for c in name_cells)
    for cell in name_cells:
        bounds, at = set(), 0
        for word in name_words(cell.text):
            at += len(word)
            bounds.add(at)
        ends, at = [], 0
        for line in cell.lines[:-1]:
            at += len(line)
            ends.append(at)
        assert set(ends) <= bounds, cell.lines
        for whole in ("有限公司", "股份有限公司", "分公司", "经济开发区", "产业园"):
            assert not broken_doc_numbers(cell.lines, {whole}), cell.lines


def test_the_total_in_words_of_each_banfa_example_is_printed_as_the_banfa_writes_it(tmp_path):
    columns = [Column("序号", "int"), Column("事项"), Column("金额（元）", "amount")]
    tables = []
    for n, (amount, _words) in enumerate(BANFA_EXAMPLES, start=1):
        rows = [[1, f"《支付结算办法》示例{n}", parse_amount(amount)]]
        tables.append(
            ReportTable(
                f"示例{n}", f"示例{n}", columns, rows, totals_row(columns, rows), words_column=2
            )
        )
    report = Report("banfa", "大写金额示例", tables, as_of=date(2025, 1, 10))
    path = tmp_path / "大写.pdf"
    render_pdf(report, path, Ticker(1, None, None))
    text = "".join(pages_text(path)).replace("\n", "")
    for amount, words in BANFA_EXAMPLES:
        assert f"合计（大写）：人民币{words}" in text, amount


def test_the_ledger_shows_subtotals_by_state_and_words_only_for_what_was_granted(
    report_db, tmp_path
):
    path, _result = _export(report_db, "ledger", tmp_path)
    text = "".join(pages_text(path))
    for line in (
        "已拨付小计 2,037,037.03",
        "已审核未拨付小计 500,000.00",
        "草稿（未审核）小计 500,000.00",
        "计划兑现（以后年度，未核定）小计 500,000.00",
        "已给予合计（已拨付＋已审核未拨付） 2,537,037.03",
    ):
        assert line in text
    assert f"已给予合计（大写）：人民币{LEDGER_B_GRANTED_WORDS}" in text
    assert "3,537,037.03" not in text  # paid, approved, draft and planned are never added up
    assert text.count("（大写）") == 1


def _add_half_yuan_awards(db) -> None:
    """Two LZ41-5A matters of 335.00 元 each: 100.50 元, printed 0.0101 万元, together 0.0201."""
    from desktop.services.applications import insert_applications
    from desktop.services.calculation import calculate_year

    codes = [credit_code(10), credit_code(11)]
    ids = add_enterprises(
        db, [enterprise(c, f"淄博尾差测试{n}有限公司", "辛店街道") for n, c in enumerate(codes)]
    )
    insert_applications(
        db, [matter(ids, c, "LZ41-5A", date(2024, 11, 1), basis_fen=33_500) for c in codes]
    )
    calculate_year(db, 2024)


def test_wan_yuan_tables_whose_rows_do_not_add_up_when_printed_say_so(report_db, tmp_path):
    note = "因四舍五入，分项之和与合计存在尾差"
    path, _result = _export(report_db, "detail", tmp_path, "万元")
    assert note not in "".join(pages_text(path))  # 233.7037: the printed rows add up
    _add_half_yuan_awards(report_db)
    path, _result = _export(report_db, "detail", tmp_path, "万元")
    text = "".join(pages_text(path)).replace("\n", "")
    assert note in text
    added, printed = (
        Decimal(x) for x in re.search(r"分项之和 ([\d.,]+)，合计 ([\d.,]+)", text).groups()
    )
    assert added - printed == Decimal("0.0001")  # 2 × 0.0101 printed, 0.0201 in the 合计
    path, _result = _export(report_db, "detail", tmp_path, "元")
    assert note not in "".join(pages_text(path))  # in 元 every row is exact
    summary, _result = _export(report_db, "summary", tmp_path, "万元")
    assert note not in "".join(pages_text(summary))  # per rule the 100.50s add up before printing


@pytest.mark.parametrize("name", ["detail", "ledger"])
def test_margins_leave_20_mm_top_and_binding_side_and_15_mm_bottom_and_right(
    report_db, tmp_path, name
):
    path, _result = _export(report_db, name, tmp_path)
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars = page.chars
            footer = [c for c in chars if c["top"] > page.height - 15 * MM]
            body = [c for c in chars if c not in footer]
            assert footer and all(c["bottom"] < page.height - 4 * MM for c in footer)
            assert min(c["top"] for c in chars) >= 20 * MM - 0.5
            assert min(c["x0"] for c in chars) >= 20 * MM - 0.5  # binding side
            assert max(c["x1"] for c in chars) <= page.width - 15 * MM + 0.5
            assert max(c["bottom"] for c in body) <= page.height - 15 * MM + 0.5
            edges = [e for e in page.lines]
            assert min(e["x0"] for e in edges) >= 20 * MM - 0.5
            assert max(e["x1"] for e in edges) <= page.width - 15 * MM + 0.5


def test_a_character_the_font_lacks_is_marked_and_named_in_a_note(report_db, tmp_path):
    path, result = _export(report_db, "detail", tmp_path)
    assert result.warnings and "𠮷" in result.warnings[0]
    text = "".join(pages_text(path)).replace("\n", "")
    assert "U+20BB7" in text and "淄博〓华电子科技有限公司" in text


def test_the_serif_face_is_embedded_as_a_subset_and_no_builtin_cjk_font_is_used(detail_pdf):
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    out = subprocess.run(
        ["pdffonts", str(detail_pdf)], capture_output=True, text=True, check=True
    ).stdout
    fonts = [line for line in out.splitlines()[2:] if line.strip()]
    assert {"NotoSerifSC-Regular", "NotoSerifSC-Bold"} == {
        re.sub(r"^[A-Z]{6}\+", "", line.split()[0]) for line in fonts
    }
    assert all("NotoSerifSC" in line for line in fonts)
    assert all(re.search(r"\byes\s+yes\s+yes\b", line) for line in fonts)  # emb sub uni
    assert "STSong" not in out and "WenQuanYi" not in out


def test_wan_yuan_pdf_shows_four_decimals(report_db, tmp_path):
    path, _result = _export(report_db, "detail", tmp_path, "万元")
    text = "".join(pages_text(path))
    assert "单位：万元" in text and "核定金额" in text and "（万元）" in text
    assert "233.7037" in text and "3.7037" in text and "96.1500" in text
    assert f"合计（大写）：人民币{GRANTED_2024_WORDS}" in text  # the words stay exact, in 元


def test_many_rows_repeat_title_header_and_page_numbers_on_every_page(db, tmp_path):
    build_sample(db, rows=150, year=2024)
    path = tmp_path / "long.pdf"
    result = export_report(db, "detail", "pdf", path, year=2024, as_of=date(2025, 2, 3))
    pages = pages_text(path)
    assert result.pages == len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert "2024年度四强产业配套奖补明细表" in text
        assert "填报日期：2025年2月3日" in text
        assert f"第 {number} 页 共 {len(pages)} 页" in text
    assert all("序号" in t and "企业名称" in t and "统一社会信用代码" in t for t in pages)
    assert "负责人：" in pages[-1] and "填报单位（盖章）" in pages[-1]
    assert all(LONG_NAME not in t for t in pages)  # (wrapped in its cell: see the names test)


def test_pdftotext_layout_reads_the_same_total(detail_pdf):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = subprocess.run(
        ["pdftotext", "-layout", str(detail_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert any(
        line.strip().startswith("合计") and "2,337,037.03" in line for line in out.splitlines()
    )


def test_a_cell_taller_than_a_page_is_cut_with_a_pointer_to_the_workbook(db, tmp_path):
    from desktop.services.applications import insert_applications
    from desktop.services.calculation import calculate_year

    code = credit_code(9)
    ids = add_enterprises(db, [enterprise(code, "淄博长说明测试有限公司", "辛店街道")])
    long_text = "招商引资项目落地说明。" * 700
    insert_applications(
        db,
        [
            matter(
                ids,
                code,
                "LZ41-4",
                date(2024, 3, 1),
                manual_amount_fen=100_000,
                description=long_text,
            )
        ],
    )
    calculate_year(db, 2024)
    path = tmp_path / "tall.pdf"
    result = export_report(db, "detail", "pdf", path, year=2024, as_of=AS_OF)
    text = "".join(pages_text(path))
    assert result.pages >= 1 and "全文见Excel表" in text
