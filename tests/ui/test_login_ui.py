"""The login dialog, the user in the status bar, greyed buttons, and 用户管理."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from ui_helpers import answer, last_message, make_window, type_text

from desktop.services import users
from desktop.storage.database import Database

PASSWORDS = {"管理员甲": "admin-pw-1", "录入员乙": "clerk-pw-1", "审核员丙": "review-pw-1"}


def with_users(db: Database) -> Database:
    users.add_user(db, "管理员甲", users.ADMIN, PASSWORDS["管理员甲"])
    users.login(db, "管理员甲", PASSWORDS["管理员甲"])
    users.add_user(db, "录入员乙", users.CLERK, PASSWORDS["录入员乙"])
    users.add_user(db, "审核员丙", users.REVIEWER, PASSWORDS["审核员丙"])
    db.user, db.role = "本机用户", None
    return db


def login_dialog(qtbot, db, parent=None):
    from desktop.ui.login_dialog import LoginDialog

    dialog = LoginDialog(db, parent)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def submit(qtbot, dialog, name: str, password: str) -> None:
    dialog.name_edit.clear()
    type_text(qtbot, dialog.name_edit, name)
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, password)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def test_login_dialog_rejects_a_wrong_password_and_accepts_the_right_one(qtbot, small_db):
    db = with_users(small_db)
    dialog = login_dialog(qtbot, db)

    submit(qtbot, dialog, "录入员乙", "wrong-password")

    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "用户名或密码错误" in dialog.error_label.text()
    assert db.role is None and dialog.password_edit.text() == ""

    submit(qtbot, dialog, "录入员乙", PASSWORDS["录入员乙"])

    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert (db.user, db.role) == ("录入员乙", users.CLERK)


def test_login_dialog_reports_the_lockout(qtbot, small_db):
    db = with_users(small_db)
    dialog = login_dialog(qtbot, db)
    for _ in range(5):
        submit(qtbot, dialog, "审核员丙", "wrong-password")
    assert "锁定至" in dialog.error_label.text()
    submit(qtbot, dialog, "审核员丙", PASSWORDS["审核员丙"])
    assert dialog.isVisible() and "锁定至" in dialog.error_label.text()
    assert db.role is None


def test_no_login_is_asked_in_single_user_mode(small_db):
    from desktop.ui.login_dialog import login_if_needed

    assert login_if_needed(small_db) is True


def test_status_bar_shows_the_user_and_a_clerk_cannot_approve(qtbot, small_db, settings):
    db = with_users(small_db)
    users.login(db, "录入员乙", PASSWORDS["录入员乙"])
    window = make_window(qtbot, db, settings, 2024)
    assert "录入员乙" in window.user_label.text() and "录入员" in window.user_label.text()
    view = window.go_to("核定与审核")
    assert view.calc_button.isEnabled()
    assert not view.approve_button.isEnabled() and not view.approve_all_button.isEnabled()
    assert not view.reject_button.isEnabled() and not view.paid_button.isEnabled()
    window.manage_users()
    assert "只有管理员" in last_message()


def test_the_login_reaches_background_work(qtbot, small_db, settings):
    """Calculation runs in a worker thread with its own connection: it carries the login."""
    db = with_users(small_db)
    users.login(db, "录入员乙", PASSWORDS["录入员乙"])
    window = make_window(qtbot, db, settings, 2024)
    task = window.go_to("核定与审核").recalculate()
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert task.error is None and task.result.year == 2024
    assert db.scalar("SELECT user FROM change_log WHERE action = '计算'") == "录入员乙"


def test_a_reviewer_cannot_recalculate(qtbot, small_db, settings):
    db = with_users(small_db)
    users.login(db, "审核员丙", PASSWORDS["审核员丙"])
    window = make_window(qtbot, db, settings, 2024)
    view = window.go_to("核定与审核")
    assert view.approve_button.isEnabled() and not view.calc_button.isEnabled()


def test_single_user_mode_greys_nothing(window):
    assert "单用户模式" in window.user_label.text()
    view = window.go_to("核定与审核")
    assert view.approve_button.isEnabled() and view.calc_button.isEnabled()


def test_first_user_from_the_gui_asks_then_turns_logins_on(qtbot, window):
    dialog = window.manage_users()
    qtbot.addWidget(dialog)
    assert "单用户模式" in dialog.mode_label.text()
    assert dialog.role_combo.currentText() == users.ADMIN and not dialog.role_combo.isEnabled()
    type_text(qtbot, dialog.name_edit, "管理员甲")
    qtbot.keyClicks(dialog.password_edit, "admin-pw-1")
    qtbot.keyClicks(dialog.confirm_edit, "admin-pw-1")

    dialog.add_button.click()
    assert "不能再回到单用户模式" in last_message()
    answer("No")
    assert not users.logins_enabled(window.db)

    dialog.add_button.click()
    answer("Yes")

    assert users.logins_enabled(window.db)
    assert (window.db.user, window.db.role) == ("管理员甲", users.ADMIN)
    assert "管理员甲" in window.user_label.text()
    assert dialog.table.rowCount() == 1 and dialog.separation.isEnabled()
    assert window.db.scalar("SELECT count(*) FROM change_log WHERE action = '新增用户'") == 1


def test_admin_turns_separation_off_in_the_dialog(qtbot, small_db, settings):
    db = with_users(small_db)
    users.login(db, "管理员甲", PASSWORDS["管理员甲"])
    window = make_window(qtbot, db, settings, 2024)
    dialog = window.manage_users()
    qtbot.addWidget(dialog)
    assert dialog.separation.isChecked()
    dialog.separation.setChecked(False)
    assert not users.separation_enabled(db)
    assert db.scalar("SELECT user FROM change_log WHERE row_key = 'separation_of_duties'") == (
        "管理员甲"
    )


def test_opening_a_database_with_users_asks_for_a_login(qtbot, window, tmp_path):
    other = Database(tmp_path / "其他.db", user="x")
    with_users(other)
    other.close()

    assert window.open_database(tmp_path / "其他.db") is False
    dialog = window._login_dialog
    assert dialog.isVisible() and window.db.path.name == "small.db"
    submit(qtbot, dialog, "审核员丙", PASSWORDS["审核员丙"])

    assert window.db.path.name == "其他.db"
    assert (window.db.user, window.db.role) == ("审核员丙", users.REVIEWER)
    assert "审核员丙" in window.user_label.text()
