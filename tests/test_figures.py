"""Figures are verified by nbval (the plugin nearinit_book.claims.figures): a figure drawn from other data fails,
machine noise (hashed clip-path ids, last digits of coordinates) does not.

The demonstration runs nbval, as `make notebooks` does, on three copies of a small notebook whose cell draws a line:
as stored (passes), with the data changed in the cell but the stored figure kept (fails on the figure), and with the
stored figure disturbed as another machine would (other hashed ids, coordinates moved by 1e-6: passes).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from nearinit_book.claims.figures import SVG, svg_difference
from nearinit_book.toc import BOOK, ROOT

SETUP = "import matplotlib.pyplot as plt\nimport numpy as np\n\nfrom nearinit import use_book_style\n\nuse_book_style()"
PLOT = "x = np.linspace(0, 1, 60)\nplt.plot(x, np.sin(3 * x) + x**2, label='data')\nplt.legend()\nplt.show()"


def _noise(svg: str) -> str:
    """What another BLAS kernel does to a figure: coordinates' last digits and the hashes of clip paths."""
    svg = re.sub(r'd="[^"]*"', lambda m: re.sub(r"\d+\.\d+", lambda n: f"{float(n[0]) + 1e-6:.6f}", m[0]), svg)
    return re.sub(r"\b([pm])([0-9a-f]{10})\b", lambda m: m[1] + m[2][::-1], svg)


def _stored_svgs():
    for path in sorted(BOOK.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for out in cell.get("outputs", []):
                if SVG in out.get("data", {}):
                    data = out["data"][SVG]
                    yield path.name, data if isinstance(data, str) else "".join(data)


def test_stored_figures_equal_themselves_up_to_noise_and_not_after_a_move():
    svgs = list(_stored_svgs())
    assert len(svgs) >= 10, "the chapters' figures were not found"
    for name, svg in svgs:
        assert svg_difference(_noise(svg), svg) is None, name
        moved = re.sub(r'd="M (\d+\.\d+)', lambda m: f'd="M {float(m[1]) + 0.5:.6f}', svg, count=1)
        assert svg_difference(moved, svg), f"{name}: a point moved by half a point went unnoticed"


@pytest.mark.timeout(300)
def test_nbval_fails_on_a_figure_from_changed_data(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(PLOT)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert SVG in nb.cells[1].outputs[0]["data"]
    nbformat.write(nb, tmp_path / "as_stored.ipynb")
    changed = nbformat.from_dict(json.loads(json.dumps(nb)))
    changed.cells[1].source = PLOT.replace("np.sin(3 * x)", "np.sin(3.05 * x)")  # other data, same code shape
    nbformat.write(changed, tmp_path / "changed_data.ipynb")
    noisy = nbformat.from_dict(json.loads(json.dumps(nb)))
    noisy.cells[1].outputs[0]["data"][SVG] = _noise(nb.cells[1].outputs[0]["data"][SVG])
    nbformat.write(noisy, tmp_path / "machine_noise.ipynb")
    nbval = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg")]
    plugin = ["-p", "no:cacheprovider", "-p", "nearinit_book.claims.figures"]
    names = ["as_stored.ipynb", "changed_data.ipynb", "machine_noise.ipynb"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", *plugin, *nbval, *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
    )
    out = run.stdout
    assert "FAILED changed_data.ipynb::Cell 1" in out and "a figure unlike the stored one" in out, out[-3000:]
    for name in ("as_stored", "machine_noise"):
        assert f"PASSED {name}.ipynb::Cell 1" in out, out[-3000:]
    assert "1 failed, 5 passed" in out, out[-3000:]
