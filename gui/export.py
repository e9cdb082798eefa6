"""Export core: a view to PNG, SVG, CSV, GIF or MP4 (gui.export_animation); the whole history to
CSV.  No widgets here.

Every writer writes to a temporary name in the target folder and renames it at the end, so an
error or a cancel leaves no partial file; every failure is an ``ExportError`` with one line of text.
The format follows the file's extension.
"""
from __future__ import annotations

import contextlib
import csv
import math
import os
import time
from pathlib import Path

import numpy as np

FORMATS = (".png", ".svg", ".csv", ".gif", ".mp4")
DEFAULT_WIDTH = 1600        # px of a PNG
ANIMATION_WIDTH = 1000      # px of a GIF/MP4 frame (60 frames at 1600 px make a 10 MB GIF)
MIN_WIDTH, MAX_WIDTH = 16, 20000   # px an export may ask for (the command line's --width too)
RESULTS_CSV = "results.csv"  # the results table, written with the view CSVs
SETTLE_S = 5.0              # longest wait for a view's background surface job


class ExportError(Exception):
    """One line saying what could not be exported and why."""


class ExportCancelled(ExportError):
    def __init__(self):
        super().__init__("export cancelled")


# --- targets --------------------------------------------------------------------------------------
def format_of(path) -> str:
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        shown = f"'{ext}'" if ext else "no extension"
        raise ExportError(f"cannot export to {path}: {shown} is not a known format "
                          f"(allowed: {', '.join(FORMATS)})")
    return ext


def check_target(path) -> Path:
    """The path if a file can be written there, else ExportError naming the reason."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder; give a file name such as figure.png")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: folder does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {path}: folder is not writable")
    return path


@contextlib.contextmanager
def _atomic(path):
    """Yields a temporary path beside ``path`` (same extension); renamed onto it on success."""
    path = check_target(path)
    tmp = path.with_name(f".{path.stem}.part-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


# --- views (gui.view_protocol.View) --------------------------------------------------------------
def is_gl(view) -> bool:
    """Whether the view draws with OpenGL (its export item is a GLViewWidget, not a scene item).
    Asked of the class: asking for the item would start a view's OpenGL before it is shown."""
    return bool(view.uses_gl)


def _view_name(view) -> str:
    return view.key or type(view).__name__


def settle(view, timeout: float = SETTLE_S) -> None:
    """Let the view finish drawing: queued events, its background surface job, a pending rescale."""
    from PySide6.QtWidgets import QApplication
    end = time.perf_counter() + timeout
    while True:
        QApplication.processEvents()
        if not view.busy or time.perf_counter() > end:
            break
        time.sleep(0.01)
    QApplication.processEvents()


def render_image(view, width: int = DEFAULT_WIDTH):
    """The view as a QImage ``width`` pixels wide (text and lines scale with it)."""
    from PySide6.QtCore import Qt
    width = int(width)
    if width < MIN_WIDTH or width > MAX_WIDTH:
        raise ExportError(f"width {width} px is not allowed ({MIN_WIDTH} to {MAX_WIDTH})")
    item = view.export_items()
    if item is None:
        raise ExportError(f"the view {_view_name(view)} has nothing to export")
    if is_gl(view):
        if not view.available:
            raise ExportError("the 3-D view needs an X display with OpenGL; run under xvfb-run or use "
                              "the 2-D surface view")
        settle(view)            # a panel never shown has just started: its surface is on the way
        img = item.grabFramebuffer()
        if img.isNull() or img.width() == 0:
            raise ExportError("the 3-D view could not be read back from OpenGL")
        return img.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    from pyqtgraph.exporters import ImageExporter
    try:
        exp = ImageExporter(item)
        exp.parameters()["width"] = width
        if exp.parameters()["height"] % 2:            # even sizes suit video encoders
            exp.parameters().param("height").setValue(exp.parameters()["height"] + 1,
                                                      blockSignal=exp.heightChanged)
        img = exp.export(toBytes=True)
    except Exception as exc:  # noqa: BLE001 - a pyqtgraph failure becomes one line, never a traceback
        raise ExportError(f"the view {_view_name(view)} could not be drawn ({type(exc).__name__}: {exc})") \
            from None
    if img is None or img.isNull():
        raise ExportError(f"the view {_view_name(view)} could not be drawn")
    return img


def export_png(view, path, width: int = DEFAULT_WIDTH) -> Path:
    img = render_image(view, width)
    with _atomic(path) as tmp:
        if not img.save(str(tmp), "PNG"):
            raise OSError(0, "the image could not be saved")
    return Path(path)


