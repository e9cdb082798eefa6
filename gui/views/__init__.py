"""The plot views.  ``VIEW_CLASSES`` maps a key to (English title, class); each class is a QWidget
built as ``cls(session)`` that follows the session's ``rebuilt``/``frame``/``ready`` signals and
offers ``export_items()`` (the pyqtgraph item to export) and ``view_data()`` (its columns)."""
from __future__ import annotations

from gui.views.activation_view import ActivationView
from gui.views.decision_view import DecisionView
from gui.views.ema_explorer import EmaExplorer
from gui.views.loss_shape_view import LossShapeView
from gui.views.loss_view import LossView
from gui.views.lr_view import LRView
from gui.views.network_view import NetworkView
from gui.views.params_view import ParamsView
from gui.views.surface2d import Surface2DView
from gui.views.surface3d import Surface3DView

VIEW_CLASSES: dict[str, tuple[str, type]] = {
    "surface": ("Surface 2-D", Surface2DView),
    "surface3d": ("Surface 3-D", Surface3DView),
    "loss": ("Loss", LossView),
    "params": ("Parameters", ParamsView),
    "lr": ("Learning rate", LRView),
    "decision": ("Decision boundary", DecisionView),
    "ema": ("EMA", EmaExplorer),
    "loss-shape": ("Loss shapes", LossShapeView),
    "activations": ("Activation functions", ActivationView),
    "network": ("Network", NetworkView),
}

__all__ = ["VIEW_CLASSES", "ActivationView", "DecisionView", "EmaExplorer", "LossShapeView", "NetworkView", "LossView", "LRView", "ParamsView", "Surface2DView", "Surface3DView"]
