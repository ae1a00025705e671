"""The desktop application: ``run_gui(db_path)`` starts Qt, opens the database, shows the window.

Start-up stays light: reports (openpyxl, reportlab) and QtCharts are imported when first used.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path


def _user() -> str:
    try:
        return getpass.getuser() or "本机用户"
    except Exception:  # no login name (service account, odd Windows set-ups)
        return "本机用户"


def open_initial_database(db_path: str | Path | None, settings=None):
    """The database to show first, and a status-bar notice (or None).

    Without a path: the last one used, else the default one in the user data folder. When that
    does not exist yet it is created with demo data, so a first start shows something.
    """
    from desktop.paths import default_database_path
    from desktop.services.session import open_session

    if db_path is None and settings is not None:
        last = settings.value("last_database")
        if last and Path(str(last)).is_file():
            db_path = Path(str(last))
    path = Path(db_path) if db_path is not None else default_database_path()
    # Read-only when another program holds the file.
    session = open_session(path, user=_user(), writable=None, create=True)
    db, notices = session.db, session.notices
    if session.created and db_path is None:
        from desktop.services.demo import build_demo

        summary = build_demo(db)
        notices.insert(
            0,
            f"首次启动：已生成演示数据库（{summary}）。"
            "正式使用前请用“文件→新建数据库”建立空数据库。",
        )
    elif session.created:
        notices.insert(0, "已新建空数据库（已载入政策条款和镇街表）")
    if db.readonly_message in notices:  # the window says so in its own way
        notices.remove(db.readonly_message)
    return db, "；".join(notices) or None


def run_gui(db_path: str | Path | None = None) -> int:
    import os
    import time

    started = time.perf_counter()
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.core.errors import DomainError
    from desktop.ui.theme import configure_high_dpi, setup_application

    configure_high_dpi()  # before the QApplication exists
    app = QApplication.instance() or QApplication(sys.argv[:1])
    setup_application(app)
    from desktop.ui.main_window import MainWindow, app_settings

    settings = app_settings()
    try:
        db, notice = open_initial_database(db_path, settings)
    except DomainError as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return 1
    from desktop.ui.login_dialog import login_if_needed

    if not login_if_needed(db):  # the database has users: no window without a login
        db.close()
        return 0
    window = MainWindow(db, settings=settings, notice=notice)
    window.show()
    smoke_ms = os.environ.get("SIQIANG_SMOKE_EXIT_MS")
    if smoke_ms:  # the build's smoke test and the start-up benchmark: report, then quit

        def shown() -> None:
            if sys.stderr is not None:
                print(
                    f"SIQIANG_WINDOW_SHOWN {time.perf_counter() - started:.3f}",
                    file=sys.stderr,
                    flush=True,
                )

        QTimer.singleShot(0, shown)
        QTimer.singleShot(int(smoke_ms), app.quit)
    code = app.exec()
    window.close_database()
    # Closing the windows on the way out can post a second Quit; left in the queue it would end
    # any later event loop at once (matters when run_gui is called again, e.g. in tests).
    QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
    return int(code)
