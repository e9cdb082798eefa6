"""The Messages panel: every message the window showed (status bar, refused values, divergence),
newest last, with its time and level, so nothing cut short in the status bar is lost."""
from __future__ import annotations

import time

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from gui.i18n import LANGUAGE, tr

LEVEL_COLOURS = {"error": "#C00000", "warning": "#B35900", "diverged": "#B35900", "info": "#202020"}
MAX_ITEMS = 2000


class MessageLog(QWidget):
    def __init__(self, status_bar, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.clear_button = QPushButton()
        self.clear_button.clicked.connect(self._on_clear_clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.clear_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)
        for stamp, level, text in status_bar.log:
            self._add(stamp, level, text)
        status_bar.logged.connect(self._on_status_logged)
        LANGUAGE.changed.connect(self._on_language_changed)
        self.retranslate()

    def _add(self, stamp: float, level: str, text: str) -> None:
        item = QListWidgetItem(f"{time.strftime('%H:%M:%S', time.localtime(stamp))}  {text}")
        item.setForeground(QColor(LEVEL_COLOURS.get(level, LEVEL_COLOURS["info"])))
        item.setToolTip(text)
        self.list.addItem(item)
        while self.list.count() > MAX_ITEMS:
            self.list.takeItem(0)
        self.list.scrollToBottom()

    def texts(self) -> list[str]:
        return [self.list.item(i).toolTip() for i in range(self.list.count())]

    def _on_status_logged(self, level: str, text: str) -> None:
        self._add(time.time(), level, text)

    def _on_clear_clicked(self) -> None:
        self.list.clear()

    def retranslate(self) -> None:
        self.clear_button.setText(tr("Clear"))

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()
