"""The parameter panel: a pyqtgraph ParameterTree built from the Config dataclass fields.

Shared settings (the same in every run) sit in groups per section; the optimiser, and every
setting that differs between the runs of the preset, sit in one group per run.  An edit calls
``session.set_value(path, value, label)``; a refused value is put back and the reason is shown
under the tree.  The tree follows the session (``config_changed``, ``rebuilt``).  Every row's
tooltip is its field's doc (and range) from the Config; ``set_only`` shows just some settings
(a lesson step does, for a task that lets the student change only those).
"""
from __future__ import annotations


from pyqtgraph.parametertree import Parameter, ParameterTree
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QHeaderView, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

from engine.config import Config, describe_range, leaf_fields
from engine.lesson_schema import covers
from engine.registry import OBJECTIVES, OPTIMIZERS
from engine.schedules import SCHEDULE_FIELDS as ENGINE_SCHEDULE_FIELDS
from gui.i18n import LANGUAGE, tr

from gui.field_names import OPTION_TITLES, SECTIONS, TITLES, TOP_LEVEL  # noqa: F401 - the panel's names

# which fields matter for which choice (others are hidden): the engine's tables say
OPTIMIZER_FIELDS = {name: ("name", "lr") + o.fields for name, o in OPTIMIZERS.items()}
SCHEDULE_FIELDS = {name: ("name",) + f for name, f in ENGINE_SCHEDULE_FIELDS.items()}


LEAVES = dict(leaf_fields())      # every setting, by dotted path (engine.config)


def shown(path: str, cfg: Config) -> bool:
    section, _, name = path.rpartition(".")
    if cfg.data.name in OBJECTIVES and (section in ("model", "loss") or path == "batch"
                                        or path.startswith("init.") and path != "init.start"):
        return False   # an objective has no network, loss choice, batches or drawn weights
    if section == "optimizer":
        return name in OPTIMIZER_FIELDS.get(cfg.optimizer.name, (name,))
    if section == "schedule":
        return name in SCHEDULE_FIELDS.get(cfg.schedule.name, (name,))
    if path == "data.path":
        return cfg.data.name == "csv"
    if path in ("loss.cost", "loss.profit", "loss.reduction"):
        return cfg.loss.name == "custom"
    if path == "init.stddev":
        return cfg.init.kind == "normal"
    return True


def to_widget(value):
    if isinstance(value, tuple):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return value


def spec(path: str, value, readonly: bool = False) -> dict:
    """The Parameter.create options of one leaf."""
    f = LEAVES[path]
    meta = f.metadata
    name = path.rpartition(".")[2]
    d = dict(name=path, title=tr(TITLES.get(name, name)), value=to_widget(value), readonly=readonly)
    tip = tr(meta.get("doc", "")) if meta.get("doc") else ""
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    if "options" in meta:
        titles = OPTION_TITLES.get(name)
        d.update(type="list", limits={tr(titles[o]): o for o in meta["options"]} if titles else list(meta["options"]))
    elif kind == "bool":
        d.update(type="bool")
    elif kind == "int":      # no limits: a value out of range is typed as is and refused with the range
        d.update(type="int")
    elif kind == "float":
        d.update(type="float", dec=True, step=1, minStep=1e-12, decimals=6)
    else:
        d.update(type="str")
    if meta.get("lo") is not None:
        tip += ("  " if tip else "") + tr("allowed: {r}", r=describe_range(meta))
    d["tip"] = tip
    return d


NAME_SHARE = 0.5     # the names column takes at most this share of the tree's width


class _Keys(QObject):
    """Return, Enter or Escape in an editor of the tree: the edit is done (focus-out commits it),
    give the keyboard back to the window so Space plays again."""

    def __init__(self, panel: "ParameterPanel"):
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter,
                                                                     Qt.Key.Key_Escape):
            QTimer.singleShot(0, self.panel.focus_released.emit)
        return False


