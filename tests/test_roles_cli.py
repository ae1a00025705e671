"""Users and roles through the command line: --user, SIQIANG_PASSWORD, user/settings commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import run
from desktop.storage.database import Database
from tests.workbooks import application_row, write_applications

REPO = Path(__file__).resolve().parents[1]
PASSWORDS = {"管理员甲": "admin-pw-1", "录入员乙": "clerk-pw-1", "审核员丙": "review-pw-1"}
ADMIN, CLERK, REVIEWER = PASSWORDS


def cli(capsys, monkeypatch, db_path: Path, *args: str, password=None, new=None):
    """Run in-process with SIQIANG_PASSWORD (and SIQIANG_NEW_PASSWORD) as given (unset if None)."""
    for key, value in (("SIQIANG_PASSWORD", password), ("SIQIANG_NEW_PASSWORD", new)):
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    capsys.readouterr()
    code = run(["--db", str(db_path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def act(capsys, monkeypatch, db_path: Path, name: str, *args: str, new=None):
    """Run as user ``name`` with the right password."""
    return cli(
        capsys, monkeypatch, db_path, "--user", name, *args, password=PASSWORDS[name], new=new
    )


def error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), err
    return lines[0]


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roles") / "demo.db"
    assert run(["--db", str(path), "init", "--demo"]) == 0
    assert run(["--db", str(path), "calculate", "--year", "2024"]) == 0
    return path


@pytest.fixture
def demo(demo_template, tmp_path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    return path


@pytest.fixture
def office(demo, capsys, monkeypatch) -> Path:
    """The demo database with logins on: 管理员甲, 录入员乙, 审核员丙."""
    add_admin = ("user", "add", ADMIN, "--role", "管理员")
    code, out, _ = cli(capsys, monkeypatch, demo, *add_admin, password=PASSWORDS[ADMIN])
    assert code == 0 and "启用登录" in out
    for name, role in ((CLERK, "录入员"), (REVIEWER, "审核员")):
        add = ("user", "add", name, "--role", role)
        code, _, err = act(capsys, monkeypatch, demo, ADMIN, *add, new=PASSWORDS[name])
        assert code == 0, err
    return demo


def drafts(capsys, monkeypatch, path: Path) -> list[dict]:
    code, out, _ = cli(capsys, monkeypatch, path, "list", "awards", "--year", "2024", "--json")
    assert code == 0
    return [r for r in json.loads(out) if r["状态"] == "草稿" and r["核定金额（元）"] != "0.00"]


CALC = ("calculate", "--year", "2024")


def test_single_user_database_works_without_user(capsys, monkeypatch, demo):
    draft = drafts(capsys, monkeypatch, demo)[0]
    assert cli(capsys, monkeypatch, demo, "approve", "--year", "2024", str(draft["编号"]))[0] == 0
    code, out, _ = cli(capsys, monkeypatch, demo, "settings", "separation")
    assert code == 0 and "单用户模式" in out
    assert cli(capsys, monkeypatch, demo, "user", "list")[1].strip() == "（无记录）"


def test_the_first_user_must_be_an_administrator(capsys, monkeypatch, demo):
    add = ("user", "add", CLERK, "--role", "录入员")
    code, _, err = cli(capsys, monkeypatch, demo, *add, password=PASSWORDS[CLERK])
    assert code == 1 and "第一个用户必须是管理员" in error_line(err)
    assert cli(capsys, monkeypatch, demo, *CALC)[0] == 0


def test_logins_on_writes_need_user_and_password_reads_do_not(
    capsys, monkeypatch, office, tmp_path
):
    code, _, err = cli(capsys, monkeypatch, office, *CALC)
    assert code == 1 and "--user" in error_line(err)
    code, _, err = cli(capsys, monkeypatch, office, "--user", CLERK, *CALC, password="wrong-pw")
    assert code == 1 and "用户名或密码错误" in error_line(err)
    for args in (
        ("list", "awards", "--year", "2024", "--json"),
        ("list", "enterprises"),
        ("check",),
        ("policy", "list"),
        ("user", "list"),
        ("export", "excel", "--year", "2024", "--out", str(tmp_path / "明细.xlsx")),
    ):
        code, _, err = cli(capsys, monkeypatch, office, *args)
        assert code == 0, (args, err)
    award_id = drafts(capsys, monkeypatch, office)[0]["编号"]
    assert cli(capsys, monkeypatch, office, "explain", str(award_id))[0] == 0
    assert act(capsys, monkeypatch, office, CLERK, *CALC)[0] == 0


def test_a_clerk_cannot_approve_and_a_reviewer_can(capsys, monkeypatch, office):
    approve = ("approve", "--year", "2024", str(drafts(capsys, monkeypatch, office)[0]["编号"]))
    code, _, err = act(capsys, monkeypatch, office, CLERK, *approve)
    assert code == 1 and "审核员" in error_line(err)
    code, out, _ = act(capsys, monkeypatch, office, REVIEWER, *approve)
    assert code == 0 and out.startswith("已审核1条")
    with Database(office) as db:
        assert db.scalar("SELECT reviewed_by FROM awards WHERE id = ?", (approve[-1],)) == REVIEWER
    code, _, err = act(capsys, monkeypatch, office, REVIEWER, *CALC)
    assert code == 1 and "录入员" in error_line(err)


def test_the_clerk_who_entered_a_matter_cannot_approve_it(capsys, monkeypatch, office, tmp_path):
    with Database(office) as db:
        code, name = db.one(
            "SELECT credit_code, name FROM enterprises e JOIN siqiang_list l"
            " ON l.enterprise_id = e.id AND l.year = 2024 WHERE e.above_scale = 1 LIMIT 1"
        )
    book = write_applications(
        tmp_path / "事项.xlsx",
        [application_row(0, 统一社会信用代码=code, 企业名称=name, **{"基数金额（元）": 12_345})],
    )
    assert act(capsys, monkeypatch, office, ADMIN, "import", "applications", str(book))[0] == 0
    assert act(capsys, monkeypatch, office, ADMIN, *CALC)[0] == 0
    with Database(office) as db:
        award_id = db.scalar(
            "SELECT a.id FROM awards a JOIN applications ap ON ap.id = a.application_id"
            " WHERE ap.created_by = ? AND a.amount_fen > 0",
            (ADMIN,),
        )
    assert award_id
    approve_it = ("approve", "--year", "2024", str(award_id))
    code, _, err = act(capsys, monkeypatch, office, ADMIN, *approve_it)
    line = error_line(err)
    assert code == 1 and f"核定结果{award_id}" in line and ADMIN in line
    code, out, _ = act(capsys, monkeypatch, office, ADMIN, "approve", "--year", "2024", "--all")
    assert code == 0 and "1条为本人录入或修改的事项" in out
    assert act(capsys, monkeypatch, office, REVIEWER, *approve_it)[0] == 0


def test_turning_separation_off_only_by_an_admin_and_logged(capsys, monkeypatch, office):
    off = ("settings", "separation", "off")
    code, _, err = act(capsys, monkeypatch, office, REVIEWER, *off)
    assert code == 1 and "管理员" in error_line(err)
    code, out, _ = act(capsys, monkeypatch, office, ADMIN, *off)
    assert code == 0 and "关闭" in out
    assert "关闭" in cli(capsys, monkeypatch, office, "settings", "separation")[1]
    with Database(office) as db:
        entry = db.one(
            "SELECT user, new_values FROM change_log WHERE row_key = 'separation_of_duties'"
            " ORDER BY id DESC LIMIT 1"
        )
    assert entry["user"] == ADMIN and '"0"' in entry["new_values"]


def test_admin_only_commands_refuse_others(capsys, monkeypatch, office):
    for name in (CLERK, REVIEWER):
        for args in (
            (
                "policy",
                "copy",
                "1",
                "--doc-number",
                "临政字〔2031〕1号",
                "--valid-from",
                "2031-01-01",
            ),
            ("user", "add", "某人", "--role", "录入员"),
            ("user", "disable", CLERK),
        ):
            code, _, err = act(capsys, monkeypatch, office, name, *args, new="other-pw-1")
            assert code == 1 and "管理员" in error_line(err), (name, args)


def test_five_wrong_passwords_lock_the_account(capsys, monkeypatch, office):
    args = ("--user", CLERK, *CALC)
    for _ in range(4):
        assert "用户名或密码错误" in cli(capsys, monkeypatch, office, *args, password="bad-pw")[2]
    code, _, err = cli(capsys, monkeypatch, office, *args, password="bad-pw")
    assert code == 1 and "锁定至" in error_line(err)
    code, _, err = act(capsys, monkeypatch, office, CLERK, *CALC)
    assert code == 1 and "锁定至" in error_line(err)
    assert "锁定至" in cli(capsys, monkeypatch, office, "user", "list")[1]


def test_passwd_and_disable(capsys, monkeypatch, office):
    code, _, _ = act(capsys, monkeypatch, office, CLERK, "user", "passwd", CLERK, new="clerk-pw-2")
    assert code == 0
    as_clerk = ("--user", CLERK, *CALC)
    assert cli(capsys, monkeypatch, office, *as_clerk, password="clerk-pw-2")[0] == 0
    assert act(capsys, monkeypatch, office, ADMIN, "user", "disable", CLERK)[0] == 0
    code, _, err = cli(capsys, monkeypatch, office, *as_clerk, password="clerk-pw-2")
    assert code == 1 and "已停用" in error_line(err)


def _subprocess(office: Path, password: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SIQIANG_PASSWORD", None)
    if password is not None:
        env["SIQIANG_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(office), "--user", CLERK, *CALC],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=REPO,
        timeout=120,
    )


def test_without_a_terminal_and_without_password_a_clear_error(office):
    result = _subprocess(office, None)
    assert result.returncode == 1
    assert "SIQIANG_PASSWORD" in error_line(result.stderr)
    result = _subprocess(office, PASSWORDS[CLERK])
    assert result.returncode == 0, result.stderr


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_passwords_are_prompted_on_a_terminal(capsys, monkeypatch, demo):
    import getpass

    answers: list[str] = []
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": answers.pop(0))
    answers[:] = ["admin-pw-1", "admin-pw-X"]
    code, _, err = cli(capsys, monkeypatch, demo, "user", "add", ADMIN, "--role", "管理员")
    assert code == 1 and "两次输入的密码不一致" in error_line(err)
    answers[:] = ["admin-pw-1", "admin-pw-1"]
    assert cli(capsys, monkeypatch, demo, "user", "add", ADMIN, "--role", "管理员")[0] == 0
    answers[:] = ["admin-pw-1"]
    assert cli(capsys, monkeypatch, demo, "--user", ADMIN, *CALC)[0] == 0
    assert answers == []
