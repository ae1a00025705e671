"""统计: the selected year's totals by rule and by town, the towns' assessment counts, and a chart.

The numbers come from ``desktop.reports.data`` (the same tables the exports print). QtCharts is
imported only when the chart tab is first opened.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.money import format_yuan
from desktop.ui.charts import bar_chart, show_chart, wan_yuan
from desktop.ui.common import APPLICATIONS, AWARDS, ENTERPRISES, LISTS, AppContext, View, make_table
from desktop.ui.models import ReportTableModel

CHART_TAB = "图表"


class ReportTablePage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.model = ReportTableModel(self)
        self.table = make_table(self.model, self, widths=[], sortable=False)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #555555;")
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)

    def show_table(self, table) -> None:
        self.model.set_table(table)
        self.title.setText(table.title)
        self.subtitle.setText(table.subtitle)
        self.subtitle.setVisible(bool(table.subtitle))
        self.notes.setText("\n".join(table.notes))
        self.notes.setVisible(bool(table.notes))
        from desktop.ui.common import char_width

        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        widest = max(
            range(len(table.columns)),
            key=lambda i: (table.columns[i].kind == "text", table.columns[i].width),
        )
        for i, column in enumerate(table.columns):
            self.table.setColumnWidth(
                i, char_width(self.table, max(column.width * 0.9, len(column.title) + 0.5))
            )
            header.setSectionResizeMode(
                i,
                QHeaderView.ResizeMode.Stretch
                if i == widest
                else QHeaderView.ResizeMode.Interactive,
            )


class StatsView(View):
    title = "统计"
    depends_on = frozenset({AWARDS, APPLICATIONS, ENTERPRISES, LISTS})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._dialogs: list[QWidget] = []
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        layout.addWidget(self.heading)
        self.tabs = QTabWidget()
        self.by_rule = ReportTablePage()
        self.by_town = ReportTablePage()
        self.assessment = ReportTablePage()
        self.assessment_list = ReportTablePage()
        self.tabs.addTab(self.by_rule, "按条款汇总")
        self.tabs.addTab(self.by_town, "按镇街汇总")
        self.tabs.addTab(self.assessment, "镇街考核加分")
        self.tabs.addTab(self.assessment_list, "考核加分企业名单")
        self.chart_page = QWidget()
        QVBoxLayout(self.chart_page)
        self.tabs.addTab(self.chart_page, CHART_TAB)
        self.tabs.currentChanged.connect(lambda _i: self._update_chart())
        layout.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.export_summary = QPushButton("导出汇总表…")
        self.export_assessment = QPushButton("导出考核加分统计表…")
        self.export_summary.clicked.connect(lambda: self.export("summary"))
        self.export_assessment.clicked.connect(lambda: self.export("assessment"))
        bottom.addWidget(self.export_summary)
        bottom.addWidget(self.export_assessment)
        layout.addLayout(bottom)
        self.chart_view = None
        self._town_table = None

    def refresh(self) -> None:
        from desktop.reports.data import assessment_report, summary_report

        year = self.ctx.year
        rule_table, town_table = summary_report(self.ctx.db, year)
        town_assessment, enterprises = assessment_report(self.ctx.db, year)
        self.by_rule.show_table(rule_table)
        self.by_town.show_table(town_table)
        self.assessment.show_table(town_assessment)
        self.assessment_list.show_table(enterprises)
        self._town_table = town_table
        total = rule_table.total_fen or 0
        self.heading.setText(
            f"{year}年度给予奖补合计 {format_yuan(total)} 元（统计口径：核定金额大于0且未"
            f"不予奖补、未撤销；含草稿）；享受考核加分条款的镇街 {len(town_assessment.rows)} 个"
        )
        self._update_chart()

    def _update_chart(self) -> None:
        if self.tabs.tabText(self.tabs.currentIndex()) != CHART_TAB or self._town_table is None:
            return
        rows = list(self._town_table.rows)
        amount_col = len(self._town_table.columns) - 1
        chart = bar_chart(
            f"{self.ctx.year}年度各镇街核定金额（万元）",
            [str(r[1]) for r in rows],
            [("核定金额（万元）", [wan_yuan(r[amount_col]) for r in rows])],
            self.font(),
            value_labels=True,
        )
        self.chart_view = show_chart(self.chart_page, self.chart_view, chart)

    def export(self, name: str) -> None:
        from desktop.ui.export_flow import ExportDialog

        dialog = ExportDialog(self.ctx, self, report=name)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
