"""The main window: navigation between the views, the shared year, the database file menu."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from desktop import APP_NAME, ORG_NAME, __version__
from desktop.core.errors import DomainError, FileInUse
from desktop.storage.database import Database
from desktop.ui import messages, theme
from desktop.ui.common import EVERYTHING, POLICIES, AppContext, View, choose_open_file
from desktop.ui.tables import RecordTable
from desktop.ui.theme import SETTINGS_APP

# (title, module, class): views are imported and built when first shown.
VIEWS = (
    ("待办", "desktop.ui.start_view", "StartView"),
    ("企业名录", "desktop.ui.enterprise_view", "EnterpriseView"),
    ("四强名单", "desktop.ui.siqiang_view", "SiqiangView"),
    ("奖补事项", "desktop.ui.application_view", "ApplicationView"),
    ("核定与审核", "desktop.ui.awards_view", "AwardsView"),
    ("拨付", "desktop.ui.payment_view", "PaymentView"),
    ("政策规则", "desktop.ui.policy_view", "PolicyView"),
    ("统计", "desktop.ui.stats_view", "StatsView"),
    ("受理", "desktop.ui.intake_view", "IntakeView"),
)
MAX_RECENT = 8
_warned_locations: set[str] = set()  # databases whose network/synced location was pointed out
FIRST_YEAR = 2021


IDLE_RELEASE_S = 600  # give the write lock up after 10 minutes without a write
WATCH_MS = 30_000


def app_settings() -> QSettings:
    """Window layout and recent files. In portable mode (or with SIQIANG_DATA_DIR) an INI file in
    the data folder, so a USB-stick copy never reads the workstation's registry."""
    import os

    from desktop.paths import portable_data_dir, user_data_dir

    if os.environ.get("SIQIANG_DATA_DIR") or portable_data_dir() is not None:
        return QSettings(str(user_data_dir() / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(ORG_NAME, SETTINGS_APP)


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recent", [])
    if isinstance(value, str):  # QSettings hands back a one-item list as a plain string
        value = [value]
    return [str(v) for v in value or [] if v]


def available_years(db: Database) -> list[int]:
    from desktop.services.siqiang_lists import list_years

    today = date.today().year
    return sorted(set(range(FIRST_YEAR, today + 2)) | set(list_years(db)))


def default_year(db: Database) -> int:
    from desktop.reports.data import default_year as newest_award_year

    return newest_award_year(db, date.today())


def fit_to_screen(widget: QWidget, width: int, height: int) -> QSize:
    """``width``×``height`` logical pixels, made no larger than the screen's free area.

    At 150 % display scaling a 1920×1080 screen offers only about 1280×690 logical pixels (less
    than the window's first-start size), at 125 % a 1366×768 one about 1090×580: a window larger
    than that would hang off the screen with its status bar out of reach."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(width, height)
    free = screen.availableGeometry()
    title_bar = 40  # Windows adds the title bar and borders outside the size set here
    return QSize(min(width, free.width()), min(height, max(free.height() - title_bar, 400)))


class MainWindow(QMainWindow):
    def __init__(
        self, db: Database, *, settings: QSettings | None = None, notice: str | None = None
    ) -> None:
        super().__init__()
        self.settings = settings or app_settings()
        self.ctx: AppContext | None = None
        self.views: dict[str, View] = {}
        self.setMinimumSize(fit_to_screen(self, 1000, 640))

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        for title, _module, _cls in VIEWS:
            self.nav.addItem(QListWidgetItem(title))
        self.nav.setFixedWidth(self.nav.fontMetrics().horizontalAdvance("核定与审核") + 48)
        self.nav.setStyleSheet(
            "QListWidget#navigation { font-size: 11pt; }"
            "QListWidget#navigation::item { padding: 9px 10px; }"
        )
        self.stack = QStackedWidget()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(4, 4, 4, 0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        toolbar = QToolBar("工具栏")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.addWidget(QLabel(" 年度："))
        self.year_combo = QComboBox()
        self.year_combo.setMinimumContentsLength(8)
        toolbar.addWidget(self.year_combo)
        toolbar.addSeparator()
        self.addToolBar(toolbar)
        self.toolbar = toolbar

        self.db_label = QLabel()
        self.year_label = QLabel()
        self.user_label = QLabel()
        self.selection_label = QLabel()  # the selected rows' count and amount (like Excel)
        self.policy_label = QLabel()  # a policy ending or ended (services.catalogue.expiry_notices)
        self.policy_label.linkActivated.connect(lambda _link: self.go_to("政策规则"))
        self.statusBar().addPermanentWidget(self.selection_label)
        self.statusBar().addPermanentWidget(self.policy_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.year_label)
        self.statusBar().addPermanentWidget(self.db_label)
        self._build_menus()
        self.nav.currentRowChanged.connect(self.show_view)
        self.year_combo.currentIndexChanged.connect(self._year_selected)

        self.set_database(db)
        self._restore_window()
        if notice:
            self.statusBar().showMessage(notice)
        # Every 30 s: give the write lock up after 10 minutes without a write, and refresh when
        # another program changed the database underneath (storage: Database.release_if_idle,
        # Database.data_version).
        self._data_version: int | None = None
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_MS)
        self._watch.timeout.connect(self.watch_database)
        self._watch.start()

    # -- menus ---------------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("文件(&F)")
        self._action(file_menu, "新建数据库…", self.new_database, QKeySequence.StandardKey.New)
        self._action(
            file_menu, "打开数据库…", self.open_database_dialog, QKeySequence.StandardKey.Open
        )
        self.recent_menu = file_menu.addMenu("最近打开")
        self._action(file_menu, "备份数据库…", self.backup_database)
        self._action(file_menu, "恢复备份…", self.restore_database)
        self._action(file_menu, "用户管理…", self.manage_users)
        file_menu.addSeparator()
        self._action(file_menu, "导入企业名录…", lambda: self._import("企业名录"))
        self._action(file_menu, "导入四强名单…", lambda: self._import("四强名单"))
        self._action(file_menu, "导入奖补事项…", lambda: self._import("奖补事项"))
        self._action(file_menu, "撤销上次导入…", self.undo_last_import)
        self._action(file_menu, "导出报表…", self.export_report, QKeySequence("Ctrl+E"))
        file_menu.addSeparator()
        self._office_actions(file_menu)
        file_menu.addSeparator()
        self._action(file_menu, "退出", self.close, QKeySequence.StandardKey.Quit)
        view_menu = self.menuBar().addMenu("视图(&V)")
        for number, (title, _module, _cls) in enumerate(VIEWS, start=1):
            self._action(
                view_menu, title, lambda t=title: self.go_to(t), QKeySequence(f"Ctrl+{number}")
            )
        view_menu.addSeparator()
        self.find_action = self._action(
            view_menu, "查找", self.focus_search, QKeySequence.StandardKey.Find
        )
        self.recalc_action = self._action(
            view_menu, "重新计算本年度", self.recalculate, QKeySequence(Qt.Key.Key_F5)
        )
        system_menu = self.menuBar().addMenu("系统(&S)")
        self._action(system_menu, "变更日志…", self.show_change_log)
        self._action(system_menu, "数据库检查…", self.check_database)
        help_menu = self.menuBar().addMenu("帮助(&H)")
        self.manual_action = self._action(
            help_menu, "使用说明", self.show_manual, QKeySequence(Qt.Key.Key_F1)
        )
        self._action(help_menu, "关于", self.about)

    def _office_actions(self, menu) -> None:
        from desktop.ui import office_flow as flow

        for text, dialog in (
            ("导出上报包…", flow.export_package_dialog),
            ("导入上报包…", flow.import_package_dialog),
            ("导入回执…", flow.import_receipt_dialog),
            ("导入市级下达清单…", flow.import_city_dialog),
        ):
            self._action(menu, text, lambda d=dialog: d(self.ctx, self))

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files(self.settings)
        for path in files:
            action = QAction(path, self)
            action.triggered.connect(lambda _c=False, p=path: self.open_database(Path(p)))
            self.recent_menu.addAction(action)
        self.recent_menu.setEnabled(bool(files))

    def _remember(self, path: Path) -> None:
        files = [str(path)] + [p for p in recent_files(self.settings) if p != str(path)]
        self.settings.setValue("recent", files[:MAX_RECENT])
        self.settings.setValue("last_database", str(path))
        self._update_recent_menu()

    # -- database ------------------------------------------------------------------------------
    @property
    def db(self) -> Database:
        assert self.ctx is not None
        return self.ctx.db

    def set_database(self, db: Database) -> None:
        """Show ``db``; views of the previous database are dropped and rebuilt lazily."""
        old = self.ctx
        for view in self.views.values():
            self.stack.removeWidget(view)
            view.deleteLater()
        self.views.clear()
        years = available_years(db)
        saved = self.settings.value("year")
        year = int(saved) if saved and int(saved) in years else default_year(db)
        if year not in years:
            years = sorted(set(years) | {year})
        self.ctx = AppContext(db, year, self, self.settings)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in years:
            self.year_combo.addItem(f"{y}年度", y)
        self.year_combo.setCurrentIndex(self.year_combo.findData(year))
        self.year_combo.blockSignals(False)
        if old is not None and old.db is not db:
            old.db.close()
        self.setWindowTitle(f"{APP_NAME} — {db.path.name}")
        metrics = self.db_label.fontMetrics()
        self.db_label.setText(
            "数据库：" + metrics.elidedText(str(db.path), Qt.TextElideMode.ElideMiddle, 420)
        )
        self.db_label.setToolTip(str(db.path))
        if db.readonly:  # another program writes this file: say so, in the bar and once aloud
            self.db_label.setText(f"{db.status_text}  {self.db_label.text()}")
            messages.show_info(self, db.readonly_message or "", "只读打开")
        if db.lock_notice:
            self.statusBar().showMessage(db.lock_notice, 15000)
        self._warn_about_location(db.path)
        self._show_policy_notices(db)
        self.ctx.dataChanged.connect(
            lambda what: self._show_policy_notices(db) if POLICIES in what else None
        )
        self._update_year_label()
        self._update_user_label()
        self._remember(db.path)
        self.show_view(max(self.nav.currentRow(), 0))
        if self.nav.currentRow() < 0:
            self.nav.setCurrentRow(0)

    def _show_policy_notices(self, db: Database) -> None:
        from desktop.services.catalogue import expiry_notices

        notices = expiry_notices(db)
        first = notices[0].split("，")[0] if notices else ""
        self.policy_label.setText(
            f"<a href='policy' style='color:{theme.WARNING_COLOUR}'>⚠ {first}</a>"
            if notices
            else ""
        )
        self.policy_label.setToolTip("\n".join(notices))

    def _warn_about_location(self, path: Path) -> None:
        """A database on a network share or in a synced folder: said once per run, in a box (too
        long for the status bar, where the notice also appears)."""
        from desktop.services.session import location_warning

        warning = location_warning(path)
        if warning and str(path) not in _warned_locations:
            _warned_locations.add(str(path))
            messages.show_info(self, warning, "数据库位置")

    def watch_database(self) -> None:
        if self.ctx is None or self.ctx.db.closed:
            return
        db = self.ctx.db
        try:
            if db.release_if_idle(IDLE_RELEASE_S):
                self._data_version = None
                self.statusBar().showMessage(
                    "10分钟未修改，已释放数据库写锁，其他同事可以写入；下次修改时自动重新获取",
                    15000,
                )
            version = db.data_version()
        except DomainError as exc:
            self.statusBar().showMessage(str(exc), 15000)
            return
        if self._data_version is not None and version != self._data_version:
            self.ctx.dataChanged.emit(EVERYTHING)  # another program wrote: reload what is shown
        self._data_version = version

    def open_database(self, path: Path, *, create: bool = False) -> bool:
        from desktop.services.session import open_session

        try:
            session = open_session(path, user=self.db.user, writable=None, create=create)
        except DomainError as exc:
            messages.show_error(self, exc, "无法打开数据库")
            return False
        db = session.db
        for notice in session.notices:
            if notice not in (db.readonly_message, db.lock_notice):  # set_database shows those
                self.statusBar().showMessage(notice, 15000)
        from desktop.services.users import logins_enabled

        if logins_enabled(db):  # that database has users: show it after a login
            from desktop.ui.login_dialog import LoginDialog

            self._login_dialog = LoginDialog(db, self)
            self._login_dialog.accepted.connect(lambda: self._opened(db, path))
            self._login_dialog.rejected.connect(db.close)
            self._login_dialog.open()
            return False
        self._opened(db, path)
        return True

    def _opened(self, db: Database, path: Path) -> None:
        self.set_database(db)
        self.statusBar().showMessage(f"已打开数据库 {path}", 8000)

    def open_database_dialog(self) -> None:
        path = choose_open_file(
            self, "打开数据库", "数据库文件 (*.db *.sqlite);;所有文件 (*)", self.db.path.parent
        )
        if path:
            self.open_database(path)

    def new_database(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "新建数据库", str(self.db.path.parent / "新数据库.db"), "数据库文件 (*.db)"
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (".db", ".sqlite"):  # 打开数据库 lists *.db files
            target = target.with_name(target.name + ".db")
        if target.exists():
            messages.show_info(
                self,
                f"文件 {target} 已存在。为防止覆盖数据，请换一个文件名，或用“打开数据库”打开它。",
            )
            return
        if self.open_database(target, create=True):
            self.statusBar().showMessage(
                f"已新建空数据库 {target}（已载入政策条款和镇街表）", 10000
            )

    def backup_database(self, suggested: Path | None = None) -> None:
        from desktop.storage.backup import manual_backup_path

        path, _ = QFileDialog.getSaveFileName(
            self,
            "备份数据库",
            str(suggested or manual_backup_path(self.db.path)),
            "数据库文件 (*.db)",
        )
        if path:
            self.backup_to(Path(path))

    def backup_to(self, target: Path) -> Path | None:
        from desktop.storage.backup import backup_to
        from desktop.storage.files import next_free_name

        try:
            result = backup_to(self.db, target)
        except FileInUse as exc:  # the target is open elsewhere: 重试, or 另存为 another name
            messages.file_in_use(
                self,
                exc,
                retry=lambda: self.backup_to(target),
                save_as=lambda: self.backup_database(next_free_name(target)),
                title="备份未完成",
            )
            return None
        except (DomainError, OSError) as exc:
            messages.show_error(
                self, exc if isinstance(exc, DomainError) else DomainError(f"备份失败：{exc}")
            )
            return None
        messages.show_info(self, f"已备份到：{result}", "备份数据库")
        return result

    def restore_database(self) -> None:
        from desktop.storage.backup import backup_dir

        folder = backup_dir(self.db.path)
        path = choose_open_file(
            self,
            "恢复备份",
            "数据库文件 (*.db);;所有文件 (*)",
            folder if folder.exists() else self.db.path.parent,
        )
        if path:
            messages.ask(
                self,
                f"用备份文件 {path} 替换当前数据库 {self.db.path} 的全部内容？\n"
                "替换前会先检查该文件，并把当前数据库保留为备份。",
                lambda: self.restore_from(path),
                "恢复备份",
            )

    def restore_from(self, source: Path) -> bool:
        from desktop.services.restore import restore_backup
        from desktop.ui.tasks import running_tasks

        if running_tasks():
            messages.show_info(self, "后台任务尚未完成，请等待其结束后再恢复备份。")
            return False
        try:
            result = restore_backup(self.db, source)
        except DomainError as exc:
            messages.show_error(self, exc, "未能恢复备份")
            return False
        self.set_database(result.db)
        messages.show_info(
            self,
            f"已用 {source} 恢复数据库。\n被替换的数据库已保留为：{result.replaced_backup}",
            "恢复备份",
        )
        return True

    def manage_users(self):
        from desktop.ui.users_dialog import open_users_dialog

        self._users_dialog = open_users_dialog(self.db, self)
        if self._users_dialog is not None:
            self._users_dialog.usersChanged.connect(self._update_user_label)
        return self._users_dialog

    def _update_user_label(self) -> None:
        from desktop.services.users import current_role, logins_enabled

        if logins_enabled(self.db):
            self.user_label.setText(f"用户：{self.db.user}（{current_role(self.db) or '未登录'}）")
        else:
            self.user_label.setText(f"用户：{self.db.user}（单用户模式）")

    # -- views ---------------------------------------------------------------------------------
    def view(self, title: str) -> View:
        """The view called ``title``, built on first use."""
        if title not in self.views:
            _t, module, cls = next(v for v in VIEWS if v[0] == title)
            view_class = getattr(importlib.import_module(module), cls)
            view = view_class(self.ctx, self.stack)
            self.views[title] = view
            self.stack.addWidget(view)
            for table in view.findChildren(RecordTable):
                table.summaryChanged.connect(self._show_selection)
        return self.views[title]

    def _show_selection(self, text: str) -> None:
        self.selection_label.setText(text)

    def current_view(self) -> View | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, View) else None

    def focus_search(self) -> None:
        """Ctrl+F: the current view's search box, its text selected for typing over."""
        search = getattr(self.current_view(), "search", None)
        if search is not None:
            search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            search.selectAll()

    def recalculate(self):
        """F5: recalculate the year (the 核定与审核 view does it, whichever view is shown)."""
        return self.view("核定与审核").recalculate()

    def show_manual(self):
        from desktop.ui.manual import open_manual

        self._manual = open_manual(self)
        return self._manual

    def show_view(self, row: int) -> None:
        if not (0 <= row < len(VIEWS)):
            return
        view = self.view(VIEWS[row][0])
        self.stack.setCurrentWidget(view)
        tables = view.findChildren(RecordTable)
        self.selection_label.setText(tables[0].summary() if tables else "")
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)

    def go_to(self, title: str) -> View:
        self.show_view([v[0] for v in VIEWS].index(title))
        return self.views[title]

    def _import(self, title: str) -> None:
        view = self.go_to(title)
        view._import_clicked()

    def undo_last_import(self):
        from desktop.ui.import_flow import undo_last_import

        return undo_last_import(self.ctx, self)

    def export_report(self) -> None:
        from desktop.ui.export_flow import ExportDialog

        self._export_dialog = ExportDialog(self.ctx, self)
        self._export_dialog.open()

    def show_change_log(self):
        from desktop.ui.log_view import open_log_dialog

        self._log_dialog = open_log_dialog(self.db, self)
        return self._log_dialog

    def check_database(self):
        from desktop.ui.check_dialog import open_check_dialog

        self._check_dialog = open_check_dialog(self.db, self)
        return self._check_dialog

    def about(self) -> None:
        messages.show_info(
            self,
            f"{APP_NAME}\n版本 {__version__}\n{ORG_NAME}\n\n"
            "依据：临淄区人民政府《关于加快推进临淄区“四强”产业发展的实施意见》（临政字〔2021〕41号）",
            "关于",
        )

    # -- year ----------------------------------------------------------------------------------
    def _year_selected(self, index: int) -> None:
        year = self.year_combo.itemData(index)
        if year is None or self.ctx is None:
            return
        self.settings.setValue("year", year)
        self._update_year_label()
        self.ctx.set_year(year)

    def set_year(self, year: int) -> None:
        self.year_combo.setCurrentIndex(self.year_combo.findData(year))

    def _update_year_label(self) -> None:
        year = self.year_combo.currentData()
        self.year_label.setText(f"当前年度：{year}年度")

    # -- window state --------------------------------------------------------------------------
    def _restore_window(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(geometry)
        else:
            self.resize(fit_to_screen(self, 1360, 820))
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray | bytes) and state:
            self.restoreState(state)
        page = self.settings.value("window/page")
        if page is not None and str(page).isdigit():
            self.show_view(int(page))

    def closeEvent(self, event: QCloseEvent) -> None:
        from desktop.ui.tasks import running_tasks

        if running_tasks():
            messages.show_info(self, "后台任务尚未完成，请等待其结束或先取消。")
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/page", self.nav.currentRow())
        self.settings.sync()
        super().closeEvent(event)

    def close_database(self) -> None:
        if self.ctx is not None:
            self.ctx.db.close()
