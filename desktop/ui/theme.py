"""Application-wide look: the bundled CJK font, Qt's own zh_CN translations, a few colours."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop import ORG_NAME
from desktop.core import status
from desktop.resources import FONT_FAMILY, font_path

SETTINGS_APP = "SiqiangAwards"

# Status colours of 核定结果, chosen to stay readable on white and on the grey of locked rows.
STATUS_COLOURS = {
    status.DRAFT: QColor("#9a5b00"),
    status.IN_REVIEW: QColor("#7a4fa3"),
    status.APPROVED: QColor("#1b6e20"),
    status.PAID: QColor("#0b4f9c"),
    status.PAYMENT_FAILED: QColor("#b3261e"),
    status.REJECTED: QColor("#b3261e"),
    status.REVOKED: QColor("#6b6b6b"),
}
LOCKED_BACKGROUND = QColor("#ececec")
LOCKED_FOREGROUND = QColor("#505050")
NEW_BACKGROUND = QColor("#e3f4e1")
DROPPED_BACKGROUND = QColor("#fbe3e1")
ERROR_COLOUR = "#b3261e"
WARNING_COLOUR = "#9a5b00"
OK_COLOUR = "#1b6e20"

_installed: list[object] = []


def use_qt_file_dialogs(app: QApplication, system: QLocale | None = None) -> bool:
    """Where the system's own file dialog would be English (a non-Chinese Windows or desktop),
    use Qt's dialog, which Qt's zh_CN translation turns Chinese. Returns whether it does."""
    from PySide6.QtCore import Qt

    language = (system or QLocale.system()).language()
    qt_dialogs = language != QLocale.Language.Chinese
    app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, qt_dialogs)
    return qt_dialogs  # keep the translator alive as long as the application


def configure_high_dpi() -> None:
    """Display scaling (125 %, 150 % on Windows): call before the QApplication exists.

    Qt 6 is per-monitor DPI aware by itself (PerMonitorV2 on Windows; the PyInstaller manifest
    declares no DPI awareness that would pin it to the primary monitor's) and lays everything out
    in device-independent pixels, so sizes in this program's code scale with the display. The
    rounding policy says what to do with a fractional factor: ``PassThrough`` uses 1.25 and 1.5
    as they are (Qt 6's default, set here so ``QT_SCALE_FACTOR_ROUNDING_POLICY`` or a later Qt
    cannot change it silently). Rounding would make 150 % either 1× (too small to read) or 2×
    (the window no longer fits a 1920×1080 laptop screen); text and the icons, drawn from a
    256-pixel image, stay sharp at any factor. Checked by rendering the main window offscreen
    with ``QT_SCALE_FACTOR=1.25`` and ``1.5`` (``scripts/screenshots.py``).
    """
    if QGuiApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )


def setup_application(app: QApplication) -> str:
    """Register the bundled font, make it the application font and load Qt's zh_CN texts.

    Idempotent (tests and the screenshot script call it on an existing QApplication). Returns
    the font family in use.
    """
    if app.property("siqiang_setup"):
        return app.font().family()
    # The bundled WenQuanYi Micro Hei even where Windows has 微软雅黑 (Microsoft YaHei): it is the
    # font every screenshot, width and clipping check of this program was made with, and the one
    # the PDF reports embed, so what the clerk sees is what was tested and matches the printouts;
    # YaHei's better hinting matters little at the 125–150 % scaling of today's office screens.
    # A character the bundled font lacks (a rare 生僻字 in a company name) is still drawn: Qt
    # falls back to a system font that has it (on Windows YaHei or SimSun).
    family = FONT_FAMILY
    try:
        font_id = QFontDatabase.addApplicationFont(str(font_path()))
    except FileNotFoundError:
        font_id = -1
    if font_id >= 0:
        families = QFontDatabase.applicationFontFamilies(font_id)
        if families:
            family = families[0]
    app.setFont(QFont(family, 10))
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load("qtbase_zh_CN", folder):
        app.installTranslator(translator)
        _installed.append(translator)
    from desktop.ui.translations import QtGapsTranslator

    gaps = QtGapsTranslator(app)  # after Qt's own: it answers first, for its strings only
    app.installTranslator(gaps)
    _installed.append(gaps)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    use_qt_file_dialogs(app)
    try:
        from PySide6.QtGui import QIcon

        from desktop.resources import resource_path

        app.setWindowIcon(QIcon(str(resource_path("icons", "app.png"))))
    except FileNotFoundError:
        pass
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(SETTINGS_APP)
    app.setProperty("siqiang_setup", True)
    return family
