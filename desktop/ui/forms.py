"""What every form shares: a date field that reads dates exactly as the imports do, and a dialog
that asks before throwing away what the clerk typed (Esc, 取消, the window's close button)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractButton,
    QCalendarWidget,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from desktop.core.errors import ValidationError
from desktop.services.cells import parse_date
from desktop.ui import messages, theme

DATE_HINT = "例如 2024-03-15、2024/3/15 或 2024年3月15日"
_INVALID_STYLE = f"QLineEdit {{ border: 1px solid {theme.ERROR_COLOUR}; background: #fdecea; }}"


class DateValidator(QValidator):
    """Acceptable exactly when ``cells.parse_date`` reads the text (what the imports accept);
    anything else stays as typed and is Intermediate — never silently another date."""

    def __init__(self, field: str, parent=None) -> None:
        super().__init__(parent)
        self.field = field

    def validate(self, text: str, pos: int):
        if len(text) > 30:
            return QValidator.State.Invalid, text, pos
        try:
            parse_date(text, field=self.field)
        except ValidationError:
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Acceptable, text, pos

    def fixup(self, text: str) -> str:
        return text  # never turn what the clerk wrote into a different date


class DateField(QWidget):
    """A date typed as text (2024-03-15, 2024/3/15, 2024年3月15日) or picked from a calendar.
    Invalid text turns the field red with the reason beside it; ``value()`` then refuses."""

    dateChanged = Signal(object)  # the date read, or None while the text is not a date

    def __init__(self, field: str, parent: QWidget | None = None, *, optional: bool = False):
        super().__init__(parent)
        self.field = field
        self.optional = optional
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(DATE_HINT if not optional else "可不填；" + DATE_HINT)
        self.edit.setValidator(DateValidator(field, self.edit))
        self.edit.setFixedWidth(self.edit.fontMetrics().horizontalAdvance("2024年12月31日") + 28)
        self.edit.setToolTip(f"{field}：{DATE_HINT}")
        self.pick = QToolButton()
        self.pick.setText("日历")
        self.pick.setToolTip("从日历中选择日期")
        self.pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        menu = QMenu(self.pick)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._sync_calendar)
        self.pick.setMenu(menu)
        self.calendar.clicked.connect(self._picked)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.edit)
        layout.addWidget(self.pick)
        layout.addWidget(self.message, 1)
        self.edit.textChanged.connect(self._changed)

    # -- value ---------------------------------------------------------------------------------
    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt style, like QLineEdit)
        self.edit.setText(text)

    def setDate(self, value: date | QDate | None) -> None:  # noqa: N802
        if isinstance(value, QDate):
            value = value.toPython()
        self.edit.setText(value.isoformat() if value else "")

    def value(self) -> date | None:
        """The date, or None for an empty optional field; raises ValidationError otherwise."""
        if self.optional and not self.edit.text().strip():
            return None
        return parse_date(self.edit.text(), field=self.field)

    def date(self) -> QDate:
        """As QDateEdit has it: the date read, or an invalid QDate while the text is no date."""
        value = self.date_or_none()
        return QDate(value.year, value.month, value.day) if value else QDate()

    def date_or_none(self) -> date | None:
        try:
            return self.value()
        except ValidationError:
            return None

    def is_valid(self) -> bool:
        try:
            self.value()
        except ValidationError:
            return False
        return True

    def setReadOnly(self, on: bool) -> None:  # noqa: N802
        self.edit.setReadOnly(on)
        self.pick.setEnabled(not on)

    # -- reacting ------------------------------------------------------------------------------
    def _changed(self) -> None:
        text = self.edit.text().strip()
        try:
            value = self.value()
        except ValidationError as exc:
            value = None
            self.edit.setStyleSheet(_INVALID_STYLE if text or not self.optional else "")
            self.message.setText(str(exc) if text else "")
            self.message.setStyleSheet(f"color: {theme.ERROR_COLOUR};")
        else:
            self.edit.setStyleSheet("")
            shown = value.isoformat() if value else ""
            self.message.setText(
                f"= {value.year}年{value.month}月{value.day}日" if value and shown != text else ""
            )
            self.message.setStyleSheet("color: #555555;")
        self.dateChanged.emit(value)

    def _sync_calendar(self) -> None:
        current = self.date_or_none()
        if current is not None:
            self.calendar.setSelectedDate(QDate(current.year, current.month, current.day))

    def _picked(self, value: QDate) -> None:
        self.setDate(value)
        self.pick.menu().hide()


class GuardedDialog(QDialog):
    """A form that asks before discarding changes. Subclasses call ``mark_clean()`` once loaded;
    Esc, 取消 and the close button then ask “放弃未保存的修改？” when anything was changed."""

    _clean: tuple | None = None
    _discarding = False

    def form_state(self) -> tuple:
        """What the clerk can change: every input's value, in widget order."""
        values: list[object] = []
        for widget in self.findChildren(QWidget):
            if isinstance(widget, QLineEdit) and not isinstance(widget.parent(), QComboBox):
                values.append(widget.text())
            elif isinstance(widget, QComboBox):
                values.append(widget.currentIndex())
            elif isinstance(widget, QPlainTextEdit):
                values.append(widget.toPlainText())
            elif isinstance(widget, QAbstractButton) and widget.isCheckable():
                values.append(widget.isChecked())
        return tuple(values)

    def mark_clean(self) -> None:
        self._clean = self.form_state()

    def is_dirty(self) -> bool:
        return self._clean is not None and self.form_state() != self._clean

    def reject(self) -> None:
        if self.is_dirty() and not self._discarding:
            messages.ask(self, "放弃未保存的修改吗？", self.discard, "放弃修改")
            return
        super().reject()

    def discard(self) -> None:
        """Close without saving and without asking."""
        self._discarding = True
        super().reject()


def focus_first(widget: QWidget) -> None:
    """Put the cursor in the form's first field (also before the window is shown)."""
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
