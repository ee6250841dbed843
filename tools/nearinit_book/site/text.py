r"""Plain-text readings of the book's TeX, for places MathJax does not reach.

A page's ``<title>`` (browser tab, bookmarks, search engines), the search index and the search summaries show text,
not typeset math: ``\(10^{12}\)`` there should read ``10¹²``. :func:`tex_to_text` turns the TeX the book uses
(Greek letters, relations, scripts, fractions, the macros of ``_config.yml``) into Unicode; a macro it does not know
loses its backslash, so no raw TeX is left either way.

The symbols come from pylatexenc's table (Greek letters, relations, arrows, operator names), with the few readings
this book wants otherwise (``w^\top`` reads ``wᵀ``). pylatexenc's own converter is not used for the rest: it has no
sub- or superscripts (``10^{12}`` stays ``10^{12}``) and joins relations to their operands (``θ≤π``); unicodeit
was tried too and breaks macros (``\ln`` reads ``łn``).
"""

from __future__ import annotations

import functools
import html
import json
import pathlib
import re

import yaml
from pylatexenc.latex2text import get_default_latex_context_db

from nearinit_book.toc import ROOT

_PYLATEXENC = get_default_latex_context_db()

# Symbols whose reading differs from pylatexenc's (its table has the Greek letters, relations, arrows, operators).
SYMBOLS = {"top": "ᵀ", "prime": "′", "ne": "≠", "implies": "⇒", "iff": "⇔", "coloneqq": "≔", "|": "‖"}
# Operator names: pylatexenc reads \ln, \max, \sup... as their names already; \operatorname{...} the others.
BLACKBOARD = {"R": "ℝ", "E": "𝔼", "P": "ℙ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "1": "𝟙"}
CALLIGRAPHIC = {"N": "𝒩", "P": "𝒫", "L": "ℒ", "O": "𝒪", "F": "ℱ", "H": "ℋ", "S": "𝒮", "A": "𝒜", "B": "ℬ"}
SUPERSCRIPT = str.maketrans("0123456789+-=()nijkmT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏᵐᵀ")
SUBSCRIPT = str.maketrans("0123456789+-=()aeijkmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₘₙₒₚᵣₛₜᵤᵥₓ")
# (macro, number of arguments, how the arguments read); the book's own macros are expanded first (_config.yml).
WRAPPERS = {
    "sqrt": (1, "√{0}"),
    "frac": (2, "{0}/{1}"),
    "tfrac": (2, "{0}/{1}"),
    "dfrac": (2, "{0}/{1}"),
    "text": (1, "{0}"),
    "textrm": (1, "{0}"),
    "mathrm": (1, "{0}"),
    "operatorname": (1, "{0}"),
    "mathbf": (1, "{0}"),
    "boldsymbol": (1, "{0}"),
    "bm": (1, "{0}"),
    "mathit": (1, "{0}"),
    "emph": (1, "{0}"),
    "tilde": (1, "{0}̃"),
    "hat": (1, "{0}̂"),
    "bar": (1, "{0}̄"),
    "overline": (1, "{0}̄"),
    "widetilde": (1, "{0}̃"),
}
SIZING = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle"}


@functools.cache
def book_macros() -> dict[str, tuple[int, str]]:
    """The book's macros (``mathjax3_config.tex.macros`` of ``_config.yml``): name -> (arguments, body)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    macros = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    out = {}
    for name, body in macros.items():
        n, body = (body[1], body[0]) if isinstance(body, list) else (0, body)
        # the spaces that end a control word in the body are not text: "\\lVert #1 \\rVert" reads "‖x‖"
        body = re.sub(r"\s+(?=\\)", "", re.sub(r"(\\[A-Za-z]+)\s+", r"\1{}", body))
        out[name] = (n, body)
    return out


@functools.cache
def _symbol(name: str) -> str | None:
    """The reading of a symbol macro: ours, else pylatexenc's (a plain string, not a macro with arguments)."""
    if name in SYMBOLS:
        return SYMBOLS[name]
    spec = _PYLATEXENC.get_macro_spec(name)
    repl = getattr(spec, "simplify_repl", None)
    return repl if isinstance(repl, str) and "%" not in repl else None


_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"


def _arg(tex: str, i: int) -> tuple[str, int]:
    """The macro argument starting at tex[i] (a {group} or one character) and the index after it."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] != "{":
        if tex[i] == "\\":
            m = re.match(r"\\[A-Za-z]+", tex[i:])
            if m:
                return m.group(0), i + len(m.group(0))
        return tex[i], i + 1
    depth = 0
    for j in range(i, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[j], 0)
        if depth == 0:
            return tex[i + 1 : j], j + 1
    return tex[i + 1 :], len(tex)


def _script(body: str, table) -> str | None:
    text = tex_to_text(body)
    translated = text.translate(table)
    targets = set(table.values())
    return translated if all(ord(c) in targets or c == " " for c in translated) else None


def tex_to_text(tex: str) -> str:
    """A plain Unicode reading of a TeX formula (no delimiters), e.g. ``10^{12}`` -> ``10¹²``."""
    out = []
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            name = m.group(1)
            i += len(m.group(0))
            if name in book_macros():
                n, body = book_macros()[name]
                for k in range(n):
                    a, i = _arg(tex, i)
                    body = body.replace(f"#{k + 1}", a)
                out.append(tex_to_text(body))
            elif name in {"mathbb", "mathcal"}:
                arg, i = _arg(tex, i)
                out.append((BLACKBOARD if name == "mathbb" else CALLIGRAPHIC).get(arg, arg))
            elif name in WRAPPERS:
                n, fmt = WRAPPERS[name]
                args = []
                for _ in range(n):
                    a, i = _arg(tex, i)
                    args.append(tex_to_text(a))
                if name == "sqrt" and len(args[0]) > 1:
                    args[0] = f"({args[0]})"
                if name.endswith("frac"):
                    args = [f"({a})" if re.search(r"[+\-−\s]", a) else a for a in args]
                out.append(fmt.format(*args))
            elif name in {",", ";", ":", "!", " ", "quad", "qquad"}:
                out.append(" " if name not in {"!", ","} else "")
            elif name in SIZING:
                pass
            elif _symbol(name) is not None:
                out.append(_symbol(name))
            else:
                out.append(name)  # unknown macro: its name, without the backslash (an escaped { } _ % & # $ too)
        elif c in "^_":
            body, j = _arg(tex, i + 1)
            script = _script(body, SUPERSCRIPT if c == "^" else SUBSCRIPT)
            if script is not None:
                out.append(script)
            else:
                inner = tex_to_text(body)
                out.append(c + (inner if len(inner) == 1 else f"({inner})"))
            i = j
        elif c in "{}":
            i += 1
        elif c == "~":
            out.append(" ")
            i += 1
        else:
            out.append(c)
            i += 1
    return re.sub(r"\s+", " ", "".join(out)).strip()


_MATH_SPAN = re.compile(r'<span class="math notranslate nohighlight">\\\((.*?)\\\)</span>', re.S)
_DOLLARS = re.compile(r"\$([^$]+)\$")


def html_math_to_text(text: str) -> str:
    """Replace the inline-math spans of an HTML string (Sphinx's ``\\(...\\)`` form) by their plain reading."""
    return _MATH_SPAN.sub(lambda m: html.escape(tex_to_text(html.unescape(m.group(1))), quote=False), text)


def title_to_text(title: str) -> str:
    """A title as plain text: its math spans, ``\\(...\\)`` and ``$...$`` read as text, HTML tags removed."""
    title = html_math_to_text(title)
    title = re.sub(r"<[^>]+>", "", title)
    title = re.sub(r"\\\((.*?)\\\)", lambda m: tex_to_text(html.unescape(m.group(1))), title)
    title = _DOLLARS.sub(lambda m: tex_to_text(m.group(1)), title)
    if "\\" in title:  # titles of the search index carry the bare TeX of their math (no delimiters)
        title = tex_to_text(title)
    return title


# ------------------------------------------------------------------- the site's titles and search as text

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


def setup(app):
    app.connect("html-page-context", _math_as_text)
    app.connect("build-finished", _search_index_as_text)
    app.connect("build-finished", _math_text_attributes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
