"""The math typeset at build time (tools/nearinit_book/site/prerender.py): the macros, the extraction, the built site.

The browser tests check the pages as a reader sees them (every formula typeset, no MathJax script); these check
what the browser cannot see: that each macro of ``_config.yml`` typesets, that an error would be caught, and that
the one stylesheet has a rule for every character the pages use (an incremental build once left it without).
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from nearinit_book.site import prerender as nearinit_math
from nearinit_book.toc import ROOT, toc_pages

HTML = ROOT / "_build" / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]["mathjax3_config"]
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def _probe(name: str, definition) -> str:
    n_args = definition[1] if isinstance(definition, list) else 0
    return "\\" + name + "".join(f"{{x_{k}}}" for k in range(1, n_args + 1))


@needs_node
def test_every_macro_of_the_config_typesets_and_an_undefined_one_fails():
    macros = CONFIG["tex"]["macros"]
    items = [(_probe(name, d), False) for name, d in macros.items()]
    items += [(r"\nearinitNoSuchMacro x", False), (r"\frac{1}{", True)]
    result = nearinit_math.typeset(items, CONFIG)
    failed = {items[i][0]: message for i, message in result["errors"]}
    assert set(failed) == {r"\nearinitNoSuchMacro x", r"\frac{1}{"}, failed
    assert "nearinitNoSuchMacro" in failed[r"\nearinitNoSuchMacro x"]
    assert len(result["html"]) == len(items)
    assert all(h.startswith("<mjx-container") for h in result["html"])
    # Display math is typeset as display, inline as inline; assistive MathML for screen readers.
    assert 'display="true"' in result["html"][-1] and 'display="true"' not in result["html"][0]
    assert all("<mjx-assistive-mml" in h for h in result["html"][:-2])


@needs_node
def test_autoloaded_packages_and_the_stylesheet():
    """A package the config does not load (\\boldsymbol: autoload) still typesets; the stylesheet has the rules of
    the characters used and the web fonts they need."""
    result = nearinit_math.typeset([(r"\boldsymbol{x} + \mathbb{R}", False)], CONFIG)
    assert not result["errors"], result["errors"]
    assert "mjx-c1D499" in result["html"][0]  # bold italic x
    assert "mjx-c1D499" in result["css"] and "MJXTEX-BI" in result["css"]
    assert f"url({nearinit_math.FONTS}/MathJax_Math-BoldItalic.woff)" in result["css"].replace('"', "")


def test_math_elements_are_found_and_others_left_alone():
    page = (
        '<p><span class="math notranslate nohighlight" data-text="x">\\(x &lt; 1\\)</span> '
        '<span class="caption-text">Plain <span class="math notranslate nohighlight">\\(m\\)</span></span></p>'
        '<div class="math notranslate nohighlight" id="equation-a">\n<span class="eqno">(1.1)<a class="headerlink" '
        'href="#equation-a">#</a></span>\\[\nf = g\n\\]</div>'
        '<div class="output text_latex math notranslate nohighlight">\n\\[\\displaystyle 6^{1/3}\\]</div>'
        '<span class="mathematics">\\(no\\)</span><code class="math">\\(no\\)</code>'
    )
    assert nearinit_math._items(page) == [
        ("x < 1", False),
        ("m", False),
        ("f = g", True),
        (r"\displaystyle 6^{1/3}", True),
    ]


def _built_pages():
    pages = [HTML / f"{name}.html" for name in toc_pages()]
    if not all(p.exists() for p in pages):
        pytest.skip("no built site: run `make book`")
    return pages


def test_built_pages_hold_no_tex_and_load_no_mathjax():
    for page in _built_pages():
        text = page.read_text(encoding="utf-8")
        assert not nearinit_math._items(text), f"{page.name}: math left as TeX"
        assert not re.findall(r'<link [^>]*title="[^"]*\\[(\[]', text), f"{page.name}: TeX in a link's title"
        assert "window.MathJax" not in text and not re.search(r'<script[^>]*src="[^"]*mathjax', text), page.name
        if "<mjx-container" in text:
            assert nearinit_math.STYLESHEET in text, f"{page.name}: typeset math without MathJax's stylesheet"


def test_stylesheet_has_a_rule_for_every_character_the_pages_use():
    css = (HTML / nearinit_math.STYLESHEET).read_text(encoding="utf-8")
    used = set()
    for page in _built_pages():
        used |= set(re.findall(r'<mjx-c class="(mjx-c[0-9A-F]+)( TEX-[A-Z0-9]+)?"', page.read_text(encoding="utf-8")))
    assert len(used) > 100, "the pages use suspiciously few characters"
    missing = sorted(
        c + v for c, v in used if not re.search(rf"mjx-c\.{c}{re.escape(v.replace(' ', '.'))}::before", css)
    )
    assert not missing, f"characters without a rule in {nearinit_math.STYLESHEET}: {missing[:10]}"
    fonts = set(re.findall(r"url\(\"?([^\")]+\.woff)", css))
    assert fonts and all((HTML / "_static" / "mathjax" / f).is_file() for f in fonts), fonts


def test_pages_preload_the_fonts_their_formulas_use():
    """Each font a page's shown formulas need is preloaded (it arrives with the stylesheet: a font arriving later
    restyles every formula), and every preload names a shipped font."""
    css = (HTML / nearinit_math.STYLESHEET).read_text(encoding="utf-8")
    for page in _built_pages():
        text = page.read_text(encoding="utf-8")
        preloads = re.findall(r'<link rel="preload" href="([^"]+\.woff)" as="font"', text)
        assert all((page.parent / href).resolve().is_file() for href in preloads), page.name
        if "<mjx-c" in text:
            assert any(href.endswith("/MathJax_Main-Regular.woff") for href in preloads), page.name
    page = '<mjx-c class="mjx-c1D465 TEX-I"></mjx-c><details><mjx-c class="mjx-c41 TEX-C"></mjx-c></details>'
    links = nearinit_math.font_preloads(css, page, "../")
    assert "MathJax_Math-Italic.woff" in links and "MathJax_Main-Regular.woff" in links
    assert "Calligraphic" not in links, "a font used only inside a closed <details> is not preloaded"
