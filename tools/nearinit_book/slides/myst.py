r"""MyST markdown of the chapters as HTML for reveal.js: directives, roles and math rendered, numbers as on the site.

nbconvert renders a markdown cell with plain markdown, so ``{prf:lemma}`` blocks, ``{prf:ref}`` roles and labelled
equations would show as raw text. `render` turns a MyST block into HTML instead:

- ``{prf:...}`` statements and ``{exercise}`` get their title with the site's number ("Lemma 5.1 (Title)"),
  ``{prf:proof}`` starts with *Proof.*, ``{solution}`` is titled "Solution to Exercise 5.2";
  ``{literalinclude}`` shows the included function (``:pyobject:``) or file;
- ``{prf:ref}``, ``{ref}``, ``{numref}``, ``{eq}`` become the text the site shows ("Lemma 5.1", the section's
  title, "Fig. 3.2", "(3.1)"), ``{cite:t}`` / ``{cite:p}`` "Author (Year)" / "(Author, Year)";
- math goes to MathJax as ``\( \)`` / ``\[ \]``; a labelled equation gets its number with ``\tag``.

An unknown directive or role is an error (``MystError``), never raw text on a slide. The numbers come from a Sphinx
environment of the book (`Numbers`), so they are the website's.
"""

from __future__ import annotations

import ast
import html
import json
import pathlib
import pickle
import re

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from nearinit_book.toc import ROOT

_FENCE = re.compile(r"^(`{3,}|:{3,})\s*\{([^}]+)\}[ \t]*(.*)$")
_EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>\s*$", re.S)


class MystError(ValueError):
    """A directive, role or label the slides cannot render."""


class Numbers:
    """Numbers and titles of the book's labels, read from a pickled Sphinx environment of the whole book."""

    def __init__(self, environment_pickle: pathlib.Path, root: pathlib.Path = ROOT):
        with open(environment_pickle, "rb") as f:
            env = pickle.load(f)
        self.fignumbers = env.toc_fignumbers
        self.secnumbers = env.toc_secnumbers
        self.proofs = {k: (v["docname"], v["realtype"]) for k, v in env.proof_list.items()}
        self.exercises = {k: v["docname"] for k, v in getattr(env, "sphinx_exercise_registry", {}).items()}
        self.labels = dict(env.domaindata["std"]["labels"])  # label -> (docname, id, title text)
        self.equations = {k: v[0] for k, v in env.domaindata["math"]["objects"].items()}  # label -> docname
        self.figure_format = env.config.numfig_format.get("figure", "Fig. %s")
        self.heading_sources = _heading_sources(root)
        self.citations = _citations(root / "book" / "references.bib")

    @staticmethod
    def _join(number) -> str:
        return ".".join(map(str, number))

    def chapter(self, docname: str) -> str:
        number = self.secnumbers.get(docname, {}).get("")
        return self._join(number) if number else ""

    def result(self, label: str) -> str:
        """ "Lemma 5.1" for a sphinx-proof label (or "Lemma" if unnumbered on the site)."""
        if label not in self.proofs:
            raise MystError(f"no prf: result labelled {label!r}")
        docname, realtype = self.proofs[label]
        number = self.fignumbers.get(docname, {}).get(realtype, {}).get(label)
        return f"{realtype.title()} {self._join(number)}" if number else realtype.title()

    def exercise(self, label: str) -> str:
        if label not in self.exercises:
            raise MystError(f"no exercise labelled {label!r}")
        number = self.fignumbers.get(self.exercises[label], {}).get("exercise", {}).get(label)
        return f"Exercise {self._join(number)}" if number else "Exercise"

    def figure(self, label: str) -> str:
        if label.lower() not in self.labels:  # Sphinx keeps labels lower-cased
            raise MystError(f"no figure labelled {label!r}")
        docname, target, _ = self.labels[label.lower()]
        number = self.fignumbers.get(docname, {}).get("figure", {}).get(target)
        if not number:
            raise MystError(f"figure {label!r} has no number")
        return self.figure_format % self._join(number)

    def equation(self, label: str) -> str:
        if label not in self.equations:
            raise MystError(f"no equation labelled {label!r}")
        docname = self.equations[label]
        number = self.fignumbers.get(docname, {}).get("displaymath", {}).get(f"equation-{label}")
        if not number:
            raise MystError(f"equation {label!r} has no number")
        return self._join(number)

    def title_source(self, label: str) -> str:
        """The MyST source of the heading a ``{ref}`` names (math included), else Sphinx's title text."""
        if label in self.heading_sources:
            return self.heading_sources[label]
        if label.lower() in self.labels:
            return html.escape(self.labels[label.lower()][2])
        raise MystError(f"no label {label!r}")


