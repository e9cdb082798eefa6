"""Work around a reference-count bug in the installed PySide6 (seen with 6.12.0 on CPython 3.11).

Every call of a void Qt method from Python (``label.setText``, ``slider.setValue``,
``action.trigger`` …) releases one reference to ``None`` that it never took (some setters do the
same to ``True``/``False``).  On CPython < 3.12 those objects are not immortal, so a playing window
(thousands of such calls a second) drives ``None``'s count to zero within seconds and the
interpreter aborts with "Fatal Python error: none_dealloc".

:func:`guard_singletons` detects the bug with a few harmless calls and, only if it is present,
gives ``None``, ``True`` and ``False`` a large reserve of references (2**40: years of calls).
On CPython ≥ 3.12 the singletons are immortal and nothing is done.
"""
from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
_PROBE_CALLS = 64


def bug_present() -> bool:
    """Whether void Qt method calls release references to None here."""
    from PySide6.QtCore import QObject
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - _PROBE_CALLS // 2


def guard_singletons() -> bool:
    """Apply the reserve if the bug is present; returns whether it was applied (idempotent)."""
    if sys.version_info >= (3, 12) or getattr(guard_singletons, "applied", False):
        return False
    if not bug_present():
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += RESERVE
    guard_singletons.applied = True
    return True
