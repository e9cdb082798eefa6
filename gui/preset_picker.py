"""The preset picker: every preset of the engine with its one-line description."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from engine import presets as P
from gui.i18n import LANGUAGE, tr


class PresetPicker(QWidget):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.caption = QLabel()
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: #404040;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.caption)
        lay.addWidget(self.combo)
        lay.addWidget(self.description)
        self._fill()
        self.combo.currentIndexChanged.connect(self._on_combo_changed)
        session.config_changed.connect(self._on_session_config_changed)
        LANGUAGE.changed.connect(self._on_language_changed)

    def _fill(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        for name, preset in P.all_presets().items():
            desc = tr(preset.description)
            self.combo.addItem(f"{name} — {desc}", name)
            self.combo.setItemData(self.combo.count() - 1, desc, Qt.ItemDataRole.ToolTipRole)
        self.combo.setCurrentIndex(max(0, self.combo.findData(self.session.preset.name)))
        self.combo.blockSignals(False)
        self.caption.setText(tr("Preset (chapter section)"))
        self.description.setText(tr(self.session.preset.description))

    def _on_combo_changed(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name and name != self.session.preset.name:
            self.session.load_preset(name)

    def _on_session_config_changed(self, label: str) -> None:
        if not label:
            self.combo.blockSignals(True)
            self.combo.setCurrentIndex(max(0, self.combo.findData(self.session.preset.name)))
            self.combo.blockSignals(False)
            self.description.setText(tr(self.session.preset.description))

    def _on_language_changed(self, _code: str) -> None:
        self._fill()