class ParameterPanel(QWidget):
    focus_released = Signal()   # an edit finished: the window takes the keyboard back

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self._keys = _Keys(self)
        self.tree = ParameterTree(showHeader=False)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #C00000;")
        self.error_label.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.error_label)
        self.root: Parameter | None = None
        self._bindings: dict[Parameter, tuple[str, str | None]] = {}
        self._structure = None
        self._syncing = False
        self._editing = False
        self._errors: list[str] = []
        self.only: tuple | None = None    # setting paths or sections to show (None: all)
        session.config_changed.connect(self._on_session_config_changed)
        session.rebuilt.connect(self._on_session_rebuilt)
        session.message.connect(self._on_session_message)
        LANGUAGE.changed.connect(self._on_language_changed)
        self.refresh(force=True)

    # --- what the tree shows --------------------------------------------------------------------
    def _configs(self) -> list[tuple[str, Config]]:
        return [(r.label, r.config) for r in self.session.runs]

    def _split_paths(self) -> list[str]:
        """Settings (outside the optimiser) that differ between runs: shown per run."""
        cfgs = [c for _, c in self._configs()]
        return [p for p in LEAVES if not p.startswith("optimizer.") and p != "init.start"
                and len({repr(c.get(p)) for c in cfgs}) > 1]

    def _structure_key(self):
        cfgs = self._configs()
        visible = tuple(tuple(p for p in LEAVES if shown(p, c)) for _, c in cfgs)
        base = self.session.base
        return (self.session.preset.name, tuple(l for l, _ in cfgs), tuple(self._split_paths()), visible,
                tuple(p for p in LEAVES if shown(p, base)), LANGUAGE.code, self.only)

    def set_only(self, paths) -> None:
        """Show only these settings (dotted paths or whole sections, e.g. "optimizer.lr", "reg");
        None shows them all again."""
        only = None if paths is None else tuple(paths)
        if only != self.only:
            self.only = only
            self.refresh(force=True)

    def _allowed(self, path: str) -> bool:
        return covers(self.only, path)

    def refresh(self, force: bool = False) -> None:
        """Show the engine's values; rebuild the tree when its shape changed."""
        key = self._structure_key()
        if force or key != self._structure:
            self._structure = key
            self._build()
        else:
            self._sync_values()

    def _build(self) -> None:
        s = self.session
        demo = s.is_demo or not s.runs
        base = s.base
        split = set(self._split_paths())
        self._bindings = {}
        self._pending: dict[str, list] = {}
        groups = []
        for section, title in SECTIONS:
            children = []
            for path in LEAVES:
                if (path.startswith(section + ".") and path not in split and shown(path, base)
                        and self._allowed(path)):
                    children.append(self._leaf(path, base.get(path), None, demo))
            if section == "model" and children and self.only is None:
                children.append(dict(name="model.size", title=tr("layers / parameters"), type="str",
                                     value=self._size_text(), readonly=True,
                                     tip=tr("As the chapter counts them: layers without the input layer, "
                                            "parameters = weights + biases")))
            if children:
                groups.append(dict(name=section, title=tr(title), type="group", children=children,
                                   tip=tr("Settings every run shares")))
        for path, title in TOP_LEVEL:
            if path not in split and self._allowed(path):
                groups.append(self._leaf(path, base.get(path), None, demo))
        for label, cfg in self._configs():
            children = [self._leaf(p, cfg.get(p), label, demo)
                        for p in LEAVES if p.startswith("optimizer.") and shown(p, cfg) and self._allowed(p)]
            children += [self._leaf(p, cfg.get(p), label, demo, full_title=True)
                         for p in LEAVES if p in split and shown(p, cfg) and self._allowed(p)]
            if children:
                groups.append(dict(name=f"run:{label}", title=tr("run “{label}”", label=label),
                                   type="group", children=children,
                                   tip=tr("Settings of this run only; the others are shared by every run")))
        if demo:
            groups.insert(0, dict(name="demo", title=tr("a scripted demo: its settings are fixed"),
                                  type="str", value="", readonly=True))
        self.root = Parameter.create(name="config", type="group", children=groups)
        for param in self._walk(self.root):
            if self._pending.get(param.name()):
                self._bindings[param] = self._pending[param.name()].pop(0)
        self.root.sigTreeStateChanged.connect(self._on_root_tree_changed)
        self.tree.setParameters(self.root, showTop=False)
        self._wire_editors()
        self._set_tooltips()
        self._fit_columns()

    def _set_tooltips(self) -> None:
        """Each row's tooltip on its name and its value (pyqtgraph sets a ``tip`` only on the
        editor, and only when it changes after the row was made)."""
        for param in self._walk(self.root):
            tip = param.opts.get("tip", "")
            if not tip:
                continue
            for item in list(param.items):
                item.setToolTip(0, tip)
                item.setToolTip(1, tip)
                widget = getattr(item, "widget", None)
                if widget is not None:
                    widget.setToolTip(tip)

    def _wire_editors(self) -> None:
        """Editors give the keyboard back when done; check boxes and lists never keep it (Space
        on a focused check box would toggle it instead of playing)."""
        for w in self.tree.findChildren(QWidget):
            if isinstance(w, (QCheckBox, QComboBox)):
                w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            elif isinstance(w, (QLineEdit, QAbstractSpinBox)):
                w.installEventFilter(self._keys)

    def _fit_columns(self) -> None:
        """Names as wide as they need up to half the tree; the values get the rest, so a narrow
        panel still shows every value."""
        width = self.tree.viewport().width()
        if width > 0:
            self.tree.setColumnWidth(0, min(self.tree.sizeHintForColumn(0) + 8, int(width * NAME_SHARE)))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_columns()

    def _leaf(self, path, value, label, readonly, full_title=False) -> dict:
        d = spec(path, value, readonly)
        if full_title:
            d["title"] = tr(dict(SECTIONS).get(path.split(".")[0], path.split(".")[0])) + " · " + d["title"]
        self._pending.setdefault(path, []).append((path, label))
        return d

    @staticmethod
    def _walk(param: Parameter):
        for child in param.children():
            yield child
            yield from ParameterPanel._walk(child)

    def _size_text(self) -> str:
        if not self.session.runs:
            return ""
        lay = self.session.runs[0].problem.layout
        if lay.layers == 1:
            return tr("1 layer, {params} parameters", params=lay.size)
        return tr("{layers} layers, {params} parameters", layers=lay.layers, params=lay.size)

    def _engine_value(self, path: str, label: str | None):
        cfg = self.session.run_config(label) if label else self.session.base
        return to_widget(cfg.get(path))

    def _sync_values(self) -> None:
        self._syncing = True
        try:
            for param, (path, label) in self._bindings.items():
                value = self._engine_value(path, label)
                if param.value() != value:
                    param.setValue(value)
            model = self.root.names.get("model") if self.root is not None else None
            size = model.names.get("model.size") if model is not None else None
            if size is not None:
                size.setValue(self._size_text())
        finally:
            self._syncing = False

    def param_for(self, path: str, label: str | None = None) -> Parameter | None:
        """The tree item bound to a setting (tests and the window use it)."""
        for param, key in self._bindings.items():
            if key == (path, label):
                return param
        return None

    # --- edits → session ------------------------------------------------------------------------
    def _on_root_tree_changed(self, _root, changes) -> None:
        if self._syncing:
            return
        for param, change, value in changes:
            if change != "value" or param not in self._bindings:
                continue
            path, label = self._bindings[param]
            if value == self._engine_value(path, label):
                continue
            self._errors = []
            self._editing = True
            try:
                ok = self.session.set_value(path, value, label)
            finally:
                self._editing = False
            if ok:
                self.error_label.hide()
            else:
                self._syncing = True
                try:
                    param.setValue(self._engine_value(path, label))
                finally:
                    self._syncing = False
                self.show_error(self._errors[-1] if self._errors else tr("value refused"))
        # the tree's shape may have changed (new optimiser, split settings): rebuild after the edit
        QTimer.singleShot(0, self.refresh)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _on_session_message(self, level: str, text: str) -> None:
        if level == "error":
            self._errors.append(text)

    # --- session → tree -------------------------------------------------------------------------
    def _on_session_config_changed(self, _label: str) -> None:
        if not self._editing:
            self.refresh()

    def _on_session_rebuilt(self) -> None:
        if not self._editing:
            self.refresh()

    def _on_language_changed(self, _code: str) -> None:
        self.refresh(force=True)
