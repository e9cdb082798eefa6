"""Compile ahead of use the kernels fixed to the presets' network structures.

The generic training kernel serves every network; the kernel fixed to one structure (layer
sizes, codes, batch length frozen in, see ``kernels.fixed_advance``) is about twice as fast for
the chapter's small networks but costs seconds to compile.  Training never waits for one: a
run uses it once it is compiled or in numba's disk cache.  ``python main.py precompile`` (and
the window, in a background process, for the preset it shows) fills that cache.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

from . import kernels as K
from . import presets as P
from .run import Comparison


def structures(names: Iterable[str]) -> list:
    """One run per distinct (structure, full-batch) among the runs of the named presets."""
    seen, runs = set(), []
    for name in names:
        preset = P.get(name)
        if preset.kind != "race":
            continue
        for run in Comparison(preset.name, preset.config, list(preset.runs)).runs:
            key = K.structure(run._spec[0], run.problem.n)
            if key not in seen:
                seen.add(key)
                runs.append((preset.name, run))
    return runs


def precompile(names: Iterable[str], report: Callable[[str], None] = lambda s: None) -> int:
    """Compile (or find in the cache) the fixed kernels for the named presets; returns how many."""
    runs = structures(names)
    for i, (name, run) in enumerate(runs, 1):
        t = time.perf_counter()
        run.specialise()
        report(f"[{i}/{len(runs)}] {name} {run.label}: {time.perf_counter() - t:.1f} s")
    return len(runs)


def main(names: list[str]) -> int:
    names = names or list(P.all_presets())
    n = precompile(names, report=lambda s: print(s, flush=True))
    print(f"{n} fixed kernels ready")
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
