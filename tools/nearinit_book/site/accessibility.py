"""Accessibility and console fixes of what the themes and extensions write into every page.

- Sphinx 7.4 adds an inline script registered with ``app.add_js_file(None, body=...)`` after the builder started
  (as sphinx-thebe and sphinx-togglebutton do) twice to every page: once under the name ``None`` and once under
  ``''``. The second copy of sphinx-thebe's ``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has
  already been declared" in the reader's console. Such duplicates are dropped before each page is written.
- docutils writes the bibliography as ``<div role="list">`` of ``role="doc-biblioentry"`` items, a role ARIA 1.2 no
  longer allows in a list: axe-core reports "aria-required-children" (critical) on the references page. The items
  become ``role="listitem"``, so a screen reader still announces a list of references.
- myst-nb's "Show code cell source" toggles (``<summary aria-label="Toggle hidden content">``) have a label that does
  not contain their visible text (axe-core "label-content-name-mismatch", serious); the label is dropped so the
  visible text names the control.

The browser tests (``tests/test_browser.py``) fail on any console error and any serious or critical axe-core
violation, so they show if one of these fixes stops working.
"""

from __future__ import annotations


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


def setup(app):
    # After the themes' own html-page-context handlers, which may add scripts for the page.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", _fix_body_accessibility)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
