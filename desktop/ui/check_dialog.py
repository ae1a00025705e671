"""数据库检查: ``run_check`` in the background, its Chinese report in a dialog.

The same checks as ``python -m desktop check``: SQLite's integrity and foreign keys, the protecting
triggers, the change log's hash chain, approved amounts against their fingerprints and the log,
caps and installment totals. A large database takes several seconds, so the check runs through
``desktop.ui.tasks`` and the window stays responsive.
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.storage.database import Database
from desktop.ui import messages


def _check(db: Database, _progress, _cancel):
    from desktop.services.check import run_check

    return run_check(db)


class CheckDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.task = None
        self.report = None
        self.setWindowTitle("数据库检查")
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.summary.setFont(font)
        layout.addWidget(self.summary)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont))
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.again = QPushButton("重新检查")
        self.again.clicked.connect(self.start)
        buttons.addButton(self.again, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def start(self):
        """Run the check in the background; returns the task."""
        from desktop.ui.tasks import run_task

        self.again.setEnabled(False)
        self.summary.setText("正在检查数据库，请稍候…")
        self.summary.setStyleSheet("")
        self.text.clear()
        self.task = run_task(
            self,
            self.db.path,
            _check,
            title="数据库检查",
            label="正在检查数据库（完整性、外键、保护触发器、变更日志哈希链、核定结果）…",
            user=self.db.user,
            role=self.db.role,
            cancellable=False,
            on_success=self._done,
            on_error=self._failed,
        )
        return self.task

    def _done(self, report) -> None:
        self.report = report
        self.again.setEnabled(True)
        lines = report.lines()
        self.text.setPlainText("\n".join(lines))
        if report.ok:
            self.summary.setText("检查结果：全部正常")
            self.summary.setStyleSheet("color: #1b7a2f;")
        else:
            self.summary.setText(
                f"检查结果：发现{len(report.problems)}处问题。数据可能被直接改动或文件已损坏，"
                "请保留现场并联系系统维护人员（可从备份恢复）。"
            )
            self.summary.setStyleSheet("color: #b00020;")

    def _failed(self, error: BaseException) -> None:
        self.again.setEnabled(True)
        self.summary.setText("检查未能完成")
        self.summary.setStyleSheet("color: #b00020;")
        messages.show_error(self, error, "数据库检查未完成")


def open_check_dialog(db: Database, parent: QWidget | None = None) -> CheckDialog:
    dialog = CheckDialog(db, parent)
    dialog.setModal(False)
    dialog.show()
    dialog.start()
    return dialog
