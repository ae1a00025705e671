"""Benchmark on 100,000 enterprises and 200,000 applications; prints figures (it is not a test).

    python bench/benchmark.py [--enterprises 100000] [--applications 200000] [--skip-gui]
        [--skip-reports] [--skip-libreoffice] [--json] [--keep PATH]

Measures: building the data, a 10,000-row enterprise workbook import (and LibreOffice converting the
same workbook, when `soffice` is installed), calculating a year (first, unchanged, one enterprise
after a matter is saved, a what-if), the SQLite floor of a year's calculation (plain sqlite3 on the
same database: read the year's matters with the same enterprises' other matters, read its awards,
insert that many award rows in one transaction), exporting 10,000 awards to Excel and PDF, opening
企业名录 and each search keystroke in the GUI (offscreen), start-up, peak memory. Speed targets are
ratios against the floor or a peer measured in the same run, because the machine may be loaded.

With ``--json`` the last line printed is one JSON object of the figures and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.core.creditcode import CHARSET, make_credit_code  # noqa: E402
from desktop.services.applications import ApplicationInput, insert_applications  # noqa: E402
from desktop.services.calculation import calculate_year  # noqa: E402
from desktop.services.registry import EnterpriseInput, towns, upsert_enterprises  # noqa: E402
from desktop.services.siqiang_lists import replace_list  # noqa: E402
from desktop.storage.database import Database  # noqa: E402

RULES = [
    ("LZ41-2", "ratio"),
    ("LZ41-5A", "ratio"),
    ("LZ41-6A", "ratio"),
    ("LZ41-8A", "ratio"),
    ("LZ41-1A", "ratio"),
    ("LZ41-6C", "fixed"),
    ("LZ41-6D", "fixed"),
    ("LZ41-10B", "level"),
    ("LZ41-6B", "fixed"),
    ("LZ41-9A", "installments"),
]


FIGURES: dict[str, object] = {}  # what --json prints


def figure(label: str, value: str) -> None:
    print(f"{label:<44} {value}", flush=True)


def keep(**values: object) -> None:
    FIGURES.update({k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()})


def median_of(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[len(ordered) // 2]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def codes(rng: random.Random, n: int, used: set[str]) -> list[str]:
    out = []
    while len(out) < n:
        body = "".join(rng.choice(CHARSET) for _ in range(8))
        code = make_credit_code("9", "1", "370305", body)
        if code not in used:
            used.add(code)
            out.append(code)
    return out


def build(db: Database, n_ent: int, n_app: int, rng: random.Random, used: set[str]) -> None:
    town_names = [t.name for t in towns(db)]
    items = [
        EnterpriseInput(
            c,
            f"淄博第{i}号{rng.choice(['新材料', '智能装备', '医药', '电子'])}有限公司",
            town_names[i % len(town_names)],
            rng.random() < 0.6,
            rng.choice(["新材料", "智能装备", "医药健康", "电子信息", None]),
        )
        for i, c in enumerate(codes(rng, n_ent, used))
    ]
    t = time.perf_counter()
    upsert_enterprises(db, items)
    figure(f"build: {n_ent:,} enterprises upserted", f"{time.perf_counter() - t:.2f} s")
    ids = [r[0] for r in db.query("SELECT id FROM enterprises")]
    code_of = dict(db.query("SELECT id, credit_code FROM enterprises"))
    for year in range(2021, 2026):
        replace_list(db, year, set(rng.sample(ids, len(ids) // 3)))
    apps = []
    for i in range(n_app):
        rule, method = RULES[i % len(RULES)]
        eid = rng.choice(ids)
        when = date(2021, 5, 1) + timedelta(days=rng.randrange(0, 1700))
        kw = {}
        if method == "ratio":
            kw["basis_fen"] = rng.randrange(1_000_000, 800_000_000)
        elif method == "level":
            kw["level"] = rng.choice(["省级", "市级"])
        apps.append(ApplicationInput(eid, code_of[eid], rule, when, **kw))
    seen, unique = set(), []
    for a in apps:
        if a.identity_key not in seen:
            seen.add(a.identity_key)
            unique.append(a)
    t = time.perf_counter()
    insert_applications(db, unique)
    figure(f"build: {len(unique):,} applications inserted", f"{time.perf_counter() - t:.2f} s")


def write_enterprise_workbook(
    path: Path, rng: random.Random, used: set[str], n: int = 10_000
) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业名录")
    ws.append(
        ["统一社会信用代码", "企业名称", "所属镇街", "是否规上", "四强产业", "联系人", "联系电话"]
    )
    for i, c in enumerate(codes(rng, n, used)):
        ws.append(
            [
                c,
                f"淄博导入测试{i}号有限公司",
                "辛店街道",
                "是" if i % 2 else "否",
                "新材料",
                "王经理",
                "0533-7123456",
            ]
        )
    wb.save(path)


def measure_import(
    db: Database, workdir: Path, rng: random.Random, used: set[str], skip_libreoffice: bool
) -> None:
    from desktop.services.importing import import_enterprises

    book = workdir / "enterprises-10000.xlsx"
    write_enterprise_workbook(book, rng, used)
    t = time.perf_counter()
    report = import_enterprises(db, book, dry_run=True)
    figure("import 10,000 enterprises (dry run, check only)", f"{time.perf_counter() - t:.3f} s")
    from desktop.storage.backup import backup_before

    t = time.perf_counter()
    backup_before(db, "基准测试")
    figure(
        "automatic backup before an import",
        f"{time.perf_counter() - t:.3f} s ({db.path.stat().st_size / 1e6:.0f} MB database)",
    )
    t = time.perf_counter()
    report = import_enterprises(db, book, backup=False)
    elapsed = time.perf_counter() - t
    figure(
        "import 10,000 enterprises (written)",
        f"{elapsed:.3f} s ({report.added} added, {report.rows / elapsed:,.0f} rows/s)",
    )
    keep(import_written_s=elapsed)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice and not skip_libreoffice:
        out = workdir / "lo"
        args = [
            soffice,
            f"-env:UserInstallation=file://{workdir}/lo-profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(out),
            str(book),
        ]
        subprocess.run(args, capture_output=True, timeout=300)  # warm-up (profile creation)
        t = time.perf_counter()
        subprocess.run(args, capture_output=True, timeout=300)
        lo = time.perf_counter() - t
        figure(
            "LibreOffice converting the same workbook",
            f"{lo:.3f} s (import is {lo / elapsed:.1f}× faster)",
        )
        keep(libreoffice_convert_s=lo, import_vs_libreoffice=lo / elapsed)
    else:
        figure(
            "LibreOffice converting the same workbook",
            "soffice not installed (apt-get install libreoffice-calc)",
        )


YEAR = 2024


def measure_calculation(db: Database) -> None:
    for year in (YEAR, YEAR - 1):
        t = time.perf_counter()
        summary = calculate_year(db, year)
        elapsed = time.perf_counter() - t
        figure(
            f"calculate {year} (first time)",
            f"{elapsed:.2f} s ({summary.results:,} awards, {summary.results / elapsed:,.0f} rows/s)",
        )
        if year == YEAR:
            first = elapsed
            keep(year=year, awards_in_year=summary.results, calc_first_s=elapsed)
    t = time.perf_counter()
    summary = calculate_year(db, YEAR)
    unchanged = time.perf_counter() - t
    figure(
        f"calculate {YEAR} again (nothing changed)",
        f"{unchanged:.3f} s ({summary.unchanged:,} unchanged, {unchanged / first:.2f}× the first)",
    )
    keep(calc_unchanged_s=unchanged, calc_unchanged_vs_first=unchanged / first)
    floor = median_of([sqlite_floor(db.path, YEAR) for _ in range(3)])
    figure(
        "SQLite floor of the year (plain sqlite3, median of 3)",
        f"{floor:.2f} s (first calculation is {first / floor:.2f}× the floor)",
    )
    keep(floor_s=floor, calc_first_vs_floor=first / floor)
    measure_matter_save(db)
    measure_whatif(db, first)


def sqlite_floor(path: Path, year: int) -> float:
    """What the year's calculation cannot go below with plain sqlite3 on the same file and the same
    durability (WAL, synchronous=FULL): read the year's matters with the same enterprises' other
    matters, read the year's awards, insert as many award rows (the same rows, into a copy of the
    awards table with its constraints and indexes) in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA cache_size = -65536")
        ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'awards'").fetchone()[0]
        indexes = [
            r[0]
            for r in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'awards'"
                " AND sql IS NOT NULL"
            )
        ]
        conn.execute("DROP TABLE IF EXISTS floor_awards")
        conn.execute(
            ddl.replace('"awards"', "floor_awards", 1).replace(" awards ", " floor_awards ", 1)
        )
        for sql in indexes:
            conn.execute(
                sql.replace(" ON awards", " ON floor_awards").replace("awards_", "floor_awards_", 1)
            )
        columns = [r[1] for r in conn.execute("PRAGMA table_info(awards)")][1:]  # not the id
        t = time.perf_counter()
        conn.execute(
            "SELECT a.* FROM applications a WHERE a.enterprise_id IN"
            " (SELECT enterprise_id FROM applications WHERE event_date BETWEEN ? AND ?)",
            (f"{year}-01-01", f"{year}-12-31"),
        ).fetchall()
        awards = conn.execute(
            f"SELECT {', '.join(columns)} FROM awards WHERE year = ?", (year,)
        ).fetchall()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            f"INSERT INTO floor_awards ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            awards,
        )
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - t
        conn.execute("DROP TABLE floor_awards")
        return elapsed
    finally:
        conn.close()


