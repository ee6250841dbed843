"""Running the false variants: one fresh kernel per variant, the notebook executed up to its check cell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .declarations import REPORT, Check, Variant, book_results, fingerprint, notebook_checks, substitute

#: Per-variant timings of the last run (not committed): the slowest variants are started first.
TIMINGS = Path("_build") / "claims-timings.json"
CAUGHT = "caught"


def run_variant(root: str, notebook: str, index: int, substitutions: dict | None, timeout: int) -> dict:
    """Execute ``notebook`` in a fresh kernel up to cell ``index``, that cell's claim substituted.

    Returns ``{"failed_cell": i or None, "error": exception name, "message": first line, "seconds": s}``: where
    the run stopped. The cells after the check cell are not executed (they cannot change the verdict).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    t0 = time.perf_counter()
    nb = nbformat.read(Path(root) / notebook, as_version=4)
    nb.cells = nb.cells[: index + 1]
    if substitutions:
        cell = nb.cells[index]
        cell.source = substitute(cell.source, substitutions, f"{notebook} cell {index}")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    # The kernel is the running Python's (as nbval's --nbval-current-env): its directory first on PATH. One BLAS
    # thread, as `make test`. Figures are drawn but not rendered to SVG (Agg backend; nbval checks the SVGs):
    # rendering is a third of some chapters' time and cannot change a verdict.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.update(MPLBACKEND="agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=False,
        shutdown_kernel="immediate",  # the run is over: no graceful shutdown to wait for
        resources={"metadata": {"path": str((Path(root) / notebook).parent)}},
    )
    outcome = {"failed_cell": None, "error": None, "message": None}
    with client.setup_kernel(stderr=subprocess.DEVNULL):  # not its transport warning, once per variant
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, i)
            except CellExecutionError as exc:
                lines = str(exc.evalue or "").strip().splitlines()
                outcome = {"failed_cell": i, "error": exc.ename, "message": lines[0][:200] if lines else ""}
                break
            except CellTimeoutError:
                outcome = {"failed_cell": i, "error": "Timeout", "message": f"cell ran over {timeout} s"}
                break
    outcome["seconds"] = round(time.perf_counter() - t0, 2)
    return outcome


def verdict(check: Check, outcome: dict) -> str:
    """``caught``: an AssertionError in the check cell itself. Anything else is not a caught variant."""
    if outcome["failed_cell"] is None:
        return "passed"  # the false claim passed the check
    if outcome["failed_cell"] != check.index:
        return f"earlier cell {outcome['failed_cell']} failed ({outcome['error']})"
    if outcome["error"] != "AssertionError":
        return f"{outcome['error']} in the check cell"
    return CAUGHT


def _timings(root: Path) -> dict:
    try:
        return json.loads((root / TIMINGS).read_text())
    except (OSError, ValueError):
        return {}


def collect(root: Path, notebooks: list[Path]) -> dict[str, list[Check]]:
    return {Path(nb).resolve().relative_to(root).as_posix(): notebook_checks(Path(nb), root) for nb in notebooks}


