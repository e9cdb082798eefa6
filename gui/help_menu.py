"""Help → Keyboard shortcuts (F1), Welcome, About Descent.  The shortcut list is read from the
window's own actions, so it always says what the keys do; About gives the version and licence
from the package metadata and credits the chapter Descent is built from."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QScrollArea, QVBoxLayout

from gui.i18n import LANGUAGE, tr
from gui.welcome import WelcomeCard

PACKAGE = "descent-lab"


def version() -> str:
    """The installed version, else the one in the checkout's pyproject.toml."""
    from importlib import metadata
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        pass
    try:
        import tomllib
        doc = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8"))
        return str(doc["project"]["version"])
    except (OSError, KeyError, ValueError, ImportError):
        return "?"


def licence() -> str:
    """The licence the package declares, or "" when it declares none."""
    from importlib import metadata
    try:
        meta = metadata.metadata(PACKAGE)
    except metadata.PackageNotFoundError:
        return ""
    return (meta.get("License-Expression") or meta.get("License") or "").strip()


def shortcuts(window) -> list[tuple[str, str]]:
    """(key, what it does) for every action of the window that has a shortcut; the lesson's
    digit keys as one row "1 … 9"."""
    seen, out, digits = set(), [], False
    for a in window.findChildren(QAction):
        key = a.shortcut()
        if key.isEmpty():
            continue
        text = key.toString(QKeySequence.SequenceFormat.NativeText)
        if len(text) == 1 and text.isdigit():
            if not digits:
                digits = True
                out.append(("1 … 9", tr("Lesson: pick an answer")))
            continue
        what = a.text().replace("&", "").rstrip("…")
        if what and (text, what) not in seen:
            seen.add((text, what))
            out.append((text, what))
    return out


class ShortcutsDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)
        area = QScrollArea()
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setWidgetResizable(True)
        area.setWidget(self.label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(area)
        lay.addWidget(buttons)
        self.resize(520, 560)
        self.refresh()

    def refresh(self) -> None:
        self.setWindowTitle(tr("Keyboard shortcuts"))
        rows = "".join(f"<tr><td style='padding:3px 16px 3px 4px'><b>{html.escape(k)}</b></td>"
                       f"<td style='padding:3px 4px'>{html.escape(w)}</td></tr>" for k, w in shortcuts(self.window))
        note = tr("The transport keys work wherever the keyboard is, except while a text field is being edited "
                  "(Return or Esc gives the keyboard back).")
        self.label.setText(f"<table>{rows}</table><p style='color:#505050'>{html.escape(note)}</p>")


def about_text() -> str:
    lic = licence() or tr("not declared yet (pyproject.toml names none)")
    return (f"<h3>Descent {html.escape(version())}</h3>"
            f"<p>{html.escape(tr('A desktop lab for how small neural networks learn.'))}</p>"
            f"<p>{html.escape(tr('Licence: {licence}', licence=lic))}</p>"
            "<p>" + html.escape(tr("Built from chapter 4 of a TensorFlow 1.x course, “Optimising a neural network” "
                                   "(神经网络优化): loss functions, the learning rate and its exponential decay, "
                                   "the moving average and regularisation. The chapter's scripts opt4_1 … opt4_8 "
                                   "ship as presets with their data and settings; the lessons follow its "
                                   "sections.")) + "</p>"
            "<p>" + html.escape(tr("Made with numpy, numba, PySide6 (Qt) and pyqtgraph.")) + "</p>")


class HelpMenu(QObject):
    """Help → Keyboard shortcuts (F1), Welcome, About Descent."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        window.welcome = WelcomeCard(window)
        self.menu = window.menuBar().addMenu("")
        self.shortcuts_action = QAction(window)
        self.shortcuts_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.shortcuts_action.triggered.connect(self._on_shortcuts_triggered)
        self.welcome_action = QAction(window)
        self.welcome_action.triggered.connect(window.welcome.present)
        self.about_action = QAction(window)
        self.about_action.triggered.connect(self._on_about_triggered)
        for a in (self.shortcuts_action, self.welcome_action, self.about_action):
            self.menu.addAction(a)
        window.addAction(self.shortcuts_action)
        LANGUAGE.changed.connect(self._on_language_changed)
        self._on_language_changed("")

    def _on_language_changed(self, _code: str) -> None:
        self.menu.setTitle(tr("&Help"))
        self.shortcuts_action.setText(tr("Keyboard shortcuts"))
        self.welcome_action.setText(tr("Welcome"))
        self.about_action.setText(tr("About Descent"))

    def _on_shortcuts_triggered(self) -> None:
        show_shortcuts(self.window)

    def _on_about_triggered(self) -> None:
        show_about(self.window)


def install_help_menu(window) -> None:
    """Sets window.help (the menu's owner, with .menu) and window.welcome (the card)."""
    window.help = HelpMenu(window)
    window.help_menu = window.help.menu


def show_shortcuts(window) -> ShortcutsDialog:
    dialog = getattr(window, "_shortcuts_dialog", None)
    if dialog is None:
        dialog = window._shortcuts_dialog = ShortcutsDialog(window)
    dialog.refresh()
    dialog.show()
    dialog.raise_()
    return dialog


def show_about(window) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, tr("About Descent"), about_text(), parent=window)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    window._about_box = box
    return box
