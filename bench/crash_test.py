"""Crash test: kill an import, a calculation, a payment batch or a result import at a random moment
and check what is left.

    python bench/crash_test.py [--op import|calculate|both|batch|result|payment|all] [--trials 100]
                               [--seed 1] [--rows 10000] [--awards 5000]

``both`` = import + calculate; ``payment`` = batch + result (``payment batch`` of ``--awards``
publicised awards with its 拨付清单 workbook, and ``payment result`` of 财政's file for such a
batch, one row in ten a failure); ``all`` = the four.

For each operation a database is prepared once. An uninterrupted run of the operation on a copy
gives the *after* state and the operation's duration (measured from the moment the child process
is ready — Python and the program's modules loaded — to its exit). Then each trial copies the
prepared database, starts the operation in a child process (``desktop.cli.run``, exactly what
``python -m desktop … import enterprises`` / ``calculate`` runs) and kills it with SIGKILL after a
random delay within that duration. Afterwards:

* ``PRAGMA integrity_check`` must say ok and ``check`` (``run_check``: foreign keys, triggers, the
  change-log hash chain, the invariants) must pass;
* the database must equal the state *before* or the state *after* the operation: the row count of
  every table, and a content hash over enterprises, applications, awards, siqiang_list and
  change_log in primary-key order. Columns that hold the wall-clock time of the run (``*_at``,
  the log's ``at`` and the hashes chained over it) are left out of the content hash — two
  uninterrupted runs differ only there; the chain itself is checked by ``run_check``;
* a child that printed its completion line (printed only after the commit) must have left the
  *after* state: a finished operation is never lost.

Prints e.g. ``100/100 consistent (before 74, after 26), rows lost: 0``; exits 1 on any failure.
SIGKILL stops the process but not the operating system, so this shows the transaction logic
(one ``BEGIN IMMEDIATE … COMMIT`` per operation, WAL); power loss is covered by
``synchronous=FULL`` on top of it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HASHED_TABLES = (
    "enterprises",
    "applications",
    "awards",
    "siqiang_list",
    "change_log",
    "award_signoffs",
    "publicity_items",
    "payment_batches",
    "payment_items",
    "clawbacks",
)
VOLATILE = {  # wall-clock times of the run (and the log hashes chained over them)
    "created_at",
    "updated_at",
    "imported_at",
    "calculated_at",
    "reviewed_at",
    "paid_at",
    "signed_at",
    "result_at",
    "at",
    "hash",
    "prev_hash",
}
READY = "CRASH-TEST-READY"
DONE_MARKS = {
    "import": "导入完成",
    "calculate": "计算完成",
    "batch": "笔，合计",  # printed after the batch's commit (the workbook is written after it)
    "result": "笔，失败",
}
OPS = {
    "both": ("import", "calculate"),
    "payment": ("batch", "result"),
    "all": ("import", "calculate", "batch", "result"),
}
YEAR = 2024


# -- the database's state --------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    counts: dict[str, int]
    content: str  # SHA-256 over HASHED_TABLES

    def same(self, other: State) -> bool:
        return self.counts == other.counts and self.content == other.content


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    cols = conn.execute(f"PRAGMA table_info({table})").fetchall()
    pk = [c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5] > 0]
    return pk or ["rowid"]


def db_state(conn: sqlite3.Connection) -> State:
    """Row counts of every table, content hash of the data tables in primary-key order."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    digest = hashlib.sha256()
    for table in HASHED_TABLES:
        columns = [
            c[1] for c in conn.execute(f"PRAGMA table_info({table})") if c[1] not in VOLATILE
        ]
        order = ", ".join(_primary_key(conn, table))
        digest.update(f"#{table}:{','.join(columns)}\n".encode())
        json_cols = [i for i, c in enumerate(columns) if c in ("old_values", "new_values")]
        for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"):
            row = list(row)
            for i in json_cols:  # logged values may carry the run's wall-clock times too
                row[i] = _without_volatile(json.loads(row[i])) if row[i] else None
            digest.update(repr(tuple(row)).encode())
            digest.update(b"\n")
    return State(counts, digest.hexdigest())


