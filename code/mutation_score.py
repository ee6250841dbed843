"""The mutation score of `make mutation`: read `mutmut results --all true` and print the score per module and in all.

``--module NAME`` (``make mutation MODULE=NAME``) judges that module alone and prints its row of the README's table
(mutants, killed, lines marked equivalent, survivors, score, minutes: ``--seconds`` is the time the run took).

Killed (a test failed, or the mutant timed out or crashed) over every mutant mutmut checked. Equivalent mutants are
not counted: their lines carry ``# pragma: no mutate`` with a one-line reason, so mutmut never makes them (see
``make mutation`` in the Makefile and ``[tool.mutmut]`` in code/pyproject.toml). Exits 1 below 95 %.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import re
import sys

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
UNCHECKED = {"not checked", "skipped", "check was interrupted by user"}


def equivalent_lines(module: str) -> int:
    """Lines of nearinit/<module>.py marked ``# pragma: no mutate`` (each with its one-line reason)."""
    source = pathlib.Path(__file__).parent / "nearinit" / f"{module}.py"
    return source.read_text(encoding="utf-8").count("# pragma: no mutate") if source.exists() else 0


def main(path: str, module: str | None = None, seconds: float | None = None, table: bool = False) -> int:
    by_module: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    survivors = []
    for line in open(path, encoding="utf-8"):
        # nearinit.<module>.x_<function>__mutmut_<n>; the package's __init__ has no module part
        match = re.match(r"\s+(nearinit\.(?:(\w+)\.)?x\S+): (.+)$", line)
        if not match:
            continue
        name, owner, status = match[1], match[2] or "__init__", match[3].strip()
        if module is not None and owner != module:
            continue
        if status in UNCHECKED:
            by_module[owner]["unchecked"] += 1
            continue
        by_module[owner]["killed" if status in KILLED else "alive"] += 1
        if status not in KILLED:
            survivors.append(f"{name}: {status}")
    total = collections.Counter()
    for owner, counts in sorted(by_module.items()):
        total.update(counts)
        n = counts["killed"] + counts["alive"]
        print(
            f"{owner:20s} {counts['killed']:5d} / {n:5d} killed"
            + (f" ({counts['unchecked']} unchecked)" if counts["unchecked"] else "")
        )
    n = total["killed"] + total["alive"]
    score = 100.0 * total["killed"] / n if n else 0.0
    if table:
        print("| module | mutants | killed | equivalent (marked lines) | survivors | score |")
        print("|---|---|---|---|---|---|")
        for owner, counts in sorted(by_module.items()):
            k, a = counts["killed"], counts["alive"]
            print(
                f"| `nearinit.{owner}` | {k + a} | {k} | {equivalent_lines(owner)} | {a} |"
                f" {100.0 * k / (k + a) if k + a else 0.0:.1f} % |"
            )
        marked = sum(equivalent_lines(owner) for owner in by_module)
        print(f"| all | {n} | {total['killed']} | {marked} | {total['alive']} | {score:.1f} % |")
    print("\n".join(["surviving mutants (kill them with a test, or mark an equivalent line):", *survivors][: 1 + 200]))
    print(f"mutation score: {score:.1f} % of {n} mutants ({total['alive']} alive, {total['unchecked']} not checked)")
    if seconds is not None:
        print(f"the run took {seconds / 60:.1f} min")
    if module is not None:
        minutes = f"{seconds / 60:.0f}" if seconds is not None else "?"
        print(
            f"README row: | `nearinit.{module}` | {n} | {total['killed']} | {equivalent_lines(module)} lines |"
            f" {total['alive']} | {score:.1f} % | {minutes} min |"
        )
    return 0 if score >= 95.0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="the output of `mutmut results --all true`")
    parser.add_argument("--module", help="judge this module of nearinit alone (e.g. worst_case)")
    parser.add_argument("--table", action="store_true", help="print the README's table of every module")
    parser.add_argument("--seconds", type=float, help="the time the run took, for the README row")
    args = parser.parse_args()
    sys.exit(main(args.results, args.module, args.seconds, args.table))
