"""用户管理: users, roles, passwords and the 录入≠审核 setting (管理员 only).

In single-user mode the dialog creates the first user, a 管理员, after the clerk confirmed that
logins will be on for good; the session then continues logged in as that 管理员.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DomainError
from desktop.services import users
from desktop.storage.database import Database
from desktop.ui import messages

HEADERS = ("用户名", "角色", "状态", "锁定至", "创建时间", "创建人")


class UsersDialog(QDialog):
    usersChanged = Signal()  # a user was added (maybe the first: the session is now logged in)

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("用户管理")
        layout = QVBoxLayout(self)
        self.mode_label = QLabel()
        self.mode_label.setWordWrap(True)
        layout.addWidget(self.mode_label)

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

        box = QGroupBox("新增用户 / 重设密码")
        form = QFormLayout(box)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(20)
        self.role_combo = QComboBox()
        self.role_combo.addItems(users.ROLES)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("用户名：", self.name_edit)
        form.addRow("角色：", self.role_combo)
        form.addRow(f"密码（至少{users.MIN_PASSWORD}位）：", self.password_edit)
        form.addRow("再次输入密码：", self.confirm_edit)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("新增用户")
        self.reset_button = QPushButton("重设所选用户的密码")
        self.disable_button = QPushButton("停用所选用户")
        self.add_button.clicked.connect(self.add_clicked)
        self.reset_button.clicked.connect(self.reset_clicked)
        self.disable_button.clicked.connect(self.disable_clicked)
        for button in (self.add_button, self.reset_button, self.disable_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        form.addRow(buttons)
        layout.addWidget(box)

        self.separation = QCheckBox(
            "录入与审核分离：录入或最后修改事项的人不能审核该事项的核定结果"
        )
        self.separation.toggled.connect(self.separation_toggled)
        layout.addWidget(self.separation)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.setMinimumSize(640, 460)
        self.refresh()

    # -- state ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        enabled = users.logins_enabled(self.db)
        if enabled:
            self.mode_label.setText(
                f"已启用登录。当前用户：{self.db.user}（{users.current_role(self.db) or '未登录'}）"
            )
        else:
            self.mode_label.setText(
                "当前为单用户模式（无需登录）。创建第一个用户（必须是管理员）后，"
                "本数据库从此需要登录，且不能再回到单用户模式。"
            )
        self.role_combo.setCurrentText(
            users.ADMIN if not enabled else self.role_combo.currentText()
        )
        self.role_combo.setEnabled(enabled)
        self.reset_button.setEnabled(enabled)
        self.disable_button.setEnabled(enabled)
        rows = users.list_users(self.db)
        self.table.setRowCount(len(rows))
        for i, u in enumerate(rows):
            values = (
                u.name,
                u.role,
                "正常" if u.active else "已停用",
                (u.locked_until or "").replace("T", " "),
                u.created_at.replace("T", " "),
                u.created_by,
            )
            for j, value in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.separation.blockSignals(True)
        self.separation.setChecked(self.db.setting(users.SEPARATION_KEY, "1") != "0")
        self.separation.setEnabled(enabled and users.current_role(self.db) == users.ADMIN)
        self.separation.blockSignals(False)

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None

    def _password(self) -> str | None:
        if self.password_edit.text() != self.confirm_edit.text():
            messages.show_info(self, "两次输入的密码不一致。")
            return None
        return self.password_edit.text()

    def _clear_passwords(self) -> None:
        self.password_edit.clear()
        self.confirm_edit.clear()

    # -- actions -------------------------------------------------------------------------------
    def add_clicked(self) -> None:
        if self._password() is None:
            return
        if users.logins_enabled(self.db):
            self.add_now()
            return
        messages.ask(
            self,
            f"将创建第一个用户“{self.name_edit.text().strip()}”（管理员）。\n"
            "创建后本数据库从此需要登录（命令行须加 --user 并输入密码），不能再回到单用户模式。"
            "是否继续？",
            self.add_now,
            "启用登录",
        )

    def add_now(self) -> bool:
        password = self._password()
        if password is None:
            return False
        first = not users.logins_enabled(self.db)
        name, role = self.name_edit.text().strip(), self.role_combo.currentText()
        try:
            users.add_user(self.db, name, role, password)
            if first:  # whoever set up the 管理员 continues as that 管理员
                users.login(self.db, name, password)
        except DomainError as exc:
            messages.show_error(self, exc)
            return False
        self._clear_passwords()
        self.name_edit.clear()
        self.refresh()
        self.usersChanged.emit()
        messages.show_info(
            self,
            f"已新增用户“{name}”（{role}）"
            + ("。本数据库已启用登录，当前以该管理员身份登录。" if first else "。"),
            "用户管理",
        )
        return True

    def reset_clicked(self) -> bool:
        name = self.selected_name()
        if name is None:
            messages.show_info(self, "请先在列表中选择用户。")
            return False
        password = self._password()
        if password is None:
            return False
        try:
            users.change_password(self.db, name, password)
        except DomainError as exc:
            messages.show_error(self, exc)
            return False
        self._clear_passwords()
        self.refresh()
        messages.show_info(self, f"用户“{name}”的密码已重设。", "用户管理")
        return True

    def disable_clicked(self) -> None:
        name = self.selected_name()
        if name is None:
            messages.show_info(self, "请先在列表中选择用户。")
            return

        def disable() -> None:
            try:
                users.deactivate_user(self.db, name)
            except DomainError as exc:
                messages.show_error(self, exc)
                return
            self.refresh()

        messages.ask(self, f"停用用户“{name}”？停用后该用户不能再登录。", disable)

    def separation_toggled(self, on: bool) -> None:
        try:
            users.set_separation_of_duties(self.db, on)
        except DomainError as exc:
            messages.show_error(self, exc)
        self.refresh()


def open_users_dialog(db: Database, parent: QWidget | None = None) -> UsersDialog | None:
    """The dialog for a 管理员 (or anyone in single-user mode); others are told why not."""
    if users.logins_enabled(db) and users.current_role(db) != users.ADMIN:
        messages.show_info(parent, "只有管理员可以管理用户。", "用户管理")
        return None
    dialog = UsersDialog(db, parent)
    dialog.open()
    return dialog
