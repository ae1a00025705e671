"""The one place where the GUI tells the clerk something: errors, notices, questions.

Every box is opened with ``open()`` (window-modal, not blocking the caller), so no code path and
no test can hang on it; answers arrive through callbacks. ``history`` records what was shown.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core.errors import DomainError


@dataclass(frozen=True)
class Shown:
    kind: str  # "error", "info", "question"
    title: str
    text: str


history: deque[Shown] = deque(maxlen=50)
_open_boxes: list[QMessageBox] = []  # a Python reference per open box (see environment.md)


def _show(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    kind: str,
    title: str,
    text: str,
    detail: str | None = None,
    buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
    on_answer: Callable[[QMessageBox.StandardButton], None] | None = None,
) -> QMessageBox:
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    _fit_title(box, title)
    if detail:
        box.setDetailedText(detail)
    history.append(Shown(kind, title, text))
    _open_boxes.append(box)

    def finished(result: int) -> None:
        if box in _open_boxes:
            _open_boxes.remove(box)
        if on_answer is not None:
            on_answer(
                box.standardButton(box.clickedButton())
                if box.clickedButton()
                else QMessageBox.StandardButton.Cancel
            )
        box.deleteLater()

    box.finished.connect(finished)
    box.open()
    return box


def _fit_title(box: QMessageBox, title: str) -> None:
    """A box at least as wide as its title (the title bar's font is larger than the text's, and
    the window buttons need room), so a title is never cut off."""
    from PySide6.QtWidgets import QGridLayout, QSizePolicy, QSpacerItem

    width = int(box.fontMetrics().horizontalAdvance(title) * 1.3) + 140
    layout = box.layout()
    if isinstance(layout, QGridLayout):
        spacer = QSpacerItem(width, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        layout.addItem(spacer, layout.rowCount(), 0, 1, layout.columnCount())


def show_error(
    parent: QWidget | None, error: BaseException, title: str = "操作未完成"
) -> QMessageBox:
    """A service's ``DomainError`` as its own Chinese sentence; anything else as a program fault."""
    if isinstance(error, DomainError):
        return _show(parent, QMessageBox.Icon.Warning, "error", title, str(error))
    detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return _show(
        parent,
        QMessageBox.Icon.Critical,
        "error",
        "程序错误",
        f"程序内部错误，操作未完成：{error}\n请将详细信息发送给系统维护人员。",
        detail,
    )


def show_info(
    parent: QWidget | None, text: str, title: str = "提示", detail: str | None = None
) -> QMessageBox:
    return _show(parent, QMessageBox.Icon.Information, "info", title, text, detail)


def ask(
    parent: QWidget | None, text: str, on_yes: Callable[[], None], title: str = "请确认"
) -> QMessageBox:
    """A yes/no question; ``on_yes`` runs only when the clerk answers 是."""
    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No

    def answered(button: QMessageBox.StandardButton) -> None:
        if button == yes:
            on_yes()

    box = _show(
        parent, QMessageBox.Icon.Question, "question", title, text, None, yes | no, answered
    )
    box.setDefaultButton(no)
    return box


def file_in_use(
    parent: QWidget | None,
    error: BaseException,
    *,
    retry: Callable[[], None],
    save_as: Callable[[], None],
    title: str = "文件被占用",
) -> QMessageBox:
    """A file held open by another program (``FileInUse``: a report open in Excel/WPS, a backup
    target): its sentence, with 重试 (after closing it there) and 另存为… (another file name)."""
    buttons = QMessageBox.StandardButton
    actions = {buttons.Retry: retry, buttons.Save: save_as}

    def answered(button: QMessageBox.StandardButton) -> None:
        action = actions.get(button)
        if action is not None:
            action()

    box = _show(
        parent,
        QMessageBox.Icon.Warning,
        "error",
        title,
        str(error),
        None,
        buttons.Retry | buttons.Save | buttons.Cancel,
        answered,
    )
    save = box.button(buttons.Save)
    if save is not None:
        save.setText("另存为…")
    box.setDefaultButton(buttons.Save)
    return box


def open_boxes() -> list[QMessageBox]:
    return list(_open_boxes)


def close_all() -> None:
    for box in list(_open_boxes):
        box.done(0)
