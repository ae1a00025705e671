"""Happy paths of the three imports of interfaces.md (企业名录, 四强企业名单, 奖补事项)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from desktop.services.calculation import calculate_year
from desktop.services.importing import (
    import_applications,
    import_enterprises,
    import_siqiang_list,
)
from desktop.services.siqiang_lists import members, replace_list
from tests.workbooks import (
    APPLICATION_HEADERS,
    application_row,
    code,
    enterprise_name,
    enterprise_row,
    register_enterprises,
    row_counts,
    snapshot,
    write_applications,
    write_enterprises,
    write_list,
    write_records,
    write_xlsx,
)


def _names(db) -> dict[str, str]:
    return {r[0]: r[1] for r in db.query("SELECT credit_code, name FROM enterprises")}


def _list_codes(db, year: int) -> set[str]:
    return {m.credit_code for m in members(db, year)}


def _enterprise_id(db, n: int) -> int:
    return db.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (code(n),))


# -- 企业名录 ---------------------------------------------------------------------------------


def test_enterprise_import_inserts_every_row(db, tmp_path):
    path = write_enterprises(tmp_path / "企业.xlsx", [enterprise_row(n) for n in range(5)])

    report = import_enterprises(db, path)

    assert (report.rows, report.added, report.updated, report.unchanged) == (5, 5, 0, 0)
    assert not report.dry_run
    assert _names(db) == {code(n): enterprise_name(n) for n in range(5)}
    row = db.one(
        "SELECT e.above_scale, e.industry, e.contact, e.phone, t.name AS town FROM enterprises e"
        " JOIN towns t ON t.id = e.town_id WHERE e.credit_code = ?",
        (code(1),),
    )
    expected = enterprise_row(1)
    assert row["town"] == expected["所属镇街"]
    assert row["above_scale"] == 1
    assert row["industry"] == expected["四强产业"]
    assert (row["contact"], row["phone"]) == (expected["联系人"], expected["联系电话"])


def test_second_enterprise_import_upserts_by_credit_code(db, tmp_path):
    write_enterprises(tmp_path / "a.xlsx", [enterprise_row(n) for n in range(5)])
    import_enterprises(db, tmp_path / "a.xlsx")
    renamed = enterprise_row(4, 企业名称="淄博改名后的新材料有限公司")
    write_enterprises(
        tmp_path / "b.xlsx", [enterprise_row(n) for n in range(4)] + [renamed, enterprise_row(5)]
    )

    report = import_enterprises(db, tmp_path / "b.xlsx")

    assert (report.rows, report.added, report.updated, report.unchanged) == (6, 1, 1, 4)
    assert row_counts(db)["enterprises"] == 6
    assert _names(db)[code(4)] == "淄博改名后的新材料有限公司"
    log = db.one(
        "SELECT old_values, new_values FROM change_log WHERE action = '导入修改' AND row_key = ?",
        (code(4),),
    )
    assert enterprise_name(4) in log["old_values"]
    assert "淄博改名后的新材料有限公司" in log["new_values"]


def test_reimporting_an_unchanged_enterprise_file_changes_nothing(db, tmp_path):
    path = write_enterprises(tmp_path / "a.xlsx", [enterprise_row(n) for n in range(3)])
    import_enterprises(db, path)
    before = snapshot(db)

    report = import_enterprises(db, path)

    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot(db) == before


def test_enterprise_header_synonyms_spaces_and_extra_columns(db, tmp_path):
    headers = [" 信用代码 ", "单位名称", "镇街", "是否规模以上", "产业", "备注（忽略）"]
    rows = [
        [code(1), "淄博甲新材料有限公司", "辛店街道", "是", "新材料", "随便写"],
        [code(2), "淄博乙医药有限公司", "齐都镇", "否", "新医药", None],
    ]
    write_xlsx(tmp_path / "名录.xlsx", headers, rows)

    report = import_enterprises(db, tmp_path / "名录.xlsx")

    assert report.added == 2
    assert _names(db) == {code(1): "淄博甲新材料有限公司", code(2): "淄博乙医药有限公司"}
    industry = db.scalar("SELECT industry FROM enterprises WHERE credit_code = ?", (code(2),))
    assert industry == "医药健康"  # 新医药 is the policy's other name for 医药健康


def test_full_width_credit_code_is_normalised(db, tmp_path):
    full_width = code(3).translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}
    )
    write_enterprises(tmp_path / "a.xlsx", [enterprise_row(3, 统一社会信用代码=f" {full_width} ")])

    import_enterprises(db, tmp_path / "a.xlsx")

    assert list(_names(db)) == [code(3)]


def test_header_row_below_a_title_block_and_blank_lines_are_skipped(db, tmp_path):
    rows = [
        ["临淄区四强产业企业名录（2024年）"],
        [],
        ["统一社会信用代码", "企业名称", "所属镇街"],
        [code(1), enterprise_name(1), "辛店街道"],
        [],
        [code(2), enterprise_name(2), "闻韶街道"],
    ]
    write_xlsx(tmp_path / "a.xlsx", None, rows)

    report = import_enterprises(db, tmp_path / "a.xlsx")

    assert report.rows == 2
    assert set(_names(db)) == {code(1), code(2)}


# -- 四强企业名单 -----------------------------------------------------------------------------


def test_list_import_replaces_the_years_list_and_reports_added_and_dropped(db, tmp_path):
    register_enterprises(db, range(8))
    replace_list(db, 2023, {_enterprise_id(db, n) for n in (0, 1)})
    write_list(tmp_path / "2024a.xlsx", [{"统一社会信用代码": code(n)} for n in range(4)])
    first = import_siqiang_list(db, tmp_path / "2024a.xlsx", year=2024)
    assert [(c.year, len(c.added), len(c.dropped)) for c in first.list_changes] == [(2024, 4, 0)]

    write_list(tmp_path / "2024b.xlsx", [{"统一社会信用代码": code(n)} for n in (2, 3, 4, 5)])
    report = import_siqiang_list(db, tmp_path / "2024b.xlsx", year=2024)

    (change,) = report.list_changes
    assert change.year == 2024
    assert {m.credit_code for m in change.added} == {code(4), code(5)}
    assert {m.credit_code for m in change.dropped} == {code(0), code(1)}
    assert change.kept == 2 and change.total == 4
    assert "新增2户" in report.summary() and "移出2户" in report.summary()
    assert _list_codes(db, 2024) == {code(n) for n in (2, 3, 4, 5)}
    assert _list_codes(db, 2023) == {code(0), code(1)}  # another year's list is untouched


def test_list_import_by_year_column(db, tmp_path):
    register_enterprises(db, range(4))
    rows = [
        {"统一社会信用代码": code(0), "年度": 2023},
        {"统一社会信用代码": code(1), "年度": "2023年"},
        {"统一社会信用代码": code(1), "年度": "2024"},
        {"统一社会信用代码": code(2), "年度": 2024.0},
    ]
    write_records(tmp_path / "名单.xlsx", ["统一社会信用代码", "企业名称", "年度"], rows)

    report = import_siqiang_list(db, tmp_path / "名单.xlsx")

    assert [c.year for c in report.list_changes] == [2023, 2024]
    assert _list_codes(db, 2023) == {code(0), code(1)}
    assert _list_codes(db, 2024) == {code(1), code(2)}


def test_list_import_with_a_differing_name_warns_but_lists_by_code(db, tmp_path):
    register_enterprises(db, [1])
    write_list(tmp_path / "名单.xlsx", [{"统一社会信用代码": code(1), "企业名称": "简称公司"}])

    report = import_siqiang_list(db, tmp_path / "名单.xlsx", year=2024)

    assert _list_codes(db, 2024) == {code(1)}
    assert len(report.warnings) == 1 and "第2行" in report.warnings[0]


# -- 奖补事项 ---------------------------------------------------------------------------------


def test_application_import_stores_rows(db, tmp_path):
    register_enterprises(db, range(3))
    write_applications(tmp_path / "事项.xlsx", [application_row(n) for n in range(3)])

    report = import_applications(db, tmp_path / "事项.xlsx")

    assert (report.rows, report.added, report.duplicates) == (3, 3, [])
    rows = db.query("SELECT rule_code, event_date, basis_fen FROM applications ORDER BY basis_fen")
    assert [tuple(r) for r in rows] == [
        ("LZ41-2", "2024-03-15", (1_000_000 + n) * 100) for n in range(3)
    ]


@pytest.mark.parametrize(
    "header", ["基数金额（元）", "基数金额(元)", "基数金额(元）", " 基数金额 （元） ", "基数金额"]
)
def test_basis_header_bracket_styles_and_synonyms(db, tmp_path, header):
    register_enterprises(db, [1])
    headers = ["信用代码", "单位名称", "条款编号", "事项日期", header]
    write_xlsx(
        tmp_path / "a.xlsx",
        headers,
        [[code(1), enterprise_name(1), "LZ41-2", date(2024, 3, 15), 3_205_000]],
    )

    import_applications(db, tmp_path / "a.xlsx")

    assert db.scalar("SELECT basis_fen FROM applications") == 320_500_000


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        (1500000, 150_000_000),
        (123456.78, 12_345_678),
        (105.02, 10_502),
        ("1,234,567.89", 123_456_789),
        ("１２３４５６", 12_345_600),
        ("１，２３４，５６７．８９", 123_456_789),
        ("300万", 300_000_000),
        ("320.5万元", 320_500_000),
        (" 2,000,000.00元 ", 200_000_000),
    ],
)
def test_amount_formats(db, tmp_path, cell, fen):
    register_enterprises(db, [1])
    write_applications(tmp_path / "a.xlsx", [application_row(1, **{"基数金额（元）": cell})])

    import_applications(db, tmp_path / "a.xlsx")

    assert db.scalar("SELECT basis_fen FROM applications") == fen


@pytest.mark.parametrize(
    "cell",
    [
        date(2024, 3, 15),
        datetime(2024, 3, 15, 10, 30),
        45366,  # the Excel serial number of 2024-03-15 in a General-formatted cell
        "2024-03-15",
        "2024/3/15",
        "2024年3月15日",
        "２０２４年３月１５日",
        " 2024-3-15 ",
    ],
)
def test_date_formats(db, tmp_path, cell):
    register_enterprises(db, [1])
    write_applications(tmp_path / "a.xlsx", [application_row(1, 事项日期=cell)])

    import_applications(db, tmp_path / "a.xlsx")

    assert db.scalar("SELECT event_date FROM applications") == "2024-03-15"


@pytest.mark.parametrize("with_rule_column", [True, False])
def test_application_without_rule_code_but_with_city_document(db, tmp_path, with_rule_column):
    register_enterprises(db, [1])
    replace_list(db, 2024, {_enterprise_id(db, 1)})
    headers = ["统一社会信用代码", "企业名称", "事项日期", "基数金额（元）", "市级政策文号"]
    if with_rule_column:
        headers.insert(2, "条款编号")
    row = application_row(1, 条款编号=None, 市级政策文号="淄政办字〔2021〕7号")
    row["基数金额（元）"] = 3_205_000
    write_records(tmp_path / "a.xlsx", headers, [row])

    import_applications(db, tmp_path / "a.xlsx")
    calculate_year(db, 2024)

    stored = db.one("SELECT rule_code, city_document FROM applications")
    assert stored["rule_code"] is None
    assert stored["city_document"] == "淄政办字〔2021〕7号"
    award = db.one("SELECT rule_code, amount_fen FROM awards WHERE year = 2024")
    assert (award["rule_code"], award["amount_fen"]) == ("LZ41-2", 96_150_000)


def test_level_and_manual_rules(db, tmp_path):
    register_enterprises(db, [1])
    headers = [*APPLICATION_HEADERS, "核定金额（元）"]
    rows = [
        application_row(1, 条款编号="LZ41-10A", **{"基数金额（元）": None, "认定级别": "省级"}),
        application_row(1, 条款编号="LZ41-10B", **{"基数金额（元）": None, "认定级别": "市"}),
        application_row(
            1, 条款编号="LZ41-1B", **{"基数金额（元）": None, "核定金额（元）": "12万"}
        ),
        application_row(1, 条款编号="lz41-6c", **{"基数金额（元）": None}),
    ]
    write_records(tmp_path / "a.xlsx", headers, rows)

    report = import_applications(db, tmp_path / "a.xlsx")

    assert report.added == 4
    stored = db.query(
        "SELECT rule_code, level, manual_amount_fen FROM applications ORDER BY rule_code"
    )
    assert [tuple(r) for r in stored] == [
        ("LZ41-10A", "省级", None),
        ("LZ41-10B", "市级", None),
        ("LZ41-1B", None, 12_000_000),
        ("LZ41-6C", None, None),
    ]


def test_importing_the_same_applications_twice_changes_nothing(db, tmp_path):
    register_enterprises(db, range(3))
    path = write_applications(tmp_path / "事项.xlsx", [application_row(n) for n in range(3)])
    import_applications(db, path)
    before = snapshot(db)

    report = import_applications(db, path)

    assert report.added == 0
    assert report.duplicates == [2, 3, 4]
    assert "重复3条" in report.summary()
    assert snapshot(db) == before


def test_partly_known_applications_store_only_the_new_rows(db, tmp_path):
    register_enterprises(db, range(4))
    import_applications(db, write_applications(tmp_path / "a.xlsx", [application_row(0)]))
    # the same matter typed differently (text date, separators) is still the same matter
    same = application_row(0, 事项日期="2024年3月15日", **{"基数金额（元）": "1,000,000.00"})
    path = write_applications(tmp_path / "b.xlsx", [application_row(1), same, application_row(2)])

    report = import_applications(db, path)

    assert report.duplicates == [3]
    assert report.added == 2
    assert row_counts(db)["applications"] == 3


def _prepare_all(db, tmp_path):
    register_enterprises(db, range(4))
    replace_list(db, 2024, {_enterprise_id(db, 0)})
    return {
        "enterprises": write_enterprises(
            tmp_path / "e.xlsx", [enterprise_row(0, 企业名称="新名称有限公司"), enterprise_row(9)]
        ),
        "list": write_list(tmp_path / "l.xlsx", [{"统一社会信用代码": code(n)} for n in (1, 2)]),
        "applications": write_applications(tmp_path / "a.xlsx", [application_row(1)]),
    }


@pytest.mark.parametrize("kind", ["enterprises", "list", "applications"])
def test_dry_run_writes_nothing(db, tmp_path, kind):
    paths = _prepare_all(db, tmp_path)
    before = snapshot(db)

    if kind == "enterprises":
        report = import_enterprises(db, paths[kind], dry_run=True)
        assert (report.added, report.updated) == (1, 1)
    elif kind == "list":
        report = import_siqiang_list(db, paths[kind], year=2024, dry_run=True)
        (change,) = report.list_changes
        assert [m.credit_code for m in change.dropped] == [code(0)]
        assert {m.credit_code for m in change.added} == {code(1), code(2)}
    else:
        report = import_applications(db, paths[kind], dry_run=True)
        assert report.added == 1

    assert report.dry_run and report.backup is None
    assert "试运行" in report.summary()
    assert snapshot(db) == before


def test_enterprise_dry_run_predicts_the_real_import(db, tmp_path):
    write_enterprises(tmp_path / "a.xlsx", [enterprise_row(n) for n in range(3)])
    import_enterprises(db, tmp_path / "a.xlsx")
    write_enterprises(
        tmp_path / "b.xlsx",
        [enterprise_row(0), enterprise_row(1, 企业名称="改名有限公司"), enterprise_row(7)],
    )

    dry = import_enterprises(db, tmp_path / "b.xlsx", dry_run=True)
    real = import_enterprises(db, tmp_path / "b.xlsx")

    assert (real.added, real.updated, real.unchanged) == (1, 1, 1)
    assert (dry.added, dry.updated, dry.unchanged) == (real.added, real.updated, real.unchanged)
