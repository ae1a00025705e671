"""企业名录: search-as-you-type over a lazily fetched table of up to 100,000 enterprises."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services import registry
from desktop.ui.common import ENTERPRISES, LISTS, AppContext, View, make_table
from desktop.ui.import_flow import choose_workbook, run_import
from desktop.ui.models import EnterpriseTableModel

DEBOUNCE_MS = 150
# The search index is built on a worker thread started from the event loop once the view has
# answered by SQL (not inside the refresh: the worker holds the interpreter at times, and the
# first paint of 110,000 rows then waited for it — 0.1–0.2 s measured).
INDEX_DELAY_MS = 0


class _IndexBridge(QObject):
    """Carries the index built on a worker thread back to the GUI thread (queued signal)."""

    loaded = Signal(object)


def _load_index(path, generation: int, bridge: _IndexBridge) -> None:
    """Worker thread: build the search index on its own read-only connection."""
    from desktop.storage.database import Database

    try:
        with Database(path, readonly=True) as db:
            index = registry.EnterpriseIndex(db)
            index.detach()
    except Exception:  # the view falls back to SQL search; nothing is lost
        index = None
    try:
        bridge.loaded.emit((generation, index))
    except RuntimeError:  # the view was closed meanwhile
        pass


class EnterpriseView(View):
    title = "企业名录"
    depends_on = frozenset({ENTERPRISES, LISTS})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._dialogs: list[QWidget] = []
        self._index: registry.EnterpriseIndex | None = None
        self._loader: threading.Thread | None = None
        self._generation = 0
        self._bridge = _IndexBridge(self)
        self._bridge.loaded.connect(self._index_ready)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入企业名称或统一社会信用代码的一部分，即时筛选（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(300)
        self.town = QComboBox()
        self.industry = QComboBox()
        self.industry.addItem("全部产业", None)
        for name in registry.INDUSTRIES:
            self.industry.addItem(name, name)
        self.scale = QComboBox()
        self.scale.addItem("规上与规下", None)
        self.scale.addItem("仅规上企业", True)
        self.scale.addItem("仅规下企业", False)
        self.on_list = QCheckBox()
        bar.addWidget(QLabel("搜索："))
        bar.addWidget(self.search, 2)
        bar.addWidget(self.town)
        bar.addWidget(self.industry)
        bar.addWidget(self.scale)
        bar.addWidget(self.on_list)
        layout.addLayout(bar)

        self.model = EnterpriseTableModel(self._fetch, self, self._sort_values)
        self.table = make_table(self.model, self, name="enterprises", settings=ctx.settings)
        self.table.doubleClicked.connect(lambda _index: self._edit_selected())
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.count = QLabel()
        bottom.addWidget(self.count)
        bottom.addStretch(1)
        self.add_button = QPushButton("新增企业…")
        self.edit_button = QPushButton("查看/修改…")
        self.import_button = QPushButton("导入企业名录…")
        self.add_button.clicked.connect(lambda: self.edit_enterprise(None))
        self.edit_button.clicked.connect(self._edit_selected)
        self.import_button.clicked.connect(self._import_clicked)
        for button in (self.add_button, self.edit_button, self.import_button):
            bottom.addWidget(button)
        layout.addLayout(bottom)
        edit_action = QAction("查看/修改…", self)
        edit_action.triggered.connect(lambda _c=False: self._edit_selected())
        add_action = QAction("新增企业…", self)
        add_action.triggered.connect(lambda _c=False: self.edit_enterprise(None))
        self.table.set_row_actions([edit_action, add_action])

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_search)
        self._index_timer = QTimer(self)
        self._index_timer.setSingleShot(True)
        self._index_timer.setInterval(INDEX_DELAY_MS)
        self._index_timer.timeout.connect(self._build_index)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        for combo in (self.town, self.industry, self.scale):
            combo.currentIndexChanged.connect(lambda _i: self.run_search())
        self.on_list.toggled.connect(lambda _c: self.run_search())

    def _fetch(self, ids: list[int]):
        return registry.enterprises_by_ids(self.ctx.db, ids)

    def _sort_values(self, ids: list[int], field: str):
        return registry.enterprise_sort_values(self.ctx.db, ids, field)

    def refresh(self) -> None:
        current = self.town.currentData()
        self.town.blockSignals(True)
        self.town.clear()
        self.town.addItem("全部镇街", None)
        for town in registry.towns(self.ctx.db):
            self.town.addItem(town.name, town.id)
        index = self.town.findData(current)
        self.town.setCurrentIndex(max(index, 0))
        self.town.blockSignals(False)
        self.on_list.setText(f"仅{self.ctx.year}年度四强名单")
        self.model.set_fetch(self._fetch)
        self.run_search()

    def current_filter(self) -> registry.EnterpriseFilter:
        return registry.EnterpriseFilter(
            text=self.search.text(),
            town_id=self.town.currentData(),
            industry=self.industry.currentData(),
            above_scale=self.scale.currentData(),
            on_list_year=self.ctx.year if self.on_list.isChecked() else None,
        )

    def run_search(self) -> None:
        self._timer.stop()
        flt = self.current_filter()
        if self._index is None:
            # Until the in-memory index (built in the background) is ready, SQL answers.
            ids = registry.search_enterprise_ids(self.ctx.db, flt)
            if self._loader is None and not self._index_timer.isActive():
                self._index_timer.start()
        else:
            ids = self._index.search(flt)
        self.model.set_ids(ids)
        self.count.setText(f"共 {len(ids):,} 户企业")

    def _build_index(self) -> None:
        self._index_timer.stop()
        if self._index is not None or self._loader is not None:
            return
        self._loader = threading.Thread(
            target=_load_index,
            args=(self.ctx.db.path, self._generation, self._bridge),
            name="registry-index",
            daemon=True,
        )
        self._loader.start()

    def _index_ready(self, payload) -> None:
        generation, index = payload
        self._loader = None
        if index is None:
            return  # stay on SQL search
        if generation != self._generation:  # the registry changed meanwhile: load again
            self._build_index()
            return
        index.attach(self.ctx.db)
        self._index = index
        if self.search.text().strip():
            self.run_search()

    def wait_for_index(self, timeout: float = 30.0) -> None:
        """Block until the background index is ready (tests and the benchmark)."""
        from PySide6.QtCore import QCoreApplication

        if self._index_timer.isActive():
            self._build_index()
        if self._loader is not None:
            self._loader.join(timeout)
        QCoreApplication.processEvents()

    def _on_data_changed(self, what: frozenset[str]) -> None:
        if what & self.depends_on:
            self._index = None  # rebuilt from the registry at the next search
            self._generation += 1
        super()._on_data_changed(what)

    def _edit_selected(self) -> None:
        ids = self.table.selected_ids()
        if ids:
            self.edit_enterprise(ids[0])

    def edit_enterprise(self, enterprise_id: int | None):
        from desktop.ui.enterprise_form import EnterpriseDialog

        dialog = EnterpriseDialog(self.ctx, enterprise_id, self)
        self._dialogs.append(dialog)

        def done(result: int) -> None:
            self._dialogs.remove(dialog)
            if result and dialog.saved_id is not None:
                self.ctx.notify(ENTERPRISES)
                self.reload()
                row = self.model.row_of(dialog.saved_id)
                if row >= 0:
                    self.table.select_source_row(row)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    def _import_clicked(self) -> None:
        path = choose_workbook(self, "导入企业名录")
        if path is not None:
            self.import_file(path)

    def import_file(self, path):
        return run_import(self.ctx, self, "enterprises", path)
