"""Workbooks that used to be stored wrong silently: each is now stored exactly right or refused by
row and column with nothing written (hidden columns, 万元, 合计 rows, codes turned into numbers,
registry workbooks with some columns only)."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from desktop.core.errors import ImportRejected
from desktop.services.importing import import_applications, import_enterprises
from desktop.services.registry import find_by_code
from tests.workbooks import (
    code,
    enterprise_name,
    enterprise_row,
    register_enterprises,
    snapshot,
    write_records,
    write_xlsx,
)


def _book(path, rows, *, hidden_columns=(), hidden_rows=()):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    for letter in hidden_columns:
        ws.column_dimensions[letter].hidden = True
    for number in hidden_rows:
        ws.row_dimensions[number].hidden = True
    wb.save(path)
    return path


def _refused(db, importer, path) -> ImportRejected:
    before = snapshot(db)
    with pytest.raises(ImportRejected) as info:
        importer(db, path)
    assert snapshot(db) == before
    return info.value


APP = ["统一社会信用代码", "企业名称", "条款编号", "事项日期"]


def _basis(db) -> list[int]:
    return [r[0] for r in db.query("SELECT basis_fen FROM applications ORDER BY id")]


# -- 企业名录: only the columns it has --------------------------------------------------------


def test_registry_without_scale_and_industry_columns_keeps_them(db, tmp_path):
    register_enterprises(db, [1])
    stored = find_by_code(db, code(1))
    assert stored is not None and stored.above_scale and stored.industry == "智能装备"
    path = write_records(
        tmp_path / "镇街名录.xlsx",
        ["统一社会信用代码", "企业名称", "所属镇街"],
        [enterprise_row(1, 企业名称="淄博改名新材料有限公司")],
    )

    preview = import_enterprises(db, path, dry_run=True)
    report = import_enterprises(db, path)

    after = find_by_code(db, code(1))
    assert report.updated == 1 and after is not None
    assert (after.name, after.above_scale, after.industry, after.contact, after.phone) == (
        "淄博改名新材料有限公司",
        True,
        "智能装备",
        stored.contact,
        stored.phone,
    )
    (change,) = preview.changes
    assert change.details == (f"企业名称：{enterprise_name(1)} → 淄博改名新材料有限公司",)


def test_empty_cells_in_present_optional_columns_leave_the_stored_values(db, tmp_path):
    register_enterprises(db, [1])
    row = enterprise_row(1, 是否规上=None, 四强产业="  ", 联系人=None, 联系电话=None)
    path = write_records(tmp_path / "a.xlsx", list(row), [row])

    report = import_enterprises(db, path)

    assert (report.updated, report.unchanged) == (0, 1)
    after = find_by_code(db, code(1))
    assert after is not None and after.above_scale and after.industry == "智能装备"


def test_only_the_credit_code_column_changes_nothing(db, tmp_path):
    register_enterprises(db, [1, 2])
    path = write_xlsx(tmp_path / "a.xlsx", ["统一社会信用代码"], [[code(1)], [code(2)]])
    before = snapshot(db)

    report = import_enterprises(db, path)

    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert snapshot(db) == before


def test_a_new_enterprise_without_town_is_refused_on_its_row(db, tmp_path):
    register_enterprises(db, [1])
    path = write_xlsx(
        tmp_path / "a.xlsx",
        ["统一社会信用代码", "企业名称"],
        [[code(1), enterprise_name(1)], [code(40), "淄博新公司"]],
    )

    error = _refused(db, import_enterprises, path)

    assert [(p.row, p.message) for p in error.problems] == [
        (3, f"统一社会信用代码{code(40)}尚未登记，新增企业须填写所属镇街")
    ]


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("6222 0216 0200 1234 567", "6222021602001234567"),
        ("3730-0100-0012", "373001000012"),
        (373001000012, "373001000012"),
    ],
)
def test_bank_account_spaces_and_dashes_are_removed(db, tmp_path, cell, stored):
    register_enterprises(db, [1])
    headers = ["统一社会信用代码", "开户银行", "银行账号", "账户名称"]
    path = write_xlsx(tmp_path / "a.xlsx", headers, [[code(1), "农行临淄支行", cell, "淄博某公司"]])

    import_enterprises(db, path)

    after = find_by_code(db, code(1))
    assert after is not None
    assert (after.bank_name, after.bank_account, after.account_name) == (
        "农行临淄支行",
        stored,
        "淄博某公司",
    )


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("1234", "8—32位数字"),
        ("6222-abc-0216", "8—32位数字"),
        (6.22202160200123e18, "存成了数字"),
    ],
)
def test_a_bad_bank_account_is_refused_naming_row_and_column(db, tmp_path, cell, fragment):
    register_enterprises(db, [1, 2])
    path = write_xlsx(
        tmp_path / "a.xlsx",
        ["统一社会信用代码", "银行账号"],
        [[code(1), "62220216"], [code(2), cell]],
    )

    error = _refused(db, import_enterprises, path)

    assert [p.row for p in error.problems] == [3]
    assert "银行账号" in error.problems[0].message and fragment in error.problems[0].message


@pytest.mark.parametrize("cell", [9.13703e17, 913703050000000000, "9.13703E+17"])
def test_credit_codes_turned_into_numbers_say_so(db, tmp_path, cell):
    path = write_xlsx(
        tmp_path / "a.xlsx",
        ["统一社会信用代码", "企业名称", "所属镇街"],
        [[cell, "淄博甲公司", "齐都镇"]],
    )

    error = _refused(db, import_enterprises, path)

    (problem,) = error.problems
    assert problem.row == 2
    for fragment in ("统一社会信用代码", "存成了数字", "已丢失", "文本"):
        assert fragment in problem.message
    assert "实际为" not in problem.message


# -- headers: visible columns only ---------------------------------------------------------------


def test_a_hidden_basis_column_in_wan_yuan_is_not_read(db, tmp_path):
    register_enterprises(db, [1])
    rows = [
        [*APP, "基数", "基数金额（元）"],
        [code(1), enterprise_name(1), "LZ41-2", date(2024, 3, 15), 320.5, 3_205_000],
    ]
    path = _book(tmp_path / "a.xlsx", rows, hidden_columns=["E"])

    report = import_applications(db, path)

    assert _basis(db) == [320_500_000]
    assert any("隐藏的E列“基数”未读取" in w for w in report.warnings)


def test_a_hidden_old_name_column_is_not_read(db, tmp_path):
    register_enterprises(db, [1])
    rows = [
        ["统一社会信用代码", "企业名称", "企业名称", "所属镇街"],
        [code(1), "淄博旧名称有限公司", "淄博新名称有限公司", "闻韶街道"],
    ]
    import_enterprises(db, _book(tmp_path / "a.xlsx", rows, hidden_columns=["B"]))

    after = find_by_code(db, code(1))
    assert after is not None and after.name == "淄博新名称有限公司"


def test_two_visible_columns_for_one_field_are_refused_naming_both(db, tmp_path):
    register_enterprises(db, [1])
    rows = [
        [*APP, "基数", "基数金额（元）"],
        [code(1), enterprise_name(1), "LZ41-2", date(2024, 3, 15), 320.5, 3_205_000],
    ]

    error = _refused(db, import_applications, _book(tmp_path / "a.xlsx", rows))

    message = error.file_message or ""
    assert "E列“基数”" in message and "F列“基数金额（元）”" in message and "第1行" in message


# -- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        (320.5, 320_500_000),
        ("320.5", 320_500_000),
        ("1,234.567891", 1_234_567_891),
        ("０．０００００１", 1),
        ("320.5万元", 320_500_000),  # a cell with its own unit keeps it
        ("3,205,000元", 320_500_000),
    ],
)
def test_basis_header_in_wan_yuan_is_converted_exactly(db, tmp_path, cell, fen):
    register_enterprises(db, [1])
    rows = [
        [*APP, "基数金额（万元）"],
        [code(1), enterprise_name(1), "LZ41-2", date(2024, 3, 15), cell],
    ]

    report = import_applications(db, _book(tmp_path / "a.xlsx", rows))

    assert _basis(db) == [fen]
    assert any("基数金额（万元）（E列）以万元为单位（见表头）" in w for w in report.warnings)


def test_more_than_six_decimals_in_wan_yuan_are_refused_naming_row_and_column(db, tmp_path):
    register_enterprises(db, [1])
    rows = [
        [*APP, "基数金额（万元）"],
        [code(1), enterprise_name(1), "LZ41-2", date(2024, 3, 15), "320.5"],
        [code(1), enterprise_name(1), "LZ41-2", date(2024, 4, 15), "0.1234567"],
    ]

    error = _refused(db, import_applications, _book(tmp_path / "a.xlsx", rows))

    (problem,) = error.problems
    assert problem.row == 3
    assert "基数金额（万元）" in problem.message and "六位小数" in problem.message


def test_unit_line_above_a_plain_basis_header(db, tmp_path):
    register_enterprises(db, [1])
    rows = [
        ["2024年资金到账表", None, None, None, "（金额单位：万元）"],
        [*APP, "基数金额"],
        [code(1), enterprise_name(1), "LZ41-2", date(2024, 3, 15), 320.5],
    ]

    report = import_applications(db, _book(tmp_path / "a.xlsx", rows))

    assert _basis(db) == [320_500_000]
    assert any("见第1行" in w for w in report.warnings)


def test_a_header_in_yuan_under_a_wan_yuan_line_is_refused(db, tmp_path):
    register_enterprises(db, [1])
    rows = [
        ["单位：万元"],
        [*APP, "基数金额（元）"],
        [code(1), enterprise_name(1), "LZ41-2", date(2024, 3, 15), 3_205_000],
    ]

    error = _refused(db, import_applications, _book(tmp_path / "a.xlsx", rows))

    assert "单位不一致" in (error.file_message or "")


def test_a_reporting_unit_line_is_not_a_money_unit(db, tmp_path):
    register_enterprises(db, [1])
    rows = [
        ["填报单位：元宝化工有限公司"],
        [*APP, "基数金额"],
        [code(1), enterprise_name(1), "LZ41-2", date(2024, 3, 15), 3_205_000],
    ]

    import_applications(db, _book(tmp_path / "a.xlsx", rows))

    assert _basis(db) == [320_500_000]


# -- 合计 rows, hidden rows ------------------------------------------------------------------------


def test_total_row_with_text_ends_the_data_and_the_signatures_are_not_read(db, tmp_path):
    rows = [
        ["序号", "统一社会信用代码", "企业名称", "所属镇街"],
        [1, code(1), enterprise_name(1), "辛店街道"],
        [2, code(2), enterprise_name(2), "齐都镇"],
        ["合  计", None, "共2户", None],
        [None, "制表人：王某", None, "审核人：李某"],
    ]

    report = import_enterprises(db, _book(tmp_path / "a.xlsx", rows))

    assert report.added == 2
    notice = next(w for w in report.warnings if "合计行" in w)
    assert "第4行" in notice and "第5行" in notice


@pytest.mark.parametrize("word", ["合计", "小计", "总计", "合计：", "总计（2户）"])
def test_total_words_end_the_data(db, tmp_path, word):
    rows = [
        ["统一社会信用代码", "企业名称", "所属镇街"],
        [code(1), enterprise_name(1), "辛店街道"],
        [word, "共1户", None],
        ["乱写的内容", None, None],
    ]

    report = import_enterprises(db, _book(tmp_path / "a.xlsx", rows))

    assert report.rows == 1


def test_hidden_rows_are_imported_and_named(db, tmp_path):
    rows = [["统一社会信用代码", "企业名称", "所属镇街"]] + [
        [code(n), enterprise_name(n), "辛店街道"] for n in range(1, 7)
    ]

    report = import_enterprises(db, _book(tmp_path / "a.xlsx", rows, hidden_rows=[3, 4, 5, 7]))

    assert report.added == 6
    assert any(w.startswith("第3—5、7行是隐藏行") for w in report.warnings)


def test_hidden_first_sheet_is_skipped_and_named(db, tmp_path):
    wb = Workbook()
    old = wb.active
    old.title = "旧名单"
    old.append(["统一社会信用代码", "企业名称", "所属镇街"])
    old.append([code(9), "不应导入的公司", "辛店街道"])
    old.sheet_state = "hidden"
    new = wb.create_sheet("名录")
    new.append(["统一社会信用代码", "企业名称", "所属镇街"])
    new.append([code(1), enterprise_name(1), "辛店街道"])
    wb.save(tmp_path / "a.xlsx")

    report = import_enterprises(db, tmp_path / "a.xlsx")

    assert find_by_code(db, code(9)) is None and find_by_code(db, code(1)) is not None
    assert any("隐藏的工作表“旧名单”" in w for w in report.warnings)
