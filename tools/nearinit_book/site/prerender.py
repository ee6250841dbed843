r"""The book's math, typeset at build time: pages carry MathJax's CommonHTML output, not TeX for the browser.

Typesetting in the reader's browser cost every page load 0.75 MB of MathJax scripts and seconds of work (thousands
of formulas per chapter; the page stayed hidden until it was done, to avoid layout shift). After the HTML build,
every formula of every page (``span.math`` and ``div.math`` of Sphinx, the LaTeX outputs of myst-nb) goes through
the same MathJax 3 (the copy of the ``sphinx-mathjax-offline`` package), the same ``mathjax3_config`` and the same
CommonHTML output with assistive MathML for screen readers, run once by Node.js (``prerender_math.js``). Each
formula becomes its ``<mjx-container>``, one stylesheet (``_static/mathjax/chtml.css``) holds the rules of every
character the book uses, and the pages load no MathJax script at all; only the web fonts of the characters a page
shows are downloaded.

A formula that MathJax cannot typeset (an undefined macro, a TeX error) is a build warning, so an error with
``-W``: it would otherwise be red text on the page. Node.js is required (``make book`` says so if it is missing).
"""

from __future__ import annotations

import html
import json
import pathlib
import re
import shutil
import subprocess

from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = pathlib.Path(__file__).parent
SCRIPT = HERE / "prerender_math.js"
FONTS = "output/chtml/fonts/woff-v2"
STYLESHEET = "_static/mathjax/chtml.css"

# A math element of Sphinx or myst-nb: <span class="math notranslate nohighlight" ...>\(...\)</span>,
# <div class="math notranslate nohighlight" id=...><span class="eqno">(4.1)...</span>\[...\]</div>, and the
# <div class="output text_latex math notranslate nohighlight"> of a cell's LaTeX output.
MATH = re.compile(r'<(span|div) class="((?:[^"]*\s)?math\s[^"]*)"([^>]*)>(.*?)</\1>', re.S)
EQNO = re.compile(r'<span class="eqno">.*?</span>', re.S)
_MATHJAX_SCRIPTS = re.compile(
    r'\s*<script>window\.MathJax = .*?</script>|\s*<script[^>]*src="[^"]*_static/mathjax/[^"]*"[^>]*></script>', re.S
)


def mathjax_source() -> pathlib.Path:
    """The MathJax 3 component directory of the ``sphinx-mathjax-offline`` package (it has ``node-main.js``)."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline") or importlib.util.find_spec("sphinx_mathjax_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("sphinx-mathjax-offline (the offline copy of MathJax 3) is not installed")
    return pathlib.Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"


def is_math(classes: str) -> bool:
    names = classes.split()
    return "math" in names and "nohighlight" in names


def split_tex(inner: str) -> tuple[str, bool] | None:
    """The TeX source of a math element's content and whether it is display math; None if it holds no formula."""
    tex = html.unescape(re.sub(r"<[^>]+>", "", EQNO.sub("", inner))).strip()
    if tex.startswith("\\(") and tex.endswith("\\)"):
        return tex[2:-2].strip(), False
    if tex.startswith("\\[") and tex.endswith("\\]"):
        return tex[2:-2].strip(), True
    if tex.startswith("\\begin{"):
        return tex, True
    return None


