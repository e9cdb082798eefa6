"""The loss view's running sums give the same batch-loss bins as a pass over the history, as the
history grows, after a rewind, and with non-finite values."""
import numpy as np

from engine import presets
from engine.run import Run
from gui.views.common import sample_steps
from gui.views.loss_view import BATCH_BINS, BatchLossSums, binned_batch_loss


def _check(run, sums):
    r = run.step
    bins = sample_steps(r, BATCH_BINS)
    sums.update(run)
    want = binned_batch_loss(run.batch_loss_history, r, bins)
    got = sums.binned(r, bins)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-9, equal_nan=True)


def test_running_sums_match_a_full_pass():
    run = Run("gd", presets.get("opt4_1").run_config("gd"))
    sums = BatchLossSums()
    for n in (900, 1, 3000, 250):
        run.advance(n)
        _check(run, sums)
    run.truncate(2000)                      # rewritten history: the sums start again
    run._h["bloss"][1500] = np.nan          # a non-finite value is left out of its bin's mean
    run.history_version += 1
    run.advance(700)
    _check(run, sums)
