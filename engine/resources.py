"""Where Descent's data files are: presets, guides, translations (and later lessons).

One helper for every loader.  Running from a checkout (or an editable install), they are the
repository's ``resources/`` folder beside ``engine/``.  An installed Descent (``pip install .``, a
wheel) has them in the package ``descent_resources`` (pyproject maps ``resources/`` to that name),
found through ``importlib.resources``.  The checkout comes first so that a worktree's code reads
its own files even when another checkout is installed in editable mode.
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path

PACKAGE = "descent_resources"
CHECKOUT = Path(__file__).resolve().parent.parent / "resources"


def _installed() -> Path | None:
    try:
        root = importlib.resources.files(PACKAGE)
    except (ModuleNotFoundError, TypeError):
        return None
    path = Path(str(root))
    return path if path.is_dir() else None


def roots() -> list[Path]:
    """The folders that may hold the resources, in the order they are tried."""
    installed = _installed()
    return [CHECKOUT] + ([installed] if installed is not None and installed != CHECKOUT else [])


def folder(sub: str = "") -> Path | None:
    """The first ``root/sub`` that exists (``sub``: "presets", "i18n", "" for the root), or None."""
    for root in roots():
        path = root / sub if sub else root
        if path.is_dir():
            return path
    return None


def file(name: str) -> Path | None:
    """The first ``root/name`` that is a file, or None."""
    for root in roots():
        if (root / name).is_file():
            return root / name
    return None


def where(sub: str = "") -> str:
    """Where ``folder(sub)`` looked, for an error message: "A, then B"."""
    places = [str(root / sub) if sub else str(root) for root in roots()]
    if _installed() is None:
        places.append(f"the installed package {PACKAGE} (not installed)")
    return ", then ".join(places)
