"""Which history rows a view draws: finite filtering, and step samples that stay put as the cursor
grows (so curves do not shimmer while playing and cached losses are reused)."""
from __future__ import annotations

import functools

import numpy as np

MAX_POINTS = 700         # samples per loss/parameter curve
MAX_POINTS_PLAYING = 400  # while playing (a redraw a few times a second; paused, the full 700)
MAX_PATH = 1200          # points per drawn path (strided beyond this, the last point always kept)
MAX_PATH_PLAYING = 500   # while playing: a thick path costs ~1 ms per 1000 points every frame
BIG = 1e15               # coordinates beyond this are not drawn (Qt paths overflow)


def drawable(*cols: np.ndarray) -> np.ndarray:
    """Mask of rows where every column is finite and not absurdly large."""
    mask = np.ones(len(cols[0]), dtype=bool)
    for c in cols:
        c = np.asarray(c, dtype=np.float64)
        mask &= np.isfinite(c) & (np.abs(c) < BIG)
    return mask


@functools.lru_cache(maxsize=64)
def sample_steps(cursor: int, n: int = MAX_POINTS) -> np.ndarray:
    """At most ~n history rows in [0, cursor], always including 0 and the cursor: up to two thirds
    evenly spaced, the rest geometrically spaced so the fast early steps keep their detail.
    Both grids are powers of two — the even one a stride of 2^j, the geometric one 2^(i/m) with
    m points per octave — so as the cursor grows the earlier samples stay where they were (a
    curve does not shimmer while playing, and losses computed for them are reused).
    (Thick curves cost ~1 ms per 1000 points to rasterise, so more points only slow a frame.)
    Cached: the views of one frame ask for the same cursors; the array is read-only."""
    cursor = max(int(cursor), 0)
    if cursor + 1 <= n:
        out = np.arange(cursor + 1, dtype=np.int64)
    else:
        lin_n = max(2 * n // 3, 1)
        stride = 1 << int(np.ceil(np.log2(cursor / lin_n)))       # lin_n/2 … lin_n points
        octaves = np.log2(cursor)
        per_octave = 1 << max(int(np.floor(np.log2(max(n // 3, 1) / octaves))), 0)
        geo = np.floor(np.exp2(np.arange(int(per_octave * octaves) + 1) / per_octave)).astype(np.int64)
        out = np.unique(np.concatenate([np.arange(0, cursor + 1, stride, dtype=np.int64), geo, [cursor]]))
    out.setflags(write=False)   # shared (cached): every view and run at this cursor gets the same array
    return out


def history_sample(run, cursor: int, n: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(rows, steps): at most ~n recorded history rows up to the cursor and their step numbers
    (rows and steps differ once a long run's older history has been thinned)."""
    last = int(run.rows([min(max(int(cursor), 0), run.step)])[0])
    rows = sample_steps(last, n)
    return rows, run.steps_history[rows]


def path_rows(cursor: int, n: int = MAX_PATH) -> np.ndarray | slice:
    """Rows of a path to draw: all of them up to the cursor when few, else strided plus the cursor."""
    if cursor + 1 <= n:
        return slice(0, cursor + 1)
    return sample_steps(cursor, n)
