"""The 2-D surface view's mouse: a hover reads the loss under the pointer (at θ on the view's
plane), a click sets every run's start point there.  A mixin of ``Surface2DView`` (it uses the
view's ``pi``, ``kind``, ``surface``, ``legend``, ``readout`` and ``session``)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt


class SurfaceMouse:
    def _connect_mouse(self) -> None:
        scene = self.pi.scene()
        scene.sigMouseMoved.connect(self._on_scene_moved)
        scene.sigMouseClicked.connect(self._on_scene_clicked)

    def _scene_to_view(self, pos):
        vb = self.pi.vb
        if not vb.sceneBoundingRect().contains(pos):
            return None
        p = vb.mapSceneToView(pos)
        return p.x(), p.y()

    def _theta_at(self, x: float, y: float) -> np.ndarray | None:
        if self.kind == "exact":
            return np.array([x, y])
        if self.kind == "curve":
            return np.array([x])
        if self.kind == "plane" and self.surface is not None:
            return self.surface.plane.lift(np.array([x]), np.array([y]))[0]
        return None

    def _on_scene_moved(self, pos) -> None:
        with self.session.reading():      # the trainer may be writing the histories
            self._hover(pos)

    def _hover(self, pos) -> None:
        xy = self._scene_to_view(pos)
        runs = self.session.runs
        if xy is None or not runs or not self.session.is_ready:
            return
        theta = self._theta_at(*xy)
        if theta is None:
            return
        run = runs[self.surface.run if self.surface is not None else 0]
        loss = float(run.evaluate(theta)[0])
        if self.kind == "exact":
            names = run.problem.layout.names
            text = f"{names[0]}={xy[0]:.4g}, {names[1]}={xy[1]:.4g}, loss={loss:.4g}"
        elif self.kind == "curve":
            text = f"{run.problem.layout.names[0]}={xy[0]:.4g}, loss={loss:.4g}"
        else:
            text = f"α={xy[0]:.3g}, β={xy[1]:.3g}, loss={loss:.4g}"
        self.readout.setText(text)

    def _on_scene_clicked(self, ev) -> None:
        if ev.button() != Qt.LeftButton or ev.double():
            return
        pos = ev.scenePos()
        if self.legend.isVisible() and self.legend.sceneBoundingRect().contains(pos):
            return
        xy = self._scene_to_view(pos)
        if xy is not None:
            self.click_at(*xy)

    def click_at(self, x: float, y: float) -> None:
        """A click on the surface at view coordinates (x, y): every run restarts from there."""
        theta = self._theta_at(x, y)
        if theta is not None and np.all(np.isfinite(theta)):
            self.session.set_start(theta)