def measure_matter_save(db: Database) -> None:
    """A clerk saves a changed matter: the form's save and its enterprise's recalculation."""
    from desktop.services.applications import ApplicationInput, update_application
    from desktop.services.calculation import recalculate_enterprise

    rows = db.query(
        "SELECT a.*, e.credit_code FROM applications a JOIN enterprises e ON e.id = a.enterprise_id"
        " WHERE a.event_date BETWEEN ? AND ? AND a.basis_fen IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM awards w WHERE w.application_id = a.id AND w.status <> '草稿')"
        " ORDER BY a.id LIMIT 7",
        (f"{YEAR}-01-01", f"{YEAR}-12-31"),
    )
    recalcs, saves = [], []
    for r in rows:
        item = ApplicationInput(
            r["enterprise_id"],
            r["credit_code"],
            r["rule_code"],
            date.fromisoformat(r["event_date"]),
            basis_fen=r["basis_fen"] + 100,
            level=r["level"],
            city_document=r["city_document"],
            same_matter_key=r["same_matter_key"],
            description=r["description"],
        )
        t = time.perf_counter()
        update_application(db, r["id"], item)
        t1 = time.perf_counter()
        recalculate_enterprise(db, r["enterprise_id"], YEAR)
        t2 = time.perf_counter()
        saves.append(t2 - t)
        recalcs.append(t2 - t1)
    if recalcs:
        figure(
            "save a matter + recalculate its enterprise (median)",
            f"{median_of(saves) * 1000:.0f} ms (recalculation {median_of(recalcs) * 1000:.0f} ms)",
        )
        keep(matter_recalc_ms=median_of(recalcs) * 1000, matter_save_ms=median_of(saves) * 1000)


