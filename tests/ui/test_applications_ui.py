"""奖补事项: the form's method-dependent fields, amount parsing and the live preview."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate
from ui_helpers import CODE_A, CODE_B, NAME_A, NAME_B, add_application, last_message, type_text

from desktop.ui.service_gaps import list_applications

pytestmark = pytest.mark.gui


def open_form(window):
    view = window.go_to("奖补事项")
    return view, view.edit(None)


def fill(qtbot, dialog, name, code, rule, when):
    type_text(qtbot, dialog.enterprise, f"{name}（{code}）")
    dialog.rule.setCurrentIndex(dialog.rule.findData(rule))
    y, m, d = (int(x) for x in when.split("-"))
    dialog.event_date.setDate(QDate(y, m, d))


def test_preview_shows_the_worked_example_before_saving(qtbot, window, small_db):
    view, dialog = open_form(window)
    fill(qtbot, dialog, NAME_A, CODE_A, "LZ41-2", "2024-03-15")
    assert "已列入2024年度四强名单" in dialog.enterprise_status.text()
    assert "区财政按企业实际获得市级财政资金的30%" in dialog.clause.text()
    type_text(qtbot, dialog.basis.edit, "3,205,000.00")
    assert dialog.basis.parsed.text() == "= 3,205,000.00 元"
    qtbot.waitUntil(lambda: "961,500.00" in dialog.preview_amount.text(), timeout=2000)
    assert "3,205,000.00 元 × 30% = 961,500.00 元" in dialog.preview_text.text()
    assert list_applications(small_db, 2024) == []  # nothing written by the preview
    dialog.save()
    rows = list_applications(small_db, 2024)
    assert [(r.rule_code, r.basis_fen, r.preview_fen) for r in rows] == [
        ("LZ41-2", 320_500_000, 96_150_000)
    ]
    assert view.model.rowCount() == 1


def test_amounts_accept_wan_and_full_width_digits(qtbot, window):
    _view, dialog = open_form(window)
    type_text(qtbot, dialog.basis.edit, "３２０.５万")
    assert dialog.basis.parsed.text() == "= 3,205,000.00 元"
    dialog.basis.edit.clear()
    type_text(qtbot, dialog.basis.edit, "1,23")
    assert "千分位" in dialog.basis.parsed.text()


def test_preview_warns_when_the_enterprise_is_not_on_the_years_list(qtbot, window):
    _view, dialog = open_form(window)
    fill(qtbot, dialog, NAME_B, CODE_B, "LZ41-2", "2024-03-15")
    type_text(qtbot, dialog.basis.edit, "3205000")
    qtbot.waitUntil(lambda: "不予奖补" in dialog.preview_amount.text(), timeout=2000)
    assert "未列入2024年度四强企业名单" in dialog.preview_warnings.text()


def test_preview_warns_about_an_expired_policy(qtbot, window):
    _view, dialog = open_form(window)
    fill(qtbot, dialog, NAME_A, CODE_A, "LZ41-5A", "2026-03-01")
    type_text(qtbot, dialog.basis.edit, "100万")
    qtbot.waitUntil(
        lambda: "政策已于2025年12月31日到期" in dialog.preview_warnings.text(), timeout=2000
    )


def test_preview_warns_when_a_first_time_award_was_already_used(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-6B", "2022-04-01")
    _view, dialog = open_form(window)
    fill(qtbot, dialog, NAME_A, CODE_A, "LZ41-6B", "2024-04-01")
    dialog.update_preview()
    assert "不予奖补" in dialog.preview_amount.text()
    assert dialog.preview_warnings.text()


def test_fields_follow_the_rules_method(qtbot, window):
    _view, dialog = open_form(window)
    form = dialog.form

    def shown():
        return {
            name
            for name, widget in (
                ("basis", dialog.basis),
                ("level", dialog.level),
                ("manual", dialog.manual),
                ("document", dialog.document),
            )
            if form.isRowVisible(widget)
        }

    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-2"))
    assert shown() == {"basis"}
    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-6B"))
    assert shown() == set()
    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-9A"))
    assert shown() == set()
    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-10A"))
    assert shown() == {"level"}
    assert [dialog.level.itemText(i) for i in range(2)] == ["国家级", "省级"]
    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-7"))
    assert shown() == {"manual", "document"}
    assert dialog.description_label.text() == "核定说明（理由）"


def test_a_manual_rule_needs_an_amount(qtbot, window, small_db):
    _view, dialog = open_form(window)
    fill(qtbot, dialog, NAME_A, CODE_A, "LZ41-7", "2024-05-20")
    dialog.save()
    assert "须填写核定金额" in last_message() and dialog.isVisible()
    type_text(qtbot, dialog.manual.edit, "50万")
    type_text(qtbot, dialog.description, "五个优化项目")
    dialog.update_preview()
    assert "500,000.00" in dialog.preview_amount.text()
    dialog.save()
    assert [r.preview_fen for r in list_applications(small_db, 2024)] == [50_000_000]


def test_delete_an_application(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-6C", "2024-06-01")
    view = window.go_to("奖补事项")
    view.reload()
    assert view.model.rowCount() == 1
    view.delete(view.model.row(0).id)
    assert view.model.rowCount() == 0


def test_editing_an_application_loads_its_fields_and_saves_changes(qtbot, window, small_db):
    add_application(
        small_db, CODE_A, "LZ41-10A", "2024-06-06", level="省级", description="省级示范企业认定"
    )
    view = window.go_to("奖补事项")
    view.reload()
    dialog = view.edit(view.model.row(0))
    assert dialog.selected_code() == CODE_A
    assert dialog.rule.currentData() == "LZ41-10A" and dialog.level.currentText() == "省级"
    assert dialog.description.text() == "省级示范企业认定"  # the stored 事项说明 is read back
    dialog.level.setCurrentIndex(dialog.level.findText("国家级"))
    dialog.update_preview()
    assert "1,000,000.00" in dialog.preview_amount.text()
    dialog.save()
    assert [(r.level, r.preview_fen, r.description) for r in list_applications(small_db, 2024)] == [
        ("国家级", 100_000_000, "省级示范企业认定")
    ]


def test_importing_an_applications_workbook(qtbot, window, small_db, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(
        ["统一社会信用代码", "企业名称", "条款编号", "事项日期", "基数金额（元）", "市级政策文号"]
    )
    ws.append([CODE_A, NAME_A, "", "2024-03-15", "3,205,000.00", "淄政办字〔2021〕7号"])
    wb.save(tmp_path / "事项.xlsx")
    view = window.go_to("奖补事项")
    task = view.import_file(tmp_path / "事项.xlsx")
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    from desktop.ui.import_flow import open_done_dialogs, open_preview_dialogs

    preview = open_preview_dialogs()[-1]
    (line,) = preview.change_rows()
    assert line[3] == "新增" and "基数3,205,000.00元" in line[6]
    preview.accept()
    with qtbot.waitSignal(preview.write_task.finished, timeout=10_000):
        pass
    open_done_dialogs()[-1].reject()
    assert "奖补事项导入完成" in last_message()
    assert view.model.rowCount() == 1
    row = view.model.row(0)
    assert (row.rule_code, row.matched_code, row.preview_fen) == (None, "LZ41-2", 96_150_000)
