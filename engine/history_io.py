"""History I/O: every recorded step of every run as a table, and that table written as CSV.

``python main.py run --csv`` and the window's File → Export history CSV… write the same file.
"""
from __future__ import annotations

import math
import os

import numpy as np


class HistoryWriteError(Exception):
    """The history could not be written; ``str(err)`` is one line naming the file and the reason."""


def history_table(runs) -> tuple[list[str], list[np.ndarray]]:
    """Columns run,step,lr,batch_loss,loss,theta_0…[,ema_0…] and one float block per run."""
    P_ = max(r.problem.layout.size for r in runs)
    ema = any(r.config.ema.enabled for r in runs)
    header = ["run", "step", "lr", "batch_loss", "loss"] + [f"theta_{i}" for i in range(P_)]
    if ema:
        header += [f"ema_{i}" for i in range(P_)]
    blocks = []
    for r in runs:
        n = len(r.steps_history)
        cols = [r.steps_history.astype(np.float64), r.lr_history, r.batch_loss_history, r.losses()]
        th = np.full((n, P_), np.nan)
        th[:, :r.problem.layout.size] = r.theta_history
        block = [np.column_stack(cols), th]
        if ema:
            e = np.full((n, P_), np.nan)
            if r.config.ema.enabled:
                e[:, :r.problem.layout.size] = r.ema_history
            block.append(e)
        blocks.append(np.hstack(block))
    return header, blocks


def write_history_csv(path: str, runs) -> None:
    """Write every recorded step of every run; atomically (temporary name, then rename)."""
    header, blocks = history_table(runs)
    tmp = f"{path}.part-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(",".join(header) + "\n")
            for r, block in zip(runs, blocks):
                for start in range(0, block.shape[0], 20000):
                    chunk = block[start:start + 20000]
                    lines = []
                    for row in chunk:
                        vals = ["" if not math.isfinite(v) else ("%d" % v if j == 0 else repr(float(v)))
                                for j, v in enumerate(row)]
                        lines.append(r.label + "," + ",".join(vals))
                    fh.write("\n".join(lines) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise HistoryWriteError(f"cannot write {path}: {exc.strerror}") from None
