"""企业名录: the lazy registry model, search-as-you-type, and the enterprise form."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from ui_helpers import CODE_A, NAME_A, last_message, type_text

from desktop.core.creditcode import make_credit_code
from desktop.services import registry
from desktop.ui.models import EnterpriseTableModel

pytestmark = pytest.mark.gui


def test_registry_model_passes_the_model_tester(qtmodeltester, demo_db):
    model = EnterpriseTableModel(lambda ids: registry.enterprises_by_ids(demo_db, ids))
    model.set_ids(registry.search_enterprise_ids(demo_db, registry.EnterpriseFilter()))
    qtmodeltester.check(model)


def test_registry_model_fetches_only_the_pages_it_draws(demo_db):
    fetched: list[int] = []

    def fetch(ids):
        fetched.append(len(ids))
        return registry.enterprises_by_ids(demo_db, ids)

    model = EnterpriseTableModel(fetch)
    model.set_ids(registry.search_enterprise_ids(demo_db, registry.EnterpriseFilter()))
    assert model.rowCount() == 240 and fetched == []
    assert model.data(model.index(0, 1))
    assert model.data(model.index(5, 0))
    assert fetched == [200]
    assert model.data(model.index(239, 1))
    assert fetched == [200, 40]


def test_typing_part_of_a_name_filters_the_rows(qtbot, demo_window, demo_db):
    view = demo_window.go_to("企业名录")
    assert view.model.rowCount() == 240
    type_text(qtbot, view.search, "电子")
    expected = registry.search_enterprise_ids(demo_db, registry.EnterpriseFilter(text="电子"))
    assert 0 < len(expected) < 240
    qtbot.waitUntil(lambda: view.model.rowCount() == len(expected), timeout=2000)
    names = [view.model.data(view.model.index(r, 1)) for r in range(view.model.rowCount())]
    assert all("电子" in name for name in names)
    assert view.count.text() == f"共 {len(expected)} 户企业"


def test_typing_after_the_background_index_is_ready_gives_the_same_rows(
    qtbot, demo_window, demo_db
):
    view = demo_window.go_to("企业名录")
    view.wait_for_index()
    assert view._index is not None  # built off the GUI thread, then handed over
    type_text(qtbot, view.search, "医药")
    expected = registry.search_enterprise_ids(demo_db, registry.EnterpriseFilter(text="医药"))
    qtbot.waitUntil(lambda: view.model.rowCount() == len(expected), timeout=2000)
    assert view.model.ids() == expected


def test_filters_by_town_and_by_the_years_list(qtbot, demo_window, demo_db):
    view = demo_window.go_to("企业名录")
    view.town.setCurrentIndex(view.town.findText("齐都镇"))
    towns = {view.model.data(view.model.index(r, 2)) for r in range(view.model.rowCount())}
    assert towns == {"齐都镇"}
    view.town.setCurrentIndex(0)
    view.on_list.setChecked(True)
    from desktop.services.siqiang_lists import members

    assert view.model.rowCount() == len(members(demo_db, 2024))


def test_a_wrong_check_digit_is_explained_under_the_field(qtbot, window):
    view = window.go_to("企业名录")
    dialog = view.edit_enterprise(None)
    good = make_credit_code(org_body="MA3C4HC7")
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    type_text(qtbot, dialog.code, wrong.lower())
    assert dialog.code.text() == wrong  # upper-cased as typed
    assert "第18位校验位错误" in dialog.code_status.text()
    assert "GB 32100-2015" in dialog.code.toolTip()
    dialog.code.clear()
    type_text(qtbot, dialog.code, CODE_A)
    assert "已登记" in dialog.code_status.text()  # duplicate-code warning


def test_creating_an_enterprise_through_the_form(qtbot, window, small_db):
    view = window.go_to("企业名录")
    dialog = view.edit_enterprise(None)
    code = make_credit_code(org_body="MA3C4HC7")
    type_text(qtbot, dialog.code, code)
    assert "校验位正确" in dialog.code_status.text()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "企业名称不能为空" in last_message()
    type_text(qtbot, dialog.name, "淄博丙电子科技有限公司")
    dialog.town.setCurrentIndex(dialog.town.findText("稷下街道"))
    dialog.industry.setCurrentIndex(dialog.industry.findText("电子信息"))
    dialog.above_scale.setChecked(True)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = registry.find_by_code(small_db, code)
    assert saved is not None and saved.town == "稷下街道" and saved.above_scale
    assert view.model.rowCount() == 3
    assert view.model.enterprise_id(view.table.currentIndex().row()) == saved.id


def test_the_form_shows_the_enterprises_list_years_and_ledger(qtbot, demo_window, demo_db):
    from desktop.services.awards import list_awards

    paid = list_awards(demo_db, 2022, status="已拨付")[0]
    dialog = demo_window.go_to("企业名录").edit_enterprise(paid.enterprise_id)
    assert dialog.tabs.isTabEnabled(1)
    assert any(a.id == paid.id for a in dialog.ledger_model.rows())
    assert "列入四强企业名单的年度" in dialog.years_label.text()
    assert "合计" in dialog.ledger_total.text()


def test_editing_keeps_the_code_and_updates_the_name(qtbot, window, small_db):
    view = window.go_to("企业名录")
    enterprise = registry.find_by_code(small_db, CODE_A)
    dialog = view.edit_enterprise(enterprise.id)
    assert dialog.name.text() == NAME_A and "校验位正确" in dialog.code_status.text()
    dialog.name.setText("淄博甲新材料股份有限公司")
    dialog.save()
    assert registry.get_enterprise(small_db, enterprise.id).name == "淄博甲新材料股份有限公司"