def _without_volatile(value):
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in sorted(value.items()) if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def read_state(path: Path) -> State:
    conn = sqlite3.connect(path)
    try:
        return db_state(conn)
    finally:
        conn.close()


def rows_lost(now: State, before: State, after: State) -> int:
    """Rows missing compared with the nearer of the two legitimate states (0 when consistent)."""
    if now.same(before) or now.same(after):
        return 0

    def missing(ref: State) -> int:
        return sum(max(0, n - now.counts.get(t, 0)) for t, n in ref.counts.items())

    return min(missing(before), missing(after))


# -- preparing the databases -----------------------------------------------------------------


def _codes(rng: random.Random, n: int) -> list[str]:
    from desktop.core.creditcode import CHARSET, make_credit_code

    used: set[str] = set()
    out = []
    while len(out) < n:
        code = make_credit_code("9", "1", "370305", "".join(rng.choice(CHARSET) for _ in range(8)))
        if code not in used:
            used.add(code)
            out.append(code)
    return out


def _register(db, codes: list[str], rng: random.Random, *, bank: bool = False) -> None:
    """Enterprises through the registry service (logged); ``bank``: with bank details too."""
    from desktop.services.registry import EnterpriseInput, towns, upsert_enterprises

    names = [t.name for t in towns(db)]
    upsert_enterprises(
        db,
        [
            EnterpriseInput(
                c,
                f"淄博崩溃测试{i}号有限公司",
                names[i % len(names)],
                rng.random() < 0.6,
                rng.choice(["新材料", "智能装备", "医药健康", "电子信息", None]),
                bank_name="工商银行临淄支行" if bank else None,
                bank_account=f"1603{i + 1:012d}" if bank else None,
            )
            for i, c in enumerate(codes)
        ],
    )


def prepare_import(workdir: Path, rows: int, rng: random.Random) -> tuple[Path, list[str]]:
    """A database with 2,000 enterprises and a workbook of ``rows`` rows: the first 1,000 rows
    change registered enterprises (an update), the rest are new (inserts)."""
    from openpyxl import Workbook

    from desktop.storage.database import Database

    codes = _codes(rng, rows + 1000)
    db_path = workdir / "import-base.db"
    with Database(db_path, user="崩溃测试") as db:
        _register(db, codes[:2000], rng)
    book = workdir / f"enterprises-{rows}.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业名录")
    ws.append(
        ["统一社会信用代码", "企业名称", "所属镇街", "是否规上", "四强产业", "联系人", "联系电话"]
    )
    for i, code in enumerate(codes[1000 : 1000 + rows]):
        ws.append(
            [
                code,
                f"淄博导入{i}号有限公司",
                "辛店街道",
                "是" if i % 2 else "否",
                "新材料",
                "王经理",
                "0533-7123456",
            ]
        )
    wb.save(book)
    return db_path, ["import", "enterprises", str(book)]


