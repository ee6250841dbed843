r"""Numbering and references as a reader expects them.

- A ``{ref}`` to a heading with math (``## The Gaussian and $x \neq 0$``) would show the heading as plain text, raw
  TeX included ("The Gaussian and x \neq 0"): Sphinx stores section names as text. Such references get the
  heading's nodes back, math included, so their math is typeset. (A reference with its own text is left alone.)
- A reference whose text is the full title of a numbered chapter reads "Chapter 3", not the title mid-sentence.
- A proof's references to the errata become marks (e1, e2), listed after the proof, not inside it.
- The bibliography's labels are author-year ("Jacot et al. 2018"), as the citations in the text are
  (``bibtex_reference_style: author_year``): the pybtex style ``nearinit`` that ``_config.yml`` names.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.nodes import clean_astext


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


def chapter_number(env, docname):
    number = env.toc_secnumbers.get(docname, {}).get("")
    return number[0] if number and len(number) == 1 else None


def _chapter_references(app, doctree, docname):
    """A reference whose text is the full title of a numbered chapter reads "Chapter N"."""
    env = app.env
    chapters = {}
    for name in env.found_docs:
        number = chapter_number(env, name)
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


def setup(app):
    _register_citation_style()
    app.connect("doctree-read", _record_math_titles)
    app.connect("env-purge-doc", _purge_math_titles)
    app.connect("doctree-resolved", _chapter_references, priority=400)
    app.connect("doctree-resolved", _typeset_ref_titles)
    app.connect("doctree-resolved", _errata_after_proofs, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
