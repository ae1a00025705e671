"""Export every report of a demo database as .xlsx and .pdf and render each PDF page to PNG.

    python scripts/render_reports.py OUT_DIR [--year 2024] [--unit 元|万元] [--max-pages 6]

Uses ``desktop.services.demo.build_demo`` (falls back to the synthetic rows of
``tests/reports/sample.py`` if the service layer is not available). Look at the PNGs: that is how a
clerk will see the paper.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reports"))

from desktop.reports import REPORTS, export_report  # noqa: E402
from desktop.storage.database import Database  # noqa: E402

AS_OF = date(2025, 1, 10)


def build_database(path: Path) -> Database:
    path.unlink(missing_ok=True)
    db = Database(path)
    try:
        from desktop.services.demo import build_demo
    except ImportError:
        from sample import build_sample

        build_sample(db, rows=300, year=2024)
        print("demo: desktop.services.demo not found, used tests/reports/sample.py (300 rows)")
    else:
        print("demo:", build_demo(db))
    return db


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--unit", default="元", choices=("元", "万元"))
    parser.add_argument("--max-pages", type=int, default=6, help="pages rendered to PNG per PDF")
    args = parser.parse_args()
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    db = build_database(out / "demo.db")
    ledger_code = db.scalar(
        "SELECT e.credit_code FROM awards a JOIN enterprises e ON e.id = a.enterprise_id"
        " GROUP BY e.id ORDER BY count(*) DESC, e.id LIMIT 1"
    )
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found (Debian: poppler-utils): PDFs are written, PNGs are not")
    for name in REPORTS:
        for fmt in ("xlsx", "pdf"):
            suffix = "" if args.unit == "元" else "-wan"
            path = out / f"{name}{suffix}.{fmt}"
            year = None if name == "installments" else args.year  # the whole multi-year plan
            result = export_report(
                db, name, fmt, path, year=year, credit_code=ledger_code, unit=args.unit, as_of=AS_OF
            )
            pages = f", {result.pages} pages" if result.pages else ""
            warn = f"  warnings: {'; '.join(result.warnings)}" if result.warnings else ""
            print(f"{path.name}: {result.rows} rows{pages}{warn}")
            if fmt == "pdf" and shutil.which("pdftoppm"):
                for old in out.glob(f"{path.stem}-*.png"):
                    old.unlink()
                subprocess.run(
                    [
                        "pdftoppm",
                        "-png",
                        "-r",
                        "80",
                        "-l",
                        str(args.max_pages),
                        str(path),
                        str(out / path.stem),
                    ],
                    check=True,
                )
    db.close()
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
