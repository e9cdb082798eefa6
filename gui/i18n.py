"""One translation function for every user-visible string.

``tr("Loss vs step")`` returns the text in the current interface language.  English strings are
the keys; ``resources/i18n/zh*.json`` (merged; see engine.resources) map them to Simplified Chinese.  Widgets listen to
``LANGUAGE.changed`` and re-set their texts.
"""
from __future__ import annotations

import json
from PySide6.QtCore import QObject, Signal

from engine import resources

I18N_DIR = resources.folder("i18n")      # None: no translations found (English only)
LANGUAGES = {"en": "English", "zh": "中文"}


class _Language(QObject):
    changed = Signal(str)  # new language code

    def __init__(self):
        super().__init__()
        self.code = "en"
        self._tables: dict[str, dict[str, str]] = {}

    def table(self, code: str) -> dict[str, str]:
        if code not in self._tables:
            merged: dict[str, str] = {}
            for path in sorted(I18N_DIR.glob(f"{code}*.json")) if I18N_DIR else []:  # zh.json, then zh_*.json
                try:
                    merged.update(json.loads(path.read_text(encoding="utf-8")))
                except (OSError, json.JSONDecodeError, TypeError, ValueError):
                    continue
            self._tables[code] = merged
        return self._tables[code]

    def set(self, code: str) -> None:
        if code not in LANGUAGES:
            raise ValueError(f"unknown language {code!r} (allowed: {', '.join(LANGUAGES)})")
        if code != self.code:
            self.code = code
            install_qt_translation(code)
            self.changed.emit(code)


LANGUAGE = _Language()


def tr(text: str, **fmt) -> str:
    """``text`` in the interface language, then ``str.format(**fmt)``."""
    out = text if LANGUAGE.code == "en" else LANGUAGE.table(LANGUAGE.code).get(text, text)
    return out.format(**fmt) if fmt else out


QT_LOCALES = {"zh": "zh_CN"}
_qt_translator = None


def install_qt_translation(code: str) -> bool:
    """Qt's own texts (file dialogs, standard buttons, context menus) in the interface language,
    from the qtbase translation PySide6 ships; returns whether one was installed."""
    global _qt_translator
    from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator
    app = QCoreApplication.instance()
    if app is None:
        return False
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    locale = QT_LOCALES.get(code)
    if locale is None:
        return False
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{locale}", folder):
        return False
    app.installTranslator(translator)
    _qt_translator = translator
    return True
