"""The PDFs, read back with pdfplumber / pdftotext: text, totals, page numbers, wrapping, font."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pdfplumber
import pytest
from reports_fixture_data import AS_OF, GRANTED_2024_WORDS, NAME_A, NAME_B
from sample import LONG_NAME, build_sample

from desktop.reports import REPORTS, export_report


def _pages_text(path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _column_bounds(page, header: str) -> tuple[float, float, dict]:
    """Left and right border of the table column headed ``header`` (the first such table)."""
    hits = page.search(header)
    assert hits, f"no column {header}"
    hit = hits[0]
    middle = (hit["x0"] + hit["x1"]) / 2
    # the vertical grid lines that cross the header row of this table
    verticals = sorted(
        {
            round(line["x0"], 1)
            for line in page.lines
            if abs(line["x0"] - line["x1"]) < 0.1 and line["top"] <= hit["top"] <= line["bottom"]
        }
    )
    left = max(x for x in verticals if x < middle)
    right = min(x for x in verticals if x > middle)
    return left, right, hit


def _column_text(page, header: str) -> str:
    """All text inside the table column headed ``header`` (its wrapped lines joined)."""
    left, right, hit = _column_bounds(page, header)
    box = page.crop((left + 0.2, hit["bottom"] + 1, right - 0.2, page.height - 40))
    return (box.extract_text() or "").replace("\n", "")


@pytest.fixture
def detail_pdf(report_db, tmp_path):
    path = tmp_path / "明细.pdf"
    result = export_report(report_db, "detail", "pdf", path, year=2024, as_of=AS_OF)
    assert result.pages == 1 and result.rows == 8
    return path


def test_detail_pdf_has_the_form_of_the_paper(detail_pdf):
    (text,) = _pages_text(detail_pdf)
    assert "2024年度四强产业配套奖补明细表" in text
    assert "填报单位：临淄区工业和信息化局" in text
    assert "填报日期：2025年1月10日" in text and "单位：元" in text
    assert NAME_B in text
    assert "2,337,037.03" in text and "37,037.03" in text and "961,500.00" in text
    assert f"合计（大写）：{GRANTED_2024_WORDS}" in text
    assert "第 1 页 共 1 页" in text
    for label in (
        "单位负责人：",
        "审核人：",
        "填表人：",
        "2024年度不予奖补事项",
        "企业申报材料不全",
    ):
        assert label in text


def test_a_sixty_character_name_is_wrapped_inside_its_cell_not_clipped(detail_pdf):
    assert len(NAME_A) == 60
    with pdfplumber.open(detail_pdf) as pdf:
        page = pdf.pages[0]
        assert NAME_A in _column_text(page, "企业名称")
        # ... and every character of it stays inside the column (nothing crosses the cell border).
        left, right, hit = _column_bounds(page, "企业名称")
        name_chars = [
            c
            for c in page.chars
            if c["top"] > hit["bottom"] and left - 20 < c["x0"] < right and c["text"] in NAME_A
        ]
        assert name_chars and all(left < c["x0"] and c["x1"] < right for c in name_chars)


def test_a_character_the_font_lacks_is_marked_and_named_in_a_note(report_db, tmp_path):
    path = tmp_path / "明细.pdf"
    result = export_report(report_db, "detail", "pdf", path, year=2024, as_of=AS_OF)
    assert result.warnings and "䶮" in result.warnings[0]
    (text,) = _pages_text(path)
    assert "U+4DAE" in text and "淄博〓华电子科技有限公司" in text


def test_the_font_is_embedded_and_no_builtin_cjk_font_is_used(detail_pdf):
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    out = subprocess.run(
        ["pdffonts", str(detail_pdf)], capture_output=True, text=True, check=True
    ).stdout
    fonts = [line for line in out.splitlines()[2:] if line.strip()]
    assert fonts and all("WenQuanYiMicroHei" in line for line in fonts)
    assert all(re.search(r"\byes\s+yes\s+yes\b", line) for line in fonts)  # emb sub uni
    assert "STSong" not in out


def test_wan_yuan_pdf_shows_four_decimals(report_db, tmp_path):
    path = tmp_path / "wan.pdf"
    export_report(report_db, "detail", "pdf", path, year=2024, unit="万元", as_of=AS_OF)
    (text,) = _pages_text(path)
    assert "单位：万元" in text and "核定金额" in text and "（万元）" in text
    assert "233.7037" in text and "3.7037" in text and "96.1500" in text
    assert f"合计（大写）：{GRANTED_2024_WORDS}" in text  # the words stay exact, in 元


def test_many_rows_repeat_title_header_and_page_numbers_on_every_page(db, tmp_path):
    build_sample(db, rows=400, year=2024)
    path = tmp_path / "long.pdf"
    result = export_report(db, "detail", "pdf", path, year=2024, as_of=date(2025, 2, 3))
    pages = _pages_text(path)
    assert result.pages == len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert "2024年度四强产业配套奖补明细表" in text
        assert "填报日期：2025年2月3日" in text
        assert f"第 {number} 页 共 {len(pages)} 页" in text
    assert all("序号" in t and "企业名称" in t and "统一社会信用代码" in t for t in pages)
    granted_pages = [t for t in pages if "不予奖补原因" not in t]
    assert len(granted_pages) > 2 and all("核定金额" in t for t in granted_pages)
    assert "单位负责人：" in pages[-1]
    with pdfplumber.open(path) as pdf:
        assert any(LONG_NAME in _column_text(page, "企业名称") for page in pdf.pages)


def test_pdftotext_layout_reads_the_same_total(detail_pdf):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = subprocess.run(
        ["pdftotext", "-layout", str(detail_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    total_line = next(
        line
        for line in out.splitlines()
        if line.strip().startswith("合计") and "2,337,037.03" in line
    )
    assert total_line


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_renders_with_page_numbers(report_db, tmp_path, name):
    code = report_db.scalar("SELECT credit_code FROM enterprises WHERE id = 2")
    path = tmp_path / f"{name}.pdf"
    result = export_report(report_db, name, "pdf", path, year=2024, credit_code=code, as_of=AS_OF)
    pages = _pages_text(path)
    assert len(pages) == result.pages
    assert f"第 1 页 共 {result.pages} 页" in pages[0]
    assert "合计" in "".join(pages)


def test_a_cell_taller_than_a_page_is_cut_with_a_pointer_to_the_workbook(db, tmp_path):
    from sample import add_award, add_enterprise, credit_code

    with db.transaction():
        town = db.scalar("SELECT id FROM towns ORDER BY id LIMIT 1")
        eid = add_enterprise(db, credit_code(9), "淄博长说明测试有限公司", town)
        add_award(db, eid, "LZ41-2", "2024-03-01", 100, explanation="市级资金到账说明。" * 700)
    path = tmp_path / "tall.pdf"
    result = export_report(db, "detail", "pdf", path, year=2024, as_of=AS_OF)
    text = "".join(_pages_text(path))
    assert result.pages >= 1 and "全文见Excel表" in text
