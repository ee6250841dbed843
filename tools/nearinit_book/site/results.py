"""The index of results: ``{nearinit-results}`` (``book/results.md``) lists every numbered result of the book.

Chapter by chapter, each result's number ("Lemma 5.1"), title (math included) and a link to it, in place of
sphinx-proof's "Proof Index" of internal labels (``html_domain_indices`` is off).

Hook for other extensions: each entry's paragraph is passed to the Sphinx event ``nearinit-results-entry`` before it
is added, as ``(app, paragraph, result_docname, label, index_docname)``; a listener appends nodes to the paragraph
(for instance the link to the check that proves the result). ``app.builder.get_relative_uri(index_docname, doc)``
gives a link target relative to the index page.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive

from .references import chapter_number

ENTRY_EVENT = "nearinit-results-entry"


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
    for doc in sorted(by_doc, key=lambda d: (chapter_number(env, d) or 99, order.get(d, 999), d)):
        section = nodes.section(ids=[f"results-{doc.replace('/', '-')}"])
        heading = nodes.paragraph(classes=["nearinit-results-chapter"])
        ref = nodes.reference("", "", internal=True, refuri=app.builder.get_relative_uri(docname, doc))
        number = chapter_number(env, doc)
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
            # Other extensions add to an entry here (the claim ledger's check links, nearinit_book.claims).
            app.emit(ENTRY_EVENT, para, info["docname"], label, docname)
            item += para
            items += item
        section += items
        content.append(section)
    for placeholder in placeholders:
        placeholder.replace_self(content or [nodes.paragraph("", "No numbered results yet.")])


def setup(app):
    app.add_event(ENTRY_EVENT)
    app.add_node(results_index)
    app.add_directive("nearinit-results", ResultsIndex)
    app.connect("doctree-resolved", _fill_results_index)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
