"""Animations of a view: a GIF (Pillow) or an MP4 (ffmpeg: the binary the imageio-ffmpeg package
ships, so a bare machine needs no system ffmpeg), from steps evenly spaced over the history.

Written to a temporary name and renamed at the end, like every export (``gui.export``); failures
are one-line ``ExportError``s.
"""
from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np

from gui.export import (ANIMATION_WIDTH, ExportCancelled, ExportError, _atomic, check_target, format_of,
                        render_image, settle)

# at most this many frames (66 s at 15 fps): the window's dialog and ``export --frames`` both stop here
MAX_FRAMES = 1000
# a GIF holds every frame in memory until it is written (RGB, then 256 colours): frames × width ×
# height stays under this many pixels, about 1.2 GB (1000 px wide views: 640 frames; an MP4 streams)
GIF_MAX_PIXELS = 400_000_000

NO_FFMPEG = ("MP4 export needs ffmpeg: neither the imageio-ffmpeg package (pip install imageio-ffmpeg; "
             "IMAGEIO_FFMPEG_EXE, when set, must name a program) nor an ffmpeg on PATH is here; export a .gif instead")


def ffmpeg_exe() -> str | None:
    """The ffmpeg to encode MP4 with: imageio-ffmpeg's own binary (a dependency; its
    IMAGEIO_FFMPEG_EXE setting is honoured when it names a program), else one on PATH, else None."""
    try:
        import imageio_ffmpeg
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        exe = None
    return exe if exe and shutil.which(exe) else shutil.which("ffmpeg")


def frame_steps(frames: int, start: int, end: int) -> np.ndarray:
    if not 1 <= frames <= MAX_FRAMES:
        raise ExportError(f"frames must be 1 to {MAX_FRAMES}, not {frames}")
    if start < 0 or end < start:
        raise ExportError(f"the step range {start}–{end} is empty")
    return np.rint(np.linspace(start, end, int(frames))).astype(np.int64)


def _to_pil(qimg):
    from PIL import Image
    from PySide6.QtGui import QImage
    q = qimg.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = q.width(), q.height(), q.bytesPerLine()
    buf = np.frombuffer(q.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)[:, :w * 3]
    return Image.fromarray(buf.reshape(h, w, 3).copy(), "RGB")


def _frames(view, session, steps, width, progress, cancelled):
    """Yields one PIL image per step (the view redrawn at each), then restores the cursor."""
    from PySide6.QtWidgets import QApplication
    keep = session.cursor
    try:
        session.set_cursor(int(steps[-1]))    # the whole range first: the view frames every path
        settle(view)
        for i, k in enumerate(steps):
            if cancelled is not None and cancelled():
                raise ExportCancelled()
            session.set_cursor(int(k))
            QApplication.processEvents()
            yield _to_pil(render_image(view, width))
            if progress is not None:
                progress(i + 1, len(steps))
    finally:
        session.set_cursor(keep)


def export_animation(view, session, path, frames: int = 60, fps: float = 15, start: int = 0,
                     end: int | None = None, progress=None, cancelled=None,
                     width: int = ANIMATION_WIDTH) -> Path:
    """The view over steps evenly spaced in [start, end] as a GIF (Pillow) or an MP4 (ffmpeg, the
    binary imageio-ffmpeg ships, so no system ffmpeg is needed).

    ``progress(done, total)`` after each frame; ``cancelled()`` is asked before each frame."""
    ext = format_of(path)
    if ext not in (".gif", ".mp4"):
        raise ExportError(f"an animation is written as .gif or .mp4, not {ext}")
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and 0 < fps <= 100):
        raise ExportError(f"fps must be between 0 and 100, not {fps}")
    end = session.head if end is None else min(int(end), session.head)
    steps = frame_steps(frames, int(start), end)
    if ext == ".mp4" and ffmpeg_exe() is None:
        raise ExportError(NO_FFMPEG)
    check_target(path)
    if ext == ".gif":
        return _write_gif(view, session, path, steps, fps, width, progress, cancelled)
    return _write_mp4(view, session, path, steps, fps, width, progress, cancelled)


def _palette(image):
    """A 256-colour palette for the frames: the last frame's colours plus, given bands of their own
    so a median cut keeps them exactly, the run colours and the marker colours (small areas)."""
    from PIL import Image, ImageColor

    from gui.style import FOREGROUND, LABEL_BLUE, LABEL_RED, RUN_COLOURS
    keys = RUN_COLOURS + [LABEL_RED, LABEL_BLUE, FOREGROUND, "#FF2D2D", "#FFFFFF", "#000000", "#808080"]
    w, h = image.size
    band = max(h // 40, 4)
    sheet = Image.new("RGB", (w, h + band * len(keys)), "white")
    sheet.paste(image, (0, 0))
    for i, c in enumerate(keys):
        sheet.paste(ImageColor.getrgb(c), (0, h + i * band, w, h + (i + 1) * band))
    return sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT)


def _write_gif(view, session, path, steps, fps, width, progress, cancelled) -> Path:
    from PIL import Image
    images = []
    frames = _frames(view, session, steps, width, progress, cancelled)
    for im in frames:
        if not images and len(steps) * im.width * im.height > GIF_MAX_PIXELS:
            frames.close()                           # (puts the cursor back)
            raise ExportError(f"a GIF of {len(steps)} frames of {im.width}×{im.height} px is too large to hold in "
                              f"memory (allowed: frames × width × height ≤ {GIF_MAX_PIXELS:,} pixels); "
                              f"give fewer frames, a smaller width, or an .mp4 (streamed)")
        images.append(im)
    duration = max(int(round(100.0 / fps)) * 10, 20)   # GIF stores hundredths of a second
    # one palette for every frame, from the last (fullest) one, and no dithering: steady colours
    # and flat areas that compress (dithered heat maps make GIFs ten times larger)
    palette = _palette(images[-1])
    images = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    with _atomic(path) as tmp:
        first, rest = images[0], images[1:]
        first.save(tmp, format="GIF", save_all=True, append_images=rest, duration=duration, loop=0,
                   optimize=False)
    return Path(path)


def _popen(args, **kw):
    try:
        return subprocess.Popen(args, **kw)
    except OSError as exc:
        raise ExportError(f"cannot run ffmpeg ({args[0]}): {exc.strerror or exc}") from None


def _write_mp4(view, session, path, steps, fps, width, progress, cancelled) -> Path:
    with _atomic(path) as tmp:
        proc = None
        try:
            for img in _frames(view, session, steps, width, progress, cancelled):
                if proc is None:
                    w, h = img.size
                    proc = _popen(
                        [ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                         "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-", "-vf",
                         "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white", "-c:v", "libx264",
                         "-pix_fmt", "yuv420p", "-f", "mp4", str(tmp)],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                if img.size != (w, h):
                    img = img.resize((w, h))
                proc.stdin.write(img.tobytes())
            proc.stdin.close()
            err = proc.stderr.read().decode(errors="replace").strip()
            if proc.wait() != 0:
                last = err.splitlines()[-1] if err else f"exit code {proc.returncode}"
                raise ExportError(f"ffmpeg could not write {path}: {last}")
        except BrokenPipeError:
            err = proc.stderr.read().decode(errors="replace").strip() if proc else ""
            raise ExportError(f"ffmpeg stopped while writing {path}: "
                              f"{err.splitlines()[-1] if err else 'broken pipe'}") from None
        finally:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    return Path(path)
