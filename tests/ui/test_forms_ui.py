"""Forms: dates read exactly as the imports read them (invalid ones turn red and never become
another date), Esc on a changed form asks first, the cursor starts in the first field, and the
keyboard reaches the views (F5, Ctrl+1…6, F1)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QValidator
from ui_helpers import CODE_A, CODE_B, NAME_A, answer, last_message, type_text

from desktop.ui import messages, theme
from desktop.ui.forms import DateField

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    "text", ["2024-03-15", "2024/3/15", "2024年3月15日", "２０２４－０３－１５", " 2024-03-15 "]
)
def test_the_date_field_accepts_what_the_imports_accept(qtbot, text):
    field = DateField("事项日期")
    qtbot.addWidget(field)
    field.setText(text)
    assert field.value() == date(2024, 3, 15)
    assert field.date() == QDate(2024, 3, 15)  # as QDateEdit answers
    assert field.edit.styleSheet() == ""


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2024-02-30", "不是有效日期"),
        ("淄政办字〔2021〕7号", "无法识别"),
        ("2024-13-01", "不是有效日期"),
        ("1999-12-31", "超出合理范围"),
    ],
)
def test_an_invalid_date_turns_red_with_the_reason_and_stays_as_typed(qtbot, text, reason):
    from desktop.core.errors import ValidationError

    field = DateField("事项日期")
    qtbot.addWidget(field)
    field.setText(text)
    assert field.text() == text  # never silently another date
    assert reason in field.message.text()
    assert theme.ERROR_COLOUR in field.edit.styleSheet()
    assert field.date_or_none() is None and not field.date().isValid()
    with pytest.raises(ValidationError):
        field.value()
    state = field.edit.validator().validate(text, 0)[0]
    assert state == QValidator.State.Intermediate


def test_typing_a_wrong_day_keeps_it_and_saving_is_refused(qtbot, window, small_db):
    dialog = window.go_to("奖补事项").edit(None)
    dialog.enterprise.setText(f"{NAME_A}（{CODE_A}）")
    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-2"))
    dialog.basis.setText("1000000")
    dialog.event_date.edit.clear()
    type_text(qtbot, dialog.event_date.edit, "2024-02-30")
    assert dialog.event_date.text() == "2024-02-30"
    dialog.save()
    assert "事项日期“2024-02-30”不是有效日期" in last_message()
    assert small_db.scalar("SELECT count(*) FROM applications") == 0
    messages.close_all()
    dialog.event_date.setText("2024年3月15日")
    dialog.save()
    assert small_db.scalar("SELECT event_date FROM applications") == "2024-03-15"


def test_esc_on_a_changed_form_asks_before_discarding(qtbot, window):
    dialog = window.go_to("奖补事项").edit(None)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # unchanged: closes at once
    assert not dialog.isVisible()
    dialog = window.go_to("奖补事项").edit(None)
    dialog.description.setText("市级资金到账")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and "放弃未保存的修改" in last_message()
    answer("No")
    assert dialog.isVisible() and dialog.description.text() == "市级资金到账"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    answer("Yes")
    assert not dialog.isVisible()


def test_esc_on_a_changed_enterprise_form_asks_too(qtbot, window):
    dialog = window.go_to("企业名录").edit_enterprise(None)
    dialog.name.setText("淄博某某有限公司")
    dialog.reject()
    assert dialog.isVisible() and "放弃未保存的修改" in last_message()
    answer("Yes")
    assert not dialog.isVisible()


def test_the_cursor_starts_in_the_first_field_of_every_form(window):
    app_form = window.go_to("奖补事项").edit(None)
    assert app_form.focusWidget() is app_form.enterprise
    app_form.discard()
    enterprise = window.go_to("企业名录").edit_enterprise(None)
    assert enterprise.focusWidget() is enterprise.code
    enterprise.discard()
    copy = window.go_to("政策规则").copy_selected()
    assert copy.focusWidget() is copy.doc_number
    copy.discard()
    from desktop.ui.common import ReasonDialog

    reason = ReasonDialog(window, "不予奖补", "理由", lambda _r: True)
    assert reason.focusWidget() is reason.editor
    reason.done(0)


def test_not_on_the_list_is_not_shown_in_green(window):
    dialog = window.go_to("奖补事项").edit(None)
    dialog.enterprise.setText(f"淄博乙智能装备有限公司（{CODE_B}）")
    assert "未列入2024年度四强名单" in dialog.enterprise_status.text()
    assert theme.OK_COLOUR not in dialog.enterprise_status.styleSheet()
    dialog.enterprise.setText(f"{NAME_A}（{CODE_A}）")
    assert "已列入2024年度四强名单" in dialog.enterprise_status.text()
    assert theme.OK_COLOUR in dialog.enterprise_status.styleSheet()
    dialog.discard()


def test_ctrl_1_to_6_switch_the_views(qtbot, window):
    from desktop.ui.main_window import VIEWS

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    for number, (title, _m, _c) in reversed(list(enumerate(VIEWS, start=1))):
        qtbot.keyClick(
            window, getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.ControlModifier
        )
        assert window.stack.currentWidget() is window.views[title]
        assert window.nav.currentRow() == number - 1


def test_f5_recalculates_the_year_from_any_view(qtbot, window, small_db):
    from ui_helpers import add_application

    add_application(small_db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    window.go_to("企业名录")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: small_db.scalar("SELECT count(*) FROM awards") == 1, timeout=10_000)
    qtbot.waitUntil(lambda: "2024年度计算完成" in last_message(), timeout=10_000)


def test_new_database_without_an_extension_gets_db(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "二〇二五年"), "")
    )
    window.new_database()
    assert (tmp_path / "二〇二五年.db").exists()
    assert not (tmp_path / "二〇二五年").exists()
    assert window.db.path == tmp_path / "二〇二五年.db"
