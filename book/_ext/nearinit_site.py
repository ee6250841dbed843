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

Sphinx loads MathJax only on pages whose body has math, but chapter titles with math (``... $m \to \infty$``) also
appear in the navigation of every page: MathJax is loaded on every page, so those titles are typeset everywhere.

A ``{ref}`` to a heading with math (``## The Gaussian and $x \neq 0$``) shows the heading as plain text, raw TeX
included ("The Gaussian and x \neq 0"): Sphinx stores section names as text. Such references get the heading's
nodes back, math included, so MathJax typesets them. (A reference with its own text is left alone.)

The browser tests (``tests/test_browser.py``) fail on any console error, any untypeset math and any serious or
critical axe-core violation, so they show if one of these fixes stops working.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.nodes import clean_astext


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


def setup(app):
    # After the themes' own html-page-context handlers, which may add scripts for the page.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", _fix_body_accessibility)
    app.connect("doctree-read", _record_math_titles)
    app.connect("env-purge-doc", _purge_math_titles)
    app.connect("doctree-resolved", _typeset_ref_titles)
    # MathJax on every page (see above); also loads every other extension's assets everywhere.
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
