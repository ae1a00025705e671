"""Make ``tests/fixtures/schema_vN.db``: a database of schema version N holding demo data.

``tests/test_migrations.py`` opens every ``schema_v*.db`` with the newest program and checks that
no row is lost and ``check`` passes, so each schema version the program ever shipped keeps one
fixture. How it is made: the tables of version N are created by running migrations 0001…N
(their SQL only), then filled with the rows of a freshly built demo database (the columns both
have), so the change log and its hash chain come over unchanged.

When you add a migration (``db/migrations/000{N+1}_….sql``):

1. *Before* adding it, while N is still the newest version, run
   ``python scripts/make_schema_fixture.py N`` — the fixture then holds what the version-N
   program really wrote. (``schema_v1.db`` was made this way from the demo data.)
2. Add the migration; if it transforms existing data, extend the assertions in
   ``tests/test_migrations.py`` for that step.
3. Commit the new fixture. Never regenerate an existing fixture: it stands for databases that
   are out there.

Usage: ``python scripts/make_schema_fixture.py VERSION [--out FILE] [--enterprises N]``
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktop.services.demo import build_demo  # noqa: E402
from desktop.storage.database import Database, _split_sql, migrations  # noqa: E402


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def make_fixture(version: int, out: Path, *, enterprises: int = 40) -> Path:
    steps = migrations()
    if not 1 <= version <= len(steps):
        raise SystemExit(f"结构版本应在1到{len(steps)}之间")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        raise SystemExit(f"{out} 已存在：已有的样本数据库不应重新生成")
    with tempfile.TemporaryDirectory() as tmp:
        demo_path = Path(tmp) / "demo.db"
        with Database(demo_path, user="样本") as demo:
            build_demo(demo, enterprises=enterprises)
            demo.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        part = out.with_name(out.name + ".part")
        part.unlink(missing_ok=True)
        conn = sqlite3.connect(str(part), isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("BEGIN")
            for _number, path in steps[:version]:
                for statement in _split_sql(path.read_text(encoding="utf-8")):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
            conn.execute("ATTACH DATABASE ? AS demo", (str(demo_path),))
            conn.execute("BEGIN")
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM main.sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            for table in tables:
                mine = [r[1] for r in conn.execute(f"PRAGMA main.table_info({_quote(table)})")]
                theirs = {r[1] for r in conn.execute(f"PRAGMA demo.table_info({_quote(table)})")}
                cols = ", ".join(_quote(c) for c in mine if c in theirs)
                if cols:
                    conn.execute(
                        f"INSERT INTO main.{_quote(table)} ({cols})"
                        f" SELECT {cols} FROM demo.{_quote(table)}"
                    )
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE demo")
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise SystemExit(f"外键错误：{problems[:5]}")
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("VACUUM")
        finally:
            conn.close()
        part.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成某一结构版本的样本数据库（迁移测试用）")
    parser.add_argument("version", type=int)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--enterprises", type=int, default=40)
    args = parser.parse_args(argv)
    out = args.out or REPO / "tests" / "fixtures" / f"schema_v{args.version}.db"
    print(make_fixture(args.version, out, enterprises=args.enterprises))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
