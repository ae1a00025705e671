"""Crafted files (tiny files declaring huge sheets) are refused in Chinese before any reader sees
them, and reading itself runs with a memory bound: never a crash signal, never a lock left behind."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.core.errors import ImportRejected
from desktop.services import sheetread
from desktop.services.importing import import_enterprises
from tests.workbooks import CRAFTED_NAMES, crafted_file, enterprise_row, snapshot, write_enterprises

REPO = Path(__file__).resolve().parents[1]


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("name", CRAFTED_NAMES)
def test_crafted_file_is_refused_before_calamine_reads_it(db, tmp_path, monkeypatch, name):
    def never(*_args):  # the scan must refuse it: calamine is not to be called at all
        raise AssertionError("calamine would have read a crafted file")

    monkeypatch.setattr(sheetread, "read_values", never)
    suffix, data = crafted_file(name)
    path = tmp_path / f"crafted{suffix}"
    path.write_bytes(data)
    before = snapshot(db)

    with pytest.raises(ImportRejected) as info:
        import_enterprises(db, path)

    assert info.value.problems == [] and _has_cjk(info.value.file_message or "")
    assert snapshot(db) == before


_ALL_CRAFTED = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from desktop.core.errors import ImportRejected
    from desktop.services.importing import import_enterprises
    from desktop.storage.database import Database
    from tests.workbooks import crafted_files

    folder = Path(sys.argv[1])
    db = Database(folder / "t.db")
    out = {}
    for i, (name, (suffix, data)) in enumerate(crafted_files().items()):
        path = folder / f"{i}{suffix}"
        path.write_bytes(data)
        try:
            import_enterprises(db, path, backup=False)
            out[name] = "accepted"
        except ImportRejected as exc:
            out[name] = str(exc)
    db.close()
    print(json.dumps(out, ensure_ascii=False))
    """
)


def _limit_memory() -> None:
    import resource  # POSIX only

    limit = 2_000_000 * 1024  # ulimit -v 2000000
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_AS")
def test_every_crafted_file_under_a_2_gb_limit_ends_in_a_refusal_and_no_lock(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", _ALL_CRAFTED, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_limit_memory,
    )
    assert result.returncode == 0, result.stderr[-800:]
    outcomes = json.loads(result.stdout)
    assert set(outcomes) == set(CRAFTED_NAMES)
    assert all(_has_cjk(v) and v != "accepted" for v in outcomes.values()), outcomes
    assert not (tmp_path / "t.db.lock").exists()


_EXPLODING_READERS = {
    # calamine aborting on an allocation it cannot make (what crafted sheets did to the process)
    "abort": "import os; os.abort()",
    # an allocation beyond the child's address-space limit
    "allocation": sheetread._CHILD.replace(
        "from python_calamine import CalamineWorkbook", "_ = bytearray(8 * 1024**3)"
    ),
}


@pytest.mark.skipif(not sheetread.child_process_available(), reason="no child process here")
@pytest.mark.parametrize("how", list(_EXPLODING_READERS))
def test_a_reader_that_explodes_is_a_chinese_refusal_not_a_crash(tmp_path, monkeypatch, how):
    path = write_enterprises(tmp_path / "a.xlsx", [enterprise_row(1)])
    monkeypatch.setattr(sheetread, "_CHILD", _EXPLODING_READERS[how])

    with pytest.raises(ImportRejected) as info:
        sheetread.read_values(path, 0)

    assert "内存上限" in str(info.value)


def test_an_encrypted_workbook_is_refused_with_a_password_hint(tmp_path):
    from desktop.services.workbook import read_sheet

    fixture = REPO / "tests" / "workbook_fixtures" / "registry.xls"
    data = bytearray(fixture.read_bytes())
    # rename the Workbook stream's directory entry to EncryptedPackage (as Excel stores an
    # encrypted .xlsx): the compound file is then an encrypted workbook
    old, new = "Workbook".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le")
    at = data.find(old)
    data[at : at + len(new) + 2] = new + b"\0\0"
    data[at + 64 : at + 66] = (len(new) + 2).to_bytes(2, "little")
    path = tmp_path / "加密.xlsx"
    path.write_bytes(bytes(data))

    with pytest.raises(ImportRejected) as info:
        read_sheet(path, {"统一社会信用代码": ()}, ("统一社会信用代码",))

    assert "密码" in str(info.value)
