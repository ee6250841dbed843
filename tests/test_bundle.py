"""The book offline (`make bundle-test`): the PDF, the student handouts and the slide decks.

PDF (``_build/pdf/nearinit.pdf``, read with poppler's ``pdftotext`` and with pypdf), against the website
(``_build/html``, the numbers a reader sees):

- every numbered result, exercise and figure of every page has the site's number *and* the site's title (so a
  shifted number cannot pass), every numbered equation's number is there; no unresolved ``??``; no raw macro of
  ``_config.yml`` (``\\fro``, ``\\norm``, ...) outside what the code cells print; every figure of the notebooks is
  drawn in the PDF, as a vector graphic of the figure's own size with its text as text (an SVG output) or as an
  image (a PNG output), on the page of its caption; no word beyond the right edge of the text block (code,
  outputs and tables wrap).

Handouts (``_build/pdf/handouts/<chapter>.pdf``): one per notebook of the table of contents, with the chapter's
numbers as on the site, nbgrader's stub in place of each solution, and no line of a graded solution, of a hidden
test or of a ``website-only`` explanation, each of which the full PDF does show (so the check can fail).

Decks (``_build/slides/<chapter>.html``): one per notebook; the recorded slide metadata is current
(``python -m nearinit_book.slides.mark --check``); each deck opens in headless Chromium (Debian's, through
Playwright, every request leaving the loopback address blocked and recorded) with no request leaving the machine, no
failed request (a file the deck folder does not ship: 404), no console error, all math typeset by MathJax with no
error, no raw MyST (``{prf:``) text and no raw TeX outside code (a formula, a LaTeX output, left untypeset), every
interactive figure of the chapter drawn, and every slide, with all its fragments shown, within reveal.js's slide size.
A screenshot of every slide goes to ``_build/slides-screenshots/``.

Site: after ``make pdf slides`` a site build links every chapter's handout and deck and the front page the book PDF,
and serves those files.
"""

from __future__ import annotations

import functools
import html as htmlmod
import http.server
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import urllib.parse

import pytest
import yaml

from nearinit_book.pdf.handouts import chapters

from conftest import ROOT

HTML = pathlib.Path(os.environ.get("NEARINIT_HTML", ROOT / "_build" / "html"))
PDF_DIR = pathlib.Path(os.environ.get("NEARINIT_PDF", ROOT / "_build" / "pdf"))
SLIDES = pathlib.Path(os.environ.get("NEARINIT_SLIDES", ROOT / "_build" / "slides"))
SHOTS = ROOT / "_build" / "slides-screenshots"
BOOK_PDF = PDF_DIR / "nearinit.pdf"
CHROMIUM = pathlib.Path(os.environ.get("NEARINIT_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
NOTEBOOKS = chapters(ROOT)
STEMS = [p.stem for p in NOTEBOOKS]


def _toc_docs() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]]
    for part in toc.get("parts", []):
        docs += [c["file"] for c in part["chapters"]]
    return docs


TOC_DOCS = _toc_docs()


def _need(path: pathlib.Path, make: str) -> None:
    if not path.exists():
        pytest.fail(f"{path} missing: run `{make}`")


@functools.cache
def pdf_text(pdf: pathlib.Path) -> str:
    _need(pdf, "make pdf")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def _flat(text: str) -> str:
    """Whitespace collapsed, hyphenation at line ends undone, typographic quotes plain: text as a reader sees it."""
    text = re.sub(r"-\n(?=[a-z])", "", text).replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- the site's numbers
def _plain(fragment: str) -> str:
    # Inline math is typeset differently in the PDF: it becomes a stop mark that ends a run of words (math as TeX,
    # or as the site typesets it at build time: MathJax's <mjx-container>, which do not nest).
    fragment = re.sub(r"\\\(.*?\\\)", " \u2016 ", fragment, flags=re.S)
    fragment = re.sub(r"<mjx-container\b.*?</mjx-container>", " \u2016 ", fragment, flags=re.S)
    fragment = re.sub(r"<[^>]+>", "", fragment)
    return htmlmod.unescape(fragment).strip()


def _title_words(title: str, n: int = 3) -> str:
    """The first words of a title before any math (compared with the PDF, which typesets math differently)."""
    words = []
    for word in _plain(title).split():
        if not re.fullmatch(r"[A-Za-z][A-Za-z'’\-,.:;]*", word):
            break
        words.append(word)
        if len(words) == n:
            break
    return _flat(" ".join(words))


