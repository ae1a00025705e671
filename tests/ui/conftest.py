"""GUI test fixtures. The offscreen platform is set before anything imports Qt: without a display
pytest-qt would otherwise abort the whole run. Settings go to a temporary folder, databases to
``tmp_path``, and every message box left open is closed after each test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from ui_helpers import CODE_A, CODE_B, NAME_A, NAME_B, make_window  # noqa: E402


@pytest.fixture(autouse=True)
def _qt_environment(qapp, tmp_path_factory):
    from PySide6.QtCore import QSettings

    from desktop.ui import messages
    from desktop.ui.theme import setup_application

    setup_application(qapp)
    folder = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)
    messages.history.clear()
    yield
    messages.close_all()


@pytest.fixture
def settings(tmp_path: Path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def small_db(tmp_path: Path):
    """Two enterprises: A (辛店街道, 规上) on the 2024 四强 list, B (齐都镇) not."""
    from desktop.services.registry import EnterpriseInput, upsert_enterprises
    from desktop.services.siqiang_lists import replace_list
    from desktop.storage.database import Database

    db = Database(tmp_path / "small.db", user="测试员")
    upsert_enterprises(
        db,
        [
            EnterpriseInput(CODE_A, NAME_A, "辛店街道", True, "新材料"),
            EnterpriseInput(CODE_B, NAME_B, "齐都镇", True, "智能装备"),
        ],
    )
    ids = {r[0]: r[1] for r in db.query("SELECT credit_code, id FROM enterprises")}
    replace_list(db, 2024, {ids[CODE_A]})
    yield db
    db.close()


@pytest.fixture
def demo_db(tmp_path: Path):
    from desktop.services.demo import build_demo
    from desktop.storage.database import Database

    db = Database(tmp_path / "demo.db", user="测试员")
    build_demo(db)
    yield db
    db.close()


@pytest.fixture
def window(qtbot, small_db, settings):
    return make_window(qtbot, small_db, settings, 2024)


@pytest.fixture
def demo_window(qtbot, demo_db, settings):
    return make_window(qtbot, demo_db, settings, 2024)
