"""``bench/run.py --smoke``: the benchmark's code paths run on small sizes and its results are checked (no timing)."""

import pathlib
import subprocess
import sys

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench" / "run.py"


def test_bench_smoke_run():
    out = subprocess.run([sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "results correct" in out.stdout
