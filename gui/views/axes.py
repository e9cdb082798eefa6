"""A tidier log axis: decades always labelled, 2 and 5 between them only when the axis spans
few decades, the other minor ticks unlabelled (pyqtgraph labels every minor tick it can fit, and
on a short log axis the labels of 2…9 pile up)."""
from __future__ import annotations

import math

import pyqtgraph as pg

FEW_DECADES = 2.5


def _fmt(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return ""
    e = math.floor(math.log10(abs(value)) + 1e-9)
    if -3 <= e <= 4:
        return f"{value:.{max(0, -e)}f}"
    mant = value / 10 ** e
    return f"{mant:g}e{e}" if abs(mant - 1) > 1e-9 else f"1e{e}"


class TidyAxis(pg.AxisItem):
    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802 - pyqtgraph's spelling
        lo, hi = math.floor(minVal), math.ceil(maxVal)
        span = maxVal - minVal
        step = max(1, int(math.ceil(span / 8)))                   # at most ~8 labelled decades
        majors = [float(v) for v in range(lo, hi + 1) if v % step == 0 and minVal <= v <= maxVal]
        minors = [v + math.log10(m) for v in range(lo, hi) for m in range(2, 10)]
        minors = [x for x in minors if minVal < x < maxVal]
        return [(float(step), majors), (None, minors)]

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's spelling
        few = False
        vr = self.range if hasattr(self, "range") else None
        if vr is not None:
            few = abs(vr[1] - vr[0]) <= FEW_DECADES
        out = []
        for v in values:
            val = 10 ** float(v) * scale
            mant = round(val / 10 ** math.floor(math.log10(val) + 1e-9), 6) if val > 0 else 0
            major = abs(mant - 1) < 1e-6
            out.append(_fmt(val) if major or (few and mant in (2.0, 5.0)) else "")
        return out


def tidy_axes() -> dict:
    """``axisItems`` for a PlotWidget whose left axis may go logarithmic."""
    return {"left": TidyAxis("left")}

