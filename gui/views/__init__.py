"""The plot views.  ``VIEW_CLASSES`` maps a key to (English title, class); each class is a QWidget
built as ``cls(session)`` that follows the session's ``rebuilt``/``frame``/``ready`` signals and
is a ``gui.view_protocol.View`` (its ``key`` and ``title`` are the class's own).  A new view: its
module, and its class in ``VIEWS``."""
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

# in the order the View menu and an export list them
VIEWS = (Surface2DView, Surface3DView, LossView, ParamsView, LRView, DecisionView, EmaExplorer, LossShapeView,
         ActivationView, NetworkView)
VIEW_CLASSES: dict[str, tuple[str, type]] = {cls.key: (cls.title, cls) for cls in VIEWS}

__all__ = ["VIEWS", "VIEW_CLASSES", "ActivationView", "DecisionView", "EmaExplorer", "LossShapeView", "NetworkView", "LossView", "LRView", "ParamsView", "Surface2DView", "Surface3DView"]
