"""The mutation score of `make mutation`: read `mutmut results --all true` and print the score per module and in all.

Killed (a test failed, or the mutant timed out or crashed) over every mutant mutmut checked. Equivalent mutants are
not counted: their lines carry ``# pragma: no mutate`` with a one-line reason, so mutmut never makes them (see
``make mutation`` in the Makefile and ``[tool.mutmut]`` in code/pyproject.toml). Exits 1 below 95 %.
"""

from __future__ import annotations

import collections
import re
import sys

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
UNCHECKED = {"not checked", "skipped", "check was interrupted by user"}


def main(path: str) -> int:
    by_module: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    survivors = []
    for line in open(path, encoding="utf-8"):
        match = re.match(r"\s+(nearinit\.(\w+)\.\S+): (.+)$", line)
        if not match:
            continue
        name, module, status = match[1], match[2], match[3].strip()
        if status in UNCHECKED:
            by_module[module]["unchecked"] += 1
            continue
        by_module[module]["killed" if status in KILLED else "alive"] += 1
        if status not in KILLED:
            survivors.append(f"{name}: {status}")
    total = collections.Counter()
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        n = counts["killed"] + counts["alive"]
        print(
            f"{module:20s} {counts['killed']:5d} / {n:5d} killed"
            + (f" ({counts['unchecked']} unchecked)" if counts["unchecked"] else "")
        )
    n = total["killed"] + total["alive"]
    score = 100.0 * total["killed"] / n if n else 0.0
    print("\n".join(["surviving mutants (kill them with a test, or mark an equivalent line):", *survivors][: 1 + 200]))
    print(f"mutation score: {score:.1f} % of {n} mutants ({total['alive']} alive, {total['unchecked']} not checked)")
    return 0 if score >= 95.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
