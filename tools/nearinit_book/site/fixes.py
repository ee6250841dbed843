r"""Website fixes for the nearinit book, loaded by ``_config.yml`` (``sphinx.local_extensions``).

Sphinx 7.4 adds an inline script registered with ``app.add_js_file(None, body=...)`` after the builder started
(as sphinx-thebe and sphinx-togglebutton do) twice to every page: once under the name ``None`` and once under
``''``. The second copy of sphinx-thebe's ``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has
already been declared" in the reader's console. This extension drops such duplicates before each page is written.

docutils writes the bibliography as ``<div role="list">`` of ``role="doc-biblioentry"`` items, a role ARIA 1.2 no
longer allows in a list: axe-core reports "aria-required-children" (critical) on the references page. The items
become ``role="listitem"``, so a screen reader still announces a list of references.

myst-nb's "Show code cell source" toggles (``<summary aria-label="Toggle hidden content">``) have a label that
does not contain their visible text (axe-core "label-content-name-mismatch", serious); the label is dropped so the
visible text names the control.

Chapter titles with math (``... $m \to \infty$``) appear in the navigation of every page, so every page has math:
it is all typeset at build time (:mod:`nearinit_math`; the pages load no MathJax script).

A ``{ref}`` to a heading with math (``## The Gaussian and $x \neq 0$``) shows the heading as plain text, raw TeX
included ("The Gaussian and x \neq 0"): Sphinx stores section names as text. Such references get the heading's
nodes back, math included, so their math is typeset. (A reference with its own text is left alone.)

Reading, numbering and weight (each checked by the browser tests):

- references to a numbered chapter read "Chapter 3", not the chapter's full title mid-sentence;
- page titles (``<title>``), the search index and the search summaries read math as text (``10¹²``, not
  ``\(10^{12}\)``; :mod:`nearinit_text`);
- ``{nearinit-results}`` writes the index of results (numbers, titles and links, chapter by chapter, each with its
  checks and the false variants they reject: the claim ledger of ``nearinit_book.claims.ledger``;
  ``book/results.md``) in place of sphinx-proof's "Proof Index" of internal labels;
- a proof's references to the errata become marks (e1, e2) and are listed after the proof, not inside it;
- the theme's stylesheets keep only the rules that can match on this site (:mod:`nearinit_css`);
- the theme's script leaves the tab stops of the lazy sections (``content-visibility: auto``, laid out only near
  the screen) to ``nearinit-math.js``, which sets them when a section is first rendered;
- only the assets pages use are shipped: MathJax's stylesheet and web fonts (no MathJax script), and a subset of
  the Font Awesome web fonts with the glyphs the pages show, in place of the theme's 1.5 MB ``fontawesome.js``
  (dropped in ``book/_templates/static/webpack-macros.html``).

The browser tests (``tests/test_browser.py``) fail on any console error, any untypeset math and any serious or
critical axe-core violation, so they show if one of these fixes stops working.
"""

from __future__ import annotations

import html
import json
import pathlib
import re
import shutil

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging as sphinx_logging
from sphinx.util.nodes import clean_astext

