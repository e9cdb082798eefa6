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


def write_states_csv(path: str, runs_states) -> None:
    """``run --at --csv``: one row per run and asked step, the exact state there:
    run,step,lr,batch_loss,loss,theta_0…[,<slot>_0…][,ema_0…] (empty where a run has no such value)."""
    cols: list[str] = []
    for _, states in runs_states:
        for st in states[:1]:
            cols += [f"theta_{i}" for i in range(len(st["params"])) if f"theta_{i}" not in cols]
            for name, vals in st["slots"].items():
                cols += [f"{name}_{i}" for i in range(len(vals)) if f"{name}_{i}" not in cols]
            cols += [f"ema_{i}" for i in range(len(st.get("ema", ()))) if f"ema_{i}" not in cols]
    header = ["run", "step", "lr", "batch_loss", "loss"] + cols
    lines = []
    for label, states in runs_states:
        for st in states:
            vals = {f"theta_{i}": v for i, v in enumerate(st["params"])}
            vals.update({f"{n}_{i}": v for n, vs in st["slots"].items() for i, v in enumerate(vs)})
            vals.update({f"ema_{i}": v for i, v in enumerate(st.get("ema", ()))})
            vals.update(step=st["step"], lr=st["lr"], batch_loss=st["batch_loss"], loss=st["loss"])
            lines.append(label + "," + ",".join(_cell(vals.get(c)) for c in header[1:]))
    _write_atomic(path, ",".join(header) + "\n" + "".join(line + "\n" for line in lines))


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return str(v) if isinstance(v, int) else repr(float(v))


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.part-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise HistoryWriteError(f"cannot write {path}: {exc.strerror}") from None


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
