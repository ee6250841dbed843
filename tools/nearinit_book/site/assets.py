"""Only the assets a page uses, lighter: what the reader downloads (``bench/site.py`` measures it).

- The theme's stylesheets keep only the rules that can match on this site (:mod:`.css`): the theme bundles all of
  Bootstrap, about 300 KB of it unused.
- A subset of the Font Awesome web fonts with the glyphs the pages show, in place of the theme's 1.5 MB
  ``fontawesome.js``, whose ``<script>`` tag is removed from the pages (a page that still names it is a warning).
- Per page, what it does not use is not loaded: Sphinx's search tools and index outside the search page,
  sphinx-design's and sphinx-thebe's files on pages without their components.
- Figures (SVG) lose their indentation and keep two decimals of their coordinates (a hundredth of a point).
- Every extension's assets are registered on every page (the navigation has math on every page); this prunes them.
"""

from __future__ import annotations

import pathlib
import re
import shutil

from sphinx.util import logging

from .css import purge, used_classes

logger = logging.getLogger(__name__)


def _subset_icon_fonts(app, exc):
    """Replace the Font Awesome web fonts by subsets with the glyphs the site shows; drop fontawesome.js."""
    if exc is not None or app.builder.format != "html":
        return
    import logging

    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.WARNING)

    out = pathlib.Path(app.outdir)
    static = out / "_static"
    css = "".join(p.read_text(encoding="utf-8") for p in (static / "styles").glob("*.css"))
    css += (static / "nearinit.css").read_text(encoding="utf-8") if (static / "nearinit.css").exists() else ""
    used = set()
    for page in [*out.rglob("*.html"), *static.rglob("*.js")]:  # pages, and icons the theme's scripts insert
        used.update(re.findall(r"\bfa-([a-z0-9-]+)", page.read_text(encoding="utf-8", errors="replace")))
    codepoints = set()
    for name in used:
        for m in re.finditer(r"\.fa-" + re.escape(name) + r':(?:before|after)\{content:"\\([0-9a-f]+)"', css):
            codepoints.add(int(m.group(1), 16))
    # glyphs the theme's CSS shows itself (admonition icons, prev/next arrows, external links, ...)
    for m in re.finditer(r'--pst-icon-[a-z-]+:"\\([0-9a-f]+)"', css):
        codepoints.add(int(m.group(1), 16))
    import pydata_sphinx_theme

    # The theme's own copy (the site's copy is removed below, and an incremental build does not bring it back).
    fonts = pathlib.Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
    fonts = fonts / "vendor" / "fontawesome" / "webfonts"
    target = static / "nearinit-icons"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    faces = []
    # The regular (400) style is not used by the theme's icons here: its glyphs would never be loaded.
    for stem in ["fa-solid-900", "fa-brands-400"]:
        ttf = fonts / f"{stem}.ttf"
        if not ttf.exists():
            continue
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = []
        font = subset.load_font(str(ttf), options)
        cmap = font.getBestCmap() or {}
        wanted = sorted(c for c in codepoints if c in cmap)
        if not wanted:
            continue
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        subset.save_font(font, str(target / f"{stem}.woff"), options)
        faces.append(stem)
    # The theme's stylesheet: its @font-face rules point to the subsets, and it keeps the icon rules pages use.
    sheet = static / "styles" / "pydata-sphinx-theme.css"
    text = sheet.read_text(encoding="utf-8")
    for stem in faces:
        text = re.sub(
            r"src:url\(\.\./vendor/fontawesome/webfonts/" + stem + r"\.woff2\)[^;}]*",
            f'src:url(../nearinit-icons/{stem}.woff) format("woff")',
            text,
        )

    def keep_if_used(m):
        names = re.findall(r"\.fa-([a-z0-9-]+)", m.group(0).split("{")[0])
        return m.group(0) if any(name in used for name in names) else ""

    text = re.sub(r'(?:\.fa-[a-z0-9-]+(?::before)?,)*\.fa-[a-z0-9-]+:before\{content:"[^"]*"\}', keep_if_used, text)
    text = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", text)
    sheet.write_text(text, encoding="utf-8")
    for stale in static.rglob("*.map"):
        stale.unlink()
    shutil.rmtree(static / "vendor" / "fontawesome" / "webfonts", ignore_errors=True)
    for name in ["fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"]:
        (static / "scripts" / name).unlink(missing_ok=True)


