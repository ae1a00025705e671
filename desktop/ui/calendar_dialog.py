"""工作日历: one year's working days (holidays and 调休 workdays), editable day by day, imported
from a workbook; a year no calendar covers shows a warning (weekends only)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor, QTextCharFormat
from PySide6.QtWidgets import (
    QCalendarWidget,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.ui import messages
from desktop.ui.common import XLSX_FILTER, AppContext, choose_open_file, make_table
from desktop.ui.models import Column, ListTableModel

REST = QColor("#c0392b")
WORK = QColor("#1f6feb")


class CalendarDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None, year: int) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("工作日历（节假日与调休）")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度："))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(year)
        top.addWidget(self.year)
        self.source = QLabel()
        top.addWidget(self.source, 1)
        import_button = QPushButton("导入工作簿…")
        import_button.clicked.connect(lambda: self.import_file())
        top.addWidget(import_button)
        layout.addLayout(top)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b03a2e; font-weight: bold;")
        layout.addWidget(self.warning)
        middle = QHBoxLayout()
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        middle.addWidget(self.calendar, 1)
        self.model = ListTableModel(
            self,
            [
                Column("日期", lambda d: d.day.isoformat(), "center", 6),
                Column("类型", lambda d: "工作日" if d.workday else "休息日", "center", 4),
                Column("说明", lambda d: d.note, "text", 10),
            ],
        )
        self.table = make_table(self.model, self)
        middle.addWidget(self.table, 1)
        layout.addLayout(middle, 1)
        edit = QHBoxLayout()
        edit.addWidget(QLabel("所选日期说明："))
        self.note = QLineEdit()
        edit.addWidget(self.note, 1)
        work = QPushButton("设为工作日")
        rest = QPushButton("设为休息日")
        work.clicked.connect(lambda: self.set_selected(True))
        rest.clicked.connect(lambda: self.set_selected(False))
        edit.addWidget(work)
        edit.addWidget(rest)
        layout.addLayout(edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.year.valueChanged.connect(lambda _y: self.load())
        self.resize(980, 560)
        self.load()

    def load(self) -> None:
        from desktop.services.workcalendar import calendar_year

        year = calendar_year(self.ctx.db, self.year.value())
        self.source.setText(
            f"来源：{year.source or '无（按周一至周五推算）'}；工作日 {year.workdays} 天"
        )
        self.warning.setText(f"⚠ {year.warning}" if year.warning else "")
        self.warning.setVisible(bool(year.warning))
        self.model.set_rows([d for d in year.days if d.exception])
        self.calendar.setDateTextFormat(QDate(), QTextCharFormat())  # clear
        for d in year.days:
            if d.exception:
                fmt = QTextCharFormat()
                fmt.setForeground(WORK if d.workday else REST)
                fmt.setFontWeight(700)
                fmt.setToolTip(f"{'工作日' if d.workday else '休息日'} {d.note}")
                self.calendar.setDateTextFormat(QDate(d.day.year, d.day.month, d.day.day), fmt)
        self.calendar.setCurrentPage(year.year, self.calendar.monthShown())
        self.days = year

    def set_selected(self, workday: bool) -> bool:
        from desktop.services.workcalendar import set_day

        day = self.calendar.selectedDate().toPython()
        ok = self.ctx.attempt(self, set_day, self.ctx.db, day, workday, self.note.text().strip())
        if ok:
            self.year.setValue(day.year)
            self.load()
        return ok

    def import_file(self, path: Path | None = None):
        from desktop.services.workcalendar import import_calendar

        path = path or choose_open_file(self, "导入工作日历", XLSX_FILTER)
        if path is None:
            return None
        result = self.ctx.call(self, import_calendar, self.ctx.db, path)
        if result is not None:
            self.year.setValue(result.years[0])
            self.load()
            messages.show_info(
                self,
                f"已导入{'、'.join(map(str, result.years))}年，共{result.days}天。",
                "工作日历",
            )
        return result
