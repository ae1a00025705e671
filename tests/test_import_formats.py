"""Workbooks as offices send them, written by LibreOffice (tests/workbook_fixtures, made by its
make_fixtures.py): .xlsx, .xls, .ods and CSV in UTF-8, UTF-8 with BOM, GBK and GB18030 go through
the same path and are stored exactly alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.services.importing import import_applications, import_enterprises
from tests.workbooks import code, enterprise_name, register_enterprises

FIXTURES = Path(__file__).resolve().parent / "workbook_fixtures"
FORMATS = ["xlsx", "xls", "ods", "utf8.csv", "utf8bom.csv", "gbk.csv", "gb18030.csv"]


def _fixture(stem: str, fmt: str) -> Path:
    return FIXTURES / (f"{stem}.{fmt}" if "." not in fmt else f"{stem}-{fmt}")


def _enterprise(db, n: int):
    return db.one(
        "SELECT e.*, t.name AS town FROM enterprises e JOIN towns t ON t.id = e.town_id"
        " WHERE credit_code = ?",
        (code(n),),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_township_registry_in_every_format_updates_only_its_columns(db, tmp_path, fmt):
    register_enterprises(db, [1, 2])  # 1: 是否规上 是, 四强产业 智能装备; 2: 是, 医药健康
    before = {n: dict(_enterprise(db, n)) for n in (1, 2)}

    report = import_enterprises(db, _fixture("registry", fmt))

    assert (report.rows, report.added, report.updated, report.unchanged) == (3, 1, 1, 1)
    one = _enterprise(db, 1)
    assert (one["bank_name"], one["bank_account"]) == (
        "中国工商银行临淄支行",
        "1603001209200123456",
    )
    for n in (1, 2):  # the workbook has no 是否规上 / 四强产业 column: they stay as stored
        row = _enterprise(db, n)
        for column in ("above_scale", "industry", "contact", "phone", "town_id", "name"):
            assert row[column] == before[n][column]
    assert _enterprise(db, 2)["bank_account"] is None  # an empty cell leaves it (it was empty)
    new = _enterprise(db, 3)
    assert (new["name"], new["town"], new["above_scale"], new["industry"]) == (
        "淄博新登记化工有限公司",
        "辛店街道",
        0,
        None,
    )
    assert new["bank_account"] == "373001000012"  # 3730-0100-0012
    assert any("第6行是合计行" in w and "第7行" in w and "落款" in w for w in report.warnings)
    hidden = [w for w in report.warnings if "隐藏行" in w]
    if fmt in ("xlsx", "xls", "ods"):
        assert hidden and hidden[0].startswith("第4行是隐藏行")
    else:
        assert not hidden  # CSV has no hidden rows
    if fmt in ("gbk.csv", "gb18030.csv"):
        assert any("GBK" in w for w in report.warnings)


@pytest.mark.parametrize("fmt", FORMATS)
def test_basis_in_wan_yuan_from_the_unit_line_is_stored_exactly_in_yuan(db, fmt):
    register_enterprises(db, [1, 2])

    report = import_applications(db, _fixture("applications-wan", fmt))

    stored = db.query("SELECT basis_fen FROM applications ORDER BY basis_fen DESC")
    assert [r[0] for r in stored] == [320_500_000, 12_345_678]  # 3,205,000.00 and 123,456.78 元
    assert any("以万元为单位" in w and "第2行" in w for w in report.warnings)
    assert any("第6行是合计行" in w for w in report.warnings)  # the 小计 row is not a matter


def test_the_fixtures_name_the_enterprises_of_the_test_registry():
    text = _fixture("registry", "utf8.csv").read_text(encoding="utf-8")
    assert code(1) in text and enterprise_name(1) in text


def test_csv_codes_kept_as_text_with_an_equals_sign_are_read(db, tmp_path):
    path = tmp_path / "名录.csv"
    path.write_text(
        f'统一社会信用代码,企业名称,所属镇街\n="{code(1)}",{enterprise_name(1)},辛店街道\n',
        encoding="gbk",
    )

    report = import_enterprises(db, path)

    assert report.added == 1
    assert db.scalar("SELECT credit_code FROM enterprises") == code(1)


def test_csv_codes_in_scientific_notation_say_they_were_stored_as_numbers(db, tmp_path):
    path = tmp_path / "名录.csv"
    path.write_text(
        "统一社会信用代码,企业名称,所属镇街\n9.13703E+17,淄博甲公司,辛店街道\n", "utf-8-sig"
    )

    from desktop.core.errors import ImportRejected

    with pytest.raises(ImportRejected) as info:
        import_enterprises(db, path)

    (problem,) = info.value.problems
    assert problem.row == 2 and "存成了数字" in problem.message