def measure_whatif(db: Database, first: float) -> None:
    """A what-if of the year (nothing written): LZ41-2 at 25%, as a clerk would try it."""
    from desktop.services.whatif import whatif

    t = time.perf_counter()
    result = whatif(db, YEAR, settings=["LZ41-2.rate=25%"])
    how = f"whatif, {result.recomputed:,} of {result.evaluated:,} enterprises computed twice"
    elapsed = time.perf_counter() - t
    figure(
        f"what-if of {YEAR} ({how})", f"{elapsed:.2f} s ({elapsed / first:.2f}× the calculation)"
    )
    keep(whatif_s=elapsed, whatif_vs_calc=elapsed / first)


def measure_reports(db: Database, workdir: Path) -> None:
    try:
        from desktop.reports import export_report
    except ImportError:
        figure("reports", "desktop.reports not available")
        return
    ids = [
        r[0]
        for r in db.query(
            "SELECT id FROM awards WHERE year = 2024 AND amount_fen > 0 ORDER BY id LIMIT 10000"
        )
    ]
    # A year with exactly 10,000 granted awards: copy them into year 2030 of a scratch database.
    scratch = workdir / "reports.db"
    from desktop.storage.backup import backup_to

    backup_to(db, scratch)
    with Database(scratch) as small, small.transaction():
        small.execute("DROP TRIGGER IF EXISTS awards_approved_final")
        small.execute(f"UPDATE awards SET year = 2030 WHERE id IN ({','.join(map(str, ids))})")
    with Database(scratch) as small:
        for fmt, ext in (("excel", "xlsx"), ("pdf", "pdf")):
            out = workdir / f"awards-10000.{ext}"
            t = time.perf_counter()
            result = export_report(small, "detail", fmt, out, year=2030)
            elapsed = time.perf_counter() - t
            pages = getattr(result, "pages", None)
            keep(**{f"{fmt}_10k_s": elapsed})
            figure(
                f"export 10,000 awards to {fmt}",
                f"{elapsed:.2f} s, {out.stat().st_size / 1e6:.1f} MB"
                + (f", {pages} pages" if pages else ""),
            )


