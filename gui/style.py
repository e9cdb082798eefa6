"""Colours, fonts and pens shared by every view, chosen to read well on a projector."""
from __future__ import annotations

import pyqtgraph as pg

# one colour per run, in run order: distinct for the common colour-vision deficiencies (Okabe-Ito)
RUN_COLOURS = ["#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"]
EMA_ALPHA = 150          # shadow paths: the run's colour, translucent and dashed
FONT_PT = 11
AXIS_FONT_PT = 11
TITLE_PT = 12
BACKGROUND = "w"
FOREGROUND = "#202020"
LABEL_RED = "#D62728"    # circle data: label 1 (inside), as the chapter's red
LABEL_BLUE = "#1F4FD8"   # label 0 (outside)


def run_colour(i: int) -> str:
    return RUN_COLOURS[i % len(RUN_COLOURS)]


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(antialias=True, background=BACKGROUND, foreground=FOREGROUND,
                        imageAxisOrder="row-major")
