"""Descent's training engine: numpy + numba only, never Qt.

Public pieces: :class:`engine.config.Config` (a run's settings), :class:`engine.run.Run` and
:class:`engine.run.Comparison` (training with history), :mod:`engine.presets`,
:mod:`engine.surface` (loss planes), :mod:`engine.ema` (opt4_6), and the registries below.
"""
from .config import Config, ConfigError
from .registry import ACTIVATIONS, LOSSES, OBJECTIVES, OPTIMIZERS, REGULARIZERS
from .schedules import SCHEDULES

__all__ = ["Config", "ConfigError", "ACTIVATIONS", "LOSSES", "OBJECTIVES", "OPTIMIZERS",
           "REGULARIZERS", "SCHEDULES"]
