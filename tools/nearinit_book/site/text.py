r"""Plain-text readings of the book's TeX, for places MathJax does not reach.

A page's ``<title>`` (browser tab, bookmarks, search engines), the search index and the search summaries show text,
not typeset math: ``\(10^{12}\)`` there should read ``10¹²``. :func:`tex_to_text` turns the TeX the book uses
(Greek letters, relations, scripts, fractions, the macros of ``_config.yml``) into Unicode; a macro it does not know
loses its backslash, so no raw TeX is left either way.
"""

from __future__ import annotations

import html
import re

SYMBOLS = {
    "to": "→",
    "infty": "∞",
    "neq": "≠",
    "ne": "≠",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "cdot": "·",
    "times": "×",
    "in": "∈",
    "notin": "∉",
    "subset": "⊂",
    "subseteq": "⊆",
    "cup": "∪",
    "cap": "∩",
    "approx": "≈",
    "sim": "∼",
    "propto": "∝",
    "pm": "±",
    "mid": "|",
    "top": "ᵀ",
    "prime": "′",
    "partial": "∂",
    "nabla": "∇",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "ell": "ℓ",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "langle": "⟨",
    "rangle": "⟩",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "mapsto": "↦",
    "Rightarrow": "⇒",
    "implies": "⇒",
    "iff": "⇔",
    "forall": "∀",
    "exists": "∃",
    "setminus": "∖",
    "emptyset": "∅",
    "varnothing": "∅",
    "circ": "∘",
    "star": "⋆",
    "ll": "≪",
    "gg": "≫",
    "lesssim": "≲",
    "gtrsim": "≳",
    "coloneqq": "≔",
    "equiv": "≡",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "vartheta": "ϑ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    # the book's macros (_config.yml)
    "R": "ℝ",
    "E": "𝔼",
    "Prob": "ℙ",
    "ind": "𝟙",
    "N": "𝒩",
}
BLACKBOARD = {"R": "ℝ", "E": "𝔼", "P": "ℙ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "1": "𝟙"}
CALLIGRAPHIC = {"N": "𝒩", "P": "𝒫", "L": "ℒ", "O": "𝒪", "F": "ℱ", "H": "ℋ", "S": "𝒮", "A": "𝒜", "B": "ℬ"}
SUPERSCRIPT = str.maketrans("0123456789+-=()nijkmT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱʲᵏᵐᵀ")
SUBSCRIPT = str.maketrans("0123456789+-=()aeijkmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₘₙₒₚᵣₛₜᵤᵥₓ")
# (macro, number of arguments, how the arguments read)
WRAPPERS = {
    "norm": (1, "‖{0}‖"),
    "abs": (1, "|{0}|"),
    "fro": (1, "‖{0}‖_F"),
    "ip": (2, "⟨{0}, {1}⟩"),
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
            if name in {"mathbb", "mathcal"}:
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
            elif name in SYMBOLS:
                out.append(SYMBOLS[name])
            elif name in {",", ";", ":", "!", " ", "quad", "qquad"}:
                out.append(" " if name not in {"!", ","} else "")
            elif name in {
                "left",
                "right",
                "big",
                "Big",
                "bigg",
                "Bigg",
                "bigl",
                "bigr",
                "Bigl",
                "Bigr",
                "displaystyle",
            }:
                pass
            elif name in {"{", "}", "_", "%", "&", "#", "$", "|"}:
                out.append("‖" if name == "|" else name)
            elif name in {
                "ln",
                "log",
                "exp",
                "sin",
                "cos",
                "max",
                "min",
                "sup",
                "inf",
                "lim",
                "det",
                "tr",
                "relu",
                "sign",
                "erf",
            }:
                out.append(name)
            else:
                out.append(name)  # unknown macro: its name, without the backslash
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
