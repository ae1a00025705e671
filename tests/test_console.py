"""The command line prints Chinese correctly wherever its output goes: a console with code page
936 or 65001 (simulated with a pseudo-terminal and ``PYTHONIOENCODING``), a file (``--json``
redirected: always UTF-8) and a pipe (the encoding its reader expects)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.console import (
    CONSOLE,
    FILE,
    PIPE,
    choose_encoding,
    codec_for_code_page,
    configure_console,
    stream_kind,
)

REPO = Path(__file__).resolve().parents[1]
NAME = "淄博临宇建材有限公司"  # the first enterprise of the demo database


@pytest.mark.parametrize(
    ("kind", "env", "console_cp", "expected"),
    [
        (CONSOLE, {}, 936, None),  # Windows console API: Unicode whatever the code page
        (CONSOLE, {"PYTHONIOENCODING": "gbk"}, 936, None),
        (FILE, {}, 936, "utf-8"),  # cmd `> out.json` on a Chinese Windows
        (FILE, {"PYTHONIOENCODING": "gbk"}, None, "utf-8"),
        (PIPE, {}, 936, "gbk"),  # PowerShell `|` and `>` decode with the console code page
        (PIPE, {}, 65001, "utf-8"),  # after `chcp 65001`
        (PIPE, {"PYTHONIOENCODING": "gbk:strict"}, 65001, "gbk"),  # the caller's choice wins
        (PIPE, {"PYTHONUTF8": "1"}, 936, "utf-8"),  # build.py's smoke test reads UTF-8
        (PIPE, {}, None, "utf-8"),  # no console at all (a service, CI)
    ],
)
def test_the_encoding_follows_where_the_output_goes(kind, env, console_cp, expected):
    assert choose_encoding(kind, env=env, console_cp=console_cp) == expected


def test_windows_code_pages_map_to_python_codecs():
    assert codec_for_code_page(936) == "gbk"
    assert "淄博".encode(codec_for_code_page(936)) == "淄博".encode("gbk")
    assert codec_for_code_page(65001) == "utf-8"
    assert codec_for_code_page(12345) == "utf-8"  # unknown: UTF-8 rather than a crash


def test_a_pipe_under_a_gbk_console_gets_gbk_and_never_raises(tmp_path):
    read_end, write_end = os.pipe()
    stream = open(write_end, "w", encoding="utf-8")  # closed below
    try:
        assert stream_kind(stream) == PIPE
        configure_console([stream], env={}, console_cp=936)
        assert stream.encoding == "gbk" and stream.errors == "replace"
        stream.write(f"{NAME}😀\n")  # the emoji is not in GBK: replaced, not an error
        stream.flush()
        assert os.read(read_end, 1000).decode("gbk") == f"{NAME}?\n"
    finally:
        stream.close()
        os.close(read_end)


def test_a_file_is_recognised_as_a_file(tmp_path):
    with open(tmp_path / "out.txt", "w", encoding="gbk") as stream:
        assert stream_kind(stream) == FILE
        configure_console([stream], env={"PYTHONIOENCODING": "gbk"}, console_cp=936)
        assert stream.encoding == "utf-8"


def _cli(args, env_extra, **kwargs):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], cwd=REPO, env=env, timeout=120, **kwargs
    )


@pytest.fixture
def demo_db(demo):
    return str(demo)


def test_json_redirected_to_a_file_is_utf8_even_where_the_default_is_gbk(demo_db, tmp_path):
    out = tmp_path / "企业.json"
    with open(out, "wb") as handle:  # what `siqiang-cli list enterprises --json > 企业.json` does
        done = _cli(
            ["--db", demo_db, "list", "enterprises", "--json"],
            {"PYTHONIOENCODING": "gbk"},  # Python's default for a file on a Chinese Windows
            stdout=handle,
            stderr=subprocess.PIPE,
        )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_bytes().decode("utf-8"))
    assert rows[0]["企业名称"] == NAME and len(rows) == 240


def test_a_pipe_carries_what_its_reader_asked_for(demo_db):
    done = _cli(
        ["--db", demo_db, "list", "enterprises", "--json"],
        {"PYTHONIOENCODING": "gbk"},
        capture_output=True,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout.decode("gbk"))[0]["企业名称"] == NAME


def _on_terminal(args, encoding: str) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal whose encoding is ``encoding`` (a
    console with that code page); (exit status, what the terminal received, decoded)."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "desktop", *args],
            cwd=REPO,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
                "PYTHONIOENCODING": encoding,
            },
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=follower,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed once the program has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.wait(timeout=120)
    finally:
        os.close(leader)
    return code, b"".join(chunks).decode(encoding, errors="replace")


def test_a_gbk_console_shows_the_table_and_the_errors_in_chinese(demo_db, tmp_path):
    code, text = _on_terminal(["--db", demo_db, "list", "enterprises"], "gbk")
    assert code == 0 and NAME in text and "统一社会信用代码" in text
    code, text = _on_terminal(["--db", str(tmp_path / "无此库.db"), "check"], "gbk")
    assert code == 1 and "错误：数据库文件不存在" in text and "Traceback" not in text


def test_a_console_that_cannot_show_chinese_gets_question_marks_not_a_traceback(demo_db):
    code, text = _on_terminal(["--db", demo_db, "list", "enterprises"], "ascii")
    assert code == 0 and "Traceback" not in text
    assert "91370305MAUT0D1P4H" in text and "??" in text
