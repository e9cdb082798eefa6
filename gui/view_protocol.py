"""The View protocol: what the window, the export and the command line may ask of a view — and
nothing else (no probing for attributes).  (Outside ``gui.views``, so the window can ask it even
when the views cannot be imported.)  Every class in ``gui.views.VIEW_CLASSES`` is one;
``ViewBase`` gives the defaults, ``Surface3DView`` (not a ViewBase) its own.

A view is built as ``cls(session)``, follows the session's signals on its own, and offers:

    key          "surface", "loss", …: its entry in VIEW_CLASSES and the name of its export files
    title        English panel title (shown translated)
    uses_gl      drawn with OpenGL: PNG only (no SVG), and only where a GL context exists
    available    it can draw on this display (False: a GL view without OpenGL)
    empty_text   why it has nothing to draw for this preset ("" when it draws)
    busy         a background computation or a deferred redraw is pending (an export waits)
    showing()    on screen (not a dock behind another's tab)
    draw()       draw the session's cursor state now
    fit_view()   back to the range that fits the data
    export_items()  the pyqtgraph item (a GLViewWidget for a GL view) to export, or None
    view_data()  the columns it shows, {name: 1-D array} (its CSV)
    shutdown()   stop its timers and background jobs (the window is closing)
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class View(Protocol):
    key: str
    title: str
    uses_gl: bool

    @property
    def available(self) -> bool: ...

    @property
    def empty_text(self) -> str: ...

    @property
    def busy(self) -> bool: ...

    def showing(self) -> bool: ...

    def draw(self) -> None: ...

    def fit_view(self) -> None: ...

    def export_items(self): ...

    def view_data(self) -> dict[str, np.ndarray]: ...

    def shutdown(self) -> None: ...


def is_view(widget) -> bool:
    """Whether ``widget`` is a view (a panel that failed to start is a label instead)."""
    return isinstance(widget, View)
