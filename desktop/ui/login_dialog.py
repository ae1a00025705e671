"""The login dialog, shown before the main window when the database has users.

A wrong password or a locked account is reported inside the dialog (the service's own Chinese
sentence), which stays open; the right one logs in (``db.user``/``db.role``) and accepts.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DomainError
from desktop.storage.database import Database


class LoginDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None, *, name: str = "") -> None:
        super().__init__(parent)
        from desktop import APP_NAME

        self.db = db
        self.actor = None
        self.setWindowTitle(f"登录 — {APP_NAME}")
        layout = QVBoxLayout(self)
        intro = QLabel(f"数据库：{db.path.name}\n本数据库已启用登录，请输入用户名和密码。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name_edit = QLineEdit(name)
        self.name_edit.setMaxLength(20)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(128)
        form.addRow("用户名：", self.name_edit)
        form.addRow("密码：", self.password_edit)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登录")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(360)
        (self.password_edit if name else self.name_edit).setFocus()

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def try_login(self) -> bool:
        from desktop.services.users import login

        name = self.name_edit.text().strip()
        if not name:
            self.show_error("请输入用户名")
            self.name_edit.setFocus()
            return False
        try:
            self.actor = login(self.db, name, self.password_edit.text())
        except DomainError as exc:
            self.show_error(str(exc))
            self.password_edit.clear()
            self.password_edit.setFocus()
            return False
        self.accept()
        return True


def login_if_needed(db: Database, parent: QWidget | None = None) -> bool:
    """Blocking login for start-up: True when logins are off or the user logged in."""
    from desktop.services.users import logins_enabled

    if not logins_enabled(db):
        return True
    dialog = LoginDialog(db, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted
