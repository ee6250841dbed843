"""`make bench`: time the book and the package's fast paths against their floors.

Prints one table per part and writes everything to ``_build/bench/bench.json``:

1. each chapter notebook executed in a fresh kernel (nbclient, as nbval runs it), its slowest cell,
   and the whole book;
2. ``linearization_gap`` (ReLU, d = 100) against the floor it cannot beat, the two products X W^T
   and X W0^T, and its float64 error against an extended-precision reference;
3. the exact worst case of a random initialization at m = 10^6 ... 10^12 by each path (plain sort,
   chapter 6's selection, streaming, order statistics): time and peak memory, against the floor of
   drawing the Gaussians and against the plain sort where it fits;
4. ``worst_case_gap`` on an explicit W0 against its one matrix-vector product.

Times are medians of ``--repeat`` runs (wall clock, ``time.perf_counter``); peak memory is the
``tracemalloc`` peak of one extra run (numpy reports its buffers to tracemalloc). Speed is shown
here, never asserted in a test. Run ``python bench/run.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "bench"


def median_time(fn, repeat: int) -> float:
    """Median wall-clock seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def interleaved_medians(fns: dict, repeat: int) -> dict:
    """Median seconds of each function, the runs interleaved (a, b, c, a, b, c, ...) so that a change of
    load on a shared machine hits every function alike; ratios of these medians are what the tables show."""
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def peak_memory(fn) -> float:
    """Peak traced memory (MB) of one call of ``fn``."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[j]) for r in cells)) if cells else len(h) for j, h in enumerate(header)]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    sys.stdout.flush()


def fmt(x, spec=".3g") -> str:
    return "n/a" if x is None else format(x, spec)


# ---------------------------------------------------------------------------------------------- notebooks
def _cell_seconds(cell) -> float | None:
    ex = cell.get("metadata", {}).get("execution", {})
    start, end = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = dt.datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def run_notebook(path: Path) -> dict:
    """Execute a copy of the notebook in a fresh kernel; never write it back."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    total = time.perf_counter() - t0
    cells = [(i, _cell_seconds(c)) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    slowest = max(cells, key=lambda ic: ic[1] or 0.0, default=(None, None))
    return {"notebook": path.name, "seconds": total, "slowest_cell": slowest[0], "slowest_cell_seconds": slowest[1]}


def bench_notebooks(repeat: int) -> dict:
    paths = sorted((ROOT / "book").glob("*.ipynb"))
    rows, results = [], []
    for p in paths:
        runs = [run_notebook(p) for _ in range(repeat)]
        sec = statistics.median(r["seconds"] for r in runs)
        worst = max(runs, key=lambda r: r["slowest_cell_seconds"] or 0.0)
        res = {**worst, "seconds": sec, "runs": [r["seconds"] for r in runs]}
        results.append(res)
        rows.append([p.name, fmt(sec, ".1f"), res["slowest_cell"], fmt(res["slowest_cell_seconds"], ".2f")])
    book = sum(r["seconds"] for r in results)
    slowest = max((r["slowest_cell_seconds"] or 0.0 for r in results), default=0.0)
    rows.append(["whole book", fmt(book, ".1f"), "", fmt(slowest, ".2f")])
    print_table(
        "Notebooks (fresh kernel each; target: book < 90 s, every cell < 10 s)",
        ["notebook", "seconds (median)", "slowest code cell (index)", "its seconds (max over runs)"],
        rows,
    )
    return {"notebooks": results, "book_seconds": book}


# ---------------------------------------------------------------------------------------------- linearization
def _reference_gap(W, V, a, X) -> np.ndarray:
    """The flip sum in extended precision (numpy longdouble: 64-bit mantissa on x86)."""
    L = np.longdouble
    Zw = X.astype(L) @ W.astype(L).T
    Zv = X.astype(L) @ V.astype(L).T
    terms = np.where(Zv > 0, np.maximum(-Zw, 0), np.maximum(Zw, 0))
    return (terms * a.astype(L)).sum(axis=1), (np.abs(Zw) * np.abs(a).astype(L)).sum(axis=1)


def _blocked_products(W, V, X, block: int) -> None:
    XT = X.T
    bw, bv = np.empty((block, X.shape[0])), np.empty((block, X.shape[0]))
    for lo in range(0, W.shape[0], block):
        k = min(block, W.shape[0] - lo)
        np.matmul(W[lo : lo + k], XT, out=bw[:k])
        np.matmul(V[lo : lo + k], XT, out=bv[:k])


BLOCK_ENTRIES = 1 << 22  # the floor's blocks: about 4M pre-activations, as linearization_gap processes them


def _gap_at(m: int, n: int, repeat: int) -> dict:
    from nearinit import linearization_gap

    rng = np.random.default_rng(8000 + m)
    d = 100
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    V = rng.standard_normal((m, d))
    W = V + rng.standard_normal((m, d)) / np.sqrt(m)  # ||W - V||_F ~ sqrt(d): a few percent of neurons flip
    a = 2.0 * rng.integers(0, 2, size=m) - 1.0
    block = max(1, BLOCK_ENTRIES // n)
    fns = {
        "gap": lambda: linearization_gap(W, V, a, X),
        "full": lambda: (X @ W.T, X @ V.T),
        "blocked": lambda: _blocked_products(W, V, X, block),
    }
    med = interleaved_medians(fns, repeat)
    t_gap, t_full, t_blocked = med["gap"], med["full"], med["blocked"]
    n_ref = min(n, 8 if m <= 10**5 else 2)
    ref, scale = _reference_gap(W, V, a, X[:n_ref])
    g64 = linearization_gap(W, V, a, X[:n_ref])
    return {
        "m": m,
        "n": n,
        "d": d,
        "gap_seconds": t_gap,
        "floor_full_products_seconds": t_full,
        "floor_blocked_products_seconds": t_blocked,
        "ratio_to_floor": t_gap / min(t_full, t_blocked),
        "rel_error_float64": float(np.max(np.abs(g64 - ref) / scale)),
        "reference_inputs": n_ref,
    }


def bench_linearization(repeat: int, sizes) -> dict:
    rows, results = [], []
    for m, n in sizes:
        r = _gap_at(m, n, repeat)
        results.append(r)
        times = [fmt(r[k]) for k in ("gap_seconds", "floor_full_products_seconds", "floor_blocked_products_seconds")]
        errs = [fmt(r["rel_error_float64"], ".1e")]
        rows.append([f"{m:.0e}", n, *times, fmt(r["ratio_to_floor"], ".2f"), *errs])
    print_table(
        "linearization_gap, ReLU, d = 100 (target at m = 1e5: ratio <= 1.5, float64 error <= 1e-10)",
        ["m", "n", "gap s", "X W^T + X W0^T s", "same, blocked s", "gap / floor", "err f64"],
        rows,
    )
    print(
        "error = max over the reference inputs of |gap - exact| / sum_i |a_i||w_i^T x| "
        "(exact: the flip sum in numpy longdouble); "
        "floor = the faster of the two products done whole or in the gap's blocks."
    )
    return {"linearization_gap": results}


# ---------------------------------------------------------------------------------------------- worst case
STREAM_CHUNK = 1 << 20  # the default chunk of random_worst_case(method="streaming")


def _draw_floor(m: int, seed: int, chunk: int) -> None:
    """Drawing m/2 Gaussians into one reused buffer, ``chunk`` at a time: the floor of the streaming path."""
    gen = np.random.default_rng(seed)
    M = m // 2
    buf = np.empty(min(chunk, max(M, 1)))
    for lo in range(0, M, chunk):
        gen.standard_normal(out=buf[: min(chunk, M - lo)])


def _selection_path(m: int, seed: int) -> float:
    """Chapter 6's exact selection on materialized projections (the same realization as the sort)."""
    from nearinit import eligible_projections, worst_case_gap

    z = eligible_projections(m, rng=seed)
    return worst_case_gap(z[:, None], np.ones(z.size), np.ones(1), 1.0).value


def _path(method: str):
    """``random_worst_case`` with one ``method``."""
    from nearinit import random_worst_case

    return lambda m, B, rng: random_worst_case(m, B, rng=rng, method=method)


def bench_worst_case(repeat: int, widths, naive_max: int, os_widths) -> dict:
    worst_case_sort, worst_case_streaming = _path("sort"), _path("streaming")
    worst_case_order_statistics = _path("order_statistics")

    seed, rows, results = 2026, [], []
    for m in widths:
        paths = {
            "floor: draw the Gaussians": lambda m=m: _draw_floor(m, seed, STREAM_CHUNK),
            "streaming (exact)": lambda m=m: worst_case_streaming(m, 1.0, rng=seed),
            "order statistics (law)": lambda m=m: worst_case_order_statistics(m, 1.0, rng=seed),
        }
        if m <= naive_max:
            paths["plain sort (naive)"] = lambda m=m: worst_case_sort(m, 1.0, rng=seed)
            paths["selection, chapter 6"] = lambda m=m: _selection_path(m, seed)
        med = interleaved_medians(paths, repeat)
        stats = {name: (med[name], peak_memory(fn)) for name, fn in paths.items()}
        ref = worst_case_streaming(m, 1.0, rng=seed)
        res = {"m": m, "value_streaming": ref.value, "k": ref.k, "kept": ref.kept, "paths": {}}
        t_floor, t_sort = stats["floor: draw the Gaussians"][0], stats.get("plain sort (naive)", (None,))[0]
        for name, (t, mem) in stats.items():
            vs_floor, vs_sort = t / t_floor, (t / t_sort if t_sort else None)
            res["paths"][name] = {"seconds": t, "peak_MB": mem, "vs_floor": vs_floor, "vs_sort": vs_sort}
            rows.append([f"{m:.0e}", name, fmt(t), fmt(mem, ".1f"), fmt(vs_floor, ".2f"), fmt(vs_sort, ".3f")])
        if m > naive_max:
            skipped = f"skipped: {8 * m / 2 / 1e9:.0f} GB of projections"
            rows.append([f"{m:.0e}", "plain sort, selection", skipped, "", "", ""])
        results.append(res)
    for m in os_widths:
        t = median_time(lambda m=m: worst_case_order_statistics(m, 1.0, rng=seed), repeat)
        mem = peak_memory(lambda m=m: worst_case_order_statistics(m, 1.0, rng=seed))
        w = worst_case_order_statistics(m, 1.0, rng=seed)
        results.append({"m": m, "paths": {"order statistics (law)": {"seconds": t, "peak_MB": mem}}, "k": w.k})
        rows.append([f"{m:.0e}", "order statistics (law)", fmt(t), fmt(mem, ".1f"), "", ""])
    print_table(
        "Exact worst case of a random init, B = ||x|| = 1 (targets: streaming 1e8 < 2 s, 1e9 < 15 s, < 300 MB; "
        "order statistics 1e12 < 2 s)",
        ["m", "path", "seconds", "peak MB", "/ floor", "/ plain sort"],
        rows,
    )
    return {"worst_case_random_init": results}


def bench_explicit(repeat: int, m: int) -> dict:
    from nearinit import worst_case_gap

    rng = np.random.default_rng(8)
    d = 100
    W0 = rng.standard_normal((m, d))
    a = 2.0 * rng.integers(0, 2, size=m) - 1.0
    x = rng.standard_normal(d)
    x /= np.linalg.norm(x)
    fns = {"mv": lambda: W0 @ x, "wc": lambda: worst_case_gap(W0, a, x, 1.0), "copy": lambda: W0.copy()}
    med = interleaved_medians(fns, repeat)
    t_mv, t_wc, t_copy = med["mv"], med["wc"], med["copy"]
    print_table(
        f"worst_case_gap on an explicit W0 (m = {m:.0e}, d = {d}; target: dominated by W0 x)",
        ["W0 @ x s", "W0.copy() s", "worst_case_gap s", "ratio to W0 @ x"],
        [[fmt(t_mv), fmt(t_copy), fmt(t_wc), fmt(t_wc / t_mv, ".2f")]],
    )
    return {"worst_case_gap_explicit": {"m": m, "d": d, "matvec_s": t_mv, "copy_s": t_copy, "worst_case_gap_s": t_wc}}


def _import_seconds(module: str) -> float:
    """Wall time of ``import module`` in a fresh interpreter (python -X importtime's cumulative total)."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True
    ).stderr
    last = [line for line in err.splitlines() if line.rstrip().endswith(f"| {module}")][-1]
    return int(last.split("|")[1]) / 1e6


def bench_import(repeat: int) -> dict:
    """``import nearinit`` against ``import numpy`` (target: at most 3x), each the median of fresh interpreters."""
    rows = {
        m: sorted(_import_seconds(m) for _ in range(max(repeat, 5)))[max(repeat, 5) // 2] for m in ("numpy", "nearinit")
    }
    ratio = rows["nearinit"] / rows["numpy"]
    print_table(
        "import cost (fresh interpreter, median)",
        ["module", "seconds", "ratio to numpy"],
        [[m, fmt(t), fmt(t / rows["numpy"])] for m, t in rows.items()],
    )
    print(f"import nearinit / import numpy = {ratio:.2f} (target <= 3)")
    return {"import": rows | {"ratio": ratio}}


def machine() -> dict:
    info = {"python": platform.python_version(), "numpy": np.__version__, "cores": os.cpu_count()}
    try:
        info["cpu"] = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    info["load_average_at_start"] = os.getloadavg()
    info["date_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return info


def smoke() -> None:
    """Every part at small sizes, once, checking results only (no timing is judged): ``make test`` runs it."""
    worst_case_sort, worst_case_streaming = _path("sort"), _path("streaming")
    worst_case_order_statistics = _path("order_statistics")

    lin = _gap_at(2000, 50, 1)
    assert lin["rel_error_float64"] <= 1e-12, lin
    wc = bench_worst_case(1, [10**5], 10**5, [10**6])["worst_case_random_init"][0]
    assert wc["value_streaming"] == worst_case_sort(10**5, 1.0, rng=2026).value
    assert worst_case_streaming(10**5, 1.0, rng=2026).k == wc["k"]
    assert worst_case_order_statistics(10**6, 1.0, rng=2026).value > 0
    bench_explicit(1, 10**4)
    print("bench smoke run: results correct (timings not judged)")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (median); default 3")
    p.add_argument("--notebook-repeat", type=int, default=None, help="runs per notebook (default: --repeat)")
    p.add_argument(
        "--only", choices=["import", "notebooks", "linearization", "worst-case", "explicit"], action="append"
    )
    p.add_argument("--max-m", type=float, default=1e9, help="largest width for the exact worst-case paths")
    p.add_argument("--naive-max-m", type=float, default=1e8, help="largest width for the materializing paths")
    p.add_argument("--smoke", action="store_true", help="small sizes, results checked, nothing written (make test)")
    args = p.parse_args(argv)
    if args.smoke:
        smoke()
        return
    parts = set(args.only or ["import", "notebooks", "linearization", "worst-case", "explicit"])
    info = machine()
    load = ", ".join(f"{x:.1f}" for x in info["load_average_at_start"])
    print(f"# make bench: {info['cpu']}, {info['cores']} cores, numpy {info['numpy']}, load average {load}")
    out = {"machine": info, "repeat": args.repeat, "notebook_repeat": args.notebook_repeat or args.repeat}
    if "import" in parts:
        out |= bench_import(args.repeat)
    if "linearization" in parts:
        out |= bench_linearization(args.repeat, [(10**4, 1000), (10**5, 1000), (10**6, 100)])
    if "worst-case" in parts:
        widths = [10**e for e in range(6, 10) if 10**e <= args.max_m]
        out |= bench_worst_case(args.repeat, widths, int(args.naive_max_m), [10**10, 10**11, 10**12])
    if "explicit" in parts:
        out |= bench_explicit(args.repeat, 10**6)
    if "notebooks" in parts:
        out |= bench_notebooks(args.notebook_repeat or args.repeat)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "bench.json"
    path.write_text(json.dumps(out, indent=1, default=float))
    print(f"\nwrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
