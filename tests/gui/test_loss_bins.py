"""The loss view's batch-loss bins from the engine's running sums equal a pass over the history,
as the history grows and after a rewind, and stay exact once older rows are thinned."""
import numpy as np

from engine import presets
from engine import run as R
from engine.run import Run
from gui.views.common import sample_steps
from gui.views.loss_view import BATCH_BINS, binned_batch_loss, binned_from_sums


def _bins(run):
    r = run.step
    bins = sample_steps(r, BATCH_BINS)
    return r, bins


def test_running_sums_match_a_full_pass():
    run = Run("gd", presets.get("opt4_1").run_config("gd"))
    for n in (900, 1, 3000, 250, -2000, 700):
        if n < 0:
            run.truncate(run.step + n)       # rewind: the kept rows' sums are still right
        else:
            run.advance(n)
        r, bins = _bins(run)
        want = binned_batch_loss(run.batch_loss_history, r, bins)
        got = binned_from_sums(run.batch_loss_sums, run.steps_history, r, bins)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_allclose(got[1], want[1], rtol=1e-9)


def test_bins_cover_thinned_steps_exactly(monkeypatch):
    monkeypatch.setattr(R, "MIN_ROWS", 64)
    cfg = presets.get("opt4_1").run_config("gd")
    full = Run("gd", cfg)
    full.advance(6000)
    thin = Run("gd", cfg, history_bytes=64 * 100)
    thin.advance(6000)
    assert thin.thinned
    k = thin._len - 1
    rows = np.array([1, k // 3, k // 2, k])
    _, got = binned_from_sums(thin.batch_loss_sums, thin.steps_history, k, rows)
    edges = thin.steps_history[np.append(rows - 1, k)]      # bin i: updates edges[i]+1 … edges[i+1]
    want = [full.batch_loss_history[a + 1:b + 1].mean() for a, b in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_sample_steps_keep_their_places_as_the_cursor_grows():
    """Power-of-two grids: a curve's samples do not slide while playing, so the full-data losses
    computed for them are reused frame after frame."""
    for n in (228, 400, 700):
        prev = None
        for cursor in (n - 1, n, 5 * n + 3, 12345, 12346, 12999, 3_000_000, 3_000_017, 10 ** 8):
            s = sample_steps(cursor, n)
            assert s[0] == 0 and s[-1] == cursor and len(s) <= n and np.all(np.diff(s) > 0)
            if cursor >= n:
                assert len(s) >= n // 2
            if prev is not None and prev[-1] < cursor:
                # no new sample inside the range already drawn (a grid may only coarsen: every
                # other sample of it stays)
                inside = set(s[s < prev[-1]].tolist())
                assert inside <= set(prev.tolist())
            prev = s
