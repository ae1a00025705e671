"""政策规则: drafting a version, the draft editor (clause list, clause text, the method's own
parameter fields, conditions as check boxes, city documents), adding and retiring clauses, 试算
with its comparison and chart, 发布, the 典型案例 list and the expiry notices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from ui_helpers import answer, last_message, type_text

from desktop.core.methods import METHODS
from desktop.services.catalogue import policy_version, policy_versions, rules_of_version
from desktop.services.policy_drafts import create_draft
from desktop.ui.draft_editor import AddClauseDialog, DraftEditor

pytestmark = pytest.mark.gui
DOC = "临政字〔2026〕8号"


def rules_of(db, version_id):
    return {r.code: r for r in rules_of_version(db, version_id)}


def new_draft(qtbot, window) -> DraftEditor:
    view = window.go_to("政策规则")
    dialog = view.copy_selected()
    type_text(qtbot, dialog.doc_number, DOC)
    assert dialog.save()
    editor = view._dialogs[-1]
    assert isinstance(editor, DraftEditor)
    return editor


def test_a_draft_is_made_from_a_version_and_its_clauses_edited(qtbot, window, small_db):
    editor = new_draft(qtbot, window)
    view = window.go_to("政策规则")
    assert [(v.doc_number, v.status) for v in policy_versions(small_db)] == [
        ("临政字〔2021〕41号", "已发布"),
        (DOC, "草拟"),
    ]
    assert editor.rule_model.rowCount() == 20
    editor.select_rule("LZ41-2")
    rate = editor.editor.param_edits["rate"]
    assert rate.text() == "30%"
    rate.clear()
    qtbot.keyClicks(rate, "25%")
    editor.editor.text.setPlainText("对获得市级扶持资金的“四强”企业，按25%给予配套奖励。")
    assert editor.editor.error.text() == ""
    assert editor.save_clause()
    saved = rules_of(small_db, editor.draft_id)["LZ41-2"]
    assert Decimal(saved.params["rate"]) == Decimal("0.25")
    assert saved.clause_text == "对获得市级扶持资金的“四强”企业，按25%给予配套奖励。"
    assert Decimal(rules_of(small_db, 1)["LZ41-2"].params["rate"]) == Decimal("0.3")
    assert "典型案例" in editor.cases.text()
    assert view.versions.rowCount() == 2


def test_a_bad_rate_is_shown_at_once_and_refused_on_save(qtbot, window, small_db):
    editor = new_draft(qtbot, window)
    editor.select_rule("LZ41-2")
    rate = editor.editor.param_edits["rate"]
    rate.clear()
    qtbot.keyClicks(rate, "150%")
    assert "不超过100%" in editor.editor.error.text()
    assert not editor.save_clause()
    assert "不超过100%" in last_message()
    assert Decimal(rules_of(small_db, editor.draft_id)["LZ41-2"].params["rate"]) == Decimal("0.3")
    editor.editor.load(editor.editor.rule)  # 还原


def test_the_parameter_fields_are_the_methods_own(qtbot, window):
    editor = new_draft(qtbot, window)
    for code, method_key in (
        ("LZ41-6B", "fixed"),
        ("LZ41-10A", "level"),
        ("LZ41-9A", "installments"),
    ):
        editor.select_rule(code)
        fields = editor.editor.param_edits
        assert list(fields) == [s.key for s in METHODS[method_key].all_specs()]
    editor.select_rule("LZ41-2")
    assert editor.editor.param_edits["cap"].text() == "1,500,000.00"
    assert editor.editor.param_edits["cap_scope"].currentText() == "每户企业每年度按本条款累计"
    editor.editor.method.setCurrentIndex(editor.editor.method.findData("fixed"))
    assert list(editor.editor.param_edits) == ["amount", "fund_source"]
    assert "奖励金额" in editor.editor.error.text()  # a fixed award needs its amount
    editor.editor.load(editor.editor.rule)


def test_conditions_are_check_boxes_and_city_documents_a_list(qtbot, window, small_db):
    editor = new_draft(qtbot, window)
    editor.select_rule("LZ41-3")
    boxes = editor.editor.conditions
    assert {k for k, b in boxes.items() if b.isChecked()} == {
        "above_scale",
        "newly_listed",
        "first_time",
    }
    boxes["first_time"].setChecked(False)
    editor.select_rule("LZ41-2")  # moving on saves the clause
    assert rules_of(small_db, editor.draft_id)["LZ41-3"].conditions == (
        "above_scale",
        "newly_listed",
    )
    assert editor.editor.documents.text() == "淄政办字〔2021〕7号"
    editor.editor.documents.setText("淄政办字〔2021〕7号、淄政办字〔2026〕3号")
    assert editor.save_clause()
    assert rules_of(small_db, editor.draft_id)["LZ41-2"].city_documents == (
        "淄政办字〔2021〕7号",
        "淄政办字〔2026〕3号",
    )


def test_a_clause_is_added_and_another_retired(qtbot, window, small_db):
    editor = new_draft(qtbot, window)
    dialog = editor.add_clause()
    assert isinstance(dialog, AddClauseDialog)
    form = dialog.editor
    form.code.setText("LZ41-11")
    form.clause.setText("三（十一）")
    type_text(qtbot, form.name, "首次认定专精特新小巨人企业")
    form.method.setCurrentIndex(form.method.findData("fixed"))
    form.set_param("amount", "50万")
    form.conditions["first_time"].setChecked(True)
    form.text.setPlainText("对首次认定为国家级专精特新“小巨人”的企业，给予50万元一次性奖励。")
    assert dialog.save()
    added = rules_of(small_db, editor.draft_id)["LZ41-11"]
    assert (added.method, added.params, added.conditions) == (
        "fixed",
        {"amount": "500000.00"},
        ("first_time",),
    )
    assert editor.editor.rule.code == "LZ41-11"
    editor.select_rule("LZ41-7")
    editor.retire_selected()
    answer("Yes")
    assert "LZ41-7" not in rules_of(small_db, editor.draft_id)
    assert editor.rule_model.rowCount() == 20


def test_whatif_shows_the_comparison_and_a_chart_and_exports_it(
    qtbot, demo_window, demo_db, tmp_path
):
    from desktop.services.policy_drafts import set_draft
    from desktop.ui.whatif_dialog import WhatIfDialog

    draft_id = create_draft(demo_db, 1, doc_number=DOC, valid_from="2026-01-01")
    set_draft(demo_db, draft_id, ["LZ41-5A.rate=25%"])
    view = demo_window.go_to("政策规则")
    view.select_version(draft_id)
    dialog = view.open_whatif()
    assert isinstance(dialog, WhatIfDialog) and dialog.version.currentData() == draft_id
    dialog.year.setValue(2026)
    task = dialog.start()
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    result = dialog.result
    assert result.now_fen < result.trial_fen and "试算合计" in dialog.heading.text()
    codes = [dialog.rules.row(i).key for i in range(dialog.rules.rowCount())]
    assert "LZ41-5A" in codes
    assert dialog.enterprises.rowCount() == len(result.enterprises) > 0
    dialog.tabs.setCurrentIndex(3)
    assert dialog.chart_view is not None and dialog.chart_view.chart().series()
    path = dialog.export(tmp_path / "试算.xlsx")
    assert path is not None and load_workbook(path).sheetnames[0] == "汇总"


def test_publish_from_the_editor_puts_the_draft_in_force(qtbot, window, small_db):
    editor = new_draft(qtbot, window)
    editor.publish()
    answer("Yes")
    assert policy_version(small_db, editor.draft_id).status == "已发布"
    assert f"已发布 {DOC}" in last_message()


def test_the_cases_tab_lists_the_worked_examples_and_which_hold(qtbot, window, small_db):
    from desktop.services.policy_drafts import publish_version

    view = window.go_to("政策规则")
    view.tabs.setCurrentIndex(1)
    assert view.cases.rowCount() == 6
    assert {view.cases.data(view.cases.index(r, 4)) for r in range(6)} == {"成立"}
    draft_id = create_draft(small_db, 1, doc_number=DOC, valid_from="2026-01-01")
    publish_version(small_db, draft_id)
    window.ctx.notify("policies")
    results = {view.cases.row(r).name: view.cases.data(view.cases.index(r, 4)) for r in range(6)}
    assert results["LZ41-5A 事项日期在政策到期之后"] == "不再成立"
    assert "6个中1个不再成立" in view.case_heading.text()


def test_a_case_is_added_through_its_form(qtbot, window, small_db):
    from desktop.services.cases import list_cases

    view = window.go_to("政策规则")
    dialog = view.open_case(None)
    type_text(qtbot, dialog.name, "LZ41-6C 智慧工厂")
    dialog.set_cell(dialog.matters, 0, 0, "LZ41-6C")
    dialog.set_cell(dialog.matters, 0, 1, "2024-05-01")
    dialog.set_cell(dialog.expected, 0, 0, "1")
    dialog.set_cell(dialog.expected, 0, 1, "2024")
    dialog.set_cell(dialog.expected, 0, 2, "30万")
    assert dialog.save()
    case = list_cases(small_db)[-1]
    assert case.name == "LZ41-6C 智慧工厂" and case.expected[0].amount_fen == 30_000_000
    assert view.cases.rowCount() == 7


def test_the_expiry_is_said_on_the_policy_page_and_in_the_status_bar(
    qtbot, small_db, settings, monkeypatch
):
    from ui_helpers import make_window

    from desktop.services import catalogue

    monkeypatch.setattr(catalogue, "today_date", lambda: date(2025, 11, 15))
    window = make_window(qtbot, small_db, settings, 2024)
    view = window.go_to("政策规则")
    assert "将于2025年12月31日到期（还有46天）" in view.notice.text()
    assert "将于2025年12月31日到期" in window.policy_label.text()
    monkeypatch.setattr(catalogue, "today_date", lambda: date(2026, 12, 1))
    window.ctx.notify("policies")
    assert "已于2025年12月31日到期，需录入继任政策（自2026年1月1日起）" in view.notice.text()
    start = window.go_to("待办")
    assert "已于2025年12月31日到期" in start.policy_notice.text()
    draft_id = create_draft(small_db, 1, doc_number=DOC, valid_from="2026-01-01")
    from desktop.services.policy_drafts import publish_version

    publish_version(small_db, draft_id)
    window.ctx.notify("policies")
    assert start.policy_notice.text() == "" and window.policy_label.text() == ""
