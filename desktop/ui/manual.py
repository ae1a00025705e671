"""帮助 → 使用说明 (F1): the built-in Chinese manual, HTML under ``resources/manual/`` shown in a
QTextBrowser — offline, with the screenshots made by ``scripts/screenshots.py --manual``."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from desktop.resources import resource_path

MANUAL = "index.html"


class ManualDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("使用说明 — 四强产业配套奖补管理系统")
        self.resize(980, 760)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(True)
        folder = resource_path("manual")
        self.browser.setSearchPaths([str(folder)])
        self.browser.setSource(QUrl.fromLocalFile(str(folder / MANUAL)))
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def show_section(self, anchor: str) -> None:
        self.browser.scrollToAnchor(anchor)


_open: list[ManualDialog] = []


def open_manual(parent: QWidget | None = None) -> ManualDialog:
    """Show the manual (one window; F1 again brings it to the front)."""
    if _open:
        dialog = _open[0]
    else:
        dialog = ManualDialog(parent)
        _open.append(dialog)
        dialog.destroyed.connect(lambda *_: _open.clear())
        dialog.finished.connect(lambda _r: (_open.clear(), dialog.deleteLater()))
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