def run(root: Path, notebooks: list[Path], jobs: int = 2, timeout: int = 300, echo=print) -> tuple[dict, bool]:
    """Run every variant of ``notebooks``; return the report's entries for them and whether all were caught."""
    root = root.resolve()
    checks = collect(root, notebooks)
    timings = _timings(root)
    tasks = []
    for nb, nb_checks in checks.items():
        for check in nb_checks:
            for variant in check.variants:
                key = f"{nb}#{check.cell_id}#{variant.result}#{variant.name}"
                # unknown cost: the deeper the cell, the longer (estimated by its index)
                tasks.append((timings.get(key, check.index * 0.5), key, check, variant))
    tasks.sort(key=lambda t: -t[0])
    echo(
        f"==> {len(tasks)} false variants of {sum(len(c) for c in checks.values())} check cells in "
        f"{len(checks)} notebook(s), {jobs} at a time, each in a fresh kernel"
    )
    results: dict[str, dict] = {}
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for _, key, check, variant in tasks:
            args = (str(root), check.notebook, check.index, variant.substitutions, timeout)
            future = pool.submit(run_variant, *args)
            future.args = args
            futures[future] = (key, check, variant)
        for future in as_completed(futures):
            key, check, variant = futures[future]
            outcome = None
            for attempt in range(3):
                try:
                    outcome = (future if attempt == 0 else pool.submit(run_variant, *future.args)).result()
                    break
                except Exception as exc:  # the kernel did not start or died: the machine, not a verdict; again
                    outcome = {"failed_cell": -1, "error": type(exc).__name__, "message": str(exc)[:200], "seconds": 0}
                    echo(f"  .. {check.notebook} cell {check.index} {variant.name!r}: {outcome['error']}, retried")
            outcome["verdict"] = verdict(check, outcome)
            results[key] = outcome
            timings[key] = outcome["seconds"]
            mark = "ok " if outcome["verdict"] == CAUGHT else "!! "
            echo(
                f"  {mark}{check.notebook.split('/')[-1]} cell {check.index:<3d} {variant.result:28s} "
                f"{variant.name!r}: {outcome['verdict']} ({outcome['seconds']:.1f} s)"
            )
    wall = time.perf_counter() - t0
    (root / TIMINGS).parent.mkdir(exist_ok=True)
    (root / TIMINGS).write_text(json.dumps(timings, indent=1, sort_keys=True))
    entries = {}
    all_caught = True
    for nb, nb_checks in checks.items():
        nb_json = json.loads((root / nb).read_text())
        entry = {"proof_only": nb_json["metadata"].get("claims_proof_only", {}), "checks": []}
        for check in nb_checks:
            variants = []
            for variant in check.variants:
                o = results[f"{nb}#{check.cell_id}#{variant.result}#{variant.name}"]
                all_caught &= o["verdict"] == CAUGHT
                variants.append(
                    {
                        "result": variant.result,
                        "name": variant.name,
                        "substitutions": variant.substitutions,
                        "verdict": o["verdict"],
                        "message": o["message"] if o["verdict"] != CAUGHT else None,
                    }
                )
            entry["checks"].append(
                {
                    "cell": check.cell_id,
                    "index": check.index,
                    "fingerprint": check.fingerprint,
                    "results": check.results,
                    "variants": variants,
                }
            )
        entries[nb] = entry
    return {"entries": entries, "wall": wall, "tasks": len(tasks)}, all_caught


def table(entries: dict) -> str:
    """The table ``make claims`` prints: result, check cell, variant, caught."""
    rows = [("result", "check cell", "false variant", "caught")]
    for nb, entry in entries.items():
        short = nb.split("/")[-1].removesuffix(".ipynb")
        for check in entry["checks"]:
            for v in check["variants"]:
                rows.append(
                    (
                        v["result"],
                        f"{short}[{check['index']}]",
                        v["name"],
                        "yes" if v["verdict"] == CAUGHT else f"NO: {v['verdict']}",
                    )
                )
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(s.ljust(w) for s, w in zip(r[:3], widths, strict=True)) + "  " + r[3])
        if n == 0:
            lines.append("-" * (sum(widths) + 6 + 6))
    return "\n".join(lines)


def write_report(root: Path, entries: dict, notebooks_all: list[Path]) -> Path:
    """Merge ``entries`` into the committed report (other notebooks' entries are kept), sorted, without timings."""
    path = root / REPORT
    report = json.loads(path.read_text()) if path.exists() else {}
    known = {Path(nb).resolve().relative_to(root.resolve()).as_posix() for nb in notebooks_all}
    nbs = {k: v for k, v in report.get("notebooks", {}).items() if k in known}
    nbs.update(entries)
    report = {
        "about": "Written by `make claims` (python -m nearinit_book.claims): every false variant of every declared "
        "check cell, run in a fresh kernel; verdict 'caught' means an AssertionError in exactly that cell. "
        "tests/test_claims.py fails when a fingerprint no longer matches the notebook.",
        "notebooks": dict(sorted(nbs.items())),
    }
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return path


__all__ = ["Check", "Variant", "book_results", "fingerprint", "run", "run_variant", "table", "write_report"]
