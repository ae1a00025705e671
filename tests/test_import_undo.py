"""撤销本次导入: the last import is undone as a whole while nothing later depends on it; a
preview's fingerprint guards the write."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.core import status
from desktop.core.errors import Conflict, NotFound
from desktop.services.applications import insert_applications, parse_application, registry_index
from desktop.services.awards import approve
from desktop.services.calculation import calculate_year
from desktop.services.catalogue import load_catalogue
from desktop.services.import_batches import last_batch, undo_last_import
from desktop.services.importing import (
    import_applications,
    import_enterprises,
    import_siqiang_list,
)
from desktop.services.registry import find_by_code, parse_enterprise, save_enterprise
from desktop.services.siqiang_lists import members, replace_list
from tests.cli_helpers import cli
from tests.workbooks import (
    application_row,
    code,
    enterprise_row,
    register_enterprises,
    row_counts,
    write_applications,
    write_enterprises,
    write_list,
)


def _data(db):
    """Everything an undo must restore: enterprises, lists, matters, awards."""
    return (
        [
            tuple(r)
            for r in db.query(
                "SELECT id, credit_code, name, town_id, above_scale, industry, contact, phone,"
                " bank_name, bank_account, account_name FROM enterprises ORDER BY id"
            )
        ],
        [tuple(r) for r in db.query("SELECT * FROM siqiang_list ORDER BY year, enterprise_id")],
        [tuple(r) for r in db.query("SELECT * FROM applications ORDER BY id")],
        [tuple(r) for r in db.query("SELECT * FROM awards ORDER BY id")],
    )


def _strip_times(data):
    return data[0], [r[:2] for r in data[1]], data[2], data[3]


def test_undoing_an_enterprise_import_removes_the_added_and_restores_the_changed(db, tmp_path):
    register_enterprises(db, range(3))
    before = _data(db)
    rows = [enterprise_row(0, 企业名称="淄博改名有限公司", 是否规上="否"), enterprise_row(7)]
    report = import_enterprises(db, write_enterprises(tmp_path / "a.xlsx", rows))
    assert report.batch_id is not None and find_by_code(db, code(7)) is not None

    undone = undo_last_import(db)

    assert find_by_code(db, code(7)) is None
    assert _strip_times(_data(db)) == _strip_times(before)
    assert "撤销完成" in undone.summary() and "企业名录" in undone.summary()
    assert last_batch(db) is None
    actions = [r[0] for r in db.query("SELECT action FROM change_log ORDER BY id DESC LIMIT 4")]
    assert actions[0] == "撤销导入" and "撤销导入修改" in actions and "删除企业" in actions


def test_an_enterprise_edited_after_the_import_blocks_the_undo(db, tmp_path):
    register_enterprises(db, range(3))
    import_enterprises(
        db, write_enterprises(tmp_path / "a.xlsx", [enterprise_row(0, 联系人="张三")])
    )
    stored = find_by_code(db, code(0))
    assert stored is not None
    edited = parse_enterprise(
        credit_code=code(0),
        name=stored.name,
        town=stored.town,
        contact="李四",
        known_towns=[stored.town],
    )
    save_enterprise(db, edited, enterprise_id=stored.id)
    counts = row_counts(db)

    with pytest.raises(Conflict) as info:
        undo_last_import(db)

    assert "不能撤销" in str(info.value) and code(0) in str(info.value)
    assert row_counts(db) == counts


def test_an_added_enterprise_with_a_matter_entered_since_blocks_the_undo(db, tmp_path):
    import_enterprises(db, write_enterprises(tmp_path / "a.xlsx", [enterprise_row(5)]))
    item = parse_application(
        credit_code=code(5),
        rule_code="LZ41-2",
        event_date=date(2024, 3, 15),
        basis="100000",
        registry=registry_index(db),
        catalogue=load_catalogue(db),
    )
    insert_applications(db, [item], source="录入")

    with pytest.raises(Conflict) as info:
        undo_last_import(db)

    assert f"导入新增的企业{code(5)}已有奖补事项" in str(info.value)
    assert find_by_code(db, code(5)) is not None


def test_undoing_a_list_import_restores_the_years_list(db, tmp_path):
    register_enterprises(db, range(5))
    ids = {r[1]: r[0] for r in db.query("SELECT id, credit_code FROM enterprises")}
    replace_list(db, 2024, {ids[code(0)], ids[code(1)]})
    import_siqiang_list(
        db,
        write_list(tmp_path / "l.xlsx", [{"统一社会信用代码": code(n)} for n in (1, 2, 3)]),
        year=2024,
    )
    assert {m.credit_code for m in members(db, 2024)} == {code(1), code(2), code(3)}

    undo_last_import(db)

    assert {m.credit_code for m in members(db, 2024)} == {code(0), code(1)}


def test_undoing_matters_deletes_their_draft_awards_but_not_after_approval(db, tmp_path):
    register_enterprises(db, range(3))
    ids = {r[1]: r[0] for r in db.query("SELECT id, credit_code FROM enterprises")}
    replace_list(db, 2024, set(ids.values()))
    path = write_applications(tmp_path / "a.xlsx", [application_row(n) for n in range(3)])
    import_applications(db, path)
    calculate_year(db, 2024)
    assert db.scalar("SELECT count(*) FROM awards") > 0

    undo_last_import(db)

    assert row_counts(db)["applications"] == 0 and row_counts(db)["awards"] == 0

    import_applications(db, path)
    calculate_year(db, 2024)
    approve(db, 2024)
    assert db.scalar("SELECT count(*) FROM awards WHERE status = ?", (status.APPROVED,))
    with pytest.raises(Conflict) as info:
        undo_last_import(db)
    assert "审核" in str(info.value)
    assert row_counts(db)["applications"] == 3


def test_nothing_to_undo_says_so(db):
    with pytest.raises(NotFound) as info:
        undo_last_import(db)
    assert "没有可以撤销的导入" in str(info.value)


def test_a_preview_fingerprint_that_no_longer_matches_writes_nothing(db, tmp_path):
    path = write_enterprises(tmp_path / "a.xlsx", [enterprise_row(n) for n in range(3)])
    preview = import_enterprises(db, path, dry_run=True)
    write_enterprises(path, [enterprise_row(n) for n in range(4)])  # the file changed meanwhile
    counts = row_counts(db)

    with pytest.raises(Conflict) as info:
        import_enterprises(db, path, expect=preview.fingerprint)

    assert "预览之后已有变动" in str(info.value)
    assert row_counts(db) == counts
    write_enterprises(path, [enterprise_row(n) for n in range(3)])
    assert import_enterprises(db, path, expect=preview.fingerprint).added == 3


def test_cli_import_undo(capsys, tmp_path):
    db_path = tmp_path / "cli.db"
    book = write_enterprises(tmp_path / "a.xlsx", [enterprise_row(1)])
    assert cli(capsys, db_path, "init")[0] == 0
    status_code, out, _err = cli(capsys, db_path, "import", "enterprises", str(book))
    assert status_code == 0 and "import undo" in out

    status_code, out, _err = cli(capsys, db_path, "import", "undo", "--dry-run")
    assert status_code == 0 and "可以撤销" in out
    status_code, out, _err = cli(capsys, db_path, "import", "undo")
    assert status_code == 0 and "撤销完成" in out
    status_code, _out, err = cli(capsys, db_path, "import", "undo")
    assert status_code != 0 and "没有可以撤销的导入" in err
