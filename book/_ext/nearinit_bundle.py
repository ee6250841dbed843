r"""The book offline: the PDF's LaTeX macros, and the PDFs and slide decks served with the website.

Loaded by ``_config.yml`` (``sphinx.local_extensions``). ``make pdf`` and ``make slides`` (``tools/bundle/``) use it.

- **One set of macros.** The book's macros (``\R``, ``\norm{x}``, ``\fro{W}``, ...) are defined once, in
  ``_config.yml``'s ``mathjax3_config.tex.macros``. For the LaTeX builder this extension writes the same macros
  into the preamble as ``\newcommand``s (after ``\providecommand``, so a macro that a LaTeX package already
  defines is replaced, as MathJax replaces it). The slides read the same table (``tools/bundle/slides.py``).
- **Served with the site.** After an HTML build, the built PDFs (``_build/pdf``) and decks (``_build/slides``) that
  exist are copied into the site as ``pdf/`` and ``slides/`` (not under ``_static``, which Jupyter Book loads on
  every page), and each chapter page gets a line linking its handout and its deck, the front page one linking
  the whole-book PDF. Nothing is linked that was not built: a site built without ``make pdf slides`` has no
  such line.
"""

from __future__ import annotations

import pathlib
import shutil

from docutils import nodes

ROOT = pathlib.Path(__file__).resolve().parents[2]
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
% Chapter numbers as on the site (book/_ext/nearinit_bundle.py)
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
        # A named destination on the chapter's first page: tools/pdf/handouts.py cuts the chapters out there.
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

    app.add_node(proof_node, override=True, latex=(_visit_proof_latex, _depart_proof_latex))
    app.connect("config-inited", _add_latex_macros)
    app.connect("doctree-resolved", _latex_numbering)
    app.connect("env-get-outdated", _outputs_changed)
    app.connect("doctree-resolved", _link_line)
    app.connect("build-finished", _copy_outputs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
