"""Helpers shared by the GUI tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from datetime import date

from desktop.core.creditcode import make_credit_code

CODE_A = make_credit_code(org_body="MA3C4HB1")
CODE_B = make_credit_code(org_body="MA3C4HB2")
NAME_A = "淄博甲新材料有限公司"
NAME_B = "淄博乙智能装备有限公司"


def add_application(db, code: str, rule: str, when: str, **kw) -> None:
    from desktop.services.applications import ApplicationInput, insert_applications

    eid = db.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (code,))
    insert_applications(
        db,
        [
            ApplicationInput(
                enterprise_id=eid,
                credit_code=code,
                rule_code=rule,
                event_date=date.fromisoformat(when),
                **kw,
            )
        ],
    )


def make_window(qtbot, db, settings, year: int):
    from desktop.ui.main_window import MainWindow

    settings.setValue("year", year)
    window = MainWindow(db, settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.set_year(year)
    return window


def answer(button_name: str) -> None:
    """Click 是/否/确定 on the newest open message box."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.ui import messages

    box = messages.open_boxes()[-1]
    box.button(getattr(QMessageBox.StandardButton, button_name)).click()


def last_message() -> str:
    from desktop.ui import messages

    return messages.history[-1].text if messages.history else ""


def type_text(qtbot, widget, text: str) -> None:
    """Type ``text`` key by key. ``qtbot.keyClicks`` only knows ASCII (Qt's testlib asserts on
    Chinese), so other characters arrive as key events carrying their text, as an IME sends them."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch)
            )
