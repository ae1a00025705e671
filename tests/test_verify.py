"""Traceable reports: the footer names export time, user and data fingerprint; ``verify FILE``
recomputes the fingerprint from the current database and says whether the report still holds."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook

from desktop.core.errors import DomainError
from desktop.reports import export_report
from desktop.reports.verify import verify_report
from desktop.services.fingerprint import Stamp, read_stamp
from desktop.storage.database import Database
from tests.cli_helpers import cli
from tests.workbooks import ENTERPRISE_HEADERS, enterprise_row, write_records

REPO = Path(__file__).resolve().parents[1]
YEAR = 2024


def _draft(db_path: Path) -> int:
    with Database(db_path) as db:
        return db.scalar(
            "SELECT id FROM awards WHERE year = ? AND status = '草稿' AND amount_fen > 0"
            " ORDER BY id LIMIT 1",
            (YEAR,),
        )


@pytest.mark.parametrize("fmt", ["excel", "pdf"])
def test_export_then_verify_matches(capsys, demo, tmp_path, fmt):
    out = tmp_path / f"明细.{'xlsx' if fmt == 'excel' else 'pdf'}"
    code, _, err = cli(
        capsys, demo, "--user", "张三", "export", fmt, "--year", "2024", "--out", str(out)
    )
    assert code == 0, err
    code, text, _ = cli(capsys, demo, "verify", str(out))
    assert code == 0
    assert text.startswith("报表与数据库一致：2024年度四强产业配套奖补明细表")
    stamp = read_stamp(out)
    assert stamp.user == "张三" and stamp.name == "detail" and stamp.year == YEAR
    assert stamp.unit == "元" and len(stamp.fingerprint) == 12
    assert stamp.fingerprint in text


def test_excel_footer_and_properties_carry_the_stamp(demo, tmp_path):
    out = tmp_path / "汇总.xlsx"
    with Database(demo, user="李四") as db:
        result = export_report(db, "summary", "xlsx", out, year=YEAR, unit="万元")
    book = load_workbook(out)
    for ws in book.worksheets:
        assert "导出人：李四" in ws.oddFooter.left.text
        assert "导出时间：" in ws.oddFooter.left.text
        assert ws.oddFooter.right.text.startswith(f"数据指纹：{result.fingerprint}  链头 ")
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    props = {p.name: p.value for p in book.custom_doc_props}
    assert props["数据指纹"] == result.fingerprint and props["导出人"] == "李四"
    stamp = Stamp.decode(props["siqiang-report"])
    assert stamp is not None and stamp.unit == "万元" and stamp.name == "summary"


def test_pdf_footer_on_every_page_and_keywords(demo, tmp_path):
    out = tmp_path / "明细.pdf"
    with Database(demo, user="王五") as db:
        result = export_report(db, "detail", "pdf", out, year=YEAR)
    with pdfplumber.open(out) as pdf:
        assert pdf.metadata["Keywords"].startswith("siqiang-report ")
        assert len(pdf.pages) == result.pages
        for page in pdf.pages:
            text = page.extract_text()
            assert f"数据指纹：{result.fingerprint}" in text
            assert "导出人：王五" in text


def test_same_data_same_fingerprint_other_unit_other_fingerprint(demo, tmp_path):
    with Database(demo) as db:
        a = export_report(db, "detail", "xlsx", tmp_path / "a.xlsx", year=YEAR)
        b = export_report(
            db, "detail", "pdf", tmp_path / "b.pdf", year=YEAR, as_of=date(2030, 1, 1)
        )
        c = export_report(db, "detail", "xlsx", tmp_path / "c.xlsx", year=YEAR, unit="万元")
        d = export_report(db, "detail", "xlsx", tmp_path / "d.xlsx", year=YEAR - 1)
    assert a.fingerprint == b.fingerprint  # Excel and PDF show the same data; 填报日期 aside
    assert len({a.fingerprint, c.fingerprint, d.fingerprint}) == 3


def test_approving_after_export_is_a_mismatch(capsys, demo, tmp_path):
    out = tmp_path / "明细.xlsx"
    assert cli(capsys, demo, "export", "excel", "--year", "2024", "--out", str(out))[0] == 0
    award = _draft(demo)
    code, _, err = cli(capsys, demo, "--user", "审核员甲", "approve", "--year", "2024", str(award))
    assert code == 0, err
    code, text, _ = cli(capsys, demo, "verify", str(out))
    assert code == 1
    first = text.splitlines()[0]
    assert first.startswith("报表与数据库不一致：2024年度四强产业配套奖补明细表")
    assert "自导出后有变动" in first
    assert "审核员甲 审核通过（awards " + str(award) + "）" in text


def test_revoking_after_export_is_a_mismatch(capsys, demo, tmp_path):
    with Database(demo) as db:
        approved = db.scalar(
            "SELECT id FROM awards WHERE year = 2022 AND status IN ('已审核','已拨付') LIMIT 1"
        )
    out = tmp_path / "明细.pdf"
    assert cli(capsys, demo, "export", "pdf", "--year", "2022", "--out", str(out))[0] == 0
    assert cli(capsys, demo, "revoke", str(approved), "--reason", "重复申报")[0] == 0
    code, text, _ = cli(capsys, demo, "verify", str(out))
    assert code == 1 and "自导出后有变动" in text and f"撤销（awards {approved}）" in text


def test_recalculation_changing_an_amount_is_a_mismatch(demo, tmp_path):
    from desktop.services.applications import ApplicationInput, update_application
    from desktop.services.calculation import calculate_year

    with Database(demo) as db:
        out = tmp_path / "明细.xlsx"
        export_report(db, "detail", "xlsx", out, year=YEAR)
        row = db.one(
            "SELECT ap.* , e.credit_code FROM awards a JOIN applications ap ON ap.id = a.application_id"
            " JOIN enterprises e ON e.id = ap.enterprise_id WHERE a.year = ? AND a.status = '草稿'"
            " AND ap.basis_fen > 0 AND a.amount_fen > 0 ORDER BY a.amount_fen LIMIT 1",
            (YEAR,),
        )
        item = ApplicationInput(
            row["enterprise_id"],
            row["credit_code"],
            row["rule_code"],
            date.fromisoformat(row["event_date"]),
            basis_fen=row["basis_fen"] - 100_00,
            level=row["level"],
            city_document=row["city_document"],
            description=row["description"],
            same_matter_key=row["same_matter_key"],
            manual_amount_fen=row["manual_amount_fen"],
        )
        assert verify_report(db, out).ok
        update_application(db, row["id"], item)
        calculate_year(db, YEAR)
        result = verify_report(db, out)
    assert not result.ok and result.current != result.stamp.fingerprint
    assert "自导出后有变动" in result.lines[0]
    assert any("计算" in line for line in result.lines[1:])


def test_ledger_of_one_enterprise_verifies(capsys, demo, tmp_path):
    with Database(demo) as db:
        code = db.scalar("SELECT credit_code FROM enterprises ORDER BY id LIMIT 1")
    out = tmp_path / "台账.xlsx"
    args = ("export", "excel", "--report", "ledger", "--credit-code", code, "--out", str(out))
    assert cli(capsys, demo, *args)[0] == 0
    code_, text, _ = cli(capsys, demo, "verify", str(out))
    assert code_ == 0 and "单户企业奖补台账" in text


def test_verify_against_another_database_is_a_mismatch(capsys, demo, tmp_path):
    out = tmp_path / "明细.xlsx"
    assert cli(capsys, demo, "export", "excel", "--year", "2024", "--out", str(out))[0] == 0
    other = tmp_path / "other.db"
    Database(other).close()
    code, text, _ = cli(capsys, other, "verify", str(out))
    assert code == 1 and text.startswith("报表与数据库不一致")
    assert "另一个数据库文件" in text


def test_files_that_are_not_our_reports(capsys, demo, tmp_path):
    plain = write_records(
        tmp_path / "名录.xlsx", ENTERPRISE_HEADERS, [enterprise_row(1)]
    )  # a real workbook, not ours
    text_file = tmp_path / "说明.xlsx"
    text_file.write_text("不是表格", encoding="utf-8")
    pdf = tmp_path / "other.pdf"
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(pdf))
    canvas.drawString(100, 100, "hello")
    canvas.save()
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04garbage")
    for path, why in (
        (plain, "文件中没有本系统的数据指纹"),
        (text_file, "既不是Excel工作簿（.xlsx）也不是PDF文件"),
        (pdf, "文件中没有本系统的数据指纹"),
        (broken, "无法读取Excel文件"),
        (tmp_path / "无此文件.pdf", "不存在"),
    ):
        code, out, err = cli(capsys, demo, "verify", str(path))
        assert code == 1 and out == ""
        assert err.startswith("错误：") and why in err, err
        if path.exists():
            assert "不是本系统导出的报表" in err
    with pytest.raises(DomainError):
        read_stamp(tmp_path)


def test_verify_as_a_real_command(demo, tmp_path):
    out = tmp_path / "明细.pdf"
    with Database(demo) as db:
        export_report(db, "detail", "pdf", out, year=YEAR)
    proc = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(demo), "verify", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("报表与数据库一致")
