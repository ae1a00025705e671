"""PySide6 6.12.0 releases a reference to ``True`` on every ``emit()`` made from Python (see
``desktop/ui/__init__.py``): the GUI's reserve keeps the interpreter alive. When this test says
the leak is gone, remove the reserve."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal

import desktop.ui

pytestmark = pytest.mark.gui


class _Emitter(QObject):
    fired = Signal()


def test_ten_thousand_emits_from_python_leave_true_alive(qapp):
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(10_000):
        emitter.fired.emit()
    after = sys.getrefcount(True)
    if before - after < 10_000 and before < 2**31:
        pytest.fail("PySide6 no longer releases True on emit(): remove desktop.ui._hold_true")
    assert before > 2**31 or after > desktop.ui.TRUE_RESERVE // 2