def measure_gui(db_path: Path) -> None:
    """企业名录 open and search keystrokes in a separate offscreen process, then start-up."""
    code = r"""
import os, sys, time, resource
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.ui.theme import setup_application
setup_application(app)
from desktop.storage.database import Database
from desktop.ui.common import AppContext
from desktop.ui.enterprise_view import EnterpriseView
db = Database(sys.argv[1])
ctx = AppContext(db, 2024)
# Opening = what the main window does: construct and show (showEvent loads the rows), one paint.
t = time.perf_counter()
view = EnterpriseView(ctx)
view.resize(1200, 800)
view.show()
app.processEvents()
print(f"open {time.perf_counter() - t:.3f} {view.model.rowCount()}")
t = time.perf_counter()
view.wait_for_index()
print(f"index {time.perf_counter() - t:.3f}")
times = []
typed = ["淄博第12345号"[:n] for n in range(1, 10)] + ["淄博第1234", "淄博第12", ""]
typed += ["913703"[:n] for n in range(1, 7)] + ["91370305MA", "9137", "", "医药", "新材料"]
for text in typed:
    t = time.perf_counter()
    view.search.setText(text)
    view.run_search()  # what the debounce timer calls
    app.processEvents()  # the table's delayed layout and its one paint
    times.append(time.perf_counter() - t)
print("keys " + " ".join(f"{x * 1000:.0f}" for x in times))
# VmHWM is this process's own peak; ru_maxrss would carry over the parent's peak on Linux.
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")]
print(f"rss {int(hwm[0].split()[1]) / 1024:.0f}" if hwm else f"rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
"""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(db_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode
        figure("GUI 企业名录", f"failed: {tail}")
        return
    for line in proc.stdout.splitlines():
        key, _, value = line.partition(" ")
        if key == "open":
            seconds, rows = value.split()
            figure("GUI: open 企业名录", f"{float(seconds):.3f} s ({int(rows):,} rows)")
            keep(registry_open_s=float(seconds), registry_rows=int(rows))
        elif key == "index":
            figure(
                "GUI: search index ready (background)",
                f"{float(value):.3f} s after the view is shown",
            )
        elif key == "keys":
            keys = [float(x) for x in value.split()]
            p95 = percentile(keys, 95)
            figure("GUI: each search keystroke (ms)", f"{value} (p95 {p95:.0f})")
            keep(keystroke_p95_ms=p95)
        elif key == "rss":
            figure("GUI: 企业名录 process peak memory", f"{value} MB")
            keep(gui_peak_mb=float(value))
    starts = []
    for _ in range(5):
        env_run = {
            **env,
            "SIQIANG_SMOKE_EXIT_MS": "300",
            "SIQIANG_DATA_DIR": str(db_path.parent / "gui-data"),
        }
        t = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "desktop", "--db", str(db_path)],
            capture_output=True,
            text=True,
            env=env_run,
            timeout=120,
            cwd=root,
        )
        wall = time.perf_counter() - t
        shown = [ln for ln in run.stderr.splitlines() if ln.startswith("SIQIANG_WINDOW_SHOWN")]
        if run.returncode != 0 or not shown:
            figure("GUI: start-up", f"failed ({run.returncode}): {run.stderr.strip()[-200:]}")
            return
        starts.append((float(shown[0].split()[1]), wall))
    starts.sort()
    shown_s, wall_s = starts[len(starts) // 2]
    figure(
        "GUI: start-up to window shown (median of 5)",
        f"{shown_s:.3f} s in-process, {wall_s - 0.3:.2f} s from launch",
    )
    keep(startup_s=wall_s - 0.3, startup_in_process_s=shown_s)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--skip-gui", action="store_true")
    parser.add_argument("--skip-reports", action="store_true")
    parser.add_argument("--skip-libreoffice", action="store_true")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.add_argument("--keep", type=Path, help="keep the benchmark database at this path")
    args = parser.parse_args()
    rng = random.Random(41)
    used: set[str] = set()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db_path = args.keep or workdir / "bench.db"
        if db_path.exists():
            db_path.unlink()
        with Database(db_path, user="基准测试") as db:
            build(db, args.enterprises, args.applications, rng, used)
            measure_import(db, workdir, rng, used, args.skip_libreoffice)
            measure_calculation(db)
            if not args.skip_reports:
                measure_reports(db, workdir)
            figure("database file size", f"{db_path.stat().st_size / 1e6:.0f} MB")
        if not args.skip_gui:
            measure_gui(db_path)
    figure(
        "benchmark process peak memory",
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
    )
    load_after = os.getloadavg()[0]
    figure("machine load (1-minute average, before/after)", f"{load_before:.2f} / {load_after:.2f}")
    keep(load_before=load_before, load_after=load_after, cores=os.cpu_count())
    if args.json:
        print(json.dumps(FIGURES, ensure_ascii=False, sort_keys=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
