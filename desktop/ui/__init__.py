"""The desktop GUI (PySide6): widgets and Qt models only; everything else is in the services.

PySide6 6.12.0 (its abi3 build, made for Pythons where ``None``, ``True`` and ``False`` are
immortal) returns them without taking a reference: on Python 3.11 every call of a Qt method that
returns nothing (``setText``, ``click``, …), every signal delivered to a Python slot and every
``emit()`` from Python releases a reference to ``None`` or ``True`` that nobody took. Once a count
reaches zero the interpreter aborts ("Fatal Python error: none_dealloc" / "bool_dealloc"), after
a few thousand calls — mid-session or at exit. Importing the GUI therefore takes a reserve of
references to each that is never given back (they live as long as the interpreter anyway).
Remove this once a PySide6 with the fix is pinned (``tests/ui/test_pyside_refcounts.py`` says
when).
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1_000_000_000  # calls a session may make before a reserve runs out
_SINGLETONS = (None, True, False)


def _hold(obj: object) -> None:
    if sys.getrefcount(obj) > 2**31:  # immortal (Python 3.12+): nothing to hold
        return
    before = sys.getrefcount(obj)
    count = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt, the first field of PyObject
    if count.value == before - 1:
        count.value += RESERVE
        return
    incref = ctypes.pythonapi.Py_IncRef  # not the layout we expect: one reference at a time
    incref.argtypes = [ctypes.py_object]
    for _ in range(1_000_000):
        incref(obj)


for _obj in _SINGLETONS:
    _hold(_obj)
