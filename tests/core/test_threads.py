"""A compile child the window started does not run on alone when the window is killed."""
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_child_exits_with_its_parent(tmp_path):
    child = ("import time; from engine.threads import exit_with_parent; exit_with_parent(0.05); "
             "print('up', flush=True); time.sleep(120)")
    parent = (f"import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', {child!r}], "
              "stdout=subprocess.PIPE, text=True); p.stdout.readline(); print(p.pid, flush=True)")
    res = subprocess.run([sys.executable, "-c", parent], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    pid = int(res.stdout.strip())
    end = time.monotonic() + 30          # it would sleep 120 s on its own; gone long before
    while _alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    assert not _alive(pid)
