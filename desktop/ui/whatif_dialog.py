"""试算: a year under a draft (or a few changed parameters) against the rules in force — the
totals, the comparison by clause and by town, the enterprises whose amount changes, and a
chart — computed on a worker, writing nothing; exported as the 试算对比表 workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.money import format_yuan
from desktop.ui import messages
from desktop.ui.charts import bar_chart, show_chart, wan_yuan
from desktop.ui.common import AppContext, make_table
from desktop.ui.models import Column, ListTableModel

_AMOUNTS = (
    Column("现行（元）", lambda c: c.now_fen, "amount", 10),
    Column("试算（元）", lambda c: c.trial_fen, "amount", 10),
    Column("差额（元）", lambda c: c.difference_fen, "amount", 10),
)
RULE_COLUMNS = (
    Column("条款编号", lambda c: c.key, "text", 6),
    Column("条款名称", lambda c: c.name, "text", 22, tooltip=True),
    *_AMOUNTS,
)
TOWN_COLUMNS = (Column("所属镇街", lambda c: c.key, "text", 10), *_AMOUNTS)
ENTERPRISE_COLUMNS = (
    Column("统一社会信用代码", lambda c: c.key, "text", 12),
    Column("企业名称", lambda c: c.name, "text", 20, tooltip=True),
    Column("所属镇街", lambda c: c.town, "text", 7),
    *_AMOUNTS,
)
CHART_TAB = "图表"


class WhatIfDialog(QDialog):
    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, version_id: int | None = None
    ) -> None:
        super().__init__(parent)
        from desktop.services.catalogue import policy_versions

        self.ctx = ctx
        self.result: Any = None
        self.task: Any = None
        self.setWindowTitle("试算（不写入数据）")
        self.setMinimumSize(1000, 680)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("年度"))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(ctx.year)
        row.addWidget(self.year)
        row.addWidget(QLabel("　按草稿"))
        self.version = QComboBox()
        self.version.addItem("（不用草稿，按下方参数调整）", None)
        for v in policy_versions(ctx.db):
            if v.is_draft:
                self.version.addItem(f"{v.label} {v.valid_from}起", v.id)
        if version_id is not None:
            self.version.setCurrentIndex(max(self.version.findData(version_id), 0))
        row.addWidget(self.version, 1)
        layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("或调整参数"))
        self.settings = QLineEdit()
        self.settings.setPlaceholderText(
            "如 LZ41-2.rate=25%  LZ41-2.cap=200万（空格分隔，不选草稿时使用）"
        )
        row.addWidget(self.settings, 1)
        self.run_button = QPushButton("试算")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        row.addWidget(self.run_button)
        layout.addLayout(row)
        self.heading = QLabel(
            "选择草稿或填写参数后点“试算”。试算只计算、不保存，不影响现有核定结果。"
        )
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.heading)
        self.tabs = QTabWidget()
        self.rules = ListTableModel(self, RULE_COLUMNS)
        self.towns = ListTableModel(self, TOWN_COLUMNS)
        self.enterprises = ListTableModel(self, ENTERPRISE_COLUMNS)
        self.tabs.addTab(make_table(self.rules, self), "按条款")
        self.tabs.addTab(make_table(self.towns, self), "按镇街")
        self.tabs.addTab(make_table(self.enterprises, self), "金额变化的企业")
        self.chart_page = QWidget()
        QVBoxLayout(self.chart_page).setContentsMargins(0, 0, 0, 0)
        self.chart_view: Any = None
        self.tabs.addTab(self.chart_page, CHART_TAB)
        self.tabs.currentChanged.connect(lambda _i: self._update_chart())
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = buttons.addButton("导出Excel…", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.choose_export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    # -- running ---------------------------------------------------------------------------------
    def start(self):
        from desktop.services.whatif import whatif

        year = self.year.value()
        version = self.version.currentData()
        settings = self.settings.text().split() if version is None else None

        def work(db, progress, cancel):
            return whatif(
                db, year, version=version, settings=settings, progress=progress, cancel=cancel
            )

        self.run_button.setEnabled(False)
        self.task = self.ctx.run(
            self,
            work,
            title="试算",
            label=f"正在试算{year}年度…",
            on_success=self.show_result,
            on_error=self._failed,
        )
        return self.task

    def _failed(self, error: BaseException) -> None:
        self.run_button.setEnabled(True)
        messages.show_error(self, error, "试算未完成")

    def show_result(self, result: Any) -> None:
        self.run_button.setEnabled(True)
        self.result = result
        sign = "+" if result.difference_fen > 0 else ""
        self.heading.setText(
            f"<b>{result.year}年度试算</b>（{result.against}）：现行合计 "
            f"<b>{format_yuan(result.now_fen)}</b> 元，试算合计 <b>{format_yuan(result.trial_fen)}"
            f"</b> 元，差额 <b>{sign}{format_yuan(result.difference_fen)}</b> 元；"
            f"金额变化的企业 {len(result.enterprises)} 户。"
        )
        self.rules.set_rows(result.by_rule)
        self.towns.set_rows(result.by_town)
        self.enterprises.set_rows(result.enterprises)
        self.tabs.setTabText(2, f"金额变化的企业（{len(result.enterprises)}）")
        self.export_button.setEnabled(True)
        self._update_chart()

    # -- the chart -------------------------------------------------------------------------------
    def _update_chart(self) -> None:
        if self.result is None or self.tabs.tabText(self.tabs.currentIndex()) != CHART_TAB:
            return
        rows = [c for c in self.result.by_rule if c.now_fen or c.trial_fen]
        chart = bar_chart(
            f"{self.result.year}年度按条款：现行与试算（万元）",
            [c.key for c in rows],
            [
                ("现行", [wan_yuan(c.now_fen) for c in rows]),
                ("试算", [wan_yuan(c.trial_fen) for c in rows]),
            ],
            self.font(),
        )
        self.chart_view = show_chart(self.chart_page, self.chart_view, chart)

    # -- export ----------------------------------------------------------------------------------
    def choose_export(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "导出试算对比表",
            f"{self.result.year}年度试算对比表.xlsx",
            "Excel 工作簿 (*.xlsx)",
        )
        if path:
            self.export(Path(path if path.lower().endswith(".xlsx") else path + ".xlsx"))

    def export(self, path: Path) -> Path | None:
        from desktop.core.errors import DomainError
        from desktop.reports import write_report
        from desktop.reports.whatif import whatif_report

        try:
            written = write_report(whatif_report(self.result), "xlsx", path)
        except DomainError as exc:
            messages.show_error(self, exc, "未能导出试算对比表")
            return None
        messages.show_info(self, f"已导出：{written.path}", "导出完成")
        return written.path
