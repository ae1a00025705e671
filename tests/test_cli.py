"""The command line of interfaces.md, in-process (``desktop.cli.run``) and as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.storage.database import Database
from tests.cli_helpers import cli
from tests.workbooks import (
    application_row,
    row_counts,
    snapshot,
    write_applications,
    write_list,
    write_xlsx,
)

REPO = Path(__file__).resolve().parents[1]
# interfaces.md's keys, plus 计算金额（元）: what the engine computed, shown apart so that a
# 不予奖补/已撤销 award's 核定金额 reads 0.00 (contracts are extended, never renamed); 签批: the
# sign-off nodes signed so far (interfaces.md "From approval to payment").
AWARD_KEYS = {
    "签批",
    "计算金额（元）",
    "编号",
    "统一社会信用代码",
    "企业名称",
    "条款编号",
    "年度",
    "计算基数（元）",
    "核定金额（元）",
    "状态",
    "计算说明",
}
# interfaces.md's keys, with the registry's bank details (an addition of the payment contract).
ENTERPRISE_KEYS = {"统一社会信用代码", "企业名称", "所属镇街", "是否规上", "四强产业"} | {
    "开户银行",
    "银行账号",
    "账户名称",
}
TWO_DECIMALS = re.compile(r"^\d+\.\d{2}$")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _one_chinese_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("错误：") and _has_cjk(lines[0])
    return lines[0]


def _counts(path: Path) -> dict[str, int]:
    with Database(path) as db:
        return row_counts(db)


def _awards(capsys, path: Path, year: int = 2024) -> list[dict]:
    code, out, _ = cli(capsys, path, "list", "awards", "--year", str(year), "--json")
    assert code == 0
    return json.loads(out)


def _demo_codes(path: Path, count: int) -> list[tuple[str, str]]:
    with Database(path) as db:
        rows = db.query("SELECT credit_code, name FROM enterprises ORDER BY id LIMIT ?", (count,))
        return [(r[0], r[1]) for r in rows]


def _demo_application(code: str, name: str, n: int) -> dict:
    return application_row(
        0, 统一社会信用代码=code, 企业名称=name, **{"基数金额（元）": 10_000 + n}
    )


# -- init and list ------------------------------------------------------------------------------


def test_init_creates_an_empty_database(capsys, tmp_path):
    path = tmp_path / "新库" / "data.db"

    code, out, err = cli(capsys, path, "init")

    assert code == 0 and err == ""
    assert path.exists()
    assert "数据库已就绪" in out
    assert _counts(path)["enterprises"] == 0
    assert cli(capsys, path, "list", "enterprises")[1].strip() == "（无记录）"
    assert json.loads(cli(capsys, path, "list", "enterprises", "--json")[1]) == []


def test_init_demo_then_list_awards_as_json(capsys, demo):
    rows = _awards(capsys, demo, 2024)

    assert rows
    for row in rows:
        assert set(row) == AWARD_KEYS
        assert row["年度"] == 2024
        assert isinstance(row["编号"], int)
        assert isinstance(row["核定金额（元）"], str)
        assert TWO_DECIMALS.match(row["核定金额（元）"]), row
        basis = row["计算基数（元）"]
        assert basis is None or (isinstance(basis, str) and TWO_DECIMALS.match(basis)), row
    assert len({r["编号"] for r in rows}) == len(rows)


def test_init_demo_refuses_a_database_that_has_data(capsys, demo):
    code, _, err = cli(capsys, demo, "init", "--demo")

    assert code == 1
    _one_chinese_line(err)


def test_list_enterprises_as_json(capsys, demo):
    code, out, _ = cli(capsys, demo, "list", "enterprises", "--json")

    rows = json.loads(out)
    assert code == 0 and len(rows) == _counts(demo)["enterprises"]
    assert all(set(r) == ENTERPRISE_KEYS for r in rows)
    assert {r["是否规上"] for r in rows} == {"是", "否"}


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _field_starts(line: str) -> list[int]:
    """Display columns where a field begins (first character, or after a run of 2+ spaces)."""
    starts, col, spaces = [], 0, 2
    for ch in line:
        if ch != " " and spaces >= 2:
            starts.append(col)
        spaces = spaces + 1 if ch == " " else 0
        col += _display_width(ch)
    return starts


def test_list_enterprises_prints_an_aligned_table(capsys, demo):
    code, out, _ = cli(capsys, demo, "list", "enterprises")

    lines = out.splitlines()
    assert code == 0
    header, rule, *body = lines
    assert header.split() == ["统一社会信用代码", "企业名称", "所属镇街", "是否规上", "四强产业"]
    assert set(rule) <= {"-", " "}
    columns = _field_starts(rule)
    assert len(columns) == 5
    assert _field_starts(header) == columns
    assert len(body) == _counts(demo)["enterprises"]
    for line in body:
        starts = _field_starts(line)
        assert starts[:4] == columns[:4], line  # 四强产业 may be empty
        assert set(starts) <= set(columns), line
        assert _display_width(line) <= _display_width(rule)


def test_list_awards_without_year_is_a_chinese_error(capsys, demo):
    code, _, err = cli(capsys, demo, "list", "awards")

    assert code == 1
    assert "--year" in _one_chinese_line(err)


def test_missing_database_file_gives_a_chinese_error(capsys, tmp_path):
    path = tmp_path / "没有这个库.db"

    code, out, err = cli(capsys, path, "list", "enterprises")

    assert code == 1 and out == ""
    line = _one_chinese_line(err)
    assert "不存在" in line and "init" in line
    assert not path.exists()


# -- import ------------------------------------------------------------------------------------


def test_import_dry_run_then_real_then_again(capsys, demo, tmp_path):
    pairs = _demo_codes(demo, 3)
    rows = [_demo_application(c, name, n) for n, (c, name) in enumerate(pairs)]
    path = write_applications(tmp_path / "事项.xlsx", rows)
    before = _counts(demo)

    code, out, err = cli(capsys, demo, "import", "applications", str(path), "--dry-run")
    assert (code, err) == (0, "")
    assert "试运行" in out and "新增3条" in out
    assert _counts(demo) == before

    code, out, _ = cli(capsys, demo, "import", "applications", str(path))
    assert code == 0 and "导入完成" in out
    assert _counts(demo)["applications"] == before["applications"] + 3

    code, out, _ = cli(capsys, demo, "import", "applications", str(path))
    assert code == 0
    assert [line.strip() for line in out.splitlines()[1:]] == [
        f"第{r}行：与已导入的事项相同，未再导入" for r in (2, 3, 4)
    ]
    assert _counts(demo)["applications"] == before["applications"] + 3


def test_import_siqiang_list_prints_added_and_dropped(capsys, demo, tmp_path):
    with Database(demo) as db:
        on_2024 = [
            r[0]
            for r in db.query(
                "SELECT e.credit_code FROM siqiang_list l JOIN enterprises e"
                " ON e.id = l.enterprise_id WHERE l.year = 2024 ORDER BY e.id"
            )
        ]
        newcomer = db.scalar(
            "SELECT credit_code FROM enterprises WHERE id NOT IN"
            " (SELECT enterprise_id FROM siqiang_list WHERE year = 2024) ORDER BY id LIMIT 1"
        )
    kept = on_2024[1:]
    path = write_list(tmp_path / "名单.xlsx", [{"统一社会信用代码": c} for c in [*kept, newcomer]])

    code, out, _ = cli(capsys, demo, "import", "siqiang-list", str(path), "--year", "2024")

    assert code == 0
    assert "新增1户" in out and "移出1户" in out
    assert f"新增 2024 {newcomer}" in out
    assert f"移出 2024 {on_2024[0]}" in out


def test_bad_import_exits_1_with_one_chinese_line_and_the_row_details(capsys, demo, tmp_path):
    (good_code, good_name), (other_code, _) = _demo_codes(demo, 2)
    rows = [
        _demo_application(good_code, good_name, 1),
        _demo_application(good_code[:17] + ("0" if good_code[17] != "0" else "1"), None, 2),
        _demo_application(other_code, "名称写错了有限公司", 3),
    ]
    path = write_applications(tmp_path / "坏.xlsx", rows)
    before = _counts(demo)

    code, out, err = cli(capsys, demo, "import", "applications", str(path))

    assert code == 1
    line = _one_chinese_line(err)
    assert "导入未执行" in line and "2处错误" in line
    details = out.splitlines()
    assert len(details) == 2
    assert details[0].startswith("第3行：统一社会信用代码第18位校验位错误")
    assert details[1].startswith("第4行：企业名称“名称写错了有限公司”")
    assert _counts(demo) == before


@pytest.mark.parametrize(
    "content", [b"", b"not a workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1junk"]
)
def test_import_of_a_broken_file_exits_1(capsys, demo, tmp_path, content):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(content)
    before = _counts(demo)

    code, out, err = cli(capsys, demo, "import", "enterprises", str(path), "--dry-run")

    assert code == 1 and out == ""
    assert "坏文件.xlsx" in _one_chinese_line(err)
    assert _counts(demo) == before


# -- calculate, approve, reject, explain --------------------------------------------------------


def test_calculate_prints_a_summary(capsys, demo):
    code, out, err = cli(capsys, demo, "calculate", "--year", "2024")

    assert (code, err) == (0, "")
    assert "2024年度计算完成" in out and "合计" in out


def test_approve_all_then_calculate_leaves_approved_awards_unchanged(capsys, demo):
    assert cli(capsys, demo, "calculate", "--year", "2024")[0] == 0
    code, out, _ = cli(capsys, demo, "approve", "--year", "2024", "--all")
    assert code == 0 and out.startswith("已审核")
    approved = {r["编号"]: r for r in _awards(capsys, demo) if r["状态"] == "已审核"}
    assert approved
    explained = {i: cli(capsys, demo, "explain", str(i))[1] for i in list(approved)[:3]}

    code, out, _ = cli(capsys, demo, "calculate", "--year", "2024")

    assert code == 0
    after = {r["编号"]: r for r in _awards(capsys, demo)}
    for award_id, row in approved.items():
        assert after[award_id] == row
    for award_id, text in explained.items():
        assert cli(capsys, demo, "explain", str(award_id))[1] == text
    assert cli(capsys, demo, "check")[0] == 0


def test_revised_list_changes_drafts_but_not_approved_awards(capsys, demo, tmp_path):
    drafts = [
        r
        for r in _awards(capsys, demo)
        if r["条款编号"] == "LZ41-2" and r["状态"] == "草稿" and r["核定金额（元）"] != "0.00"
    ]
    first = drafts[0]
    second = next(r for r in drafts if r["统一社会信用代码"] != first["统一社会信用代码"])
    assert cli(capsys, demo, "approve", "--year", "2024", str(first["编号"]))[0] == 0
    approved = next(r for r in _awards(capsys, demo) if r["编号"] == first["编号"])
    assert approved["状态"] == "已审核"
    with Database(demo) as db:
        listed = [
            r[0]
            for r in db.query(
                "SELECT e.credit_code FROM siqiang_list l JOIN enterprises e"
                " ON e.id = l.enterprise_id WHERE l.year = 2024"
            )
        ]
    dropped = {first["统一社会信用代码"], second["统一社会信用代码"]}
    revised = [{"统一社会信用代码": c} for c in listed if c not in dropped]
    path = write_list(tmp_path / "修订名单.xlsx", revised)
    assert cli(capsys, demo, "import", "siqiang-list", str(path), "--year", "2024")[0] == 0

    assert cli(capsys, demo, "calculate", "--year", "2024")[0] == 0

    after = {r["编号"]: r for r in _awards(capsys, demo)}
    assert after[first["编号"]] == approved
    recalculated = [
        r
        for r in after.values()
        if r["统一社会信用代码"] == second["统一社会信用代码"] and r["条款编号"] == "LZ41-2"
    ]
    assert recalculated and all(r["核定金额（元）"] == "0.00" for r in recalculated)
    assert all("未列入2024年度四强企业名单" in r["计算说明"] for r in recalculated)


def _a_draft(capsys, path: Path, rule: str = "LZ41-2") -> dict:
    return next(
        r
        for r in _awards(capsys, path)
        if r["状态"] == "草稿" and r["条款编号"] == rule and r["核定金额（元）"] != "0.00"
    )


def test_reject_without_reason_is_a_usage_error(capsys, demo):
    award = _a_draft(capsys, demo)

    with pytest.raises(SystemExit) as info:
        cli(capsys, demo, "reject", str(award["编号"]))

    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "用法错误" in err and "--reason" in err


def test_reject_with_an_empty_reason_exits_1(capsys, demo):
    award = _a_draft(capsys, demo)
    before = _counts(demo)

    code, _, err = cli(capsys, demo, "reject", str(award["编号"]), "--reason", "")

    assert code == 1
    assert "理由" in _one_chinese_line(err)
    assert _counts(demo) == before
    assert next(r for r in _awards(capsys, demo) if r["编号"] == award["编号"]) == award


def test_reject_with_a_reason(capsys, demo):
    award = _a_draft(capsys, demo)

    code, _, _ = cli(capsys, demo, "reject", str(award["编号"]), "--reason", "资金未实际到账")

    assert code == 0
    row = next(r for r in _awards(capsys, demo) if r["编号"] == award["编号"])
    assert row["状态"] == "不予奖补"
    assert "资金未实际到账" in cli(capsys, demo, "explain", str(award["编号"]))[1]


def test_explain_prints_citation_parameters_steps_and_checks(capsys, demo):
    award = _a_draft(capsys, demo, "LZ41-2")

    code, out, _ = cli(capsys, demo, "explain", str(award["编号"]))

    assert code == 0
    assert f"核定结果编号：{award['编号']}" in out
    assert "临政字〔2021〕41号三（二）" in out  # 文号与条款
    assert "条款LZ41-2" in out
    parameters = out.split("参数：")[1].split("事项数据")[0]
    assert "比例：30%" in parameters  # Chinese labels and values (issue 10), no English keys
    assert "上限：1,500,000.00 元" in parameters
    assert "rate" not in parameters and "cap" not in parameters
    steps = out.split("计算步骤：")[1]
    assert "× 30%" in steps
    checks = out.split("条件检查：")[1].split("计算步骤：")[0]
    assert "[通过]" in checks and "四强企业名单" in checks
    assert f"核定金额：{Decimal(award['核定金额（元）']):,.2f} 元" in out


def test_explain_unknown_award_is_a_chinese_error(capsys, demo):
    code, _, err = cli(capsys, demo, "explain", "999999")

    assert code == 1
    assert "999999" in _one_chinese_line(err)


# -- check and backup ---------------------------------------------------------------------------


def test_check_passes_on_a_fresh_demo_database(capsys, demo):
    code, out, _ = cli(capsys, demo, "check")

    assert code == 0
    assert out.splitlines()[-1] == "检查结果：全部正常"


def test_backup_out_writes_a_database_with_equal_row_counts(capsys, demo, tmp_path):
    target = tmp_path / "备份" / "手动.db"

    code, out, _ = cli(capsys, demo, "backup", "--out", str(target))

    assert code == 0 and str(target) in out
    with Database(demo) as original, Database(target) as copy:
        assert snapshot(copy) == snapshot(original)
        assert copy.user_version == original.user_version
    assert cli(capsys, target, "check")[0] == 0


# -- as a real subprocess -----------------------------------------------------------------------


def _python(*args: str, cwd: Path, extra_env: dict[str, str] | None = None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONUTF8"] = "1"
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_subprocess_init_demo_and_list_awards_json(tmp_path):
    db = tmp_path / "子进程.db"

    init = _python("-m", "desktop", "--db", str(db), "init", "--demo", cwd=tmp_path)
    listed = _python(
        "-m", "desktop", "--db", str(db), "list", "awards", "--year", "2024", "--json", cwd=tmp_path
    )

    assert init.returncode == 0, init.stderr
    assert "数据库已就绪" in init.stdout
    assert listed.returncode == 0 and listed.stderr == ""
    rows = json.loads(listed.stdout)
    assert rows and all(set(r) == AWARD_KEYS for r in rows)


def test_subprocess_bad_import_and_missing_database(demo, tmp_path):
    path = write_xlsx(tmp_path / "无表头.xlsx", None, [["a", "b"], ["c", "d"]])

    bad = _python(
        "-m", "desktop", "--db", str(demo), "import", "enterprises", str(path), cwd=tmp_path
    )
    missing = _python("-m", "desktop", "--db", str(tmp_path / "无.db"), "check", cwd=tmp_path)

    assert bad.returncode == 1
    assert "缺少表头" in _one_chinese_line(bad.stderr)
    assert missing.returncode == 1
    assert "不存在" in _one_chinese_line(missing.stderr)


def test_subprocess_reject_without_reason_exits_2(demo, tmp_path):
    result = _python("-m", "desktop", "--db", str(demo), "reject", "1", cwd=tmp_path)

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "用法错误" in result.stderr


_NO_QT_CLI = """
import sys
sys.modules["PySide6"] = None  # any import of Qt now raises ImportError
from desktop.cli import run
db, out = sys.argv[1], sys.argv[2]
for argv in (["init", "--demo"], ["calculate", "--year", "2024"], ["check"],
             ["list", "awards", "--year", "2024"], ["export", "excel", "--year", "2024", "--out", out]):
    code = run(["--db", db, *argv])
    if code:
        sys.exit(f"{argv} exited {code}")
"""


def test_command_line_works_without_qt(tmp_path):
    result = _python(
        "-c", _NO_QT_CLI, str(tmp_path / "noqt.db"), str(tmp_path / "明细.xlsx"), cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "明细.xlsx").exists()


def test_core_modules_never_import_qt(tmp_path):
    code = (
        "import sys, desktop.cli, desktop.services.calculation, desktop.services.importing,"
        " desktop.core.engine; assert not any(m.startswith('PySide6') for m in sys.modules)"
    )

    result = _python("-c", code, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
