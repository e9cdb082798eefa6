"""The welcome card of a first launch: what Descent is, the keys, and a button that starts lesson
4.1.  It floats over the views; closing it (either button or Esc) dismisses it for good
(QSettings "welcome/dismissed"); Help → Welcome shows it again."""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from gui.i18n import LANGUAGE, tr
from gui.style import FONT_PT

DISMISSED_KEY = "welcome/dismissed"
FIRST_LESSON = "4.1"
KEYS = (("Space", "play / pause"), ("→", "one update forward"), ("←", "one step back"),
        ("Shift+→", "N updates forward"), ("R", "every run back to its start"),
        ("F11", "presenter mode"), ("F1", "every keyboard shortcut"))
WIDTH = 560


def _settings():
    from gui.window_geometry import settings
    return settings()


def dismissed() -> bool:
    return str(_settings().value(DISMISSED_KEY, "false")).lower() in ("true", "1")


class WelcomeCard(QFrame):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setObjectName("welcome_card")
        self.setStyleSheet("#welcome_card { background: white; border: 1px solid #9AA4B2; border-radius: 8px; }")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.start_button = QPushButton()
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.dismiss)
        for b in (self.start_button, self.close_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        row.addWidget(self.start_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.addWidget(self.body)
        lay.addLayout(row)
        self._filter = _Follow(self)
        window.installEventFilter(self._filter)
        LANGUAGE.changed.connect(self._on_language_changed)
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        rows = "".join(f"<tr><td style='padding:2px 14px 2px 0'><b>{html.escape(k)}</b></td>"
                       f"<td style='padding:2px 0'>{html.escape(tr(what))}</td></tr>" for k, what in KEYS)
        self.body.setText(
            f"<div style='font-size:{FONT_PT + 7}pt; font-weight:600'>{html.escape(tr('Welcome to Descent'))}</div>"
            f"<p style='font-size:{FONT_PT + 1}pt'>"
            + html.escape(tr("A lab for how small neural networks learn, built from the course chapter on optimising "
                             "a network: loss functions, the learning rate, the moving average and regularisation. "
                             "The chapter's scripts are the presets; the engine trains them one update at a time "
                             "while the views show the loss surface, each optimiser's path and the curves."))
            + "</p>"
            f"<p style='font-size:{FONT_PT + 1}pt'><b>{html.escape(tr('The keys'))}</b></p>"
            f"<table style='font-size:{FONT_PT + 1}pt'>{rows}</table>"
            f"<p style='font-size:{FONT_PT}pt; color:#505050'>"
            + html.escape(tr("The lessons walk through the chapter section by section, with questions to predict "
                             "and tasks to try. Help → Welcome shows this card again."))
            + "</p>")
        self.start_button.setText(tr("Start lesson 4.1"))
        self.close_button.setText(tr("Explore on my own"))
        self.place()

    def present(self) -> None:
        self.show()
        self.place()
        self.raise_()

    def place(self) -> None:
        w = self.window
        width = min(WIDTH, max(w.width() - 40, 200))
        height = min(self.layout().totalHeightForWidth(width), max(w.height() - 20, 100))   # wrapped text
        self.setFixedSize(width, height)
        self.move(max((w.width() - width) // 2, 0), max((w.height() - height) // 3, 0))

    def dismiss(self) -> None:
        """Hide the card for good (it comes back only from the Help menu)."""
        s = _settings()
        s.setValue(DISMISSED_KEY, True)
        s.sync()
        self.hide()

    def _on_start_clicked(self) -> None:
        self.dismiss()
        from gui.lesson_menu import open_lesson
        open_lesson(self.window, FIRST_LESSON)

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()


class _Follow(QObject):
    """Keeps the card centred as the window resizes; Esc closes it."""

    def __init__(self, card: WelcomeCard):
        super().__init__(card)
        self.card = card

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if self.card.isVisible():
            if event.type() == QEvent.Type.Resize:
                self.card.place()
            elif event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                self.card.dismiss()
                return True
        return False


def show_if_first_launch(window) -> bool:
    """The card, unless it was dismissed before; returns whether it is shown."""
    if dismissed():
        return False
    window.welcome.present()
    return True
