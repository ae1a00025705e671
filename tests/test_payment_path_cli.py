"""The whole path from calculation to money through the command line (interfaces.md "From approval
to payment"): a two-node sign-off, a 公示 across the National Day holiday, objections, a budget
overrun, a 失信 refusal, a payment batch, 财政's result file (with a failure, then replayed) and a
clawback on the enterprise ledger."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop.cli import run
from tests.workbooks import (
    ENTERPRISE_HEADERS,
    code,
    enterprise_name,
    enterprise_row,
    list_row,
    write_applications,
    write_list,
    write_records,
    write_xlsx,
)

PASSWORDS = {
    "管理员甲": "admin-pw-1",
    "录入员乙": "clerk-pw-1",
    "审核员丙": "review-pw-1",
    "审核员丁": "review-pw-2",
}
ADMIN, CLERK, REVIEWER, REVIEWER2 = PASSWORDS
# enterprise number → (rule, what happens to it)
PLAN = {1: "LZ41-6C", 2: "LZ41-6D", 3: "LZ41-6C", 4: "LZ41-6D", 5: "LZ41-6D", 6: "LZ41-6C"}
AMOUNT = {"LZ41-6C": 300_000_00, "LZ41-6D": 100_000_00}


def cli(capsys, monkeypatch, db: Path, *args: str, user: str | None = None):
    if user is None:
        monkeypatch.delenv("SIQIANG_PASSWORD", raising=False)
        argv = ["--db", str(db), *args]
    else:
        monkeypatch.setenv("SIQIANG_PASSWORD", PASSWORDS[user])
        argv = ["--db", str(db), "--user", user, *args]
    monkeypatch.setenv("SIQIANG_NEW_PASSWORD", "new-pw-123")
    capsys.readouterr()
    status = run(argv)
    out, err = capsys.readouterr()
    return status, out, err


def ok(result) -> str:
    status, out, err = result
    assert status == 0, err
    return out


def refused(result) -> str:
    status, out, err = result
    assert status == 1, out
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), err
    return lines[0]


def last_line(out: str) -> int:
    return int(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """Six enterprises with one 2024 award each, calculated by the clerk; four users; bank
    details for all but enterprise 5."""
    folder = tmp_path_factory.mktemp("path")
    db = folder / "path.db"
    mp = pytest.MonkeyPatch()
    try:

        def go(*args, user=None):
            if user:
                mp.setenv("SIQIANG_PASSWORD", PASSWORDS[user])
                argv = ["--db", str(db), "--user", user, *args]
            else:
                argv = ["--db", str(db), *args]
            assert run(argv) == 0, args

        go("init")
        mp.setenv("SIQIANG_NEW_PASSWORD", PASSWORDS[ADMIN])
        go("user", "add", ADMIN, "--role", "管理员")
        for name, role in ((CLERK, "录入员"), (REVIEWER, "审核员"), (REVIEWER2, "审核员")):
            mp.setenv("SIQIANG_NEW_PASSWORD", PASSWORDS[name])
            go("user", "add", name, "--role", role, user=ADMIN)
        numbers = sorted(PLAN)
        banks = {
            n: {"开户银行": "中国工商银行淄博临淄支行", "银行账号": f"1603 0012 0920 0{n:05d}"}
            for n in numbers
            if n != 5
        }
        rows = [enterprise_row(n, **banks.get(n, {})) for n in numbers]
        headers = (*ENTERPRISE_HEADERS, "开户银行", "银行账号")
        go(
            "import",
            "enterprises",
            str(write_records(folder / "e.xlsx", headers, rows)),
            user=CLERK,
        )
        go(
            "import",
            "siqiang-list",
            str(write_list(folder / "l.xlsx", [list_row(n) for n in numbers])),
            "--year",
            "2024",
            user=CLERK,
        )
        apps = [
            {
                "统一社会信用代码": code(n),
                "企业名称": enterprise_name(n),
                "条款编号": rule,
                "事项日期": date(2024, 3, 1),
                "事项说明": f"第{n}号",
            }
            for n, rule in PLAN.items()
        ]
        go("import", "applications", str(write_applications(folder / "a.xlsx", apps)), user=CLERK)
        go("calculate", "--year", "2024", user=CLERK)
    finally:
        mp.undo()
    return db


@pytest.fixture
def db(prepared, tmp_path) -> Path:
    path = tmp_path / "path.db"
    shutil.copyfile(prepared, path)
    return path


def awards(capsys, monkeypatch, db) -> dict[int, dict]:
    """2024 awards by enterprise number (the standing one of each, else the latest)."""
    rows = json.loads(
        ok(cli(capsys, monkeypatch, db, "list", "awards", "--year", "2024", "--json"))
    )
    by_code = {code(n): n for n in PLAN}
    out: dict[int, dict] = {}
    for r in sorted(rows, key=lambda r: r["编号"]):
        out[by_code[r["统一社会信用代码"]]] = r
    return out


def ids(found: dict[int, dict], *numbers: int) -> list[str]:
    return [str(found[n]["编号"]) for n in numbers]


def blacklist(folder: Path, *numbers: int) -> Path:
    rows = [
        [code(n), enterprise_name(n), date(2024, 5, 20), None, "淄博市税务局", "逃避缴纳税款"]
        for n in numbers
    ]
    return write_xlsx(
        folder / "失信.xlsx",
        ["统一社会信用代码", "名称", "列入日期", "移出日期", "列入机关", "事由"],
        rows,
    )


def result_file(folder: Path, name: str, rows: list[list]) -> Path:
    headers = [
        "序号",
        "统一社会信用代码",
        "金额（元）",
        "支付状态",
        "失败原因",
        "支付日期",
        "凭证号",
    ]
    return write_xlsx(folder / name, headers, rows)


def test_the_whole_path_from_two_node_sign_off_to_a_clawback_on_the_ledger(
    capsys, monkeypatch, db, tmp_path
):
    def c(*args, user=None):
        return cli(capsys, monkeypatch, db, *args, user=user)

    ok(c("signoff", "set", "科室负责人:审核员,分管领导:管理员", user=ADMIN))
    assert "分管领导" in ok(c("signoff", "show"))
    ok(
        c(
            "budget",
            "set",
            "--year",
            "2024",
            "--source",
            "区级财政",
            "--amount",
            "900000",
            user=ADMIN,
        )
    )
    ok(c("blacklist", "import", str(blacklist(tmp_path, 4)), user=REVIEWER))
    found = awards(capsys, monkeypatch, db)
    assert {n: found[n]["核定金额（元）"] for n in PLAN} == {
        n: f"{AMOUNT[r] // 100}.00" for n, r in PLAN.items()
    }

    # 失信: refused with 列入日期 and 事由, nothing written.
    line = refused(c("approve", "--year", "2024", *ids(found, 4), user=REVIEWER))
    assert "2024-05-20" in line and "逃避缴纳税款" in line

    # Node 1 by 审核员丙: 审核中, with the signature shown.
    out = ok(
        c("approve", "--year", "2024", *ids(found, 1, 2, 3, 5), "--opinion", "同意", user=REVIEWER)
    )
    assert "签批4条" in out
    found = awards(capsys, monkeypatch, db)
    assert {found[n]["状态"] for n in (1, 2, 3, 5)} == {"审核中"}
    assert [s["签批人"] for s in found[1]["签批"]] == [REVIEWER]
    # The same person cannot sign the next node; a 审核员 cannot sign a 管理员 node.
    assert "同一人只能签批一个节点" in refused(
        c("approve", "--year", "2024", *ids(found, 1), user=REVIEWER)
    )
    assert "管理员签批" in refused(c("approve", "--year", "2024", *ids(found, 1), user=REVIEWER2))
    ok(c("approve", "--year", "2024", *ids(found, 1, 2, 3, 5), user=ADMIN))
    found = awards(capsys, monkeypatch, db)
    assert {found[n]["状态"] for n in (1, 2, 3, 5)} == {"已审核"}
    assert [(s["节点"], s["签批人"]) for s in found[1]["签批"]] == [
        ("科室负责人", REVIEWER),
        ("分管领导", ADMIN),
    ]

    # Budget overrun: 900,000 − 800,000 leaves 100,000; enterprise 6 needs 300,000.
    line = refused(c("approve", "--year", "2024", *ids(found, 6), user=REVIEWER2))
    assert "余额100,000.00元" in line
    budget = json.loads(ok(c("budget", "show", "--year", "2024", "--json")))
    assert budget[0] | {} == budget[0] and {
        k: budget[0][k] for k in ("资金来源", "预算", "已审核未拨付", "已拨付", "余额")
    } == {
        "资金来源": "区级财政",
        "预算": "900000.00",
        "已审核未拨付": "800000.00",
        "已拨付": "0.00",
        "余额": "100000.00",
    }

    # 公示 across National Day: 09-27, 09-29 (调休), 09-30, 10-08, 10-09.
    out = ok(
        c(
            "publicity",
            "create",
            "--year",
            "2024",
            "--start",
            "2024-09-27",
            "--days",
            "5",
            "--out",
            str(tmp_path / "公示.pdf"),
            user=REVIEWER,
        )
    )
    assert "2024-10-09" in out
    publicity = last_line(out)
    assert (tmp_path / "公示.pdf").exists()
    listed = json.loads(ok(c("publicity", "list", "--json")))
    assert [(p["编号"], p["公示结束"], p["笔数"]) for p in listed] == [(publicity, "2024-10-09", 4)]
    # Objections: outside the 公示期 refused; anonymous refused; on the 调休 Sunday accepted.
    assert "不在公示期" in refused(
        c(
            "objection",
            "add",
            str(publicity),
            "--award",
            ids(found, 2)[0],
            "--from",
            "张三 13800001111",
            "--received",
            "2024-10-10",
            "--text",
            "该企业未新认定",
            user=REVIEWER,
        )
    )
    assert "实名" in refused(
        c(
            "objection",
            "add",
            str(publicity),
            "--award",
            ids(found, 2)[0],
            "--from",
            "匿名 13800001111",
            "--received",
            "2024-09-29",
            "--text",
            "该企业未新认定",
            user=REVIEWER,
        )
    )
    out = ok(
        c(
            "objection",
            "add",
            str(publicity),
            "--award",
            ids(found, 2)[0],
            "--from",
            "张三 13800001111",
            "--received",
            "2024-09-29",
            "--text",
            "该企业智能车间尚未通过验收",
            user=REVIEWER,
        )
    )
    objection = last_line(out)
    ok(
        c(
            "objection",
            "close",
            str(objection),
            "--outcome",
            "成立",
            "--reason",
            "经核实未通过验收",
            user=REVIEWER2,
        )
    )
    found = awards(capsys, monkeypatch, db)
    assert found[2]["状态"] == "已撤销"
    conn = sqlite3.connect(db)
    reason = conn.execute(
        "SELECT decision_reason FROM awards WHERE id = ?", (found[2]["编号"],)
    ).fetchone()[0]
    conn.close()
    assert "公示异议成立" in reason and "经核实未通过验收" in reason
    budget = json.loads(ok(c("budget", "show", "--year", "2024", "--json")))
    assert budget[0]["已审核未拨付"] == "700000.00"

    # Payment batch: exactly enterprises 1 and 3; 5 has no bank account.
    out = ok(
        c(
            "payment",
            "batch",
            "--year",
            "2024",
            "--out",
            str(tmp_path / "拨付.xlsx"),
            "--pdf",
            str(tmp_path / "拨付.pdf"),
            user=REVIEWER,
        )
    )
    batch = last_line(out)
    assert "缺少银行账户" in out and enterprise_name(5) in out
    sheet = load_workbook(tmp_path / "拨付.xlsx").active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    body = [r for r in rows[header + 1 :] if isinstance(r[0], int)]
    assert [(r[1], r[2], float(r[5]), r[6]) for r in body] == [
        (enterprise_name(1), code(1), 300000.0, "叁拾万元整"),
        (enterprise_name(3), code(3), 300000.0, "叁拾万元整"),
    ]
    total = next(r for r in rows if r[0] == "合计")
    assert 600000.0 in [float(v) for v in total if isinstance(v, int | float)]
    assert any("陆拾万元整" in str(v) for r in rows for v in r if v)

    # 财政's result: a row with another amount is refused by row number, nothing written.
    bad = result_file(
        tmp_path,
        "bad.xlsx",
        [
            [1, code(1), "300000.00", "成功", None, date(2024, 11, 5), "PZ-001"],
            [2, code(3), "299999.00", "失败", "户名不符", None, None],
        ],
    )
    assert "第3行" in ok_or_err(c("payment", "result", str(batch), str(bad), user=REVIEWER))
    good = result_file(
        tmp_path,
        "result.xlsx",
        [
            [1, code(1), "300,000.00", "成功", None, date(2024, 11, 5), "PZ-001"],
            [2, code(3), "300000", "失败", "户名与账号不符", None, None],
        ],
    )
    assert "成功1笔，失败1笔" in ok(c("payment", "result", str(batch), str(good), user=REVIEWER))
    found = awards(capsys, monkeypatch, db)
    assert (found[1]["状态"], found[3]["状态"]) == ("已拨付", "拨付失败")
    before = log_size(db)
    assert "未变2笔" in ok(c("payment", "result", str(batch), str(good), user=REVIEWER))
    assert log_size(db) == before  # the same file twice changes nothing
    budget = json.loads(ok(c("budget", "show", "--year", "2024", "--json")))
    assert (budget[0]["已审核未拨付"], budget[0]["已拨付"]) == ("400000.00", "300000.00")

    # The failed one is in the next batch, alone.
    out = ok(
        c(
            "payment",
            "batch",
            "--year",
            "2024",
            "--out",
            str(tmp_path / "拨付2.xlsx"),
            user=REVIEWER,
        )
    )
    second = last_line(out)
    assert second != batch
    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT award_id FROM payment_items WHERE batch_id = ?", (second,)
    ).fetchall() == [(found[3]["编号"],)]
    conn.close()

    # A clawback on the paid award, on the enterprise ledger.
    out = ok(
        c(
            "clawback",
            ids(found, 1)[0],
            "--amount",
            "50000",
            "--reason",
            "项目未按期投产",
            "--document",
            "临工信字〔2025〕3号",
            user=REVIEWER,
        )
    )
    assert last_line(out) >= 1
    ok(
        c(
            "export",
            "excel",
            "--report",
            "ledger",
            "--credit-code",
            code(1),
            "--out",
            str(tmp_path / "台账.xlsx"),
        )
    )
    book = load_workbook(tmp_path / "台账.xlsx")
    assert "追回记录" in book.sheetnames
    texts = [
        str(v) for r in book["追回记录"].iter_rows(values_only=True) for v in r if v is not None
    ]
    assert "项目未按期投产" in texts and "临工信字〔2025〕3号" in texts
    claws = json.loads(ok(c("clawbacks", "list", "--year", "2024", "--json")))
    assert [(x["核定结果编号"], x["追回金额（元）"], x["状态"]) for x in claws] == [
        (found[1]["编号"], "50000.00", "待追回")
    ]
    status, out, err = c("check")
    assert status == 0, out + err

    # Every status above was signed: one changed by SQL afterwards (no trigger covers status or
    # paid_fen) is found: 拨付失败 → 已拨付.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "UPDATE awards SET status = '已拨付', paid_fen = amount_fen WHERE id = ?",
        (found[3]["编号"],),
    )
    conn.close()
    status, out, err = c("check")
    assert status == 1, out
    assert f"核定结果{found[3]['编号']}（" in out and "与签名的“拨付失败”决定不符" in out

    # The open batch's bank account and a clawback's amount changed by SQL: the replay finds both.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "UPDATE payment_items SET bank_account = '6222000011112222' WHERE batch_id = ?", (second,)
    )
    conn.execute("UPDATE clawbacks SET amount_fen = 100")
    conn.close()
    status, out, err = c("check")
    assert status == 1, out
    assert "拨付清单明细“" in out and "的bank_account与变更日志不符（被直接改动）" in out
    assert "追回记录“" in out and "的amount_fen与变更日志不符（被直接改动）" in out


def ok_or_err(result) -> str:
    status, out, err = result
    assert status == 1
    return out + err


def log_size(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
    finally:
        conn.close()


def test_calendar_deadlines_and_dossier_commands(capsys, monkeypatch, db, tmp_path):
    def c(*args, user=None):
        return cli(capsys, monkeypatch, db, *args, user=user)

    out = ok(c("calendar", "show", "2024"))
    assert "2024-09-29  工作日  国庆节调休上班" in out and "chinesecalendar 1.11.0" in out
    assert "2027年不在工作日历中" in ok(c("calendar", "show", "2027"))
    book = write_xlsx(
        tmp_path / "2027.xlsx", ["日期", "类型", "说明"], [[date(2027, 10, 1), "休息日", "国庆节"]]
    )
    ok(c("calendar", "import", str(book), user=REVIEWER))
    assert "不在工作日历中" not in ok(c("calendar", "show", "2027"))

    found = awards(capsys, monkeypatch, db)
    ok(c("approve", "--year", "2024", *ids(found, 1), user=REVIEWER))
    todo = json.loads(ok(c("deadlines", "--json")))
    assert [(t["事项"], t["核定结果"]) for t in todo] == [("公示", found[1]["编号"])]

    pdf = tmp_path / "档案.pdf"
    out = ok(c("dossier", ids(found, 1)[0], "--out", str(pdf)))
    assert pdf.exists() and "数据指纹" in out
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
    assert "签批记录" in text and REVIEWER in text and "变更日志" in text
    assert "报表与数据库一致" in ok(c("verify", str(pdf)))
