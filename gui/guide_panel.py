"""The guide panel: what the chapter says about the current preset, in the interface language.

Texts live in ``resources/guides.json`` (see engine.resources): preset name → language → question,
formula, watch, claim, how_far; and per preset ``run_to``, the step to run to to see the chapter's
claim (the button under the text runs there).
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTextBrowser, QVBoxLayout, QWidget

from engine import resources
from gui.i18n import LANGUAGE, tr

GUIDES_PATH = resources.file("guides.json") or resources.CHECKOUT / "guides.json"   # (missing: no guides)
SECTIONS = (("question", "The question"), ("formula", "The formula"),
            ("watch", "What to watch"), ("claim", "What the chapter claims"), ("how_far", "How far to run"))


def load_guides(path: Path = GUIDES_PATH) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def guide_html(guide: dict, title: str) -> str:
    """Rich text for one preset's guide (plain text fields; formulas in a monospace block)."""
    parts = [f"<h3 style='margin-bottom:4px'>{html.escape(title)}</h3>"]
    for key, heading in SECTIONS:
        text = guide.get(key, "")
        if not text:
            continue
        parts.append(f"<p style='margin:8px 0 2px 0'><b>{html.escape(tr(heading))}</b></p>")
        if key == "formula":
            lines = "<br>".join(html.escape(line) for line in text.split("\n"))
            parts.append("<p style='font-family: DejaVu Sans Mono, monospace; font-size:10.5pt;"
                         f" background:#F2F2F2; padding:4px'>{lines}</p>")
        else:
            parts.append(f"<p style='margin-top:0'>{html.escape(text).replace(chr(10), '<br>')}</p>")
    return "".join(parts)


class GuidePanel(QWidget):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.guides = load_guides()
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.browser)
        self.run_button = QPushButton()
        self.run_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.run_button.clicked.connect(self._on_run_clicked)
        lay.addWidget(self.run_button)
        session.config_changed.connect(self._on_session_config_changed)
        LANGUAGE.changed.connect(self._on_language_changed)
        self.refresh()

    def current_guide(self) -> dict:
        by_lang = self.guides.get(self.session.preset.name, {})
        return by_lang.get(LANGUAGE.code) or by_lang.get("en") or {}

    def run_to(self) -> int | None:
        """The step this preset's guide says to run to (None: nothing to run)."""
        n = self.guides.get(self.session.preset.name, {}).get("run_to")
        return int(n) if isinstance(n, int) and self.session.runs else None

    def refresh(self) -> None:
        preset = self.session.preset
        guide = self.current_guide()
        title = f"{preset.name} — {tr(preset.description)}"
        if not guide:
            guide = {"question": tr("No guide text for this preset yet.")}
        self.browser.setHtml(guide_html(guide, title))
        n = self.run_to()
        self.run_button.setVisible(n is not None)
        if n is not None:
            self.run_button.setText(tr("Run to step {n}", n=f"{n:,}"))
            self.run_button.setToolTip(tr("Train every run to the step where the chapter's claim shows"))

    def _on_run_clicked(self) -> None:
        n = self.run_to()
        if n is not None:
            self.session.pause()
            self.session.run_to(n)

    def _on_session_config_changed(self, label: str) -> None:
        if not label:      # "" = a preset switch or a shared edit
            self.refresh()

    def _on_language_changed(self, _code: str) -> None:
        self.refresh()
