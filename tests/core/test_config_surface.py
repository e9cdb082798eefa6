"""Configuration round trips and ranges; loss surfaces against direct evaluation."""
import numpy as np
import pytest

from engine import presets
from engine.config import Config, ConfigError, validate
from engine.run import Run
from engine.surface import exact_plane, grid_losses, pca_plane, random_plane


def test_config_json_round_trip():
    for p in presets.all_presets().values():
        for label in p.run_labels():
            cfg = p.run_config(label)
            assert Config.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("path,value,needle", [
    ("optimizer.lr", -0.1, "out of range"), ("schedule.decay", 1.5, "out of range"),
    ("schedule.decay_steps", 0, "out of range"), ("model.hidden", [0], "1 to 4096"),
    ("optimizer.name", "lbfgs", "unknown value"), ("nonsense", 1, "unknown setting"),
])
def test_out_of_range_settings_are_refused(path, value, needle):
    with pytest.raises(ConfigError, match=needle):
        validate(Config().with_overrides({path: value}))


def test_exact_surface_is_the_loss_at_each_point():
    r = Run("gd", presets.get("opt4_1").run_config("gd"))
    a, b = np.linspace(-1, 2, 7), np.linspace(0, 2, 5)
    grid = grid_losses(r.problem, r._spec, exact_plane(2), a, b)
    assert grid.shape == (5, 7)
    direct = r.evaluate(np.array([[x, y] for y in b for x in a])).reshape(5, 7)
    np.testing.assert_allclose(grid, direct, rtol=1e-14)


def test_planes_through_theta_project_their_own_points():
    r = Run("mse", presets.get("opt4_7").run_config("mse"))
    r.advance(500)
    for plane in (pca_plane(r.theta, r.theta_history), random_plane(r.theta, r.problem.layout, seed=1)):
        pts = plane.lift(np.array([0.3, -1.0]), np.array([2.0, 0.5]))
        np.testing.assert_allclose(plane.project(pts), [[0.3, 2.0], [-1.0, 0.5]], atol=1e-9)
    rp = random_plane(r.theta, r.problem.layout, seed=1)
    w1 = slice(0, 22)
    np.testing.assert_allclose(np.linalg.norm(rp.d1[w1].reshape(2, 11), axis=0),
                               np.linalg.norm(r.theta[w1].reshape(2, 11), axis=0), rtol=1e-6)
