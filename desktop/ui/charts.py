"""The bar charts of 统计 and 试算: horizontal bars in 万元, one category per row (QtCharts is
imported on first use: it costs ~95 ms of start-up)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QWidget


def wan_yuan(fen: int) -> float:
    """分 → 万元 to one decimal, for drawing only (never for a figure a clerk reads as money)."""
    return round(int(fen or 0) / 1_000_000, 1)


def bar_chart(
    title: str,
    categories: list[str],
    bars: list[tuple[str, list[float]]],
    font: QFont,
    *,
    value_labels: bool = False,
) -> Any:
    """A QChart of horizontal bars: ``categories`` top to bottom, one bar set per ``bars`` item
    (its legend name and one value per category); a legend only when there is more than one."""
    from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QHorizontalBarSeries, QValueAxis

    series = QHorizontalBarSeries()
    for name, values in bars:
        bar_set = QBarSet(name)
        for value in reversed(values):  # Qt draws the first category at the bottom
            bar_set.append(value)
        series.append(bar_set)
    if value_labels:
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
    chart = QChart()
    chart.addSeries(series)
    chart.setTitle(title)
    chart.setTitleFont(font)
    axis_y = QBarCategoryAxis()
    axis_y.append(list(reversed(categories)))
    axis_y.setLabelsFont(font)
    axis_x = QValueAxis()
    axis_x.setLabelFormat("%.0f")
    axis_x.setLabelsFont(font)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_y)
    series.attachAxis(axis_x)
    axis_x.applyNiceNumbers()
    if len(bars) > 1:
        chart.legend().setFont(font)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    else:
        chart.legend().setVisible(False)
    return chart


def show_chart(page: QWidget, view: Any, chart: Any) -> Any:
    """Put ``chart`` in ``view`` (a QChartView made on ``page`` when None); returns the view. The
    chart it replaces is deleted later (Qt still paints it this turn)."""
    from PySide6.QtCharts import QChartView

    if view is None:
        view = QChartView()
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        page.layout().addWidget(view)
    old = view.chart()
    view.setChart(chart)
    if old is not None:
        old.deleteLater()
    return view