@functools.cache
def site_numbers(doc: str) -> list[tuple[str, str]]:
    """[(number text, first title words)] of the numbered items of a built page: results, exercises, figures."""
    page = HTML / f"{doc}.html"
    _need(page, "make site")
    text = page.read_text()
    items = []
    for match in re.finditer(r'<span class="caption-number">([^<]+?)\s*</span>(.*?)</(?:p|figcaption)>', text, re.S):
        number, rest = match.group(1).strip(), match.group(2)
        if not re.search(r"\d", number):
            continue
        if number.startswith("Fig."):
            rest = re.sub(r'^\s*<span class="caption-text">', "", rest)
            items.append((number, _title_words(rest)))
        else:
            title = re.sub(r"^\s*\(", "", _plain(rest)).rstrip(")")
            items.append((number, _title_words(title)))
    return items


@functools.cache
def site_equations(doc: str) -> list[str]:
    page = HTML / f"{doc}.html"
    _need(page, "make site")
    return re.findall(r'<span class="eqno">(\([^<]+\))', page.read_text())


def _missing_numbers(doc: str, text: str) -> list[str]:
    flat = _flat(text)
    missing = []
    for number, words in site_numbers(doc):
        if number.startswith("Fig."):
            pattern = re.escape(number) + r":\s*" + (re.escape(words) if words else "")
        else:
            pattern = re.escape(number) + (r"\s*\(\s*" + re.escape(words) if words else r"\b")
        if not re.search(pattern, flat):
            missing.append(f"{number} {words!r}")
    for eq in site_equations(doc):
        if eq not in flat:
            missing.append(f"equation {eq}")
    return missing


# --------------------------------------------------------------------------- PDF
@pytest.mark.parametrize("doc", TOC_DOCS)
def test_pdf_has_the_sites_numbers(doc):
    missing = _missing_numbers(doc, pdf_text(BOOK_PDF))
    assert not missing, f"{doc}: numbered items of the site not in the PDF with the same number and title: {missing}"


def test_pdf_results_in_site_order():
    """Results and exercises come in the PDF in the site's order (figures float in LaTeX: they are left out)."""
    flat = _flat(pdf_text(BOOK_PDF))
    body = flat[flat.find("Chapter 1") :] if "Chapter 1" in flat else flat
    for doc in TOC_DOCS:
        positions = []
        for number, words in site_numbers(doc):
            if number.startswith("Fig."):
                continue
            pattern = re.escape(number) + r"\s*\(\s*" + re.escape(words)
            match = re.search(pattern, body)
            positions.append(match.start() if match else -1)
        found = [p for p in positions if p >= 0]
        assert found == sorted(found), f"{doc}: numbered items out of the site's order in the PDF"


@pytest.mark.parametrize("pdf", ["nearinit.pdf", *[f"handouts/{s}.pdf" for s in STEMS]])
def test_no_unresolved_reference(pdf):
    text = pdf_text(PDF_DIR / pdf)
    assert "??" not in text, (
        f"{pdf}: unresolved reference(s): ...{text[max(0, text.find('??') - 80) : text.find('??') + 20]}..."
    )


