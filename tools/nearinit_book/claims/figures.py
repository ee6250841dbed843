"""Figures verified by nbval: stored SVGs compared with a fresh run, up to what is machine noise.

A pytest plugin (``-p nearinit_book.claims.figures``, in the Makefile's ``NBVAL``): before nbval compares a cell's
outputs, each SVG figure of the fresh run is compared with the stored one by :func:`svg_difference`, which ignores

* matplotlib's hashed ids (clip paths ``p1a2b3c4d5e``, markers ``m...``, hatches ``h...``: hashes of
  full-precision coordinates), renumbered in order of appearance on both sides;
* differences below ``TOLERANCE`` (a hundredth of a point, far below a screen pixel) in the numbers inside tags:
  coordinates, which carry the last digits of the plotted numbers, and those differ between BLAS kernels. Numbers
  are compared as numbers, not rounded as text, so no rounding boundary can flip a digit.

Everything else must be equal: the structure, every attribute, every text (tick labels, legends, titles compared
exactly). An equivalent figure is replaced by the stored one so that nbval sees equal outputs; a different one is
replaced, on both sides, by a one-line account of its first difference, which nbval then reports.
"""

from __future__ import annotations

import re

#: Largest difference between two coordinates taken as machine noise, in SVG user units (points).
TOLERANCE = 0.01
SVG = "image/svg+xml"

_HASHED_ID = re.compile(r"\b([pmh][0-9a-f]{10})\b")
_TAG = re.compile(r"<[^>]*>")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _renumber_ids(svg: str) -> str:
    """matplotlib's hashed ids replaced by their order of first appearance (``id0``, ``id1``, ...)."""
    order: dict[str, str] = {}
    for m in re.finditer(r'id="([pmh][0-9a-f]{10})"', svg):
        order.setdefault(m.group(1), f"hashed-id-{len(order)}")
    return _HASHED_ID.sub(lambda m: order.get(m.group(1), m.group(1)), svg)


def _pieces(svg: str):
    """(is_tag, text) pieces: the tags, where numbers get a tolerance, and the text between them, compared exactly."""
    pos = 0
    for m in _TAG.finditer(svg):
        if m.start() > pos:
            yield False, svg[pos : m.start()]
        yield True, m.group(0)
        pos = m.end()
    if pos < len(svg):
        yield False, svg[pos:]


def svg_difference(fresh: str, stored: str, tol: float = TOLERANCE) -> str | None:
    """``None`` when the two SVGs draw the same figure up to machine noise, else where they first differ."""
    a, b = list(_pieces(_renumber_ids(fresh))), list(_pieces(_renumber_ids(stored)))
    if len(a) != len(b):
        return f"the figure has {len(a)} tags and texts, the stored one {len(b)}"
    for n, ((tag_a, sa), (tag_b, sb)) in enumerate(zip(a, b, strict=True)):
        if sa == sb:
            continue
        where = f"piece {n} ({sb.strip()[:60]!r})"
        if not (tag_a and tag_b):
            return f"a text differs at {where}: {sa.strip()[:60]!r}"
        if _NUMBER.split(sa) != _NUMBER.split(sb):
            return f"an attribute differs at {where}: {sa[:80]!r}"
        xs, ys = _NUMBER.findall(sa), _NUMBER.findall(sb)
        for x, y in zip(xs, ys, strict=True):
            if abs(float(x) - float(y)) > tol:
                return f"a number differs by more than {tol} at {where}: {x} instead of {y}"
    return None


def match_figures(fresh_outputs, stored_outputs) -> None:
    """Make equivalent SVGs equal and different ones a readable difference, in place (before nbval compares)."""
    fresh = [o for o in fresh_outputs if SVG in o.get("data", {})]
    stored = [o for o in stored_outputs if SVG in o.get("data", {})]
    for f, s in zip(fresh, stored, strict=False):
        diff = svg_difference(_text(f["data"][SVG]), _text(s["data"][SVG]))
        if diff is None:
            f["data"][SVG] = s["data"][SVG]
        else:
            f["data"][SVG] = f"<svg> a figure unlike the stored one: {diff}"
            s["data"][SVG] = "<svg> the stored figure"


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value)


def pytest_configure(config):
    """Wrap nbval's output comparison (nbval's own sanitizing still applies to every other output)."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to do
        return
    if getattr(IPyNbCell, "_nearinit_figures", False):
        return
    compare = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        match_figures(test, ref)
        return compare(self, test, ref, skip_compare)

    IPyNbCell.compare_outputs = compare_outputs
    IPyNbCell._nearinit_figures = True
