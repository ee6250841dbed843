"""``python -m nearinit_book.claims [--nb book/05_anticoncentration.ipynb ...]``: run every false variant.

Exits 1 when a variant is not caught (or a declaration is malformed), 0 when every variant failed its check cell.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .declarations import DeclarationError
from .run import run, table, write_report


def _root() -> Path:
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "_toc.yml").exists() and (d / "book").is_dir():
            return d
    raise SystemExit("run from inside the repository (no _toc.yml found above the working directory)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nearinit_book.claims", description=__doc__.splitlines()[0])
    parser.add_argument("--nb", action="append", type=Path, help="only this notebook (repeatable); default all")
    parser.add_argument("--jobs", type=int, default=2, help="kernels at a time (default 2, the machine's cores)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds a cell may run (default 300)")
    parser.add_argument("--no-report", action="store_true", help="do not update book/claims_report.json")
    args = parser.parse_args(argv)
    root = _root()
    all_nbs = sorted((root / "book").glob("*.ipynb"))
    notebooks = [p.resolve() for p in args.nb] if args.nb else all_nbs
    t0 = time.perf_counter()
    try:
        out, ok = run(root, notebooks, jobs=args.jobs, timeout=args.timeout)
    except DeclarationError as exc:
        print(f"!!! malformed claim declaration: {exc}", file=sys.stderr)
        return 1
    print()
    print(table(out["entries"]))
    if not args.no_report:
        path = write_report(root, out["entries"], all_nbs)
        print(f"\n==> report: {path.relative_to(root)}")
    n_checks = sum(len(e["checks"]) for e in out["entries"].values())
    caught = sum(v["verdict"] == "caught" for e in out["entries"].values() for c in e["checks"] for v in c["variants"])
    print(
        f"==> {caught} of {out['tasks']} false variants caught by {n_checks} check cells "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    if not ok:
        print("!!! make claims: a false variant passed its check (or failed elsewhere): see the table", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
