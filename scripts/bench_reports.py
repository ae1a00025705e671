"""Time the report exporters on 10,000 award rows (not a test): prints wall and CPU time (the CPU
figure is the one to compare on a machine other sessions share), file size and pages; with
``--libreoffice`` also LibreOffice converting our own workbook to PDF, the PDF's peer.

python scripts/bench_reports.py [--rows 10000] [--out DIR] [--unit 元|万元] [--libreoffice]

The sample is made through the services (``tests/reports/sample.py``): building 10,000 awards
takes a while the first time; the database is kept in ``--out`` for the next run.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
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
    parser.add_argument("--libreoffice", action="store_true")
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
            start, cpu = time.perf_counter(), time.process_time()
            result = export_report(
                db, "detail", fmt, path, year=2024, unit=args.unit, as_of=date(2025, 1, 10)
            )
            times.append((time.perf_counter() - start, time.process_time() - cpu))
        size = path.stat().st_size / 1024
        pages = f", {result.pages} pages" if result.pages else ""
        (w1, c1), (w2, c2) = times
        print(
            f"{fmt:5s} first {w1:5.2f} s (cpu {c1:5.2f}), again {w2:5.2f} s (cpu {c2:5.2f})"
            f"  {size:6.0f} KiB  {result.rows} rows{pages}  {path}"
        )
    if args.libreoffice:
        xlsx = out / f"detail-{args.rows}.xlsx"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [
                "soffice",
                "-env:UserInstallation=file:///tmp/siqiang-lo",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out / "libreoffice"),
                str(xlsx),
            ],
            check=True,
            capture_output=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        print(f"LibreOffice xlsx → pdf {time.perf_counter() - start:5.2f} s (cpu {cpu:5.2f})")


if __name__ == "__main__":
    main()
