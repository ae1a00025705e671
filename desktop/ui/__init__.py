"""The desktop GUI (PySide6): widgets and Qt models only; everything else is in the services.

PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit()`` (and ``disconnect()``) without
taking a reference for it, so every signal emitted from Python releases a reference to ``True``
that nobody took; once the count reaches zero the interpreter aborts ("Fatal Python error:
bool_dealloc") — after a few hundred emits, e.g. when views reload a few times. Importing the GUI
therefore takes a reserve of references to ``True`` that is never given back (``True`` lives as
long as the interpreter anyway). Remove this once a PySide6 with the fix is pinned
(``tests/ui/test_pyside_emit.py`` says when).
"""

from __future__ import annotations

import ctypes
import sys

TRUE_RESERVE = 1_000_000_000  # emits a session may make before the reserve runs out


def _hold_true() -> None:
    if sys.getrefcount(True) > 2**31:  # immortal (Python 3.12+): nothing to hold
        return
    before = sys.getrefcount(True)
    count = ctypes.c_ssize_t.from_address(id(True))  # ob_refcnt, the first field of PyObject
    if count.value != before - 1:  # not the layout we expect: take the references one by one
        incref = ctypes.pythonapi.Py_IncRef
        incref.argtypes = [ctypes.py_object]
        for _ in range(1_000_000):
            incref(True)
        return
    count.value += TRUE_RESERVE


_hold_true()