def export_svg(view, path) -> Path:
    if is_gl(view):
        raise ExportError("the 3-D view exports PNG only (it is drawn with OpenGL, not as vectors)")
    from pyqtgraph.exporters import SVGExporter
    item = view.export_items()
    if item is None:
        raise ExportError(f"the view {_view_name(view)} has nothing to export")
    _patch_svg_exporter()
    try:
        data = SVGExporter(item).export(toBytes=True)
    except Exception as exc:  # noqa: BLE001 - a pyqtgraph failure becomes one line, never a traceback
        raise ExportError(f"the view {_view_name(view)} could not be drawn as SVG ({type(exc).__name__}: {exc})") \
            from None
    with _atomic(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def _patch_svg_exporter() -> None:
    """pyqtgraph 0.13/0.14's SVG exporter cannot read the separate 'Z' (close path) token that Qt ≥ 6.9's
    SVG generator writes (a ViewBox border), and fails.  Take the Zs out around its coordinate
    rewrite and put them back where they were."""
    import sys

    import pyqtgraph.exporters.SVGExporter  # noqa: F401 - the module, not the class of the same name
    mod = sys.modules["pyqtgraph.exporters.SVGExporter"]
    orig = mod.correctCoordinates
    if getattr(orig, "_descent_patched", False):
        return

    def correct(node, defs, item, options):
        closed = []
        for el in node.getElementsByTagName("path"):
            toks = el.getAttribute("d").split()
            where = [i - n for n, i in enumerate(j for j, t in enumerate(toks) if t in ("Z", "z"))]
            if where:
                el.setAttribute("d", " ".join(t for t in toks if t not in ("Z", "z")))
                closed.append((el, where))
        orig(node, defs, item, options)
        for el, where in closed:
            toks = el.getAttribute("d").split()
            for n, i in enumerate(where):
                toks.insert(i + n, "Z")
            el.setAttribute("d", " ".join(toks))

    correct._descent_patched = True
    mod.correctCoordinates = correct


def _cell(v) -> str:
    if isinstance(v, (str, bytes)):
        return v if isinstance(v, str) else v.decode()
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(f):
        return ""
    return str(int(f)) if f.is_integer() and abs(f) < 2 ** 53 else repr(f)


def export_csv(view, path) -> Path:
    """The columns the view shows; shorter columns padded with empty cells."""
    data = view.view_data()
    if not data:
        raise ExportError(f"the view {_view_name(view)} shows no data to export yet")
    cols = [np.asarray(c).ravel() for c in data.values()]
    n = max(len(c) for c in cols)
    with _atomic(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(list(data))
            for i in range(n):
                w.writerow([_cell(c[i]) if i < len(c) else "" for c in cols])
    return Path(path)


def export_history_csv(session, path) -> Path:
    """Every recorded step of every run: the columns of ``python main.py run --csv``."""
    from engine.history_io import HistoryWriteError, write_history_csv
    path = check_target(path)
    if path.suffix.lower() != ".csv":
        raise ExportError(f"cannot write {path}: the history is exported as .csv")
    if not session.runs:
        raise ExportError("this preset has no training runs to export")
    try:
        with session.lock:
            write_history_csv(str(path), session.runs)
    except HistoryWriteError as exc:
        raise ExportError(str(exc)) from None
    return path


def export_results_csv(session, path) -> Path:
    """The results table (engine.results: one row per run) as CSV; a figure whose exact value would
    replay more than REPLAY_BUDGET updates of a thinned history is the kept rows' ("exact" false)."""
    from engine.results import REPLAY_BUDGET, csv_rows, results
    path = check_target(path)
    if path.suffix.lower() != ".csv":
        raise ExportError(f"cannot write {path}: the results table is exported as .csv")
    if not session.runs:
        raise ExportError("this preset has no training runs to export")
    with session.reading():
        rows = csv_rows(results(session.runs, budget=REPLAY_BUDGET))
    with _atomic(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


# --- by extension ---------------------------------------------------------------------------------
def export_view(view, path, width: int = DEFAULT_WIDTH) -> Path:
    """A still of the view in the format named by the extension (.png .svg .csv)."""
    ext = format_of(path)
    check_target(path)
    if ext == ".png":
        return export_png(view, path, width)
    if ext == ".svg":
        return export_svg(view, path)
    if ext == ".csv":
        return export_csv(view, path)
    raise ExportError(f"{ext} is an animation: give frames and fps (e.g. --frames 60 --fps 15)")


def can_export(view, ext: str) -> bool:
    """Whether the view can be written in this format (the 3-D view has no SVG)."""
    if ext == ".svg" and is_gl(view):
        return False
    if is_gl(view) and ext in (".png", ".gif", ".mp4") and not view.available:
        return False
    return True


def export_all(views: dict, folder, width: int = DEFAULT_WIDTH, session=None) -> tuple[list[Path], list[str]]:
    """<key>.png, .svg and .csv of every view into ``folder``, and with ``session`` the results
    table as results.csv beside the view CSVs; returns (written, skipped reasons)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExportError(f"cannot write to {folder}: folder does not exist")
    written, skipped = [], []
    for key, view in views.items():
        for ext in (".png", ".svg", ".csv"):
            if not can_export(view, ext):
                skipped.append(f"{key}{ext}: not available for this view")
                continue
            try:
                written.append(export_view(view, folder / f"{key}{ext}", width))
            except ExportError as exc:
                skipped.append(f"{key}{ext}: {exc}")
    if session is not None and session.runs:
        try:
            written.append(export_results_csv(session, folder / RESULTS_CSV))
        except ExportError as exc:
            skipped.append(f"{RESULTS_CSV}: {exc}")
    return written, skipped


# the animation writers live in gui.export_animation (GIF with Pillow, MP4 with imageio-ffmpeg's ffmpeg)
from gui.export_animation import NO_FFMPEG, export_animation, ffmpeg_exe, frame_steps  # noqa: E402,F401