def prepare_calculation(
    workdir: Path, enterprises: int, applications: int, rng: random.Random
) -> tuple[Path, list[str]]:
    """``enterprises`` enterprises, ``applications`` applications around 2024, the year already
    calculated once, then the 2024 四强 list changed: the calculation inserts, updates and deletes."""
    from desktop.services.applications import ApplicationInput, insert_applications
    from desktop.services.calculation import calculate_year
    from desktop.services.siqiang_lists import replace_list
    from desktop.storage.database import Database

    rules = [
        ("LZ41-2", "ratio"),
        ("LZ41-5A", "ratio"),
        ("LZ41-6A", "ratio"),
        ("LZ41-1A", "ratio"),
        ("LZ41-6C", "fixed"),
        ("LZ41-10B", "level"),
        ("LZ41-9A", "installments"),
    ]
    db_path = workdir / "calc-base.db"
    with Database(db_path, user="崩溃测试") as db:
        codes = _codes(rng, enterprises)
        _register(db, codes, rng)
        ids = dict(db.query("SELECT credit_code, id FROM enterprises"))
        all_ids = list(ids.values())
        for year in (2022, 2023, YEAR):
            replace_list(db, year, set(rng.sample(all_ids, len(all_ids) // 2)))
        items, seen = [], set()
        for i in range(applications):
            rule, method = rules[i % len(rules)]
            code = rng.choice(codes)
            when = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 730))
            kw: dict = {}
            if method == "ratio":
                kw["basis_fen"] = rng.randrange(1_000_000, 800_000_000)
            elif method == "level":
                kw["level"] = rng.choice(["省级", "市级"])
            item = ApplicationInput(ids[code], code, rule, when, **kw)
            if item.identity_key not in seen:
                seen.add(item.identity_key)
                items.append(item)
        insert_applications(db, items)
        calculate_year(db, YEAR)
        replace_list(db, YEAR, set(rng.sample(all_ids, len(all_ids) // 2)))
        # a few new applications dated in the year, so the calculation also inserts
        extra = [
            ApplicationInput(ids[c], c, "LZ41-6C", date(YEAR, 6, 1 + n % 28))
            for n, c in enumerate(rng.sample(codes, min(500, len(codes))))
        ]
        insert_applications(db, [e for e in extra if e.identity_key not in seen])
    return db_path, ["calculate", "--year", str(YEAR)]


def prepare_payment(
    workdir: Path, awards: int, rng: random.Random, *, batched: bool
) -> tuple[Path, list[str]]:
    """``awards`` enterprises with bank details, one LZ41-6C award each in 2024, approved and
    publicised (公示 ended); for the result import also a payment batch and 财政's result file."""
    from openpyxl import Workbook

    from desktop.services.applications import ApplicationInput, insert_applications
    from desktop.services.awards import approve
    from desktop.services.calculation import calculate_year
    from desktop.services.payments import create_batch
    from desktop.services.publicity import create_publicity
    from desktop.storage.database import Database

    db_path = workdir / ("result-base.db" if batched else "batch-base.db")
    with Database(db_path, user="崩溃测试") as db:
        codes = _codes(rng, awards)
        _register(db, codes, rng, bank=True)
        ids = dict(db.query("SELECT credit_code, id FROM enterprises"))
        insert_applications(
            db, [ApplicationInput(ids[c], c, "LZ41-6C", date(YEAR, 3, 1)) for c in codes]
        )
        calculate_year(db, YEAR)
        approve(db, YEAR)
        create_publicity(db, YEAR, "2024-09-27", 5, phone="0533-7180000")
        if not batched:
            return db_path, ["payment", "batch", "--year", str(YEAR), "--out", "拨付清单.xlsx"]
        batch = create_batch(db, YEAR)
        book = workdir / "财政支付结果.xlsx"
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("支付结果")
        ws.append(
            ["序号", "统一社会信用代码", "金额（元）", "支付状态", "失败原因", "支付日期", "凭证号"]
        )
        for item in batch.items:
            failed = item.seq % 10 == 0
            ws.append(
                [
                    item.seq,
                    item.credit_code,
                    f"{item.amount_fen / 100:.2f}",
                    "失败" if failed else "成功",
                    "账户已销户" if failed else None,
                    None if failed else "2024-11-05",
                    None if failed else f"PZ{item.seq:06d}",
                ]
            )
        wb.save(book)
    return db_path, ["payment", "result", str(batch.id), str(book)]


# -- one child -------------------------------------------------------------------------------


def child_main(db_path: str, argv: list[str]) -> int:
    """Runs in the child: load everything, say READY, run the command."""
    from desktop import cli
    from desktop.services import (  # noqa: F401 - loaded before READY, not timed
        calculation,
        check,
        importing,
        payments,
        workbook,
    )
    from desktop.storage import backup  # noqa: F401 - loaded before READY, not timed

    print(READY, flush=True)
    return cli.run(["--db", db_path, "--user", "崩溃测试", *argv])


def _spawn(db_path: Path, argv: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.setdefault("SIQIANG_DATA_DIR", str(db_path.parent / "data"))
    return subprocess.Popen(
        [sys.executable, "-u", str(Path(__file__).resolve()), "--child", str(db_path), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=str(db_path.parent),
    )


def _wait_ready(proc: subprocess.Popen) -> float:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"child ended before it was ready: {err[-500:]}")
        if line.strip() == READY:
            return time.perf_counter()


def _copy_base(base: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm"):
        if Path(str(base) + suffix).exists():
            raise RuntimeError(f"{base} was not closed cleanly ({suffix} present)")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(base, target)


def reference_run(base: Path, argv: list[str], folder: Path) -> tuple[State, float, str]:
    """An uninterrupted run: its after-state, its duration and its output."""
    target = folder / "db.db"
    _copy_base(base, target)
    proc = _spawn(target, argv)
    start = _wait_ready(proc)
    out, err = proc.communicate(timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"uninterrupted run failed ({proc.returncode}): {err[-800:]}")
    return read_state(target), elapsed, out


@dataclass
class Outcome:
    trials: int = 0
    before: int = 0
    after: int = 0
    inconsistent: int = 0
    integrity_ok: int = 0
    check_ok: int = 0
    rows_lost: int = 0
    finished_before_kill: int = 0
    killed_mid_write: int = 0
    completed_then_killed: int = 0
    completed_kept: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> int:
        return self.before + self.after

    @property
    def ok(self) -> bool:
        return (
            self.inconsistent == 0
            and self.integrity_ok == self.trials
            and self.check_ok == self.trials
            and self.rows_lost == 0
            and self.completed_kept == self.completed_then_killed
            and not self.failures
        )


def trial(
    base: Path,
    argv: list[str],
    folder: Path,
    delay: float,
    before: State,
    after: State,
    done_mark: str,
    outcome: Outcome,
    n: int,
) -> None:
    from desktop.services.check import run_check
    from desktop.storage.database import Database

    target = folder / "db.db"
    _copy_base(base, target)
    proc = _spawn(target, argv)
    _wait_ready(proc)
    try:
        proc.wait(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
        wal = Path(f"{target}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            outcome.killed_mid_write += 1  # pages of the transaction already in the WAL
        proc.send_signal(signal.SIGKILL)
    out, _err = proc.communicate(timeout=60)
    outcome.trials += 1
    if finished:
        outcome.finished_before_kill += 1
    completed = done_mark in out
    if completed and not finished:
        outcome.completed_then_killed += 1

    conn = sqlite3.connect(target)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    if integrity == ["ok"]:
        outcome.integrity_ok += 1
    else:
        outcome.failures.append(f"trial {n}: integrity_check {integrity[:3]}")
    with Database(target, user="崩溃测试") as db:
        report = run_check(db)
        state = db_state(db.conn)
    if report.ok:
        outcome.check_ok += 1
    else:
        outcome.failures.append(f"trial {n}: check: {'；'.join(report.problems[:3])}")
    if state.same(before):
        outcome.before += 1
        if completed:
            outcome.failures.append(f"trial {n}: completed (printed “{done_mark}”) but lost")
    elif state.same(after):
        outcome.after += 1
        if completed and not finished:
            outcome.completed_kept += 1
    else:
        outcome.inconsistent += 1
        outcome.failures.append(
            f"trial {n}: neither before nor after (delay {delay:.3f} s): {state.counts}"
        )
    outcome.rows_lost += rows_lost(state, before, after)


def run_operation(
    op: str, trials: int, rng: random.Random, workdir: Path, args: argparse.Namespace
) -> Outcome:
    label = {
        "import": f"import {args.rows:,} enterprises",
        "calculate": f"calculate {YEAR} ({args.calc_enterprises:,} enterprises, "
        f"{args.calc_applications:,} applications)",
        "batch": f"payment batch of {args.awards:,} awards (with its 拨付清单 workbook)",
        "result": f"payment result of {args.awards:,} rows (one in ten failed)",
    }[op]
    print(f"== {label}", flush=True)
    t = time.perf_counter()
    folder = workdir / op
    folder.mkdir()
    if op == "import":
        base, argv = prepare_import(folder, args.rows, rng)
    elif op == "calculate":
        base, argv = prepare_calculation(folder, args.calc_enterprises, args.calc_applications, rng)
    else:
        base, argv = prepare_payment(folder, args.awards, rng, batched=op == "result")
    before = read_state(base)
    after, duration, out = reference_run(base, argv, folder / "reference-1")
    again, duration2, _ = reference_run(base, argv, folder / "reference-2")
    if not again.same(after):
        raise RuntimeError("two uninterrupted runs left different states: the hash is not stable")
    if after.same(before):
        raise RuntimeError("the operation changed nothing: nothing to test")
    duration = max(duration, duration2)
    changed = {t: after.counts[t] - before.counts.get(t, 0) for t in after.counts}
    changed = {t: d for t, d in changed.items() if d}
    print(
        f"prepared in {time.perf_counter() - t:.1f} s; uninterrupted run {duration:.2f} s, "
        f"rows {' '.join(f'{k}{v:+,}' for k, v in changed.items())}; "
        f"output: {out.strip().splitlines()[-1][:80]}",
        flush=True,
    )
    outcome = Outcome()
    for n in range(1, trials + 1):
        delay = rng.uniform(0, duration)
        trial_dir = folder / f"trial-{n}"
        trial(base, argv, trial_dir, delay, before, after, DONE_MARKS[op], outcome, n)
        shutil.rmtree(trial_dir, ignore_errors=True)
        if args.verbose:
            print(
                f"  trial {n}: delay {delay:.3f} s → {outcome.before}/{outcome.after}", flush=True
            )
    print(
        f"{outcome.consistent}/{outcome.trials} consistent (before {outcome.before}, "
        f"after {outcome.after}), rows lost: {outcome.rows_lost}; "
        f"integrity_check ok {outcome.integrity_ok}/{outcome.trials}, "
        f"check ok {outcome.check_ok}/{outcome.trials}; "
        f"killed with the write under way (WAL non-empty) {outcome.killed_mid_write}, "
        f"finished before the kill {outcome.finished_before_kill}, "
        f"completed-then-killed kept {outcome.completed_kept}/{outcome.completed_then_killed}",
        flush=True,
    )
    for failure in outcome.failures[:20]:
        print(f"  FAILED {failure}", flush=True)
    return outcome


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1], argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--op", choices=("import", "calculate", "batch", "result", *OPS), default="both"
    )
    parser.add_argument("--trials", type=int, default=100, help="trials per operation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the enterprise import")
    parser.add_argument("--calc-enterprises", type=int, default=10_000)
    parser.add_argument("--calc-applications", type=int, default=20_000)
    parser.add_argument("--awards", type=int, default=5_000, help="awards of the payment batch")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if os.name != "posix":
        print("the crash test needs SIGKILL (Linux/macOS)")
        return 2
    rng = random.Random(args.seed)
    ops = OPS.get(args.op, (args.op,))
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("SIQIANG_DATA_DIR", str(workdir / "data"))
        outcomes = [run_operation(op, args.trials, rng, workdir, args) for op in ops]
    total = sum(o.trials for o in outcomes)
    consistent = sum(o.consistent for o in outcomes)
    lost = sum(o.rows_lost for o in outcomes)
    ok = all(o.ok for o in outcomes)
    print(f"TOTAL {consistent}/{total} consistent, rows lost: {lost} — {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
