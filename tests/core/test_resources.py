"""Presets, guides and translations are found the same way from a checkout and from an installed
package (engine.resources); with none anywhere, the error says where it looked.  (.ci/run
installs the project non-editably into a fresh venv and runs it from another folder.)"""
import importlib
import fnmatch
import sys
from pathlib import Path

import pytest

from engine import cli, presets as P, resources
from engine.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_its_own_resources_folder():
    assert resources.folder() == ROOT / "resources"
    assert resources.folder("presets") == ROOT / "resources" / "presets" == P.PRESET_DIR
    assert resources.file("guides.json") == ROOT / "resources" / "guides.json"
    from engine import lessons
    assert lessons.lesson_dir() == ROOT / "resources" / "lessons"
    assert resources.folder("no-such-folder") is None and resources.file("nope.json") is None


def test_an_installed_package_is_found_through_importlib_resources(tmp_path, monkeypatch):
    pkg = tmp_path / "site" / resources.PACKAGE
    (pkg / "presets").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(resources, "CHECKOUT", tmp_path / "not-a-checkout")
    sys.modules.pop(resources.PACKAGE, None)      # another test may have imported the real one
    importlib.invalidate_caches()
    try:
        assert resources.folder("presets") == pkg / "presets"
        assert str(pkg / "presets") in resources.where("presets")
    finally:
        sys.modules.pop(resources.PACKAGE, None)


def test_no_presets_anywhere_names_where_it_looked(monkeypatch, capsys):
    monkeypatch.setattr(resources, "CHECKOUT", Path("/nowhere/resources"))
    monkeypatch.setattr(resources, "_installed", lambda: None)
    monkeypatch.setattr(P, "PRESET_DIR", resources.folder("presets"))
    monkeypatch.setattr(P, "_cache", None)
    try:
        with pytest.raises(ConfigError, match="no presets found") as exc:
            P.get("opt4_1")
        assert "/nowhere/resources/presets" in str(exc.value) and resources.PACKAGE in str(exc.value)
        assert cli.main(["presets"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "no presets found" in err[0] and "/nowhere/resources/presets" in err[0]
    finally:
        P._cache = None


def test_every_resource_a_loader_reads_ships_in_the_package():
    tomllib = pytest.importorskip("tomllib")          # (Python 3.11+)
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert cfg["package-dir"][resources.PACKAGE] == "resources" and resources.PACKAGE in cfg["packages"]
    globs = cfg["package-data"][resources.PACKAGE]
    shipped = [p.relative_to(ROOT / "resources").as_posix() for p in (ROOT / "resources").rglob("*.json")]
    assert shipped and all(any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs)
                           for f in shipped), (shipped, globs)
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("imageio-ffmpeg") for d in deps)


def test_every_python_package_of_the_checkout_ships():
    """A package missing from pyproject's list (engine.kernels, say) would be absent from a plain
    install while an editable one still finds it."""
    tomllib = pytest.importorskip("tomllib")          # (Python 3.11+)
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {init.parent.relative_to(ROOT).as_posix().replace("/", ".")
             for top in ("engine", "gui") for init in (ROOT / top).rglob("__init__.py")}
    assert found and found <= listed, sorted(found - listed)


def test_a_read_only_install_caches_kernels_in_numbas_user_folder(monkeypatch):
    from engine import jit
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(jit, "CACHE_NOTICE", None)
    beside_sources = str(Path(jit.__file__).parent / "__pycache__")
    monkeypatch.setattr(jit, "_unwritable", lambda t: "Read-only file system" if t == beside_sources else None)
    assert jit._cache_usable() and jit.CACHE_NOTICE is None          # numba falls back to ~/.cache/numba
    monkeypatch.setattr(jit, "_unwritable", lambda t: "Permission denied")
    assert not jit._cache_usable()
    assert beside_sources in jit.CACHE_NOTICE and "nor at" in jit.CACHE_NOTICE
    assert jit.CACHE_NOTICE.startswith("numba cache at") and jit.CACHE_NOTICE.endswith("compiling in memory")
