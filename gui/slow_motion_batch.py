"""The batch in the Slow motion panel (``gui.slow_motion``), as HTML: where the batch lies among
the data's rows (a strip, one cell per row, or per group of rows for a large set) and its first
rows — inputs and targets, with the predictions once they are computed."""
from __future__ import annotations

import html

from engine.phase_text import fmt
from gui.i18n import tr

BATCH_ROWS_SHOWN = 6
STRIP_CELLS = 40          # at most this many cells (~200 px): a larger data set is shown in groups of rows
IN_BATCH, OUTSIDE = "#202020", "#D8D8D8"


def batch_strip(n: int, rows: tuple[int, int]) -> str:
    """The data's n rows as a strip of cells, those of the batch [r0, r1) dark."""
    r0, r1 = int(rows[0]), int(rows[1])
    per = max(1, -(-n // STRIP_CELLS))              # rows per cell
    cells = []
    for c in range(-(-n // per)):
        a, b = c * per, min((c + 1) * per, n)
        cells.append(f"<td bgcolor='{IN_BATCH if a < r1 and b > r0 else OUTSIDE}' width='4'></td>")
    caption = (tr("where the batch lies in the data: rows 0 … {last}, the batch dark", last=n - 1) if per == 1 else
               tr("where the batch lies in the data: rows 0 … {last}, {per} rows a cell, the batch dark",
                  last=n - 1, per=per))
    return (f"<p style='color:#555; margin:6px 0 1px 0'>{html.escape(caption)}</p>"
            "<table cellspacing='1' cellpadding='0' style='font-size:6pt'><tr>" + "".join(cells) + "</tr></table>")


def batch_table(ph) -> str:
    """The batch's first rows: row, x, y_ and — from the predictions phase on — y."""
    X, target = ph.values.get("X"), ph.values["target"]
    pred = ph.values.get("pred")
    r0 = ph.values.get("rows", (0, 0))[0]
    head = (f"<th align='right'>{html.escape(tr('row'))}</th><th align='right'>x</th><th align='right'>y_</th>"
            + ("<th align='right'>y</th>" if pred is not None else ""))
    cells = [f"<table cellspacing='0' cellpadding='2' style='margin-top:2px'><tr>{head}</tr>"]
    for i in range(min(BATCH_ROWS_SHOWN, target.shape[0])):
        x = ", ".join(fmt(v, 4) for v in X[i]) if X is not None else ""
        y = (f"<td align='right'>{', '.join(fmt(v, 4) for v in pred[i])}</td>" if pred is not None else "")
        cells.append(f"<tr><td align='right'>{r0 + i}</td><td align='right'>({x})</td>"
                     f"<td align='right'>{', '.join(fmt(v, 4) for v in target[i])}</td>{y}</tr>")
    if target.shape[0] > BATCH_ROWS_SHOWN:
        cells.append(f"<tr><td colspan='4'>{html.escape(tr('… {n} more', n=target.shape[0] - BATCH_ROWS_SHOWN))}"
                     "</td></tr>")
    return "".join(cells) + "</table>"