def _heading_sources(root: pathlib.Path) -> dict[str, str]:
    """{label: heading source} for every ``(label)=`` line followed by a heading, in the book's sources."""
    import json

    found = {}
    for path in sorted((root / "book").glob("*.*")):
        if path.suffix == ".ipynb":
            texts = [
                "".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown"
            ]
        elif path.suffix == ".md":
            texts = [path.read_text()]
        else:
            continue
        for text in texts:
            for match in re.finditer(r"^\(([^)\s]+)\)=\s*\n+#+\s+(.+)$", text, re.M):
                found[match.group(1)] = match.group(2).strip()
    return found


def _citations(bib: pathlib.Path) -> dict[str, tuple[str, str]]:
    """{key: (authors, year)}: "Telgarsky" / "Jacot et al." as sphinxcontrib-bibtex's author_year style shows."""
    from pybtex.database import parse_file

    out = {}
    for key, entry in parse_file(str(bib)).entries.items():
        people = entry.persons.get("author", []) or entry.persons.get("editor", [])
        names = [" ".join(p.last_names) for p in people]
        if len(names) > 2:
            authors = f"{names[0]} et al."
        elif len(names) == 2:
            authors = f"{names[0]} and {names[1]}"
        else:
            authors = names[0] if names else key
        out[key] = (_latex_text(authors), entry.fields.get("year", ""))
    return out


def _latex_text(text: str) -> str:
    return re.sub(r"[{}]", "", text.replace("\\'", "").replace('\\"', ""))


def glued_values(notebook: pathlib.Path) -> dict[str, str]:
    """``{name: text/plain}`` of every value the notebook's cells stored with myst-nb's ``glue``."""
    values = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook")
            if meta:
                values[meta["name"]] = out["data"][meta.get("mime_prefix", "") + "text/plain"]
    return values