_SEARCH_TOOLS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>'
)


_DESIGN = re.compile(r"\s*<(?:link[^>]*sphinx-design\.min\.css[^>]*|script[^>]*design-tabs\.js[^>]*></script)>")


# The theme's fontawesome.js (its template's "so that users can add custom icons"): the icons are glyphs of the
# subset web fonts instead.
_FONTAWESOME_JS = re.compile(
    r'\s*(?:<!-- So that users can add custom icons -->\s*)?<script[^>]*src="[^"]*_static/scripts/fontawesome\.js[^"]*"'
    r"[^>]*></script>"
)
_THEBE = re.compile(r"\s*<(?:link[^>]*sphinx-thebe\.css[^>]*|script[^>]*sphinx-thebe\.js[^>]*></script)>")


def _drop_unused_assets(app, exc):
    """Per page, drop what it does not use: Sphinx's search tools and the whole search index outside the search page
    (the theme's search button opens a form that goes to search.html; "search as you type" is off), sphinx-design's
    files on pages without its components, sphinx-thebe's on pages without a live-code button. Figures (SVG) lose
    their indentation and keep two decimals of their coordinates (a hundredth of a point)."""
    if exc is not None or app.builder.format != "html":
        return
    out = pathlib.Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = text
        if page.name != "search.html" and not app.config.html_theme_options.get("search_as_you_type"):
            new = _SEARCH_TOOLS.sub("", new)
        if 'class="sd-' not in new and "class='sd-" not in new:
            new = _DESIGN.sub("", new)
        if "thebe-launch-button" not in new and "thebelab" not in new.split("</head>", 1)[-1]:
            new = _THEBE.sub("", new)
        new = _FONTAWESOME_JS.sub("", new)
        if "scripts/fontawesome.js" in new:
            logger.warning(f"{page.name} still loads fontawesome.js, which is not shipped: the theme's tag changed")
        if new != text:
            page.write_text(new, encoding="utf-8")
    number = re.compile(r"-?\d+\.\d{3,}")
    for svg in (out / "_images").glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        text = re.sub(r">\s+<", "><", text)
        # numbers in attributes only (path data, positions, transforms), never in the text of labels
        text = re.sub(r'(="[^"]*")', lambda m: number.sub(lambda n: f"{float(n.group(0)):.2f}", m.group(1)), text)
        svg.write_text(text, encoding="utf-8")


PURGED_STYLESHEETS = ["styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css", "mystnb.*.css", "basic.css"]


def _purge_stylesheets(app, exc):
    """The theme's stylesheets keep only the rules that can match on this site (:mod:`nearinit_css`): the theme bundles
    all of Bootstrap, about 300 KB of it unused."""
    if exc is not None or app.builder.format != "html":
        return
    out = pathlib.Path(app.outdir)
    static = out / "_static"
    html_texts = [p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*.html")]
    scripts = [
        p.read_text(encoding="utf-8", errors="replace") for p in static.rglob("*.js") if "mathjax" not in p.parts
    ]
    scripts += [p.read_text(encoding="utf-8", errors="replace") for p in out.glob("nearinit/*.js")]
    scripts += [p.read_text(encoding="utf-8", errors="replace") for p in out.glob("interactive/*.js")]
    used = used_classes(html_texts, scripts)
    for pattern in PURGED_STYLESHEETS:
        for sheet in static.glob(pattern):
            sheet.write_text(purge(sheet.read_text(encoding="utf-8"), used), encoding="utf-8")


def setup(app):
    app.connect("build-finished", _subset_icon_fonts, priority=900)
    app.connect("build-finished", _drop_unused_assets, priority=950)
    app.connect("build-finished", _purge_stylesheets, priority=960)
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
