"""One reveal.js deck per chapter, from the chapter notebook (`make slides`): offline, with the book's macros.

``nbconvert``'s ``SlidesExporter`` makes the decks, with

- `MystSlidesPreprocessor`: every cell is cut into the parts of ``rules.py`` and each part becomes a cell of its
  recorded slide type (``slideshow.parts``, written by ``mark.py``); markdown parts are rendered by ``myst.py``
  (directives, roles, numbered equations: no raw ``{prf:...}`` text), figures get their numbered caption;
- the template ``templates/nearinit`` (reveal.js's, with MathJax 2 configured with the macros of ``_config.yml``,
  an undefined macro being an error, and without nbconvert's CDN scripts);
- reveal.js, require.js, jQuery and MathJax 2 from npm (``tools/nearinit_book/slides/package.json``, installed into
  ``tools/nearinit_book/slides/node_modules`` by ``make slides``), copied next to the decks: a deck needs no network;
- the files that a chapter's own HTML loads from the website's root (``<script src="../interactive/...">``, the
  interactive figure of chapter 6, from ``book/_extra``) copied next to the decks too, and the HTML pointed at
  them: the interactive figure works in the deck, offline.

The numbers (Lemma 5.1, Fig. 3.2, (3.1)) are read from a Sphinx environment of the book made with Sphinx's
``dummy`` builder, the same numbering code as the website's.

Usage::

    python -m nearinit_book.slides.build --env ENVIRONMENT_PICKLE --out _build/slides [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import copy
import html
import pathlib
import re
import shutil
import sys

import nbformat
import yaml
from nbconvert.exporters import SlidesExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Any, Unicode

from nearinit_book.slides.myst import MystError, Numbers, Renderer
from nearinit_book.slides.rules import cell_parts, metadata_for, notebook_types
from nearinit_book.toc import ROOT

HERE = pathlib.Path(__file__).resolve().parent

NODE = HERE / "node_modules"
EXTRA = ROOT / "book" / "_extra"  # served at the website's root (html_extra_path); a chapter page links it as ../
# A file that a chapter's HTML loads from the website's root ("../interactive/worst-case.js").
ASSET = re.compile(r"""(<(?:script|img|link)\b[^>]*?\b(?:src|href)=)(["'])\.\./([^"']+)\2""")
DENSE = 450  # characters of MyST source above which a part is set in smaller type
VENDOR = {  # what a deck loads: node_modules path -> path under <out>/vendor
    "reveal.js/dist": "reveal.js/dist",
    "reveal.js/plugin/notes": "reveal.js/plugin/notes",
    "requirejs/require.js": "require.js",
    "jquery/dist/jquery.min.js": "jquery.min.js",
    "mathjax/MathJax.js": "mathjax/MathJax.js",
    "mathjax/config/TeX-AMS_CHTML.js": "mathjax/config/TeX-AMS_CHTML.js",
    "mathjax/extensions": "mathjax/extensions",
    "mathjax/jax/input/TeX": "mathjax/jax/input/TeX",
    "mathjax/jax/output/CommonHTML": "mathjax/jax/output/CommonHTML",
    "mathjax/jax/element": "mathjax/jax/element",
    "mathjax/localization/en": "mathjax/localization/en",
    "mathjax/fonts/HTML-CSS/TeX/woff": "mathjax/fonts/HTML-CSS/TeX/woff",
}


class StaleSlideMetadata(ValueError):
    """A cell's recorded slide metadata does not match its parts (run tools/nearinit_book/slides/mark.py)."""


def mathjax2_math(tex) -> str:
    """A LaTeX output (sympy's ``display(Math(...))``: ``$\\displaystyle ...$``) in the delimiters the decks' MathJax 2
    reads: ``\\[...\\]`` for display math, ``\\(...\\)`` for inline math (``$`` is not a delimiter on the slides, so
    that a dollar in code or prose stays text)."""
    text = "".join(tex).strip()
    if text.startswith("$$") and text.endswith("$$") and len(text) > 4:
        return f"\\[{text[2:-2]}\\]"
    if text.startswith("$") and text.endswith("$") and len(text) > 2:
        inner = text[1:-1]
        return f"\\[{inner}\\]" if inner.lstrip().startswith("\\displaystyle") else f"\\({inner}\\)"
    return text  # \begin{...} environments, or already \(...\) / \[...\]: MathJax 2 reads them as they are


class MystSlidesPreprocessor(Preprocessor):
    """Cut cells into their slide parts, render the MyST parts, attach figure captions (see the module docstring)."""

    renderer = Any(allow_none=True)
    path = Unicode("")
    #: The files of ``book/_extra`` the deck's HTML loads (paths under ``book/_extra``), to copy next to the deck.
    assets = Any(allow_none=True)

    def _ship_assets(self, body: str) -> str:
        """Point the HTML's ``../x`` (the website's root) at ``x`` next to the deck, and record ``x`` to copy."""

        def local(match: re.Match) -> str:
            name = match[3]
            inside = (EXTRA / name).resolve().is_relative_to(EXTRA.resolve())
            if not inside or not (EXTRA / name).is_file():
                raise MystError(f"{self.path}: the HTML loads ../{name}, which is not in book/_extra")
            self.assets.add(name)
            return f"{match[1]}{match[2]}{name}{match[2]}"

        return ASSET.sub(local, body)

    def preprocess(self, nb, resources):
        recorded = [c.get("metadata", {}).get("slideshow", {}) for c in nb.cells]
        expected = notebook_types(nb)
        for i, (rec, types) in enumerate(zip(recorded, expected, strict=True)):
            if not rec.get("manual") and rec != metadata_for(types):
                raise StaleSlideMetadata(
                    f"{self.path}: cell {i}: slide metadata {rec or 'missing'} is not current; run "
                    f"python -m nearinit_book.slides.mark {self.path}"
                )
        cells = []
        for cell, rec in zip(nb.cells, recorded, strict=True):
            parts, types = cell_parts(cell), list(rec["parts"])
            if len(parts) != len(types):
                raise StaleSlideMetadata(f"{self.path}: a cell has {len(parts)} parts, its metadata {len(types)}")
            made = []
            for part, kind in zip(parts, types, strict=True):
                if kind != "skip":
                    made.extend(self._cells(cell, part, kind))
            for k, new in enumerate(made):  # deterministic, unique cell ids
                new["id"] = f"{cell.get('id', 'cell')}-{k}"
            cells.extend(made)
        nb.cells = cells
        return nb, resources

    def _html_cell(self, text: str, kind: str):
        return nbformat.v4.new_raw_cell(text, metadata={"raw_mimetype": "text/html", "slideshow": {"slide_type": kind}})

    def _cells(self, cell, part, kind):
        if part.kind == "input":
            new = copy.deepcopy(cell)
            new.outputs = []
            new.metadata = {"slideshow": {"slide_type": kind}}
            return [new]
        if part.kind == "output":
            new = copy.deepcopy(cell)
            new.metadata = {"slideshow": {"slide_type": kind}, "transient": {"remove_source": True}}
            for output in new.get("outputs", []):
                if "text/latex" in output.get("data", {}):
                    output["data"]["text/latex"] = mathjax2_math(output["data"]["text/latex"])
            out = [new]
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            if figure.get("caption"):
                number = self.renderer.numbers.figure(figure["name"]) if figure.get("name") else "Fig."
                caption = self.renderer.inline(figure["caption"])
                out.append(self._html_cell(f'<p class="caption"><strong>{number}:</strong> {caption}</p>', "-"))
            return out
        if part.kind == "heading" and part.level == 1:
            chapter = self.renderer.numbers.chapter(self.renderer.docname)
            title = self.renderer.inline(part.source.lstrip("#").strip())
            over = f'<p class="chapter-number">Chapter {chapter}</p>' if chapter else ""
            return [self._html_cell(f'<div class="title-slide">{over}<h1>{title}</h1></div>', kind)]
        body = self._ship_assets(self.renderer.render(part.source))
        if len(part.source) > DENSE:  # a long statement or list: smaller type, so that it fits on its slide
            body = f'<div class="dense">{body}</div>'
        return [self._html_cell(body, kind)]


def macros(config: pathlib.Path = ROOT / "_config.yml") -> dict:
    """The book's MathJax macros (``sphinx.config.mathjax3_config.tex.macros``); MathJax 2 takes the same table."""
    data = yaml.safe_load(config.read_text())
    return data["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


def copy_vendor(out: pathlib.Path) -> None:
    missing = [src for src in VENDOR if not (NODE / src).exists()]
    if missing:
        raise SystemExit(
            f"not installed: {missing}; run `npm ci --prefix tools/nearinit_book/slides` (make slides does)"
        )
    for src, dest in VENDOR.items():
        target = out / "vendor" / dest
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if (NODE / src).is_dir():
            shutil.copytree(NODE / src, target, ignore=shutil.ignore_patterns("*.map", "*.esm.js"))
        else:
            shutil.copy2(NODE / src, target)
    # reveal.js's themes @import web fonts from Google; the decks use the themes' local fonts (or the system's).
    for css in (out / "vendor" / "reveal.js" / "dist" / "theme").glob("*.css"):
        text = css.read_text()
        offline = re.sub(r"@import url\((?:https?:)?//[^)]*\);?", "", text)
        if offline != text:
            css.write_text(offline)


def build_deck(path: pathlib.Path, numbers: Numbers, out: pathlib.Path) -> pathlib.Path:
    docname = str(path.relative_to(ROOT).with_suffix(""))
    nb = nbformat.read(str(path), as_version=4)
    pre = MystSlidesPreprocessor(renderer=Renderer(numbers, docname), path=str(path.relative_to(ROOT)), assets=set())
    exporter = SlidesExporter(
        extra_template_basedirs=[str(HERE / "templates")],
        template_name="nearinit",
        reveal_url_prefix="vendor/reveal.js",
        require_js_url="vendor/require.js",
        jquery_url="vendor/jquery.min.js",
        mathjax_url="vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML",
        reveal_number="c/t",
        reveal_theme="white",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources = {"metadata": {"name": path.stem}, "nearinit": {"macros": macros()}}
    # Before the exporter's own preprocessors: reveal's, which turns the slide types into <section>s, needs the parts.
    nb, resources = pre.preprocess(nb, resources)
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    target = out / f"{path.stem}.html"
    target.write_text(body)
    for name in sorted(pre.assets):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(EXTRA / name, out / name)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", type=pathlib.Path, required=True, help="environment.pickle of a Sphinx build")
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args(argv)
    from nearinit_book.pdf.handouts import chapters

    paths = [p.resolve() for p in args.notebooks] or chapters()
    numbers = Numbers(args.env)
    args.out.mkdir(parents=True, exist_ok=True)
    copy_vendor(args.out)
    failed = 0
    for path in paths:
        try:
            target = build_deck(path, numbers, args.out)
        except (MystError, StaleSlideMetadata) as exc:
            print(f"error: {path.name}: {html.unescape(str(exc))}", file=sys.stderr)
            failed += 1
            continue
        print(f"==> deck {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