class Renderer:
    """MyST markdown -> HTML for one chapter (``docname``), with `Numbers` for every reference."""

    def __init__(self, numbers: Numbers, docname: str, root: pathlib.Path = ROOT):
        self.numbers = numbers
        self.docname = docname
        self.root = root
        self._glue = None  # the chapter's glued values, read on the first {glue:text}
        self.md = (
            MarkdownIt("commonmark", {"html": True})
            .use(dollarmath_plugin, allow_labels=True, allow_space=True, allow_digits=True, double_inline=True)
            .use(amsmath_plugin)
            .use(colon_fence_plugin)
            .use(deflist_plugin)
            .use(myst_block_plugin)
            .use(myst_role_plugin)
            .enable("table")
        )
        rules = self.md.add_render_rule
        rules("math_inline", lambda s, tokens, idx, o, e: rf"\({html.escape(tokens[idx].content)}\)")
        rules("math_inline_double", lambda s, tokens, idx, o, e: rf"\[{html.escape(tokens[idx].content)}\]")
        rules("math_block", lambda s, tokens, idx, o, e: self._display(tokens[idx].content, ""))
        rules("math_block_label", lambda s, tokens, idx, o, e: self._display(tokens[idx].content, tokens[idx].info))
        rules("amsmath", lambda s, tokens, idx, o, e: self._display(tokens[idx].content, ""))
        rules("myst_role", lambda s, tokens, idx, o, e: self._role(tokens[idx].meta["name"], tokens[idx].content))
        rules("myst_target", lambda s, tokens, idx, o, e: "")
        rules("myst_line_comment", lambda s, tokens, idx, o, e: "")
        rules("myst_block_break", lambda s, tokens, idx, o, e: "")
        rules("fence", lambda s, tokens, idx, o, e: self._fence(tokens[idx]))
        rules("colon_fence", lambda s, tokens, idx, o, e: self._fence(tokens[idx]))

    def render(self, source: str) -> str:
        return self.md.render(source)

    def inline(self, source: str) -> str:
        return self.md.renderInline(source)

    # ------------------------------------------------------------------ math
    def _display(self, content: str, label: str) -> str:
        tag = rf" \tag{{{self.numbers.equation(label)}}}" if label else ""
        return f'<div class="math display">\\[{html.escape(content.strip())}{tag}\\]</div>\n'

    # ------------------------------------------------------------------ roles
    def _role(self, name: str, content: str) -> str:
        text, target = None, content.strip()
        match = _EXPLICIT.match(content)
        if match and name in {"ref", "numref", "prf:ref", "doc"}:
            text, target = match.group(1), match.group(2).strip()
        if name == "prf:ref":
            return self._ref_span(self.inline(text) if text else self.numbers.result(target))
        if name == "numref":
            if target in self.numbers.exercises:
                return self._ref_span(self.numbers.exercise(target))
            number = self.numbers.figure(target)
            if text:
                return self._ref_span(self.inline(text.replace("%s", number.split()[-1])))
            return self._ref_span(number)
        if name == "ref":
            if text:
                return self._ref_span(self.inline(text))
            if target in self.numbers.exercises:
                return self._ref_span(self.numbers.exercise(target))
            if target in self.numbers.proofs:
                return self._ref_span(self.numbers.result(target))
            return self._ref_span(f"<em>{self.inline(self.numbers.title_source(target))}</em>")
        if name == "eq":
            return self._ref_span(f"({self.numbers.equation(target)})")
        if name == "glue:text":
            return html.escape(self._glue_text(target))
        if name in {"cite:t", "cite:p"}:
            cited = []
            for key in (k.strip() for k in target.split(",")):
                if key not in self.numbers.citations:
                    raise MystError(f"no reference {key!r} in references.bib")
                authors, year = self.numbers.citations[key]
                cited.append(f"{authors} ({year})" if name == "cite:t" else f"{authors}, {year}")
            joined = "; ".join(cited)
            return html.escape(joined if name == "cite:t" else f"({joined})")
        raise MystError(f"role {{{name}}} is not rendered on slides")

    def _glue_text(self, target: str) -> str:
        """A ``{glue:text}`key:fmt``` role, as myst-nb renders it: the glued value (text/plain), formatted."""
        key, _, spec = target.partition(":")
        if self._glue is None:
            self._glue = glued_values(self.root / f"{self.docname}.ipynb")
        if key not in self._glue:
            raise MystError(f"no glued value {key!r} in {self.docname}")
        value = self._glue[key]
        return format(float(value), spec) if spec else value

    @staticmethod
    def _ref_span(inner: str) -> str:
        return f'<span class="xref">{inner}</span>'

    # ------------------------------------------------------------------ directives
    def _fence(self, token) -> str:
        info = token.info.strip()
        if not info.startswith("{"):
            lang = html.escape(info.split()[0]) if info else ""
            return f'<pre class="code"><code class="language-{lang}">{html.escape(token.content)}</code></pre>\n'
        name = info[1:].split("}", 1)[0].strip()
        argument = info.split("}", 1)[1].strip() if "}" in info else ""
        opts, body = split_options(token.content)
        return self.directive(name, argument, opts, body)

    def directive(self, name: str, argument: str, opts: dict[str, str], body: str) -> str:
        label = opts.get("label", "")
        if name.startswith("prf:") and name != "prf:proof":
            realtype = name.split(":", 1)[1]
            heading = self.numbers.result(label) if label else realtype.title()
            title = f" ({self.inline(argument)})" if argument else ""
            return self._box(f"prf prf-{realtype}", f"<strong>{heading}</strong>{title}", self.render(body))
        if name == "prf:proof":
            return f'<div class="prf prf-proof"><em>Proof.</em> {self.render(body)}<span class="qed">□</span></div>\n'
        if name == "exercise":
            heading = self.numbers.exercise(label) if label else "Exercise"
            title = f" ({self.inline(argument)})" if argument else ""
            return self._box("exercise", f"<strong>{heading}</strong>{title}", self.render(body))
        if name == "solution":
            return self._box(
                "solution", f"<strong>Solution to {self.numbers.exercise(argument)}</strong>", self.render(body)
            )
        if name == "literalinclude":
            return self._literalinclude(argument, opts)
        if name in {"note", "warning", "important", "tip", "admonition"}:
            head = self.inline(argument) if name == "admonition" else name.title()
            return self._box(f"admonition {name}", f"<strong>{head}</strong>", self.render(body))
        raise MystError(f"directive {{{name}}} is not rendered on slides")

    @staticmethod
    def _box(classes: str, heading: str, body: str) -> str:
        return f'<div class="{classes}"><p class="box-title">{heading}</p>{body}</div>\n'

    def _literalinclude(self, argument: str, opts: dict[str, str]) -> str:
        path = (self.root / self.docname).parent / argument
        text = path.read_text()
        if "pyobject" in opts:
            text = _pyobject(text, opts["pyobject"], path)
        return f'<pre class="code"><code class="language-python">{html.escape(text)}</code></pre>\n'


def _pyobject(source: str, name: str, path: pathlib.Path) -> str:
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and node.name == name.split(".")[-1]:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return "\n".join(lines[start - 1 : node.end_lineno])
    raise MystError(f"{path}: no object {name!r} for literalinclude")


def split_options(content: str) -> tuple[dict[str, str], str]:
    """A directive's ``:key: value`` option lines and its body."""
    opts: dict[str, str] = {}
    lines = content.splitlines()
    i = 0
    while i < len(lines) and re.match(r"^:[\w-]+:", lines[i].strip()):
        key, _, value = lines[i].strip()[1:].partition(":")
        opts[key] = value.strip()
        i += 1
    return opts, "\n".join(lines[i:]).strip("\n")
