"""export_report: atomic files, progress, cancelling, bad arguments, the demo database."""

from __future__ import annotations

import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from reports_fixture_data import AS_OF
from sample import build_sample

from desktop.core.errors import DomainError, ValidationError
from desktop.reports import REPORTS, ExportCancelled, export_report


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_cancelling_leaves_no_file_and_keeps_the_old_one(db, tmp_path, fmt):
    build_sample(db, rows=1_200, year=2024)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"明细.{fmt}"
    export_report(db, "summary", fmt, out, year=2024, as_of=AS_OF)  # an earlier export of ours
    previous = out.read_bytes()
    cancel = threading.Event()
    seen: list[tuple[int, int, str]] = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append((done, total, message))
        if done >= 500:
            cancel.set()

    with pytest.raises(ExportCancelled) as caught:
        export_report(
            db, "detail", fmt, out, year=2024, as_of=AS_OF, progress=progress, cancel=cancel
        )
    assert isinstance(caught.value, DomainError) and str(caught.value) == "已取消导出"
    assert out.read_bytes() == previous
    assert [p.name for p in folder.iterdir()] == [out.name]  # no temp file left behind


def test_a_cancel_set_before_the_start_writes_nothing(db, tmp_path):
    cancel = threading.Event()
    cancel.set()
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(ExportCancelled):
        export_report(db, "summary", "pdf", folder / "x.pdf", year=2024, as_of=AS_OF, cancel=cancel)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_progress_goes_up_to_the_total(db, tmp_path, fmt):
    build_sample(db, rows=1_200, year=2024)
    seen: list[tuple[int, int]] = []
    out = tmp_path / f"x.{fmt}"
    export_report(
        db,
        "detail",
        fmt,
        out,
        year=2024,
        as_of=AS_OF,
        progress=lambda done, total, message: seen.append((done, total)),
    )
    assert len(seen) >= 3
    assert all(0 <= d <= t for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1][0] == seen[-1][1]


def test_a_failed_export_leaves_no_temp_file(report_db, tmp_path, monkeypatch):
    import desktop.reports.excel as excel

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(excel, "render_excel", boom)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OSError):
        export_report(report_db, "detail", "xlsx", folder / "x.xlsx", year=2024, as_of=AS_OF)
    assert list(folder.iterdir()) == []


def test_bad_arguments_are_refused_in_chinese(report_db, tmp_path):
    with pytest.raises(ValidationError, match="导出格式"):
        export_report(report_db, "detail", "docx", tmp_path / "x.docx", year=2024)
    with pytest.raises(ValidationError, match="不存在"):
        export_report(report_db, "detail", "pdf", tmp_path / "missing" / "x.pdf", year=2024)
    with pytest.raises(ValidationError, match="文件夹"):
        export_report(report_db, "detail", "pdf", tmp_path, year=2024)


def test_excel_is_an_accepted_name_for_xlsx(report_db, tmp_path):
    result = export_report(
        report_db, "summary", "excel", tmp_path / "s.xlsx", year=2024, as_of=AS_OF
    )
    assert load_workbook(result.path).sheetnames == ["按条款汇总", "按镇街汇总"]


def test_reports_are_qt_free_and_import_the_writers_lazily():
    code = (
        "import sys, desktop.reports\n"
        "assert 'openpyxl' not in sys.modules and 'reportlab' not in sys.modules\n"
        "import desktop.reports.data, desktop.reports.excel, desktop.reports.pdf\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules)\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2]
    )


def test_demo_database_reports_add_up_to_the_stored_awards(db, tmp_path):
    from desktop.services import demo

    demo.build_demo(db)
    expected = db.scalar(
        "SELECT sum(amount_fen) FROM awards WHERE year = 2024 AND amount_fen > 0"
        " AND status NOT IN ('不予奖补', '已撤销')"
    )
    code = db.scalar(
        "SELECT e.credit_code FROM awards a JOIN enterprises e ON e.id = a.enterprise_id"
        " GROUP BY e.id ORDER BY count(*) DESC LIMIT 1"
    )
    for name in REPORTS:
        for fmt in ("xlsx", "pdf"):
            result = export_report(
                db, name, fmt, tmp_path / f"{name}.{fmt}", year=2024, credit_code=code, as_of=AS_OF
            )
            assert result.path.stat().st_size > 0
    ws = load_workbook(tmp_path / "detail.xlsx")["奖补明细"]
    total = next(row for row in ws.iter_rows(values_only=True) if row[0] == "合计")
    assert Decimal(str(total[7])) == Decimal(expected) / 100
