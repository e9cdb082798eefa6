"""Descent's window: PySide6 + pyqtgraph.  Everything Qt lives here; the engine never imports it."""
