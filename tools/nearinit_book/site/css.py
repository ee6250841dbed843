"""Drop the rules of a stylesheet that match nothing on the site (the theme's bundled Bootstrap is mostly unused).

A rule's selector is kept when every class it names appears on the site: in a ``class`` attribute of some page, or
as a word in some script (classes the theme's and Bootstrap's scripts add at run time: ``show``, ``collapsing``...).
At-rules are kept as they are (their inner rules filtered the same way), as are selectors without classes.
"""

from __future__ import annotations

import re

_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside parentheses and brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _blocks(css: str):
    """Yield (prelude, body) of the top-level blocks of ``css`` (body without its braces); comments removed."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    i, n = 0, len(css)
    while i < n:
        j = css.find("{", i)
        if j < 0:
            break
        semi = css.find(";", i)
        if 0 <= semi < j:  # a statement at-rule (@import, @charset)
            yield css[i : semi + 1].strip(), None
            i = semi + 1
            continue
        depth, k = 0, j
        while k < n:
            if css[k] == "{":
                depth += 1
            elif css[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        yield css[i:j].strip(), css[j + 1 : k]
        i = k + 1


def purge(css: str, used: set[str]) -> str:
    out = []
    for prelude, body in _blocks(css):
        if body is None:
            out.append(prelude)
        elif prelude.startswith("@"):
            if re.match(r"@(media|supports|layer|container)\b", prelude):
                inner = purge(body, used)
                if inner:
                    out.append(f"{prelude}{{{inner}}}")
            else:  # @font-face, @keyframes, @page...
                out.append(f"{prelude}{{{body}}}")
        else:
            keep = [s for s in _split_top(prelude, ",") if set(_CLASS.findall(s)) <= used]
            if keep:
                out.append(f"{','.join(keep)}{{{body}}}")
    return "".join(out)


def used_classes(html_texts, script_texts) -> set[str]:
    used = set()
    for text in html_texts:
        for attr in re.findall(r'class="([^"]*)"', text):
            used.update(attr.split())
    for text in script_texts:
        used.update(re.findall(r"[A-Za-z_][\w-]*", text))
    return used
