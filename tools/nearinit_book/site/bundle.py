r"""The book offline: the PDF's LaTeX macros, and the PDFs and slide decks served with the website.

Loaded by ``_config.yml`` (``sphinx.local_extensions``). ``make pdf`` and ``make slides`` (``tools/nearinit_book/pdf/``,
``tools/nearinit_book/slides/``) use it.

- **One set of macros.** The book's macros (``\R``, ``\norm{x}``, ``\fro{W}``, ...) are defined once, in
  ``_config.yml``'s ``mathjax3_config.tex.macros``. For the LaTeX builder this extension writes the same macros
  into the preamble as ``\newcommand``s (after ``\providecommand``, so a macro that a LaTeX package already
  defines is replaced, as MathJax replaces it). The slides read the same table (``nearinit_book.slides.build``).
- **Vector figures.** The notebooks store their figures as SVG only (``nearinit.plotting.use_book_style``), which
  LaTeX cannot include. ``_config.yml`` puts SVG first for the latex builder (``nb_mime_priority_overrides``) and
  `SvgToPdf` converts each SVG into a PDF with ``rsvg-convert`` (Debian's ``librsvg2-bin``): the figures stay
  vector graphics, their text stays text. Their text is drawn with matplotlib's own fonts, those it laid the
  figure out with (a browser falls back to other fonts for ``cmsy10``, STIX and "DejaVu Sans Display", and shows
  ``cmsy10``'s prime as a "0"), and an accent that matplotlib writes as a lone combining mark gets a zero-width
  base (`prepare_svg`), else Pango draws it on a dotted circle.
- **Wide tables.** LaTeX sets a table of more than 30 rows as a ``longtable`` whose columns never wrap, so a long
  cell runs off the page; such a table without given widths gets ragged-right columns as wide as its text asks
  (`_latex_tables`).
- **Served with the site.** After an HTML build, the built PDFs (``_build/pdf``) and decks (``_build/slides``) that
  exist are copied into the site as ``pdf/`` and ``slides/`` (not under ``_static``, which Jupyter Book loads on
  every page), and each chapter page gets a line linking its handout and its deck, the front page one linking
  the whole-book PDF. Nothing is linked that was not built: a site built without ``make pdf slides`` has no
  such line.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import unicodedata
from typing import ClassVar

from docutils import nodes
from sphinx.transforms.post_transforms.images import ImageConverter
from sphinx.util import logging

from nearinit_book.toc import ROOT

logger = logging.getLogger(__name__)

BUILD = ROOT / "_build"
BOOK_PDF = "nearinit.pdf"


def latex_macros(macros: dict) -> str:
    r"""LaTeX definitions of MathJax macros: ``{"R": "\\mathbb{R}", "norm": ["\\lVert #1 \\rVert", 1]}``.

    >>> print(latex_macros({"R": r"\mathbb{R}", "ip": [r"\langle #1, #2 \rangle", 2]}))
    \providecommand{\R}{}\renewcommand{\R}{\mathbb{R}}
    \providecommand{\ip}{}\renewcommand{\ip}[2]{\langle #1, #2 \rangle}
    """
    lines = []
    for name, value in macros.items():
        body, nargs = (value, 0) if isinstance(value, str) else (value[0], int(value[1]))
        args = f"[{nargs}]" if nargs else ""
        lines.append(f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{args}{{{body}}}")
    return "\n".join(lines)


# Chapter numbers as on the site. LaTeX numbers every \chapter, so the front matter would push the first lecture
# chapter to number 3, and figures and equations (numbered by LaTeX's counters) would follow it, while the results
# (numbered by Sphinx, as on the site) would not. Each document therefore starts with one of these two commands:
# a numbered chapter sets its number from the site's table of contents; an unnumbered one (front and back matter)
# has no chapter or section numbers and numbers its figures and equations 1, 2, ... as the site does.
NUMBERING_PREAMBLE = r"""
% Chapter numbers as on the site (tools/nearinit_book/site/bundle.py)
\newcounter{nearinitdoc}
\AtBeginDocument{\edef\nearinitsecnumdepth{\the\value{secnumdepth}}}
\newcommand{\nearinitnumbered}[1]{%
  \setcounter{secnumdepth}{\nearinitsecnumdepth}\setcounter{chapter}{\numexpr#1-1\relax}%
  \renewcommand{\thefigure}{\thechapter.\arabic{figure}}\renewcommand{\theHfigure}{\thechapter.\arabic{figure}}%
  \renewcommand{\theequation}{\thechapter.\arabic{equation}}\renewcommand{\theHequation}{\thechapter.\arabic{equation}}}
\newcommand{\nearinitunnumbered}{%
  \setcounter{secnumdepth}{-1}\stepcounter{nearinitdoc}\setcounter{figure}{0}\setcounter{equation}{0}%
  \renewcommand{\thefigure}{\arabic{figure}}\renewcommand{\theHfigure}{u\arabic{nearinitdoc}.\arabic{figure}}%
  \renewcommand{\theequation}{\arabic{equation}}\renewcommand{\theHequation}{u\arabic{nearinitdoc}.\arabic{equation}}}
% Inline code may break after an underscore too (Sphinx breaks it after . , ; ? ! /): a long identifier such as
% main_lemma_leading_constants wraps instead of running into the margin.
\let\nearinitupquote\sphinxupquote
\newcommand{\nearinitunderscore}{\textunderscore\allowbreak}
\protected\def\sphinxupquote#1{{\let\_\nearinitunderscore\nearinitupquote{#1}}}
% Short tables (tabulary) ragged-right, as the long ones (_latex_tables): justified narrow columns leave wide gaps.
\newcolumntype{T}{L}
% A proof: "Proof." in italics, a square at the end (sphinx-proof draws an admonition with an empty title bar)
\newenvironment{nearinitproof}{\par\medskip\noindent\ignorespaces}{\hfill\ensuremath{\square}\par\medskip}
"""


def _visit_proof_latex(self, node) -> None:
    """LaTeX for ``{prf:proof}`` (a ``proof_node`` around an untitled admonition whose text starts "Proof. ")."""
    self.body.append("\n\\begin{nearinitproof}\n")
    inner = node.children[0] if len(node.children) == 1 and isinstance(node[0], nodes.admonition) else node
    first = next(iter(inner.findall(nodes.paragraph)), None)
    if first is not None and first.children and isinstance(first[0], nodes.Text):
        word, sep, rest = first[0].astext().partition(". ")
        if sep and " " not in word:
            first.remove(first[0])
            first.insert(0, nodes.Text(" " + rest))
            first.insert(0, nodes.emphasis("", word + "."))
    for child in list(inner.children):
        child.walkabout(self)
    raise nodes.SkipChildren


def _depart_proof_latex(self, node) -> None:
    self.body.append("\n\\end{nearinitproof}\n")


def _add_latex_macros(app, config) -> None:
    macros = (config.mathjax3_config or {}).get("tex", {}).get("macros", {})
    elements = config.latex_elements
    preamble = elements.get("preamble", "") + "\n% The book's macros (_config.yml)\n" + latex_macros(macros)
    elements["preamble"] = preamble + NUMBERING_PREAMBLE


def _latex_numbering(app, doctree, docname) -> None:
    """In the assembled LaTeX document: each chapter's number as on the site; exercise references across chapters."""
    if app.builder.format != "latex":
        return
    from sphinx import addnodes

    env = app.env
    for start in doctree.findall(addnodes.start_of_file):
        secnumber = env.toc_secnumbers.get(start["docname"], {}).get("")
        command = rf"\nearinitnumbered{{{secnumber[0]}}}" if secnumber else r"\nearinitunnumbered"
        start.insert(0, nodes.raw("", command + "\n", format="latex"))
        # A named destination on the chapter's first page: nearinit_book.pdf.handouts cuts the chapters out there.
        section = next(iter(start.findall(nodes.section)), None)
        if section is not None and section.children and isinstance(section[0], nodes.title):
            stem = start["docname"].rsplit("/", 1)[-1]
            section.insert(1, nodes.raw("", rf"\hypertarget{{nearinit-doc-{stem}}}{{}}" + "\n", format="latex"))
    _exercise_references(app, doctree)


def _exercise_references(app, doctree) -> None:
    r"""A ``{ref}`` to an exercise of another chapter: LaTeX would print ``Exercise \ref{...}``, a label sphinx-exercise
    never writes (``??``). Give it the exercise's number as on the site, linked to sphinx-exercise's label."""
    from sphinx import addnodes

    registry = getattr(app.env, "sphinx_exercise_registry", {})
    if not registry:
        return
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_latex_number_reference

    for ref in list(doctree.findall(addnodes.number_reference)):
        label = ref.get("refid") or ref.get("refuri", "").rpartition("#")[2]
        target = registry.get(label)
        if not target or not isinstance(target.get("node"), exercise_enumerable_node):
            continue
        numbers = app.env.toc_fignumbers.get(target["docname"], {}).get("exercise", {})
        number = numbers.get(target["node"]["ids"][0])
        if number is None:
            continue
        new = exercise_latex_number_reference(refid=label)
        new += nodes.Text(app.config.numfig_format["exercise"] % ".".join(map(str, number)))
        ref.replace_self(new)


# --------------------------------------------------------------------------- figures and tables in LaTeX
def prepare_svg(svg: str) -> str:
    """A matplotlib SVG as ``rsvg-convert`` should draw it: a text run that starts with a combining mark (an accent
    that mathtext places by itself, ``\\tilde f``) gets a word joiner (U+2060) as its zero-width base.

    >>> prepare_svg('<t>\u0303</t><t>f\u0303</t>') == '<t>\u2060\u0303</t><t>f\u0303</t>'
    True
    """

    def base(match: re.Match) -> str:
        return ">\u2060" + match[1] if unicodedata.category(match[1]).startswith("M") else match[0]

    return re.sub(r">([^<\s])", base, svg)


def _fontconfig(cache: pathlib.Path) -> pathlib.Path:
    """A fontconfig file that puts matplotlib's fonts before the system's (written once into ``cache``)."""
    import matplotlib

    fonts = pathlib.Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    conf = cache / "fonts.conf"
    if not conf.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        conf.write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
            f"  <dir>{fonts}</dir>\n"
            '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
            f"  <cachedir>{cache / 'cache'}</cachedir>\n</fontconfig>\n"
        )
    return conf


class SvgToPdf(ImageConverter):
    """SVG to vector PDF for the LaTeX builder, with ``rsvg-convert`` (see the module docstring)."""

    conversion_rules: ClassVar[list[tuple[str, str]]] = [("image/svg+xml", "application/pdf")]

    def is_available(self) -> bool:
        if shutil.which("rsvg-convert"):
            return True
        logger.warning("rsvg-convert not found: the PDF cannot include the SVG figures (Debian: librsvg2-bin)")
        return False

    def convert(self, _from: str, _to: str) -> bool:
        conf = _fontconfig(pathlib.Path(self.app.doctreedir).parent / "fontconfig")
        env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
        with tempfile.TemporaryDirectory() as tmp:
            svg = pathlib.Path(tmp) / "figure.svg"
            svg.write_text(prepare_svg(pathlib.Path(_from).read_text(encoding="utf-8")), encoding="utf-8")
            result = subprocess.run(
                ["rsvg-convert", "--format=pdf", f"--output={_to}", str(svg)], capture_output=True, text=True, env=env
            )
        if result.returncode != 0:
            logger.warning(f"rsvg-convert failed on {_from}: {result.stderr.strip()}")
            return False
        return True


def column_widths(rows: list[list[str]], low: int = 8, high: int = 60) -> list[int]:
    """Relative column widths of a table from its cells' text: each column's longest cell, clipped to [low, high].

    >>> column_widths([["$m$", "width: number of neurons", "m"], ["$x$", "an input; a batch of inputs", "x, X"]])
    [8, 27, 8]
    """
    columns = max((len(r) for r in rows), default=0)
    return [min(high, max(low, max((len(r[j]) for r in rows if j < len(r)), default=0))) for j in range(columns)]


def _latex_tables(app, doctree, docname) -> None:
    """Column widths for each long table (over 30 rows, a LaTeX ``longtable``) that has none: its columns wrap."""
    if app.builder.format != "latex":
        return
    from sphinx import addnodes

    for table in list(doctree.findall(nodes.table)):
        if table.parent is None:
            continue
        i = table.parent.index(table)
        before = table.parent[i - 1] if i > 0 else None
        if "colwidths-given" in table["classes"] or isinstance(before, addnodes.tabular_col_spec):
            continue  # widths given (:widths:, {tabularcolumns})
        tgroup = next(iter(table.findall(nodes.tgroup)), None)
        if tgroup is None:
            continue
        body = [r for tb in tgroup.findall(nodes.tbody) for r in tb.findall(nodes.row)]
        if len(body) <= 30 and "longtable" not in table["classes"]:
            continue  # LaTeX's tabulary wraps the columns of a short table by itself
        rows = [[entry.astext() for entry in row.findall(nodes.entry)] for row in tgroup.findall(nodes.row)]
        widths = column_widths(rows)
        if len(widths) != tgroup.get("cols", len(widths)):
            continue
        # As a {tabularcolumns} directive would: ragged-right columns (justified narrow columns leave wide gaps).
        spec = "".join(rf">{{\raggedright\arraybackslash}}\X{{{w}}}{{{sum(widths)}}}" for w in widths)
        table.parent.insert(i, addnodes.tabular_col_spec(spec=spec))


# --------------------------------------------------------------------------- the site
def chapter_files(docname: str) -> dict[str, pathlib.Path]:
    """The built handout and deck of a chapter (``book/03_smooth``), where they exist: {"pdf"|"slides": path}."""
    stem = docname.rsplit("/", 1)[-1]
    found = {}
    handout = BUILD / "pdf" / "handouts" / f"{stem}.pdf"
    deck = BUILD / "slides" / f"{stem}.html"
    if handout.is_file():
        found["pdf"] = handout
    if deck.is_file():
        found["slides"] = deck
    return found


def _link_line(app, doctree, docname) -> None:
    if app.builder.format != "html":
        return
    to_root = "../" * docname.count("/")
    links = []
    if docname == app.config.root_doc and (BUILD / "pdf" / BOOK_PDF).is_file():
        links.append(("The whole book as a PDF", f"{to_root}pdf/{BOOK_PDF}"))
    files = chapter_files(docname)
    if "pdf" in files:
        links.append(("this chapter as a PDF handout", f"{to_root}pdf/handouts/{files['pdf'].name}"))
    if "slides" in files:
        links.append(("lecture slides", f"{to_root}slides/{files['slides'].name}"))
    if not links:
        return
    para = nodes.paragraph(classes=["nearinit-offline"])
    para += nodes.Text("Offline: ")
    for i, (text, uri) in enumerate(links):
        if i:
            para += nodes.Text(" · ")
        para += nodes.reference("", text, refuri=uri, internal=False)
    para += nodes.Text(".")
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    # After the title (and after the chapter's label target), before the first paragraph.
    title = next(iter(section.findall(nodes.title)), None)
    section.insert(section.index(title) + 1 if title is not None else 0, para)


def _copy_outputs(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = pathlib.Path(app.outdir)
    for name in ("pdf", "slides"):
        src = BUILD / name
        if src.is_dir():
            shutil.rmtree(out / name, ignore_errors=True)
            shutil.copytree(src, out / name, ignore=shutil.ignore_patterns(".*", "*.log"))


def _outputs_changed(app, env, added, changed, removed):
    """Re-write every page when the set of built PDFs and decks changed since the last build (their links)."""
    state = sorted(str(p.relative_to(BUILD)) for d in ("pdf", "slides") for p in (BUILD / d).glob("**/*.*"))
    state = [s for s in state if s.endswith((".pdf", ".html"))]
    if getattr(env, "nearinit_bundle_state", None) == state:
        return []
    env.nearinit_bundle_state = state
    return [doc for doc in env.found_docs if doc not in added and doc not in changed]


def setup(app):
    from sphinx_proof.nodes import proof_node

    # SVG figures to PDF for LaTeX (only a builder without SVG support calls rsvg-convert).
    app.add_post_transform(SvgToPdf)
    app.add_node(proof_node, override=True, latex=(_visit_proof_latex, _depart_proof_latex))
    app.connect("config-inited", _add_latex_macros)
    app.connect("doctree-resolved", _latex_numbering)
    app.connect("doctree-resolved", _latex_tables)
    app.connect("env-get-outdated", _outputs_changed)
    app.connect("doctree-resolved", _link_line)
    app.connect("build-finished", _copy_outputs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
