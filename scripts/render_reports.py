"""Export every report of the demo database in 元 and 万元 as .xlsx and .pdf, render the first and
the last page of each PDF to PNG, and (with ``--libreoffice``) open each workbook with LibreOffice
as a clerk's spreadsheet would and render its first and last printed page too.

    python scripts/render_reports.py OUT_DIR [--year 2024] [--libreoffice] [--dpi 100]

Prints the PNG paths. Look at them at 100%: that is how a receiving office sees the paper.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.reports import REPORTS, export_report  # noqa: E402
from desktop.services.demo import build_demo  # noqa: E402
from desktop.services.report_rows import ledger_rows  # noqa: E402
from desktop.storage.database import Database  # noqa: E402

AS_OF = date(2025, 1, 10)
UNITS = {"元": "", "万元": "-wan"}


def build_database(path: Path) -> Database:
    path.unlink(missing_ok=True)
    db = Database(path, user="演示")
    print("demo:", build_demo(db))
    return db


def ledger_code(db: Database, year: int) -> str:
    """The enterprise with the longest history among those with a multi-year matter."""
    from desktop.services.report_rows import installment_plan

    codes = {e.matter.credit_code for e in installment_plan(db, year=year).entries}
    return max(sorted(codes), key=lambda c: len(ledger_rows(db, c).awards))


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[-1] for line in out.stdout.splitlines() if line.startswith("Pages:"))
    )


def first_and_last(pdf: Path, stem: Path, dpi: int) -> list[Path]:
    """PNG of the first and the last page of ``pdf`` (``STEM-first.png``, ``STEM-last.png``)."""
    last = pdf_pages(pdf)
    made = []
    for label, page in (("first", 1), ("last", last)):
        target = stem.with_name(f"{stem.name}-{label}")
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(pdf),
                str(target),
            ],
            check=True,
        )
        made.append(target.with_suffix(".png"))
        if last == 1:
            break
    return made


def libreoffice_pdf(xlsx: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    subprocess.run(
        [
            "soffice",
            "-env:UserInstallation=file:///tmp/siqiang-lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
    )
    return folder / f"{xlsx.stem}.pdf"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--libreoffice", action="store_true", help="also render each .xlsx")
    args = parser.parse_args()
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found (Debian: poppler-utils)")
        return 1
    db = build_database(out / "demo.db")
    code = ledger_code(db, args.year)
    pngs: list[Path] = []
    for name in REPORTS:
        for unit, suffix in UNITS.items():
            for fmt in ("xlsx", "pdf"):
                path = out / f"{name}{suffix}.{fmt}"
                result = export_report(
                    db, name, fmt, path, year=args.year, credit_code=code, unit=unit, as_of=AS_OF
                )
                pages = f", {result.pages} pages" if result.pages else ""
                warn = f"  warnings: {'; '.join(result.warnings)}" if result.warnings else ""
                print(f"{path.name}: {result.rows} rows{pages}{warn}")
            pngs += first_and_last(out / f"{name}{suffix}.pdf", out / f"{name}{suffix}", args.dpi)
            if args.libreoffice:
                lo = libreoffice_pdf(out / f"{name}{suffix}.xlsx", out / "libreoffice")
                pngs += first_and_last(lo, out / "libreoffice" / f"{name}{suffix}", args.dpi)
    db.close()
    print("\n".join(str(p) for p in pngs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
