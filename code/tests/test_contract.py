"""The package's contract, for every public name of ``nearinit.__all__`` (the catalogue is in ``contract.py``).

Every bad argument of its kind is refused with a ValueError or TypeError naming that argument, within a second and
the memory budget; valid 0-d NumPy scalars are accepted; sizes past the budget are refused or handled in bounded
memory. A new public function is covered the day it is added (a parameter of an unknown kind fails here until
``contract.py`` gives it one). Cost: about 2,300 calls, each callable in a forked child: 20 to 30 s on 2 busy cores.
"""

from __future__ import annotations

import contract
import pytest

contract.preload()
NAMES = sorted(contract.public_callables())


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", NAMES)
def test_the_contract(name):
    failures = [row for row in contract.run_callable(name) if row[3] != "ok"]
    lines = [f"{n}({param}={what}): {verdict}: {detail}" for n, param, what, verdict, detail in failures]
    assert not failures, f"{len(failures)} broken promises:\n" + "\n".join(lines)


def test_the_catalogue_covers_every_public_callable_and_the_result_types_exist():
    assert len(NAMES) >= 70
    assert contract.RESULTS <= set(NAMES), sorted(contract.RESULTS - set(NAMES))
    checked = {n: o for n, o in contract.public_callables().items() if n not in contract.RESULTS}
    sizes = {name: len(contract.cases(name, obj)) for name, obj in checked.items()}
    assert sum(sizes.values()) >= 2000 and min(sizes.values()) >= 1, sizes
