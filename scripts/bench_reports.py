"""Time the report exporters on 10,000 award rows (not a test): prints time, file size and pages.

python scripts/bench_reports.py [--rows 10000] [--out DIR] [--unit 元|万元]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reports"))

from sample import build_sample  # noqa: E402

from desktop.reports import export_report  # noqa: E402
from desktop.storage.database import Database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--unit", default="元")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    out.mkdir(parents=True, exist_ok=True)
    db = Database(out / f"bench-{args.rows}.db")
    if not db.scalar("SELECT count(*) FROM awards"):
        build_sample(db, rows=args.rows, year=2024)
    n = db.scalar("SELECT count(*) FROM awards WHERE year = 2024")
    print(f"{n} award rows (2024) in {db.path}")
    for fmt in ("xlsx", "pdf"):
        path = out / f"detail-{args.rows}.{fmt}"
        times = []
        for _ in range(2):  # the first call includes importing openpyxl / reportlab
            start = time.perf_counter()
            result = export_report(
                db, "detail", fmt, path, year=2024, unit=args.unit, as_of=date(2025, 1, 10)
            )
            times.append(time.perf_counter() - start)
        size = path.stat().st_size / 1024
        pages = f", {result.pages} pages" if result.pages else ""
        print(
            f"{fmt:5s} first {times[0]:5.2f} s, again {times[1]:5.2f} s  {size:6.0f} KiB"
            f"  {result.rows} rows{pages}  {path}"
        )


if __name__ == "__main__":
    main()