from ..claims.ledger import ledger_nodes
from .css import purge, used_classes
from .prerender import prerender
from .text import html_math_to_text, tex_to_text, title_to_text


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen = set()
    unique = []
    for js in scripts:
        filename = getattr(js, "filename", js) or ""
        attributes = getattr(js, "attributes", {}) or {}
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def _fix_body_accessibility(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not isinstance(body, str):
        return
    body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    context["body"] = body


def _record_math_titles(app, doctree):
    """Remember, per document, the headings that contain math: plain text -> the title's nodes."""
    store = app.env.__dict__.setdefault("nearinit_math_titles", {})
    titles = {}
    for title in doctree.findall(nodes.title):
        if next(iter(title.findall(nodes.math)), None) is not None:
            titles[clean_astext(title)] = [child.deepcopy() for child in title.children]
    store[app.env.docname] = titles


def _purge_math_titles(app, env, docname):
    env.__dict__.setdefault("nearinit_math_titles", {}).pop(docname, None)


def _typeset_ref_titles(app, doctree, docname):
    titles = {}
    for per_doc in app.env.__dict__.get("nearinit_math_titles", {}).values():
        titles.update(per_doc)
    if not titles:
        return
    for inline in list(doctree.findall(nodes.inline)):
        text = inline.astext()
        if "std-ref" in inline["classes"] and text in titles:
            inline.children = []
            for child in titles[text]:
                inline += child.deepcopy()


# ------------------------------------------------------------------------------------ chapters as "Chapter N"


def _chapter_number(env, docname):
    number = env.toc_secnumbers.get(docname, {}).get("")
    return number[0] if number and len(number) == 1 else None


def _chapter_references(app, doctree, docname):
    """A reference whose text is the full title of a numbered chapter reads "Chapter N"."""
    env = app.env
    chapters = {}
    for name in env.found_docs:
        number = _chapter_number(env, name)
        if number is not None and name in env.titles:
            chapters[clean_astext(env.titles[name])] = number
    for ref in list(doctree.findall(nodes.reference)):
        if not ref.get("internal"):
            continue
        inline = ref.children[0] if len(ref.children) == 1 and isinstance(ref.children[0], nodes.inline) else None
        if inline is None or "std-ref" not in inline["classes"]:
            continue
        text = clean_astext(inline)
        if text in chapters:
            inline.children = [nodes.Text(f"Chapter {chapters[text]}")]
            ref["reftitle"] = text


# ------------------------------------------------------------------------------ errata after proofs, not inside


def _errata_after_proofs(app, doctree, docname):
    """A proof's references to the errata become small marks (e1, e2, ...); the references themselves follow the
    proof, in a line "Errata in this proof: ...". A reference in parentheses takes its parentheses with it."""
    from sphinx_proof.nodes import proof_node

    def is_erratum(ref):
        uri = ref.get("refuri") or ""
        return "errata.html#" in uri or (docname == "book/errata" and (ref.get("refid") or "").startswith("erratum"))

    for k, proof in enumerate(list(doctree.findall(proof_node)), 1):
        refs = [r for r in proof.findall(nodes.reference) if is_erratum(r)]
        if not refs:
            continue
        note_id = f"after-proof-{k}"
        for n, ref in enumerate(refs, 1):
            parent = ref.parent
            i = parent.index(ref)
            before = parent[i - 1] if i > 0 else None
            after = parent[i + 1] if i + 1 < len(parent) else None
            if (
                isinstance(before, nodes.Text)
                and isinstance(after, nodes.Text)
                and before.rstrip().endswith("(")
                and after.lstrip().startswith(")")
            ):
                parent.replace(before, nodes.Text(before.rstrip()[:-1].rstrip()))
                parent.replace(after, nodes.Text(after.lstrip()[1:]))
            mark = nodes.reference(
                "",
                f"e{n}",
                internal=True,
                refid=note_id,
                reftitle="erratum, cited after the proof",
                classes=["nearinit-erratum-mark"],
            )
            parent.replace(ref, nodes.superscript("", "", mark))
        note = nodes.paragraph(ids=[note_id], classes=["nearinit-proof-errata"])
        note += nodes.Text("Errata in this proof: ")
        for n, ref in enumerate(refs, 1):
            if n > 1:
                note += nodes.Text("; ")
            note += nodes.Text(f"e{n} ")
            note += ref
        note += nodes.Text(".")
        proof.parent.insert(proof.parent.index(proof) + 1, note)


# -------------------------------------------------------------------------------------------- results index


class results_index(nodes.General, nodes.Element):
    pass


class ResultsIndex(Directive):
    """``{nearinit-results}``: every numbered result of the book, chapter by chapter, with number, title, link."""

    has_content = False

    def run(self):
        return [results_index("")]


def _result_title(env, docname, label):
    doctree = env.get_doctree(docname)
    for node in doctree.findall(nodes.Element):
        if label in node.get("ids", []) and node.get("realtype"):
            title = next(iter(node.findall(nodes.title)), None)
            return [child.deepcopy() for child in title.children] if title is not None else []
    return []


def _fill_results_index(app, doctree, docname):
    placeholders = list(doctree.findall(results_index))
    if not placeholders:
        return
    env = app.env
    proofs = getattr(env, "proof_list", {})
    by_doc = {}
    for label, info in proofs.items():
        if info.get("nonumber"):
            continue
        number = env.toc_fignumbers.get(info["docname"], {}).get(info["countertype"], {}).get(label)
        if number is None:
            continue
        by_doc.setdefault(info["docname"], []).append((number, label, info))
    order = {name: k for k, name in enumerate(env.toctree_includes.get(env.config.root_doc, []))}
    for includes in env.toctree_includes.values():
        for k, inc in enumerate(includes):
            order.setdefault(inc, len(order) + k)
    content = []
    for doc in sorted(by_doc, key=lambda d: (_chapter_number(env, d) or 99, order.get(d, 999), d)):
        section = nodes.section(ids=[f"results-{doc.replace('/', '-')}"])
        heading = nodes.paragraph(classes=["nearinit-results-chapter"])
        ref = nodes.reference("", "", internal=True, refuri=app.builder.get_relative_uri(docname, doc))
        number = _chapter_number(env, doc)
        ref += nodes.Text(f"Chapter {number}. " if number else "")
        ref += [child.deepcopy() for child in env.titles[doc].children]
        heading += nodes.strong("", "", ref)
        section += heading
        items = nodes.bullet_list(classes=["nearinit-results"])
        for num, label, info in sorted(by_doc[doc], key=lambda t: t[0]):
            item = nodes.list_item()
            para = nodes.paragraph()
            link = nodes.reference(
                "", "", internal=True, refuri=app.builder.get_relative_uri(docname, doc) + "#" + label
            )
            link += nodes.strong("", f"{info['realtype'].title()} {'.'.join(map(str, num))}")
            para += link
            title = _result_title(env, info["docname"], label)
            if title:
                para += nodes.Text(" ")
                para += title
            item += para
            item += ledger_nodes(app, docname, label)  # its checks and false variants (nearinit_book.claims)
            items += item
        section += items
        content.append(section)
    for placeholder in placeholders:
        placeholder.replace_self(content or [nodes.paragraph("", "No numbered results yet.")])


# ---------------------------------------------------------------------------------- titles and search as text


_MATH_OPEN = re.compile(r'<(span|div) class="math notranslate nohighlight"( id="[^"]*")?>(.*?)</\1>', re.S)


def _math_as_text(app, pagename, templatename, context, doctree):
    """Plain page titles (``<title>``); the search fix on the search page."""
    if isinstance(context.get("title"), str):
        context["title"] = html.escape(title_to_text(context["title"]), quote=False)
    if pagename == "search" and isinstance(context.get("script_files"), list):
        # Served from html_extra_path (book/_extra), not _static: Jupyter Book would load it on every page.
        from sphinx.builders.html._assets import _JavaScript

        context["script_files"].append(_JavaScript("nearinit/search.js", priority=900, defer="defer"))


def _add_math_text(m):
    tex = html.unescape(re.sub(r'<span class="eqno">.*?</span>|<[^>]+>', "", m.group(3), flags=re.S)).strip()
    tex = re.sub(r"^\\[(\[]|\\[)\]]$", "", tex).strip()
    attr = html.escape(tex_to_text(tex), quote=True)
    tag, ident = m.group(1), m.group(2) or ""
    return f'<{tag} class="math notranslate nohighlight"{ident} data-text="{attr}">{m.group(3)}</{tag}>'


_LINK_TITLE = re.compile(r'(<link rel="(?:next|prev)" title=")([^"]*\\\([^"]*)"')


def _math_text_attributes(app, exc):
    """Every formula of every page (body and navigation) carries its plain reading in ``data-text``, which the
    search summaries show (book/_extra/nearinit/search.js)."""
    if exc is not None or app.builder.format != "html":
        return
    for page in pathlib.Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = _MATH_OPEN.sub(_add_math_text, text)
        # The titles of <link rel="next"/"prev"> (browsers and readers' tools show them) as text, like <title>.
        new = _LINK_TITLE.sub(
            lambda m: m.group(1) + html.escape(title_to_text(html.unescape(m.group(2))), quote=True) + '"', new
        )
        if new != text:
            page.write_text(new, encoding="utf-8")


def _search_index_as_text(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    path = pathlib.Path(app.outdir) / "searchindex.js"
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    start, end = text.index("(") + 1, text.rindex(")")
    index = json.loads(text[start:end])
    index["titles"] = [html_math_to_text(t) if "math" in t else t for t in index["titles"]]
    index["alltitles"] = {(title_to_text(k) if "\\" in k or "$" in k else k): v for k, v in index["alltitles"].items()}
    path.write_text(text[:start] + json.dumps(index, ensure_ascii=False, separators=(",", ":")) + text[end:])


# ------------------------------------------------------------------------------ only the assets pages use


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


# ---------------------------------------------------------------------------------------- citation style


def _register_citation_style():
    """pybtex style "nearinit": the bibliography's labels are author-year ("Jacot et al. 2018"), as the citations in
    the text are (``bibtex_reference_style: author_year``), and the list is sorted by author and year."""
    from pybtex.plugin import register_plugin
    from pybtex.richtext import Text
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle

    def plain(latex: str) -> str:
        return Text.from_latex(latex).render_as("text")

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            labels = []
            for entry in sorted_entries:
                persons = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
                if not names:
                    who = plain(entry.fields.get("organization", entry.key))
                elif len(names) == 1:
                    who = names[0]
                elif len(names) == 2:
                    who = f"{names[0]} and {names[1]}"
                else:
                    who = f"{names[0]} et al."
                labels.append(f"{who} {entry.fields.get('year', '')}".strip())
            counts = {label: labels.count(label) for label in labels}
            seen: dict[str, int] = {}
            for label in labels:
                if counts[label] > 1:  # two works of the same authors and year: 2018a, 2018b
                    seen[label] = seen.get(label, 0) + 1
                    yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
                else:
                    yield label

    class NearinitStyle(UnsrtStyle):
        default_label_style = "nearinit_author_year"
        default_sorting_style = "author_year_title"

    register_plugin("pybtex.style.labels", "nearinit_author_year", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "nearinit", NearinitStyle, force=True)


# ------------------------------------------------------------------- assets a page does not use, lighter figures

_SEARCH_TOOLS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>'
)
_DESIGN = re.compile(r"\s*<(?:link[^>]*sphinx-design\.min\.css[^>]*|script[^>]*design-tabs\.js[^>]*></script)>")
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
        if new != text:
            page.write_text(new, encoding="utf-8")
    number = re.compile(r"-?\d+\.\d{3,}")
    for svg in (out / "_images").glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        text = re.sub(r">\s+<", "><", text)
        # numbers in attributes only (path data, positions, transforms), never in the text of labels
        text = re.sub(r'(="[^"]*")', lambda m: number.sub(lambda n: f"{float(n.group(0)):.2f}", m.group(1)), text)
        svg.write_text(text, encoding="utf-8")


# pydata-sphinx-theme makes every scrolling box a tab stop by measuring every code block and output of the page at
# load, which lays out the sections that content-visibility keeps unrendered until the reader nears them
# (book/_static/nearinit.css). The theme's script leaves those to nearinit-math.js, which measures each section when
# it is first rendered.
_THEME_TAB_STOPS = ".forEach(e=>{e.tabIndex=e.scrollWidth>e.clientWidth||e.scrollHeight>e.clientHeight?0:-1})"
LAZY_SECTIONS = "article.bd-article > section > section"


def _lazy_tab_stops(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    script = pathlib.Path(app.outdir) / "_static" / "scripts" / "pydata-sphinx-theme.js"
    text = script.read_text(encoding="utf-8")
    patched = _THEME_TAB_STOPS.replace("{e.tabIndex", f'{{if(e.closest("{LAZY_SECTIONS}"))return;e.tabIndex')
    if patched in text:
        return
    if text.count(_THEME_TAB_STOPS) != 1:
        sphinx_logging.getLogger(__name__).warning(
            "pydata-sphinx-theme.js: its tab-stop loop changed; the lazy sections are not left to nearinit-math.js"
        )
        return
    script.write_text(text.replace(_THEME_TAB_STOPS, patched), encoding="utf-8")


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
    _register_citation_style()
    # After the themes' own html-page-context handlers, which may add scripts for the page.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", _fix_body_accessibility)
    app.connect("doctree-read", _record_math_titles)
    app.connect("env-purge-doc", _purge_math_titles)
    app.connect("doctree-resolved", _chapter_references, priority=400)
    app.connect("doctree-resolved", _typeset_ref_titles)
    app.connect("doctree-resolved", _errata_after_proofs, priority=600)
    app.connect("doctree-resolved", _fill_results_index)
    app.setup_extension("nearinit_book.claims.ledger")  # the check cells' anchors, the claim ledger's data
    app.add_node(results_index)
    app.add_directive("nearinit-results", ResultsIndex)
    app.connect("html-page-context", _math_as_text)
    app.connect("build-finished", _search_index_as_text)
    app.connect("build-finished", _math_text_attributes)
    # After _math_text_attributes, which reads the TeX: the math typeset at build time (nearinit_math).
    app.connect("build-finished", prerender, priority=800)
    app.connect("build-finished", _subset_icon_fonts, priority=900)
    app.connect("build-finished", _drop_unused_assets, priority=950)
    app.connect("build-finished", _purge_stylesheets, priority=960)
    app.connect("build-finished", _lazy_tab_stops)
    # Every extension's assets on every page (the navigation has math on every page); _drop_unused_assets prunes.
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