def typeset(items: list[tuple[str, bool]], config: dict, *, node: str = "node") -> dict:
    """Typeset ``items`` (TeX, display) with MathJax in Node.js: their ``<mjx-container>`` HTML, the stylesheet of
    the characters they use, and MathJax's errors as ``(index, message)``."""
    if shutil.which(node) is None:
        raise RuntimeError(
            "Node.js is needed to typeset the book's math at build time (Debian: apt-get install nodejs)"
        )
    # fontURL is relative to the stylesheet, _static/mathjax/chtml.css.
    job = {"mathjax": str(mathjax_source()), "config": config, "fontURL": FONTS, "items": items}
    run = subprocess.run(
        [node, str(SCRIPT)], input=json.dumps(job), capture_output=True, text=True, timeout=600, check=False
    )
    if run.returncode != 0:
        raise RuntimeError(f"MathJax (Node.js) failed: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout)


_FACE = re.compile(r'@font-face /\* \d+ \*/ \{\s*font-family: ([\w-]+);\s*src: url\("([^"]+)"\)')
_FAMILIES = re.compile(r"\n\.(MJX-TEX|TEX-[A-Z0-9]+) \{\s*font-family: ([^;]+);")
_VARIANT = re.compile(r'<mjx-c class="mjx-c[0-9A-F]+ (TEX-[A-Z0-9]+)"')
_DETAILS = re.compile(r"<details\b.*?</details>", re.S)


def font_preloads(css: str, page: str, prefix: str) -> str:
    """``<link rel="preload">`` of the web fonts the page's visible formulas use (not those only inside a closed
    ``<details>``), so that they arrive with the stylesheet: each font that arrives later restyles every formula."""
    faces = dict(_FACE.findall(css))
    families = {name: [f.strip() for f in value.split(",")] for name, value in _FAMILIES.findall(css)}
    shown = _DETAILS.sub("", page)
    if "<mjx-c" not in shown:
        return ""
    used = set(families.get("MJX-TEX", []))
    for variant in set(_VARIANT.findall(shown)):
        used.update(families.get(variant, []))
    base = prefix + STYLESHEET.rsplit("/", 1)[0] + "/"
    return "".join(
        f'<link rel="preload" href="{base}{faces[f]}" as="font" type="font/woff" crossorigin="anonymous" />'
        for f in sorted(used)
        if f in faces
    )


def _items(text: str) -> list[tuple[str, bool]]:
    """The formulas of a page still holding TeX, in order."""
    found = []
    for m in MATH.finditer(text):
        if is_math(m.group(2)) and (item := split_tex(m.group(4))) is not None:
            found.append(item)
    return found


def prerender(app, exc):
    """Replace the TeX of every page by MathJax's output, drop the MathJax scripts, link the one stylesheet.

    An incremental build rewrites only some pages; the others were typeset by an earlier build. The formulas of
    every page are recorded in the doctree directory (``nearinit-math.json``), so the stylesheet is made for the
    characters of all pages, not only of those written this time."""
    if exc is not None or app.builder.format != "html":
        return
    out = pathlib.Path(app.outdir)
    record_path = pathlib.Path(app.doctreedir) / "nearinit-math.json"
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.exists() else {}
    texts = {page: page.read_text(encoding="utf-8") for page in sorted(out.rglob("*.html"))}
    per_page: dict[str, list[tuple[str, bool]]] = {}
    for page, text in texts.items():
        name = page.relative_to(out).as_posix()
        if found := _items(text):
            per_page[name] = found
        elif "<mjx-container" in text:
            if name not in record:
                logger.warning(f"{name} was typeset by an earlier build that left no record: rebuild from scratch")
            per_page[name] = [(tex, display) for tex, display in record.get(name, [])]
    items = list(dict.fromkeys(item for found in per_page.values() for item in found))
    where = {item: name for name, found in reversed(per_page.items()) for item in found}
    result = typeset(items, app.config.mathjax3_config or {})
    for index, message in result["errors"]:
        logger.warning(f"MathJax cannot typeset {items[index][0]!r} ({where[items[index]]}): {message}")
    rendered = dict(zip(items, result["html"], strict=True))

    def replace(m: re.Match) -> str:
        if not is_math(m.group(2)) or (item := split_tex(m.group(4))) is None:
            return m.group(0)
        eqno = "".join(EQNO.findall(m.group(4)))
        return f'<{m.group(1)} class="{m.group(2)}"{m.group(3)}>{eqno}{rendered[item]}</{m.group(1)}>'

    for page, text in texts.items():
        new = MATH.sub(replace, text)
        new = _MATHJAX_SCRIPTS.sub("", new)
        if "<mjx-container" in new and STYLESHEET not in new:
            prefix = "../" * (len(page.relative_to(out).parts) - 1)
            link = f'<link rel="stylesheet" type="text/css" href="{prefix}{STYLESHEET}" />'
            link = font_preloads(result["css"], new, prefix) + link
            new = new.replace("</head>", f"    {link}\n  </head>", 1)
        if new != text:
            page.write_text(new, encoding="utf-8")
    record_path.write_text(json.dumps(per_page, ensure_ascii=False), encoding="utf-8")
    target = out / STYLESHEET
    if target.parent.exists():
        shutil.rmtree(target.parent)
    shutil.copytree(mathjax_source() / FONTS, target.parent / FONTS)
    target.write_text(result["css"], encoding="utf-8")


def setup(app):
    # After the plain-text readings (text.py), which read the TeX that this replaces by MathJax's output.
    app.connect("build-finished", prerender, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
