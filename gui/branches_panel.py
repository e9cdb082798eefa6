"""The Branches panel and Edit → Undo: the ghost branches (engine.branches) listed with where
they forked, what changed and their runs' loss at the cursor, each with "Drop" and "Keep as run";
Undo (Ctrl+Z) restores the last discard (a fork, a dropped branch, a reset or a restart).

Rows wrap (gui.widgets.FlowLayout) so the panel never widens the left column, where it is
tabbed behind the Inspector.  Rows are made when the branches change; the losses follow the
cursor (as a panel: refreshed in a light frame while playing).
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QLabel, QMenu, QPushButton, QScrollArea, QVBoxLayout, QWidget

from engine.phase_text import fmt
from gui.draw_rate import RefreshWhilePlaying
from gui.field_names import field_label
from gui.i18n import LANGUAGE, tr
from gui.widgets import FlowLayout


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "(" + ", ".join(_value(x) for x in v) + ")"
    return str(v)


def what_changed(branch) -> str:
    """What the live line did differently at the fork, in the interface language."""
    if branch.what == "stepped":
        return tr("stepped on")
    if branch.what == "played":
        return tr("played on")
    if branch.what == "setting":
        return tr("{field}: {old} → {new}", field=field_label(branch.path, branch.label or None),
                  old=_value(branch.old), new=_value(branch.new))
    return branch.what


class BranchRow(QFrame):
    """One ghost: its title, what changed, its runs' losses, Drop and Keep as run."""

    def __init__(self, panel, index: int, branch):
        super().__init__()
        self.branch = branch
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title, self.losses = QLabel(), QLabel()
        for label in (self.title, self.losses):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.drop_button, self.keep_button = QPushButton(), QPushButton()
        for b in (self.drop_button, self.keep_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)     # the keys stay with the window
        self.drop_button.clicked.connect(lambda _=False: panel.drop(index))
        self.keep_button.clicked.connect(lambda _=False: panel.keep(index))
        self.keep_button.setEnabled(branch.fits(panel.session.runs))
        buttons = FlowLayout()
        buttons.addWidget(self.drop_button)
        buttons.addWidget(self.keep_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.losses)
        lay.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        b = self.branch
        self.title.setText(tr("Ghost {n}: forked at step {k} ({what}); recorded to step {head}", n=b.number,
                              k=f"{b.step:,}", what=what_changed(b), head=f"{b.head:,}"))
        self.drop_button.setText(tr("Drop"))
        self.drop_button.setToolTip(tr("Forget this ghost (Ctrl+Z brings it back)"))
        self.keep_button.setText(tr("Keep as run"))
        self.keep_button.setToolTip(tr("Make this ghost's runs runs of the comparison, labelled run@{k}",
                                       k=b.step))

    def show_losses(self, cursor: int) -> None:
        b = self.branch
        k = min(cursor, b.head)
        parts = ", ".join(f"{label} {fmt(loss, 5)}" for label, loss in b.losses_at(k))
        text = tr("the ghost's loss at step {k}: {parts}", k=f"{k:,}", parts=parts)
        if text != self.losses.text():
            self.losses.setText(text)


class BranchesPanel(RefreshWhilePlaying, QWidget):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.rows: list[BranchRow] = []
        self.edit_menu = None              # the window's Edit menu (install_branches)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.undo_button = QPushButton()
        self.undo_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.undo_button.clicked.connect(self.undo)
        self._list = QVBoxLayout()
        self._list.setContentsMargins(0, 0, 0, 0)
        inner = QWidget()
        inner_lay = QVBoxLayout(inner)
        inner_lay.setContentsMargins(0, 0, 0, 0)
        inner_lay.addLayout(self._list)
        inner_lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        top = FlowLayout()
        top.addWidget(self.undo_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.intro)
        lay.addLayout(top)
        lay.addWidget(scroll, 1)
        self.action_undo = QAction(self)
        self.action_undo.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.action_undo.triggered.connect(self.undo)
        session.branches_changed.connect(self._on_session_branches_changed)
        session.rebuilt.connect(self._on_session_branches_changed)
        self.follow(session, ready=False)
        LANGUAGE.changed.connect(self._on_language_changed)
        self._fill()
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(tr("Scrub back, then step, play or change a setting: the future you leave is kept "
                              "here as a ghost branch (dimmed, dashed in the views), at most {n}.", n=4))
        self.undo_button.setText(tr("Undo last discard") + " (Ctrl+Z)")
        self.action_undo.setText(tr("Undo last discard"))
        if self.edit_menu is not None:
            self.edit_menu.setTitle(tr("&Edit"))
        for row in self.rows:
            row.retranslate()
        self._update_undo()

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()

    def _fill(self) -> None:
        for row in self.rows:
            self._list.removeWidget(row)
            row.deleteLater()
        self.rows = [BranchRow(self, i, b) for i, b in enumerate(self.session.branches)]
        for row in self.rows:
            self._list.addWidget(row)
        self.refresh()

    def _on_session_branches_changed(self) -> None:
        self._fill()
        self._update_undo()

    def _update_undo(self) -> None:
        can = self.session.can_undo
        self.undo_button.setEnabled(can)
        self.action_undo.setEnabled(True)       # (pressed with nothing to undo: a message says so)

    def refresh(self) -> None:
        self._last = time.perf_counter()
        self._update_undo()
        if not self.rows or not self.isVisible():   # (a tab behind another is hidden)
            return
        cursor = self.session.cursor
        with self.session.reading():
            for row in self.rows:
                row.show_losses(cursor)

    # --- actions ---------------------------------------------------------------------------------
    def drop(self, index: int) -> None:
        if 0 <= index < len(self.session.branches):
            self.session.drop_branch(index)

    def keep(self, index: int) -> None:
        if 0 <= index < len(self.session.branches):
            self.session.keep_branch(index)

    def undo(self) -> None:
        self.session.undo()
        self._update_undo()


def install_branches(window) -> None:
    """The Branches dock (tabbed behind the Inspector), its View-menu entry and Edit → Undo
    (Ctrl+Z).  Sets window.branches_panel, window.branches_dock and window.edit_menu."""
    from gui.main_window import STATE_VERSION    # (main_window imports this module)
    panel = BranchesPanel(window.session)
    dock = window._dock("dock_branches", "Branches", panel)
    window.tabifyDockWidget(window.inspector_dock, dock)
    window.guide_dock.raise_()          # tabifying made it current: a first launch opens on the guide
    window._default_state = window.saveState(STATE_VERSION)   # View → Reset layout includes it
    window.branches_panel, window.branches_dock = panel, dock
    entry = QAction(window)
    entry.triggered.connect(lambda _=False: window.bring_forward(dock))
    window.panel_actions["dock_branches"] = entry
    separator = next((a for a in window.view_menu.actions() if a.isSeparator()), None)
    window.view_menu.insertAction(separator, entry)
    edit = window.edit_menu = QMenu(window)
    window.menuBar().insertMenu(window.view_menu.menuAction(), edit)
    edit.addAction(panel.action_undo)
    window.addAction(panel.action_undo)
    panel.edit_menu = edit               # titled by the panel's retranslate (the window titles the entry)
    entry.setText(tr("Branches"))
    panel.retranslate()