def _macro_names() -> list[str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return sorted(config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"])


def _code_text() -> str:
    """Everything code cells show verbatim (sources and outputs): a macro there is code, not an unrendered macro."""
    out = []
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            out.append("".join(cell["source"]))
            for o in cell.get("outputs", []):
                out.append("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


@pytest.mark.parametrize("pdf", ["nearinit.pdf", *[f"handouts/{s}.pdf" for s in STEMS]])
def test_no_raw_macro(pdf):
    text, code = pdf_text(PDF_DIR / pdf), _code_text()
    raw = {}
    for name in _macro_names():
        pattern = re.compile(r"\\" + name + r"(?![A-Za-z])")
        if len(pattern.findall(text)) > len(pattern.findall(code)):
            raw[name] = len(pattern.findall(text))
    assert not raw, f"{pdf}: macros printed as raw TeX: {raw}"


def _svg_size(svg: str) -> tuple[int, int]:
    """The size in points (rounded) of a matplotlib SVG: its root's ``width="368.39952pt"``, ``height``."""
    root = re.search(r"<svg\b[^>]*>", svg).group(0)
    size = [re.search(rf'\b{k}="([\d.]+)pt"', root) for k in ("width", "height")]
    assert all(size), f"an SVG figure without a size in pt: {root[:200]}"
    return round(float(size[0].group(1))), round(float(size[1].group(1)))


def _notebook_figures(paths=NOTEBOOKS) -> list[tuple]:
    """One entry per image output of the notebooks: ("vector", width, height) for an SVG, ("image",) otherwise."""
    figures = []
    for path in paths:
        for cell in json.loads(path.read_text())["cells"]:
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                if "image/svg+xml" in data:
                    figures.append(("vector", *_svg_size("".join(data["image/svg+xml"]))))
                elif any(k.startswith("image/") for k in data):
                    figures.append(("image",))
    return figures


@functools.cache
def _pdf_figures(pdf: pathlib.Path) -> list[list[tuple]]:
    """Per page, what it draws as a graphic: ("vector", width, height) for an included PDF (a form XObject) whose
    drawing has text (fonts) and content, ("image",) for a raster image."""
    from pypdf import PdfReader

    _need(pdf, "make pdf")
    pages = []
    for page in PdfReader(str(pdf)).pages:
        found = []
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        for xobject in (xobjects.get_object() if xobjects else {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                found.append(("image",))
            elif xobject.get("/Subtype") == "/Form":
                x0, y0, x1, y1 = (float(v) for v in xobject["/BBox"])
                fonts = (xobject.get("/Resources") or {}).get("/Font")
                if fonts and len(xobject.get_data()) > 1000:
                    found.append(("vector", round(x1 - x0), round(y1 - y0)))
        pages.append(found)
    return pages


def _caption_pages(pdf: pathlib.Path) -> dict[int, int]:
    """{page: number of figure captions ("Fig. 3.2:") on it}; the pages as ``pdftotext`` separates them."""
    counts = {}
    for i, text in enumerate(pdf_text(pdf).split("\f")):
        n = len(re.findall(r"Fig\.\s*(?:\d+\.)?\d+:", text))
        if n:
            counts[i] = n
    return counts


def _check_figures(pdf: pathlib.Path, expected: list[tuple]) -> None:
    drawn = _pdf_figures(pdf)
    found = sorted(f for page in drawn for f in page)
    assert found == sorted(expected), (
        f"{pdf.name}: the figures drawn (kind, width, height in pt) are not the notebooks' figures: "
        f"missing {sorted(set(expected) - set(found))}, unexpected {sorted(set(found) - set(expected))}, "
        f"{len(found)} drawn for {len(expected)} image outputs"
    )
    # A figure and its caption are one LaTeX float: every caption's page draws (at least) that many figures.
    apart = [(i + 1, n, len(drawn[i])) for i, n in _caption_pages(pdf).items() if len(drawn[i]) < n]
    assert not apart, f"{pdf.name}: pages (page, captions, figures) with a figure caption but not its figure: {apart}"


def test_every_figure_in_pdf():
    figures = sum(len([n for n, _ in site_numbers(d) if n.startswith("Fig.")]) for d in TOC_DOCS)
    expected = _notebook_figures()
    assert len(expected) >= figures > 0
    assert sum(_caption_pages(BOOK_PDF).values()) == figures, "the PDF does not caption every figure of the site"
    _check_figures(BOOK_PDF, expected)


@pytest.mark.parametrize("stem", STEMS)
def test_every_figure_in_handout(stem):
    _check_figures(PDF_DIR / "handouts" / f"{stem}.pdf", _notebook_figures([ROOT / "book" / f"{stem}.ipynb"]))


@pytest.mark.parametrize("pdf", ["nearinit.pdf", *[f"handouts/{s}.pdf" for s in STEMS]])
def test_within_page_width(pdf):
    """No word beyond the text block's right edge (the running header's rule marks it on every page)."""
    path = PDF_DIR / pdf
    _need(path, "make pdf")
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    pages = bbox.split("<page ")[1:]
    right_edges = []
    for page in pages:
        xs = [float(x) for x in re.findall(r'xMax="([\d.]+)"', page)]
        if xs:
            right_edges.append(max(xs))
    width = float(re.search(r'width="([\d.]+)"', pages[0]).group(1))
    edge = sorted(right_edges)[len(right_edges) // 2]  # the median page fills its lines to the text block's edge
    assert edge < width - 36, "the text block reaches the paper's edge"
    over = [(i + 1, round(x - edge, 1)) for i, x in enumerate(right_edges) if x > edge + 2]
    assert not over, f"{pdf}: pages with text beyond the right margin (page, points over): {over}"


# --------------------------------------------------------------------------- handouts
def _graded_lines(path: pathlib.Path) -> dict[str, list[str]]:
    """Lines a student must not get: solution regions, hidden tests, website-only cells (markdown as plain words)."""
    solution, hidden, explanation = [], [], []
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        for begin, end, sink in (
            ("### BEGIN SOLUTION", "### END SOLUTION", solution),
            ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", hidden),
        ):
            inside = False
            for line in source.splitlines():
                if line.strip() == begin:
                    inside = True
                elif line.strip() == end:
                    inside = False
                elif inside and len(line.strip()) >= 12 and not line.strip().startswith("#"):
                    sink.append(line.strip())
        if "website-only" in cell.get("metadata", {}).get("tags", []):
            explanation += _phrases(source)
    return {"solution": solution, "hidden test": hidden, "website-only": explanation}


def _phrases(markdown: str, n: int = 5) -> list[str]:
    """Runs of at least ``n`` plain words of a markdown cell (math, code, roles and directive lines cut them)."""
    lines = [ln for ln in markdown.splitlines() if not re.match(r"\s*(```|:::|:\w+:)", ln)]
    text = " ".join(lines)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\{[\w:-]+\}|[()\[\]:;*_]", "|", text)
    phrases = []
    for run in text.split("|"):
        words = run.strip(" .,").split()
        if len(words) >= n and all(re.fullmatch(r"[A-Za-z][A-Za-z'\-,.]*", w) for w in words[:n]):
            phrases.append(" ".join(words[:n]))
    return phrases


def _shown_elsewhere(path: pathlib.Path, line: str) -> bool:
    """A line that also appears outside the graded regions (e.g. in the statement) may appear in the handout."""
    text = []
    for cell in json.loads(path.read_text())["cells"]:
        meta = cell.get("metadata", {})
        if meta.get("nbgrader") or "website-only" in meta.get("tags", []):
            continue
        text.append("".join(cell["source"]))
    return line in "\n".join(text)


@pytest.mark.parametrize("stem", STEMS)
def test_handout_has_no_graded_solution(stem):
    path = ROOT / "book" / f"{stem}.ipynb"
    handout = _flat(pdf_text(PDF_DIR / "handouts" / f"{stem}.pdf"))
    book = _flat(pdf_text(BOOK_PDF))
    kinds = _graded_lines(path)
    assert kinds["solution"], f"{stem}: no graded solution lines found (the check would be empty)"
    leaked, controls = [], 0
    for kind, lines in kinds.items():
        for line in lines:
            if _shown_elsewhere(path, line):
                continue
            needle = _flat(line)
            if needle in handout:
                leaked.append(f"{kind}: {line}")
            controls += needle in book
    assert not leaked, f"{stem}: the handout shows graded material: {leaked}"
    # The same search finds the solutions in the full book (which shows them): it is not blind.
    assert controls > 0, f"{stem}: none of the graded lines is found even in the full PDF: the check is blind"
    assert "raise NotImplementedError()" in handout, f"{stem}: the handout lacks nbgrader's stub"
    # Code of the graded cells is searchable in the handout: the lines around the solution regions are found.
    for cell in json.loads(path.read_text())["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            first = "".join(cell["source"]).splitlines()[0].strip()
            assert _flat(first) in handout, f"{stem}: the graded cell's first line {first!r} is not in the handout"


@pytest.mark.parametrize("stem", STEMS)
def test_handout_has_the_sites_numbers(stem):
    missing = _missing_numbers(f"book/{stem}", pdf_text(PDF_DIR / "handouts" / f"{stem}.pdf"))
    # Items of the website-only dropdowns are not in the handout; every other numbered item is.
    missing = [m for m in missing if not m.startswith("Solution")]
    assert not missing, f"{stem}: handout lacks, with the site's number and title: {missing}"


def test_one_handout_per_chapter():
    found = sorted(p.stem for p in (PDF_DIR / "handouts").glob("*.pdf"))
    assert found == sorted(STEMS)


# --------------------------------------------------------------------------- slide metadata and decks
def test_slide_metadata_current():
    result = subprocess.run(
        [sys.executable, "-m", "nearinit_book.slides.mark", "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def deck_server():
    _need(SLIDES, "make slides")
    handler = functools.partial(_Quiet, directory=str(SLIDES))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        yield chromium
        chromium.close()


# Before MathJax loads: record its TeX and processing errors.
MATHJAX_HOOKS = """
window.__mjErrors = [];
window.MathJax = {AuthorInit: function () {
  MathJax.Hub.Register.MessageHook("TeX Jax - parse error", function (m) { window.__mjErrors.push(String(m[1])); });
  MathJax.Hub.Register.MessageHook("Math Processing Error", function (m) { window.__mjErrors.push(String(m[2])); });
}};
"""

AUDIT = """
async () => {
  await new Promise(r => MathJax.Hub.Register.StartupHook("End", r));
  await new Promise(r => MathJax.Hub.Queue(r));
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  const cfg = Reveal.getConfig();
  const slides = [];
  const h = Reveal.getHorizontalSlides();
  for (let i = 0; i < h.length; i++) {
    const vs = h[i].querySelectorAll(':scope > section');
    const n = Math.max(vs.length, 1);
    for (let j = 0; j < n; j++) {
      Reveal.slide(i, j, 1000);
      await new Promise(r => MathJax.Hub.Queue(r));
      // Two animation frames, or 250 ms if headless Chromium produces none (a bare rAF can wait forever).
      await new Promise(r => {
        const t = setTimeout(r, 250);
        requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(t); r(); }));
      });
      const s = Reveal.getCurrentSlide();
      // A box that scrolls or clips (a wide display equation, a long line of code) hides part of the slide.
      // Typeset formulas that show nothing (typeset while hidden, not re-rendered).
      const blank = [...s.querySelectorAll('.MathJax_CHTML')]
        .filter(e => !e.closest('aside') && e.getBoundingClientRect().width < 1).length;
      const clipped = [...s.querySelectorAll('.math.display, pre, .jp-OutputArea-output')]
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).length;
      slides.push({h: i, v: j, height: s.scrollHeight, width: s.scrollWidth, clipped, blank,
                   text: s.innerText.slice(0, 80)});
    }
  }
  // The deck re-renders the math of each slide it shows (slidechanged): let the last one finish.
  await new Promise(r => setTimeout(r, 200));
  await new Promise(r => MathJax.Hub.Queue(r));
  // Every slide's prose (hidden slides too), without code, notes and MathJax's own output and sources: TeX left in it
  // (a backslash command, a $ or \\( delimiter) is a formula MathJax did not typeset.
  const prose = document.querySelector('.reveal .slides').cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, aside, .MathJax, .MathJax_CHTML, .MathJax_Preview, ' +
                         '.MJX_Assistive_MathML, .mjx-chtml').forEach(e => e.remove());
  const text = prose.textContent;
  const RAW = /\\{prf:|\\{ref\\}|\\{eq\\}|\\{numref\\}|\\{cite|```\\{|\\\\[A-Za-z]+|\\\\[()[\\]]|\\$/g;
  const scripts = [...document.querySelectorAll('script[type^="math/tex"]')];
  const untypeset = scripts.filter(s => !document.getElementById(s.id + '-Frame')).map(s => s.textContent);
  // Interactive figures (chapter 6's, book/_extra/interactive/): each drawn (its plot has curves).
  const interactive = [...document.querySelectorAll('.nearinit-worst-case')];
  const drawn = interactive.filter(e => e.querySelectorAll('svg polyline[points]').length > 0).length;
  return {slides, cfgHeight: cfg.height, cfgWidth: cfg.width, math: scripts.length, untypeset,
          interactive: interactive.length, drawn,
          merrors: document.querySelectorAll('.mjx-merror, .MathJax_Error, merror').length,
          mjErrors: window.__mjErrors,
          raw: [...text.matchAll(RAW)].map(m => text.slice(Math.max(0, m.index - 30), m.index + 50))};
}
"""


@functools.cache
def _audit_deck(browser, base: str, stem: str) -> dict:
    outside, console, failed = [], [], []
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    origin = urllib.parse.urlsplit(base).netloc

    def route(r):
        parts = urllib.parse.urlsplit(r.request.url)
        if parts.scheme in {"data", "blob", "about"} or parts.netloc == origin:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    page.add_init_script(MATHJAX_HOOKS)
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    # A file the deck folder does not ship (404), or any other failed request (except those blocked above).
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on(
        "requestfailed",
        lambda r: failed.append(f"{r.failure} {r.url}") if "blockedbyclient" not in (r.failure or "").lower() else None,
    )
    page.goto(f"{base}{stem}.html", wait_until="load")
    page.wait_for_function("window.Reveal && Reveal.isReady && Reveal.isReady() && window.MathJax && MathJax.Hub")
    result = page.evaluate(AUDIT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for slide in result["slides"]:
        page.evaluate(
            f"() => new Promise(r => {{ Reveal.slide({slide['h']}, {slide['v']}, 1000); MathJax.Hub.Queue(r); }})"
        )
        page.wait_for_timeout(50)
        page.screenshot(path=str(SHOTS / f"{stem}-{slide['h']:02d}-{slide['v']:02d}.png"))
    context.close()
    result["outside"], result["console"], result["failed"] = outside, console, failed
    return result


@pytest.mark.parametrize("stem", STEMS)
def test_deck_offline_and_typeset(browser, deck_server, stem):
    _need(SLIDES / f"{stem}.html", "make slides")
    audit = _audit_deck(browser, deck_server, stem)
    assert not audit["outside"], f"{stem}: requests left the machine: {audit['outside'][:5]}"
    assert not audit["failed"], f"{stem}: failed requests (files the deck folder lacks?): {audit['failed'][:5]}"
    assert not audit["console"], f"{stem}: console errors: {audit['console'][:5]}"
    assert audit["math"] > 0, f"{stem}: no math on any slide"
    assert not audit["untypeset"], f"{stem}: formulas not typeset: {audit['untypeset'][:5]} (of {audit['math']})"
    assert not audit["mjErrors"] and audit["merrors"] == 0, f"{stem}: MathJax errors: {audit['mjErrors'][:5]}"
    assert not audit["raw"], f"{stem}: raw MyST or TeX on the slides: {audit['raw'][:5]}"
    blank = [(s["h"], s["v"], s["blank"]) for s in audit["slides"] if s["blank"]]
    assert not blank, f"{stem}: slides (h, v, count) with typeset formulas that show nothing: {blank}"
    source = (ROOT / "book" / f"{stem}.ipynb").read_text()
    expected = source.count('class=\\"nearinit-worst-case\\"')
    assert audit["interactive"] == expected, (
        f"{stem}: {audit['interactive']} interactive figures, the notebook has {expected}"
    )
    assert audit["drawn"] == expected, (
        f"{stem}: interactive figures not drawn: {expected - audit['drawn']} of {expected}"
    )


@pytest.mark.parametrize("stem", STEMS)
def test_deck_slides_within_viewport(browser, deck_server, stem):
    audit = _audit_deck(browser, deck_server, stem)
    assert len(audit["slides"]) >= 5, f"{stem}: only {len(audit['slides'])} slides"
    over = [
        (s["h"], s["v"], s["height"], s["width"], s["text"])
        for s in audit["slides"]
        if s["height"] > audit["cfgHeight"] + 1 or s["width"] > audit["cfgWidth"] + 1 or s["clipped"]
    ]
    assert not over, f"{stem}: slides larger than {audit['cfgWidth']}x{audit['cfgHeight']} or clipping a box: {over}"


# --------------------------------------------------------------------------- the site serves and links them
@pytest.mark.parametrize("stem", STEMS)
def test_site_links_handout_and_deck(stem):
    page = HTML / "book" / f"{stem}.html"
    _need(page, "make site")
    text = page.read_text()
    for href in (f"../pdf/handouts/{stem}.pdf", f"../slides/{stem}.html"):
        assert f'href="{href}"' in text, f"{page.name} does not link {href} (build the site after `make pdf slides`)"
        assert (page.parent / href).resolve().is_file(), f"{href} linked from {page.name} is not in the site"


def test_front_page_links_book_pdf():
    root_doc = TOC_DOCS[0]
    page = HTML / f"{root_doc}.html"
    _need(page, "make site")
    href = "../" * root_doc.count("/") + "pdf/nearinit.pdf"
    assert f'href="{href}"' in page.read_text(), f"the front page does not link {href}"
    assert (page.parent / href).resolve().is_file()
