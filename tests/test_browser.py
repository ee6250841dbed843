"""The website as a reader meets it: every page of ``_toc.yml`` opened in headless Chromium.

The site is served from the built HTML directory on a loopback port; every request that would leave the loopback
address is blocked and recorded. Each page is opened once in a fresh browser context (a first visit: empty
storage) and audited; the tests below then assert one property each, per page:

- no JavaScript console error and no uncaught exception;
- no request left the loopback address (the site works offline);
- all math typeset at build time (nearinit_book.site.prerender): every ``.math`` node holds MathJax's output, no
  ``mjx-merror``, no raw TeX left as text, and the page loads no MathJax script (nothing is typeset while reading);
- every image loaded, with a meaningful alt text (not empty, not a file name);
- every internal link and cross-reference resolves to an existing file and anchor;
- figures, equations, results and exercises carry their numbers; every chapter figure has a numbered caption;
- every solution is a dropdown that opens on click and shows its content;
- no axe-core violation of impact "serious" or "critical" (light theme; colour contrast also in dark theme);
- figures readable in the dark theme (an image with transparent pixels sits on a light backdrop);
- no horizontal overflow of the page at desktop and phone widths (wide equations scroll in their own box);
- the lazy sections (``content-visibility: auto``) all render as the page is read through, a screen at a time, and
  a chapter read on a phone from its first visit has no inline formula cut off (the other checks run after the
  read-through, with every section laid out);
- the "how to run this chapter locally" page and the repository are linked from every page;
- a chapter's download button downloads its ``.ipynb`` (a valid notebook).

Besides: the search page finds "anti-concentration" in chapter ``05_anticoncentration`` (once it is in the table
of contents).

A full-page screenshot of each page, light and dark, goes to ``_build/screenshots/`` for a person to look at.

Environment: ``NEARINIT_HTML`` (built site, default ``_build/html``), ``NEARINIT_TOC`` / ``NEARINIT_CONFIG``
(default the repository's ``_toc.yml`` / ``_config.yml``), ``NEARINIT_SCREENSHOTS`` (default: ``screenshots`` next
to the HTML directory), ``NEARINIT_CHROMIUM`` (default ``/usr/bin/chromium``). Without Chromium, Playwright,
axe-core or a built site the tests are skipped with the reason, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import pathlib
import re
import threading
import urllib.parse
from html.parser import HTMLParser

import pytest
import yaml

from nearinit_book.site.server import CHROMIUM_FLAGS
from nearinit_book.toc import ROOT, toc_pages

HTML = pathlib.Path(os.environ.get("NEARINIT_HTML", ROOT / "_build" / "html")).resolve()
TOC = pathlib.Path(os.environ.get("NEARINIT_TOC", ROOT / "_toc.yml"))
CONFIG = pathlib.Path(os.environ.get("NEARINIT_CONFIG", ROOT / "_config.yml"))
SCREENSHOTS = pathlib.Path(os.environ.get("NEARINIT_SCREENSHOTS", HTML.parent / "screenshots"))
CHROMIUM = pathlib.Path(os.environ.get("NEARINIT_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# NEARINIT_ALL_SCREENSHOTS=1: also dark-theme and phone screenshots, and axe's colour contrast in the dark theme.
ALL_SCREENSHOTS = os.environ.get("NEARINIT_ALL_SCREENSHOTS", "") not in {"", "0"}

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000
AUDIT_WORKERS = int(os.environ.get("NEARINIT_BROWSER_WORKERS", "2"))


def _toc_pages(toc_path: pathlib.Path = TOC) -> list[str]:
    """Every document of the table of contents, in reading order (the shared walker, nearinit_book.toc)."""
    return toc_pages(toc_path)


def _config() -> dict:
    return yaml.safe_load(CONFIG.read_text())


PAGES = _toc_pages()


def _missing_prerequisite() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (Debian: `apt-get install chromium`; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pinned in requirements.txt)"
    if not (HTML / "index.html").exists():
        return f"no built website at {HTML} (run `make site`, or set NEARINIT_HTML)"
    return None


_MISSING = _missing_prerequisite()
if _MISSING:
    if IN_CI:
        pytest.fail(f"browser tests cannot run under CI: {_MISSING}", pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {_MISSING}", allow_module_level=True)


# --------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def server():
    """Serve the built site on an ephemeral loopback port, text gzip-compressed as web hosts send it
    (tools/nearinit_book/site/server.py); yield its base URL."""
    from nearinit_book.site.server import serve

    httpd, base = serve(HTML)
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Session:
    """Opens pages in fresh, offline browser contexts and caches each page's audit."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base = base_url
        self.origin = urllib.parse.urlsplit(base_url).netloc
        self.audits: dict[str, Audit | Exception] = {}

    def is_local(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        return parts.scheme in {"data", "blob", "about"} or (
            parts.scheme in {"http", "https"} and parts.netloc == self.origin
        )

    def new_context(self, outside: list[str], **kwargs):
        context = self.browser.new_context(**{"viewport": DESKTOP, **kwargs})
        context.set_default_timeout(TIMEOUT_MS)

        def route(r):
            if self.is_local(r.request.url):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort("blockedbyclient")

        context.route("**/*", route)
        return context

    def audit(self, page_name: str) -> Audit:
        """The page's audit; a page that could not be audited fails each of its tests with the reason."""
        if not self.audits:
            self.audits.update(_audit_all(self.base, PAGES))
        result = self.audits[page_name]
        if isinstance(result, Exception):
            pytest.fail(f"{page_name}: could not open and audit the page: {type(result).__name__}: {result}")
        return result


def _audit_all(base: str, pages: list[str]) -> dict[str, Audit | Exception]:
    """Audit every page, in AUDIT_WORKERS threads, each with its own Playwright and Chromium.

    (Playwright's sync API is not thread-safe, one instance per thread is; axe-core takes most of the time and runs
    in each page's renderer process, so two workers use both cores.)
    """
    from playwright.sync_api import sync_playwright

    results: dict[str, Audit | Exception] = {}

    def work(share: list[str]) -> None:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
            try:
                worker = Session(chromium, base)
                for page_name in share:
                    try:
                        results[page_name] = _audit(worker, page_name)
                    except Exception as exc:
                        results[page_name] = exc
            finally:
                chromium.close()

    shares = [pages[k::AUDIT_WORKERS] for k in range(AUDIT_WORKERS)]
    threads = [threading.Thread(target=work, args=(share,)) for share in shares if share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture(scope="session")
def session(browser, server):
    return Session(browser, server)


# ------------------------------------------------------------------------------------------------ the audit


@dataclasses.dataclass
class Audit:
    page: str
    url: str
    console_errors: list[str]
    outside_requests: list[str]
    http_errors: list[str]
    facts: dict  # what _COLLECT_JS returned
    phone: dict  # what _PHONE_JS returned at phone width
    cls: float  # cumulative layout shift of the first visit, until typeset and still
    transferred: int  # bytes of every response of the first visit
    requested: list[str]  # paths of the site the first visit requested
    dropdowns: list[str]  # problems opening solution dropdowns
    axe_light: list[dict] | None
    axe_dark: list[dict] | None
    dark_images: list[dict]
    phone_overflow: int
    unrendered: list[str]  # lazy sections that never reported being rendered while the page was read through


_CLS_INIT = """
window.__nearinitCLS = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__nearinitCLS += e.value;
}).observe({ type: "layout-shift", buffered: true });
"""
MAX_PAGE_BYTES = 1.5e6  # transferred, served gzip-compressed as web hosts serve it (tools/nearinit_book/site/server.py)
MAX_PAGE_BYTES_RAW = 2.0e6  # the same files uncompressed
MAX_CLS = 0.05
MIN_FIGURE_FONT_PX = 9.0


# Gathers, in one pass over the typeset page, everything the per-page tests assert on.
_COLLECT_JS = r"""
() => {
  // Not shown on screen or not prose (the print-only title repeats the page title as plain text).
  const SKIP = "pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight, dialog, template, .onlyprint";
  const RAW_TEX = /\$[^$\s][^$]*\$|\$\$|\\\(|\\\)|\\\[|\\\]|\\(begin|end)\{|\\[A-Za-z]{2,}/;
  const rawTex = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(SKIP)) continue;
    const m = node.textContent.match(RAW_TEX);
    if (m) {
      const t = node.textContent, i = Math.max(0, m.index - 40);
      rawTex.push(t.slice(i, m.index + 60).replace(/\s+/g, " ").trim());
    }
  }
  const short = (s) => (s || "").replace(/\s+/g, " ").trim().slice(0, 120);
  const untypeset = [...document.querySelectorAll(".math")]
    .filter((el) => !el.querySelector("mjx-container"))
    .map((el) => short(el.textContent));
  // A MathJax error, with the plain reading of the formula it is in.
  const merrors = [...document.querySelectorAll("mjx-merror")].map((el) => {
    const math = el.closest(".math");
    const where = math ? math.getAttribute("data-text") || short(math.textContent) : "";
    return short(el.getAttribute("data-mjx-error") || el.textContent) + (where ? ` in: ${where}` : "");
  });

  const article = document.querySelector("article.bd-article") || document.body;
  const articleBox = article.getBoundingClientRect();
  const images = [...document.querySelectorAll("img")].map((img) => {
    const r = img.getBoundingClientRect();
    const style = getComputedStyle(img);
    return {
      src: img.getAttribute("src"), alt: img.getAttribute("alt"),
      complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
      width: r.width, left: r.left, right: r.right,
      displayed: style.display !== "none" && style.visibility !== "hidden" && img.offsetParent !== null,
      inArticle: article.contains(img), inCellOutput: !!img.closest(".cell_output, .output"),
      inNumberedFigure: !!img.closest("figure")?.querySelector("figcaption .caption-number"),
      decorative: img.getAttribute("role") === "presentation" || img.getAttribute("aria-hidden") === "true",
    };
  });

  const links = [...document.querySelectorAll("a[href]")].map((a) => ({
    href: a.href, raw: a.getAttribute("href"), text: short(a.textContent),
  }));
  // Sphinx renders a reference it could not resolve as an .xref outside any link.
  const deadXrefs = [...document.querySelectorAll(".xref")]
    .filter((el) => !el.closest("a")).map((el) => short(el.textContent));

  const unnumbered = [];
  for (const fig of article.querySelectorAll("figure")) {
    if (!fig.querySelector("figcaption .caption-number")) {
      unnumbered.push("figure " + (fig.id || short(fig.textContent)));
    }
  }
  for (const eq of article.querySelectorAll("div.math[id^='equation-']")) {
    if (!eq.querySelector(".eqno")) unnumbered.push("equation " + eq.id);
  }
  // sphinx-proof / sphinx-exercise blocks with a label (the bare {prf:proof} block is not numbered).
  for (const blk of article.querySelectorAll(".proof.admonition[id], .exercise.admonition[id]")) {
    if (blk.classList.length <= 2 && blk.classList.contains("proof")) continue;  // "proof admonition"
    if (!blk.querySelector(".admonition-title .caption-number")) unnumbered.push("result " + blk.id);
  }

  // Display math that sticks out of the text column without a scroll box of its own.
  const overflowingMath = [];
  for (const el of article.querySelectorAll("mjx-container[display='true']")) {
    const r = el.getBoundingClientRect();
    if (r.right <= articleBox.right + 1) continue;
    let scrolls = false;
    for (let p = el.parentElement; p && p !== article; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if ((ox === "auto" || ox === "scroll") && p.getBoundingClientRect().right <= articleBox.right + 1) {
        scrolls = true; break;
      }
    }
    if (!scrolls) overflowingMath.push(short(el.closest(".math")?.id || el.textContent));
  }
  // Display math wider than its box at this (desktop) width: the reader has to scroll it sideways.
  const wideMath = [];
  for (const el of article.querySelectorAll("mjx-container[display='true']")) {
    const box = el.closest("div.math") || el.parentElement;
    const math = el.querySelector("mjx-math");
    const eqno = box.querySelector(":scope > .eqno");
    const room = box.clientWidth - (eqno ? eqno.getBoundingClientRect().width : 0);
    const width = math ? math.getBoundingClientRect().width : 0;
    if (width > room + 1) {
      const name = box.id || short(box.textContent).slice(0, 60);
      wideMath.push(`${name}: ${Math.round(width)}px in ${Math.round(room)}px`);
    }
  }
  const clippedImages = images
    .filter((i) => i.inArticle && i.displayed && i.right > articleBox.right + 1)
    .map((i) => i.src);

  const solutions = [...article.querySelectorAll(".solution")].map((el) => ({
    id: el.id, dropdown: el.classList.contains("dropdown"),
  }));

  // Code, printed output and tables wider than their box at this width: cut off, or scrolled sideways.
  const cutCode = [];
  const boxes = article.querySelectorAll(
    "div.cell_input pre, div.cell_output pre, div.cell_output .output, div.highlight pre, " +
    ".pst-scrollable-table-container"
  );
  for (const box of boxes) {
    if (box.scrollWidth > box.clientWidth + 1) {
      const lines = box.textContent.split("\n");
      const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
      const kind = box.closest(".cell_output") ? "output"
        : box.closest(".cell_input, div.highlight") ? "code" : "table";
      cutCode.push(`${kind}: ${box.scrollWidth - box.clientWidth}px cut of ${box.clientWidth}px: ${short(longest)}`);
    }
  }
  // One cell's printed output split over boxes: text outputs (stream, plain text) next to each other.
  const TEXT_OUTPUT = ".output.stream, .output.text_plain, .output.stderr";
  const splitOutputs = [];
  for (const out of article.querySelectorAll(".cell_output")) {
    const kids = [...out.children];
    for (let i = 1; i < kids.length; i++) {
      if (kids[i].matches(TEXT_OUTPUT) && kids[i - 1].matches(TEXT_OUTPUT)) {
        const source = out.closest(".cell")?.querySelector(".cell_input")?.textContent;
        splitOutputs.push(short(source || out.textContent).slice(0, 80));
        break;
      }
    }
  }
  // sympy results printed as Python expressions (6**(1/3)*B**(2/3), sqrt(2)) instead of typeset.
  const SYMPY_ASCII = /[\w)]\*\*[\w(]|\bRational\(|\bSymbol\(/;
  const asciiMath = [...article.querySelectorAll(".cell_output pre")]
    .map((pre) => pre.textContent.split("\n").find((line) => SYMPY_ASCII.test(line)))
    .filter(Boolean).map(short);
  // Formulas in the keyboard's tab order.
  const mathTabStops = [...article.querySelectorAll("mjx-container, mjx-container [tabindex]")]
    .filter((el) => el.hasAttribute("tabindex") && el.tabIndex >= 0).length;
  // Bare proofs ({prf:proof}) and their end mark; errata links inside them.
  const proofs = [...article.querySelectorAll("div.proof")].filter((el) => el.className.trim() === "proof admonition");
  const unmarkedProofs = proofs.filter((proof) => {
    const last = proof.lastElementChild;
    const after = last ? getComputedStyle(last, "::after").content : "";
    return !/[\u220E\u25A1\u25A0]/.test(after) && !/[\u220E\u25A1\u25A0]\s*$/.test(proof.textContent);
  }).map((proof) => short(proof.textContent).slice(0, 70));
  const errataInProofs = proofs.flatMap((proof) =>
    [...proof.querySelectorAll("a[href*='errata']")]
      .map((a) => `${short(a.textContent)} in: ${short(proof.textContent).slice(0, 50)}`)
  );
  // Internal references (for "Chapter N" instead of a chapter's full title) and citations (text -> target).
  const internalRefs = [...article.querySelectorAll("a.reference.internal")]
    .filter((a) => !a.closest("nav, .toctree-wrapper, .nearinit-results, .nearinit-results-chapter"))
    .map((a) => short(a.textContent));
  const citations = [...article.querySelectorAll("a[href*='references.html#'], a[href^='#'][role='doc-biblioref']")]
    .map((a) => ({ text: short(a.textContent), target: decodeURIComponent(a.hash.slice(1)) }));
  const bibliography = Object.fromEntries(
    [...article.querySelectorAll("[role='doc-biblioentry'], [role='listitem'][id], div.citation")]
      .filter((el) => el.id)
      .map((el) => [el.id, short(el.querySelector(".label")?.textContent || el.textContent.slice(0, 60))])
  );
  const h1 = article.querySelector("h1");
  const isDecoration = (n) => n.classList && (n.classList.contains("headerlink")
    || n.classList.contains("section-number"));
  const heading = h1
    ? short([...h1.childNodes].filter((n) => !isDecoration(n)).map((n) => n.textContent).join(""))
    : "";
  return {
    rawTex, untypeset, merrors, images, links, deadXrefs, unnumbered, overflowingMath, wideMath, clippedImages,
    solutions, cutCode, splitOutputs, asciiMath, mathTabStops, unmarkedProofs, errataInProofs, internalRefs,
    citations, bibliography, heading, numbered: !!h1?.querySelector(".section-number"),
    hasMath: !!document.querySelector(".math"),
    mathjaxSrc: [...document.scripts].map((s) => s.src).filter((s) => /mathjax/i.test(s)),
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    articleWidth: articleBox.width,
    title: document.title,
  };
}
"""

# At phone width: math (inline or displayed, in the text, in opened dropdowns, in the links at the foot of the page)
# clipped by a box that does not scroll, and the smallest text of each SVG figure in CSS pixels as shown (its font
# size times the shown width over the width of its viewBox).
_PHONE_JS = r"""
async () => {
  const article = document.querySelector("article.bd-article") || document.body;
  const main = document.querySelector("#main-content") || document.body;
  const short = (s) => (s || "").replace(/\s+/g, " ").trim().slice(0, 100);
  const clippedMath = [];
  for (const el of main.querySelectorAll("mjx-container")) {
    const math = el.querySelector("mjx-math") || el;
    const r = math.getBoundingClientRect();
    if (!r.width || el.closest("[hidden], details:not([open])") || el.offsetParent === null) continue;
    for (let p = el; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      const box = p.getBoundingClientRect();
      const scrolls = style.overflowX === "auto" || style.overflowX === "scroll";
      if (scrolls && p.scrollWidth > p.clientWidth) break;  // the reader can scroll it
      // content-visibility: auto (the lazy sections) clips what overflows the section, as overflow: clip does.
      const clips = style.overflowX === "hidden" || style.overflowX === "clip" || style.contentVisibility === "auto";
      if (clips && r.right > box.right + 1) {
        const tex = short(el.closest(".math")?.getAttribute("data-text") || el.textContent);
        clippedMath.push(`${Math.round(r.right - box.right)}px of ${Math.round(r.width)}px hidden: ${tex}`);
        break;
      }
      if (scrolls) break;
    }
  }
  const figures = [];
  for (const img of article.querySelectorAll("img")) {
    const shown = img.getBoundingClientRect().width;
    if (!shown || img.offsetParent === null) continue;
    const src = img.getAttribute("src") || "";
    const entry = { src, shown: Math.round(shown), svg: /\.svg(\?|$)/i.test(src), minFontPx: null, texts: 0 };
    if (entry.svg) {
      const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), "image/svg+xml").documentElement;
      const vb = (svg.getAttribute("viewBox") || "").split(/[ ,]+/).map(Number);
      const width = vb.length === 4 ? vb[2] : parseFloat(svg.getAttribute("width"));
      // The font size of each text (a label, a tick label): its largest size, i.e. not that of its sub- or
      // superscripts (an exponent is smaller by design).
      const px = (el) => {
        const m = (el.getAttribute("style") || "").match(/font(?:-size)?:[^;]*?([\d.]+)px/);
        return m ? parseFloat(m[1]) : parseFloat(el.getAttribute("font-size")) || null;
      };
      const sizes = [];
      for (const t of svg.querySelectorAll("text")) {
        if (!t.textContent.trim()) continue;
        const own = [px(t), ...[...t.querySelectorAll("tspan")].map(px)].filter((v) => v);
        if (own.length) sizes.push(Math.max(...own));
      }
      entry.texts = sizes.length;
      if (sizes.length && width) entry.minFontPx = Math.min(...sizes) * shown / width;
    }
    figures.push(entry);
  }
  return { clippedMath, figures, overflow: document.documentElement.scrollWidth - window.innerWidth };
}
"""

# In the dark theme: for every content image, whether it has transparent pixels and how light its backdrop is.
_DARK_IMAGES_JS = r"""
() => {
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (color) => {
    const m = color.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const v = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { rgb: v.slice(0, 3), alpha: v.length > 3 ? v[3] : 1 };
  };
  const out = [];
  for (const img of document.querySelectorAll("article.bd-article img")) {
    if (!img.naturalWidth) continue;
    let transparent = false;
    try {
      const c = document.createElement("canvas");
      c.width = img.naturalWidth; c.height = img.naturalHeight;
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4) { if (data[i] < 250) { transparent = true; break; } }
    } catch (e) { transparent = true; }
    let backdrop = null;
    for (let el = img; el; el = el.parentElement) {
      const bg = parse(getComputedStyle(el).backgroundColor);
      if (bg && bg.alpha > 0.5) { backdrop = luminance(bg.rgb); break; }
    }
    out.push({ src: img.getAttribute("src"), transparent, backdrop });
  }
  return out;
}
"""

_AXE_JS = """
async (rules) => {
  const options = { resultTypes: ["violations"] };
  if (rules) options.runOnly = { type: "rule", values: rules };
  const result = await axe.run(document, options);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.slice(0, 6).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
    count: v.nodes.length,
  }));
}
"""


_RAW_TEX = re.compile(r"\$[^$\s][^$]*\$|\$\$|\\\(|\\\)|\\\[|\\\]|\\(begin|end)\{|\\[A-Za-z]{2,}")


def _page_url(base: str, page_name: str) -> str:
    return base + urllib.parse.quote(page_name) + ".html"


def _file_stem(page_name: str) -> str:
    return page_name.replace("/", "__")


def _wait_for_math(page) -> None:
    """Wait until the fonts are in (and MathJax has typeset the page, should a page load MathJax after all).

    The math is typeset at build time; a page that loads MathJax fails test_math_typeset_at_build_time.
    """
    if page.evaluate("() => !!document.querySelector('.math') && !!document.querySelector('script[src*=\"mathjax\"]')"):
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=10_000)
        page.evaluate("() => MathJax.startup.promise")
    page.evaluate("() => document.fonts.ready.then(() => true)")


LAZY_SECTIONS = "article.bd-article > section > section"  # content-visibility: auto (book/_static/nearinit.css)


# Started, not awaited: the page stores the number of stalled frames in window.__nearinitRead when it is done.
_READ_THROUGH_JS = """() => {
  window.__nearinitRead = undefined;
  // A frame is two animation frames, or 250 ms if none comes: headless Chromium now and then stops producing
  // frames for a while, and a bare requestAnimationFrame would then wait forever (a CI run hung here for 600 s).
  let stalls = 0;
  const frame = () => new Promise((r) => {
    const timer = setTimeout(() => { stalls += 1; r(); }, 250);
    requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(timer); r(); }));
  });
  (async () => {
    for (let y = 0; y < document.documentElement.scrollHeight; y += Math.max(200, innerHeight * 0.8)) {
      window.scrollTo(0, y);
      await frame();
    }
    window.scrollTo(0, document.documentElement.scrollHeight);
    await frame();
    window.scrollTo(0, 0);
    await frame();
    window.__nearinitRead = stalls;
  })();
}"""

_UNRENDERED_JS = """(lazy) => [...document.querySelectorAll(lazy)]
  .filter((s) => !("nearinitRendered" in s.dataset))
  .map((s) => s.id || s.querySelector("h2, h3")?.textContent?.trim().slice(0, 60) || "?")"""


def _read_through(page) -> list[str]:
    """Scroll the page from top to bottom as a reader does, a screen at a time, then back to the top: every lazy
    section is rendered on the way (nearinit-math.js then marks its wide formulas and tab stops). Returns the
    sections that never reported being rendered.

    The scroll runs in the page and the test waits for it with a time limit (Playwright's evaluate has none), polling
    on a timer rather than on animation frames. Where the browser produced no frame for part of the way, the reader
    scrolls through once more before a section counts as never rendered; the stalls are then named in the result.
    """
    stalls = 0
    for _attempt in range(2):
        page.evaluate(_READ_THROUGH_JS)
        page.wait_for_function("() => window.__nearinitRead !== undefined", polling=100, timeout=120_000)
        stalls += page.evaluate("() => window.__nearinitRead")
        unrendered = page.evaluate(_UNRENDERED_JS, LAZY_SECTIONS)
        if not unrendered or not stalls:
            break
    return unrendered + ([f"({stalls} frames never came in headless Chromium)"] if unrendered and stalls else [])


def _render_everything(page) -> None:
    """No lazy rendering from here on: the checks that follow see the whole page laid out (content-visibility: auto
    hides what overflows a section, which the overflow checks must see)."""
    page.add_style_tag(content=f"{LAZY_SECTIONS} {{ content-visibility: visible !important; }}")


def _open_dropdowns(page) -> None:
    """Open every closed dropdown (solutions, hidden cells) as a reader does, by its title, so that what it hides is
    laid out and measured too (a formula in a closed dropdown has no width)."""
    page.evaluate(
        """() => {
          document.querySelectorAll("div.toggle.toggle-hidden > .admonition-title").forEach((t) => t.click());
          document.querySelectorAll("details:not([open]) > summary").forEach((s) => s.click());
        }"""
    )
    page.wait_for_timeout(200)


def _set_dark(page) -> None:
    """Switch to the dark theme as the theme switcher does, without the colour transitions (axe would see them)."""
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
    page.evaluate(
        "() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }"
    )
    page.wait_for_timeout(100)


def _open_solutions(page) -> list[str]:
    """Click every solution dropdown; return what went wrong (closed content visible, or not shown after a click)."""
    problems = []
    solutions = page.locator("article.bd-article div.solution.dropdown")
    for i in range(solutions.count()):
        sol = solutions.nth(i)
        name = sol.get_attribute("id") or f"solution #{i + 1}"
        body = sol.locator(":scope > :not(.admonition-title)").first
        if body.count() == 0:
            problems.append(f"{name}: the dropdown has no content")
            continue
        if body.is_visible():
            problems.append(f"{name}: the solution is visible before it is opened")
        sol.locator(":scope > .admonition-title").click()
        try:
            body.wait_for(state="visible", timeout=3000)
        except Exception:
            problems.append(f"{name}: the solution did not open on click")
            continue
        box = body.bounding_box()
        if not box or box["height"] < 5 or not body.inner_text().strip():
            problems.append(f"{name}: opened, but shows no content (box {box})")
    return problems


def _audit(session: Session, page_name: str) -> Audit:
    outside: list[str] = []
    console: list[str] = []
    http_errors: list[str] = []
    context = session.new_context(outside)
    context.add_init_script(_CLS_INIT)
    finished: list = []
    try:
        page = context.new_page()
        page.on("requestfinished", lambda r: finished.append(r))
        page.on(
            "console",
            lambda m: (
                console.append(f"{m.text} [{m.location.get('url', '')}:{m.location.get('lineNumber', '')}]")
                if m.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda e: console.append(f"uncaught exception: {e}"))
        page.on("response", lambda r: http_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        url = _page_url(session.base, page_name)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{url}: HTTP {response.status if response else 'no response'}"
        _wait_for_math(page)
        page.wait_for_timeout(500)  # theme scripts that run after load (scroll tab stops, toggle buttons)
        cls = page.evaluate("() => window.__nearinitCLS")
        unrendered = _read_through(page)
        _render_everything(page)
        transferred = 0
        requested = []
        for req in finished:
            sizes = req.sizes()
            transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            requested.append(urllib.parse.unquote(urllib.parse.urlsplit(req.url).path).lstrip("/"))
        facts = page.evaluate(_COLLECT_JS)

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = _file_stem(page_name)
        page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"), full_page=True)

        axe_light = axe_dark = None
        if AXE.exists():
            page.add_script_tag(path=str(AXE))
            axe_light = page.evaluate(_AXE_JS, None)

        _set_dark(page)
        dark_images = page.evaluate(_DARK_IMAGES_JS)
        if ALL_SCREENSHOTS:  # axe in the dark theme and two more screenshots: about 8 s more per chapter
            if AXE.exists():
                axe_dark = page.evaluate(_AXE_JS, ["color-contrast"])
            page.screenshot(path=str(SCREENSHOTS / f"{stem}-dark.png"), full_page=True)

        dropdowns = _open_solutions(page)
        page.wait_for_timeout(100)
        # On a phone, every section laid out (_render_everything above) and every dropdown open.
        _open_dropdowns(page)
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(100)
        phone = page.evaluate(_PHONE_JS)
        phone_overflow = phone["overflow"]
        if ALL_SCREENSHOTS:
            page.screenshot(path=str(SCREENSHOTS / f"{stem}-phone.png"), full_page=False)
        page.set_viewport_size(DESKTOP)
        return Audit(
            page_name,
            url,
            console,
            outside,
            http_errors,
            facts,
            phone,
            cls,
            transferred,
            requested,
            dropdowns,
            axe_light,
            axe_dark,
            dark_images,
            phone_overflow,
            unrendered,
        )
    finally:
        context.close()


# ------------------------------------------------------------------------------------------- link checking


class _AnchorParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id" or (key == "name" and tag == "a"):
                self.anchors.add(value or "")


@functools.cache
def _anchors(path: pathlib.Path) -> frozenset[str]:
    parser = _AnchorParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.anchors)


def _broken_links(audit: Audit, session: Session) -> list[str]:
    broken = []
    for link in audit.facts["links"]:
        parts = urllib.parse.urlsplit(link["href"])
        if parts.scheme not in {"http", "https"} or parts.netloc != session.origin:
            continue  # external links are not followed: the tests run offline
        rel = urllib.parse.unquote(parts.path).lstrip("/")
        target = HTML / rel
        if rel == "" or rel.endswith("/"):
            target = target / "index.html"
        where = f"{link['raw']!r} ({link['text'] or 'no text'})"
        if not target.is_file():
            broken.append(f"{where}: no file {target.relative_to(HTML) if target.is_relative_to(HTML) else target}")
            continue
        fragment = urllib.parse.unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in _anchors(target):
            broken.append(f"{where}: no anchor #{fragment} in {target.relative_to(HTML)}")
    return sorted(set(broken))


# ---------------------------------------------------------------------------------------- per-page tests


@pytest.mark.parametrize("page_name", PAGES)
def test_no_console_errors(session, page_name):
    audit = session.audit(page_name)
    problems = audit.console_errors + [f"HTTP {e}" for e in audit.http_errors]
    assert not problems, f"{page_name}: JavaScript console errors on a first visit:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_no_request_leaves_loopback(session, page_name):
    audit = session.audit(page_name)
    assert not audit.outside_requests, (
        f"{page_name}: the page asked for assets off this machine (blocked; the site must work offline):\n  "
        + "\n  ".join(sorted(set(audit.outside_requests)))
    )


@pytest.mark.parametrize("page_name", PAGES)
def test_math_typeset_at_build_time(session, page_name):
    """Every formula arrives typeset (no TeX source, no MathJax error) and no MathJax script runs in the reader's
    browser: typesetting thousands of formulas on every load made chapter pages slow (make bench shows it)."""
    facts = session.audit(page_name).facts
    problems = (
        [f"not typeset: {t!r}" for t in facts["untypeset"]]
        + [f"MathJax error: {t!r}" for t in facts["merrors"]]
        + [f"raw TeX left as text: {t!r}" for t in facts["rawTex"]]
        + [f"loads MathJax to typeset in the browser: {src}" for src in facts["mathjaxSrc"]]
    )
    assert not problems, f"{page_name}: math problems:\n  " + "\n  ".join(problems)


# A file name or path (one token with a slash or an image suffix), or a placeholder word.
_FILE_LIKE_ALT = re.compile(
    r"\S*\.(png|jpe?g|svg|gif|webp|pdf)|\S*[/\\]\S*|png|jpe?g|svg|image|figure|img|output|plot|graph", re.I
)


def _alt_problem(alt: str | None) -> str | None:
    text = (alt or "").strip()
    if not text:
        return "no alt text"
    if _FILE_LIKE_ALT.fullmatch(text) or "_images/" in text:
        return f"alt text is a file name: {text!r}"
    if len(text) < 12 or len(text.split()) < 3:
        return f"alt text too short to describe a figure: {text!r}"
    return None


@pytest.mark.parametrize("page_name", PAGES)
def test_images_load_and_have_alt_text(session, page_name):
    audit = session.audit(page_name)
    problems = []
    for img in audit.facts["images"]:
        if not (img["complete"] and img["naturalWidth"] > 0):
            problems.append(f"{img['src']}: not loaded")
        if img["decorative"]:
            continue
        why = _alt_problem(img["alt"])
        if why:
            problems.append(f"{img['src']}: {why}")
        if img["inArticle"] and img["displayed"]:
            # Not shrunk to a thumbnail: at least 60% of its natural width, or of the text column.
            wanted = 0.6 * min(img["naturalWidth"], audit.facts["articleWidth"])
            if img["width"] < wanted:
                problems.append(f"{img['src']}: shown {img['width']:.0f}px wide, natural {img['naturalWidth']}px")
    problems += [f"{src}: sticks out of the text column" for src in audit.facts["clippedImages"]]
    assert not problems, f"{page_name}: image problems:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_internal_links_and_cross_references_resolve(session, page_name):
    audit = session.audit(page_name)
    problems = _broken_links(audit, session) + [f"unresolved reference: {t!r}" for t in audit.facts["deadXrefs"]]
    assert not problems, f"{page_name}: dead links or references:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_figures_equations_and_results_are_numbered(session, page_name):
    facts = session.audit(page_name).facts
    problems = [f"no number: {u}" for u in facts["unnumbered"]]
    problems += [
        f"{i['src']}: a cell output image outside a numbered figure (give the cell mystnb figure metadata)"
        for i in facts["images"]
        if i["inCellOutput"] and not i["inNumberedFigure"]
    ]
    assert not problems, f"{page_name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_solution_dropdowns_open_on_click(session, page_name):
    audit = session.audit(page_name)
    problems = [
        f"{s['id']}: a solution shown openly (use :class: dropdown)"
        for s in audit.facts["solutions"]
        if not s["dropdown"]
    ]
    problems += audit.dropdowns
    assert not problems, f"{page_name}:\n  " + "\n  ".join(problems)


def _format_axe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['count']} element(s)) {v['helpUrl']}")
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    at {node['target']}: {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("page_name", PAGES)
def test_accessibility_axe(session, page_name):
    if not AXE.exists():
        message = f"axe-core missing at {AXE} (installed by `make browser`: npm ci --prefix tests)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    audit = session.audit(page_name)
    serious = [v for v in audit.axe_light if v["impact"] in {"serious", "critical"}]
    serious += [
        dict(v, id=v["id"] + " (dark theme)") for v in audit.axe_dark or [] if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, f"{page_name}: accessibility violations (axe-core):\n" + _format_axe(serious)


@pytest.mark.parametrize("page_name", PAGES)
def test_figures_readable_in_dark_theme(session, page_name):
    audit = session.audit(page_name)
    bad = [
        f"{i['src']}: transparent pixels on a dark backdrop (luminance {i['backdrop']})"
        for i in audit.dark_images
        if i["transparent"] and (i["backdrop"] is None or i["backdrop"] < 0.5)
    ]
    assert not bad, f"{page_name}: figures unreadable in the dark theme:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("page_name", PAGES)
def test_no_horizontal_overflow(session, page_name):
    audit = session.audit(page_name)
    problems = [
        f"display math wider than the text column and not scrollable: {m}" for m in audit.facts["overflowingMath"]
    ]
    problems += [
        f"display math too wide for the text column at {DESKTOP['width']}px (break it, e.g. with aligned): {m}"
        for m in audit.facts["wideMath"]
    ]
    if audit.facts["pageOverflow"] > 1:
        problems.append(f"the page scrolls sideways by {audit.facts['pageOverflow']}px at {DESKTOP['width']}px")
    if audit.phone_overflow > 1:
        problems.append(f"the page scrolls sideways by {audit.phone_overflow}px on a {PHONE['width']}px phone")
    assert not problems, f"{page_name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_nothing_cut_off(session, page_name):
    """No inline formula clipped at phone width; code, printed outputs and tables fit the column at desktop width."""
    audit = session.audit(page_name)
    problems = [f"math clipped at {PHONE['width']}px (no way to scroll): {m}" for m in audit.phone["clippedMath"]]
    problems += [f"at {DESKTOP['width']}px, {c}" for c in audit.facts["cutCode"]]
    problems += [f"one cell's output printed in several boxes: {c}" for c in audit.facts["splitOutputs"]]
    assert not problems, f"{page_name}: {len(problems)} cut-off items:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_mathematics_looks_like_mathematics(session, page_name):
    """sympy results typeset, a title without raw TeX, formulas out of the tab order, proofs ending with a mark."""
    audit = session.audit(page_name)
    facts = audit.facts
    problems = [f"sympy result printed as text, not typeset: {t!r}" for t in facts["asciiMath"]]
    if _RAW_TEX.search(facts["title"]):
        problems.append(f"raw TeX in the page title: {facts['title']!r}")
    if facts["mathTabStops"]:
        problems.append(f"{facts['mathTabStops']} formulas are keyboard tab stops")
    problems += [f"a proof without an end mark: {p!r}" for p in facts["unmarkedProofs"]]
    problems += [f"an erratum cited inside a proof (cite it after the proof): {e}" for e in facts["errataInProofs"]]
    assert not problems, f"{page_name}:\n  " + "\n  ".join(problems)


def _chapter_titles(session) -> dict[str, str]:
    titles = {}
    for name in PAGES:
        audit = session.audit(name)
        if audit.facts["numbered"] and audit.facts["heading"]:
            titles[audit.facts["heading"]] = name
    return titles


@pytest.mark.parametrize("page_name", PAGES)
def test_chapter_references_and_citations(session, page_name):
    """A chapter is referred to as "Chapter 3", not by its full title; in-text citations match the list's labels."""
    audit = session.audit(page_name)
    titles = _chapter_titles(session)
    problems = [
        f'a reference reads as the full title of {titles[text]} (write "Chapter N"): {text!r}'
        for text in audit.facts["internalRefs"]
        if text in titles and titles[text] != page_name
    ]
    references = next((p for p in PAGES if pathlib.PurePosixPath(p).name == "references"), None)
    if references is not None:
        bibliography = session.audit(references).facts["bibliography"]
        for cite in audit.facts["citations"]:
            label = bibliography.get(cite["target"])
            if label is None:
                continue
            words = [w for w in re.findall(r"[A-Za-z\u00C0-\u024F]{3,}|\d{4}", cite["text"]) if w not in {"and", "al"}]
            if not words or not all(w in label for w in words):
                problems.append(f"citation {cite['text']!r} is listed as {label!r} (one citation style)")
    assert not problems, f"{page_name}:\n  " + "\n  ".join(sorted(set(problems)))


_SVG = re.compile(r"\.svg(\?|$)", re.I)


@pytest.mark.parametrize("page_name", PAGES)
def test_figures_sharp_and_readable_on_a_phone(session, page_name):
    """Figures are SVG or at least 2x PNG; on a 390 px phone their smallest text is at least 9 CSS px (a text's size
    is that of its letters, not of its exponents)."""
    audit = session.audit(page_name)
    problems = []
    for img in audit.facts["images"]:
        if not (img["inArticle"] and img["displayed"]) or img["decorative"]:
            continue
        if not _SVG.search(img["src"] or "") and img["naturalWidth"] < 2 * img["width"] - 1:
            problems.append(
                f"{img['src']}: {img['naturalWidth']}px for {img['width']:.0f} CSS px (soft on HiDPI: SVG or 2x PNG)"
            )
    for fig in audit.phone["figures"]:
        if not fig["svg"]:
            problems.append(f"{fig['src']}: a raster figure (its text size cannot be kept at {PHONE['width']}px: SVG)")
        elif fig["minFontPx"] is None:
            problems.append(f"{fig['src']}: an SVG without <text> (text drawn as paths cannot be measured)")
        elif fig["minFontPx"] < MIN_FIGURE_FONT_PX:
            problems.append(
                f"{fig['src']}: smallest text {fig['minFontPx']:.1f} CSS px at {PHONE['width']}px"
                f" (shown {fig['shown']}px wide; at least {MIN_FIGURE_FONT_PX:g} px: larger fonts or stacked panels)"
            )
    assert not problems, f"{page_name}:\n  " + "\n  ".join(problems)


def _legend_colours(svg_path: pathlib.Path) -> list[tuple[str, str]]:
    """(label, colour) of every legend entry of a matplotlib SVG (fonttype none: labels are text; a label with math
    is preceded by a comment with its source, which is what is returned then)."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.parse(svg_path, parser).getroot()

    def label_of(group) -> str:
        for el in group.iter():
            if el.tag is ET.Comment and (el.text or "").strip():
                return el.text.strip()
        parts = []
        for t in group.iter(f"{ns}text"):
            spans = list(t.iter(f"{ns}tspan"))
            parts.append("".join(sp.text or "" for sp in spans) if spans else (t.text or ""))
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    entries = []
    for legend in root.iter(f"{ns}g"):
        if not (legend.get("id") or "").startswith("legend"):
            continue
        colour = None
        for group in legend:
            if group.tag != f"{ns}g":
                continue
            text = label_of(group) if any(True for _ in group.iter(f"{ns}text")) else ""
            if text and colour:
                entries.append((text, colour))
                colour = None
                continue
            for el in group.iter():
                style = el.get("style") or ""
                m = re.search(r"(?:stroke|fill):\s*(#[0-9a-fA-F]{6})", style)
                if m and el.tag in {f"{ns}path", f"{ns}use"} and m.group(1).lower() not in {"#ffffff", "#000000"}:
                    colour = m.group(1).lower()
                    break
    return entries


def _quantity(label: str) -> str:
    """The quantity a legend label names: the label up to its first "(" or ":" (details such as a fitted slope or a
    formula follow there), spaces normalised, lower case."""
    return re.sub(r"\s+", " ", re.split(r"[(:]", label)[0]).strip().lower()


@pytest.mark.parametrize("page_name", PAGES)
def test_one_colour_per_quantity(session, page_name):
    """Across a chapter's figures, a colour means one thing and a quantity keeps its colour. Within one figure a colour
    may mark a family (say the exact and the observed tail of one bound); across figures, the labels a colour marks
    must have a quantity in common. Grey and black (references, data) are free."""
    audit = session.audit(page_name)
    figures: list[tuple[str, dict[str, set[str]]]] = []  # (figure, colour -> quantities)
    problems = []
    for img in audit.facts["images"]:
        src = img["src"] or ""
        if not img["inArticle"]:
            continue
        if not _SVG.search(src):
            if img["inCellOutput"]:
                problems.append(f"{src}: a raster figure (its legend colours cannot be checked: SVG)")
            continue
        path = (HTML / pathlib.PurePosixPath(page_name).parent / urllib.parse.unquote(src.split("?")[0])).resolve()
        colours: dict[str, set[str]] = {}
        for label, colour in _legend_colours(path):
            if len({colour[1:3], colour[3:5], colour[5:7]}) == 1:
                continue
            colours.setdefault(colour, set()).add(_quantity(label))
        figures.append((pathlib.PurePosixPath(src).name[:12], colours))
    for a in range(len(figures)):
        for b in range(a + 1, len(figures)):
            (fa, ca), (fb, cb) = figures[a], figures[b]
            for colour in ca.keys() & cb.keys():
                if not ca[colour] & cb[colour]:
                    problems.append(
                        f"colour {colour} means {sorted(ca[colour])} in figure {fa} but {sorted(cb[colour])} in {fb}"
                    )
            for qa in {q for qs in ca.values() for q in qs}:
                col_a = {c for c, qs in ca.items() if qa in qs}
                col_b = {c for c, qs in cb.items() if qa in qs}
                if col_b and not col_a & col_b:
                    problems.append(f"{qa!r} is {sorted(col_a)} in figure {fa} but {sorted(col_b)} in {fb}")
    assert not problems, f"{page_name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_page_light_and_still(session, page_name):
    """A first visit transfers under 1.5 MB (under 2 MB uncompressed), and math shifts no layout (CLS < 0.05)."""
    audit = session.audit(page_name)
    problems = []
    # Transferred bytes, the site served gzip-compressed as every web host serves it, and the same files uncompressed
    # (as on disk; a host without compression): bench/site.py shows both per page.
    files = [HTML / p for p in set(audit.requested)]
    raw = sum(f.stat().st_size for f in files if f.is_file())
    if audit.transferred > MAX_PAGE_BYTES or raw > MAX_PAGE_BYTES_RAW:
        biggest = sorted((f for f in files if f.is_file()), key=lambda f: -f.stat().st_size)
        problems.append(
            f"a first visit loads {raw / 1e6:.2f} MB (uncompressed; {audit.transferred / 1e6:.2f} MB gzip-transferred)"
            f" in {len(audit.requested)} requests (at most {MAX_PAGE_BYTES / 1e6:g} MB transferred,"
            f" {MAX_PAGE_BYTES_RAW / 1e6:g} MB uncompressed); largest: "
            + ", ".join(f"{f.relative_to(HTML)} {f.stat().st_size // 1024} KB" for f in biggest[:5])
        )
    if audit.cls >= MAX_CLS:
        problems.append(f"cumulative layout shift {audit.cls:.3f} on a first visit (at most {MAX_CLS})")
    assert not problems, f"{page_name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_lazy_sections_render_as_the_reader_reaches_them(session, page_name):
    """Every section kept unrendered on arrival (content-visibility: auto) is rendered, and handled by nearinit-math.js
    (wide formulas, tab stops), once the reader scrolls to it."""
    assert not session.audit(page_name).unrendered, (
        f"{page_name}: sections never rendered: {session.audit(page_name).unrendered}"
    )


@pytest.mark.parametrize("page_name", [p for p in PAGES if re.match(r"book/\d\d_", p)])
def test_chapter_read_on_a_phone_from_its_first_visit(session, page_name):
    """A chapter opened on a phone and read to the end: its sections are lazy (content-visibility: auto), and each
    one, rendered as the reader reaches it, has no formula cut off (a wide one scrolls in its own box), checked with
    every section then laid out at once and every dropdown opened."""
    outside: list[str] = []
    context = session.new_context(outside, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(_page_url(session.base, page_name), wait_until="load")
        _wait_for_math(page)
        lazy = page.evaluate(
            "(sel) => [...document.querySelectorAll(sel)].map((s) => getComputedStyle(s).contentVisibility)",
            LAZY_SECTIONS,
        )
        assert lazy and set(lazy) == {"auto"}, f"{page_name}: the sections are not lazy: {lazy}"
        unrendered = _read_through(page)
        _render_everything(page)
        _open_dropdowns(page)
        clipped = page.evaluate(_PHONE_JS)["clippedMath"]
    finally:
        context.close()
    assert not unrendered, f"{page_name}: sections never rendered: {unrendered}"
    assert not clipped, f"{page_name}: formulas cut off on a phone:\n  " + "\n  ".join(clipped)
    assert not outside, outside


def test_site_ships_only_the_mathjax_and_icon_files_pages_use(session):
    """Every MathJax and icon file of the site is loaded by some page (no unused variants, no 1.5 MB icon script)."""
    requested = set()
    for name in PAGES:
        requested.update(session.audit(name).requested)
    shipped = [
        str(p.relative_to(HTML))
        for folder in ["_static/mathjax", "_static/vendor/fontawesome", "_static/nearinit-icons", "_static/scripts"]
        for p in (HTML / folder).rglob("*")
        if p.is_file() and ("fontawesome" in p.name or "mathjax" in folder or "icons" in folder or "vendor" in folder)
    ]
    # MathJax's TeX fonts: one format (woff2 here), each font loaded only by the formulas that need it.
    unused = [
        p
        for p in shipped
        if p not in requested and not re.fullmatch(r"_static/mathjax/output/chtml/fonts/woff-v2/.*\.woff", p)
    ]
    mb = sum((HTML / p).stat().st_size for p in unused) / 1e6
    assert not unused, f"{len(unused)} MathJax/icon files ({mb:.1f} MB) no page loads, e.g. {sorted(unused)[:8]}"


@pytest.mark.parametrize("page_name", PAGES)
def test_reader_links_on_every_page(session, page_name):
    audit = session.audit(page_name)
    paths = {urllib.parse.urlsplit(link["href"]).path for link in audit.facts["links"]}
    problems = []
    if page_name != "book/running" and "/book/running.html" not in paths:
        problems.append("no link to the 'how to run this chapter locally' page (book/running.html)")
    if page_name != "book/report" and "/book/report.html" not in paths:
        problems.append("no 'Report an erratum' link (book/report.html)")
    repo = (_config()["repository"].get("url") or "").rstrip("/")
    if repo and not any(link["href"].rstrip("/") == repo for link in audit.facts["links"]):
        problems.append(f"no link to the repository {repo}")
    assert not problems, f"{page_name}:\n  " + "\n  ".join(problems)


NOTEBOOK_PAGES = [p for p in PAGES if (HTML / "_sources" / f"{p}.ipynb").exists()]


@pytest.mark.parametrize("page_name", NOTEBOOK_PAGES or [pytest.param(None, marks=pytest.mark.skip("no notebook yet"))])
def test_download_button_gives_the_notebook(session, page_name, tmp_path):
    outside: list[str] = []
    context = session.new_context(outside, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(_page_url(session.base, page_name), wait_until="load")
        page.locator(".dropdown-download-buttons > button").click()
        link = page.locator(".dropdown-download-buttons a[href$='.ipynb']")
        assert link.count() == 1, f"{page_name}: the download menu offers no .ipynb"
        link.wait_for(state="visible")
        # The link opens a new tab, which the browser turns into a download (reported to the opener too).
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    finally:
        context.close()
    assert saved.name == pathlib.PurePosixPath(page_name).name + ".ipynb", saved.name
    notebook = json.loads(saved.read_text())
    assert notebook["nbformat"] == 4 and notebook["cells"], f"{saved.name} is not a notebook with cells"
    assert not outside, outside


# -------------------------------------------------------------------------------------------- site-wide tests


def _search(page, session, query: str) -> None:
    """Open the search page for ``query`` and wait until its list of results is shown."""
    page.goto(session.base + f"search.html?q={query}", wait_until="load")
    page.wait_for_function(
        "() => document.querySelector('#search-results .search-summary') !== null"
        " && !/Searching/.test(document.querySelector('#search-results h2')?.textContent || '')"
    )


def test_search_finds_anticoncentration(session):
    chapter = next((p for p in PAGES if pathlib.PurePosixPath(p).name == "05_anticoncentration"), None)
    if chapter is None:
        pytest.skip("chapter 05_anticoncentration is not in _toc.yml yet: nothing to search for")
    outside: list[str] = []
    context = session.new_context(outside)
    try:
        page = context.new_page()
        _search(page, session, "anti-concentration")
        hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
    finally:
        context.close()
    assert any(f"{chapter}.html" in h for h in hits), f"search for anti-concentration: {hits}"
    assert not outside, outside


def test_search_results_without_raw_tex(session):
    """Search results (titles and summaries) read math as text; the search page has one search field."""
    outside: list[str] = []
    context = session.new_context(outside)
    try:
        page = context.new_page()
        _search(page, session, "widths")
        # summaries are fetched page by page after the list is shown
        page.wait_for_function(
            "() => [...document.querySelectorAll('#search-results ul.search li')]"
            ".every((li) => li.querySelector('.context') || li.dataset.nosummary)",
            timeout=10_000,
        )
        results = page.eval_on_selector_all("#search-results ul.search li", "els => els.map(li => li.innerText)")
        fields = page.evaluate(
            "() => [...document.querySelectorAll('input[type=search], input[name=q], .search-button-field')]"
            ".filter((el) => el.offsetParent !== null && el.getBoundingClientRect().width > 0).length"
        )
    finally:
        context.close()
    assert results, "search for 'widths' found nothing"
    raw = [r[:160] for r in results if _RAW_TEX.search(r)]
    assert not raw, "raw TeX in search results:\n  " + "\n  ".join(raw)
    assert fields == 1, f"the search page shows {fields} search fields (one is enough)"
    assert not outside, outside


def _results_index_page() -> str:
    """The results index: ``book/results`` once it is in the table of contents, else Sphinx's domain index."""
    return next((p for p in PAGES if pathlib.PurePosixPath(p).name == "results"), "prf-prf")


def test_results_index_usable(session):
    """The results index lists book numbers and titles (not labels), is linked from the front page, and is readable
    in the dark theme (axe-core colour contrast)."""
    name = _results_index_page()
    if not (HTML / f"{name}.html").exists():
        pytest.fail(f"no results index ({name}.html)")
    front = session.audit(PAGES[0])
    linked = any(urllib.parse.urlsplit(link["href"]).path.endswith(f"/{name}.html") for link in front.facts["links"])
    outside: list[str] = []
    context = session.new_context(outside)
    try:
        page = context.new_page()
        page.goto(_page_url(session.base, name), wait_until="load")
        _wait_for_math(page)
        entries = page.eval_on_selector_all(
            "article.bd-article li", "els => els.map(li => li.innerText.replace(/\\s+/g, ' ').trim())"
        )
        contrast = None
        if AXE.exists():
            page.add_script_tag(path=str(AXE))
            _set_dark(page)
            contrast = page.evaluate(_AXE_JS, ["color-contrast"])
    finally:
        context.close()
    problems = [] if linked else [f"the front page ({PAGES[0]}) does not link to the results index {name}.html"]
    numbered = [
        e
        for e in entries
        if re.match(
            r"(Theorem|Lemma|Proposition|Corollary|Definition|Remark|Example|"
            r"Exercise|Conjecture|Assumption|Axiom|Criterion|Algorithm|Property"
            r"|Observation|Notation)\s+\d+(\.\d+)*\b",
            e,
        )
    ]
    labels = [e for e in entries if re.search(r"\b(def|thm|lem|prop|cor|ex|exc|rem|sol|alg)-[a-z0-9-]+\b|\(book/", e)]
    if len(numbered) < 10:
        problems.append(f"only {len(numbered)} entries with a book number (e.g. 'Theorem 6.1'): {entries[:4]}")
    if labels:
        problems.append(f"{len(labels)} entries show internal labels, e.g. {labels[:3]}")
    if contrast:
        problems.append("dark theme: " + _format_axe(contrast))
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def _back_matter_links(session) -> set[str]:
    return {urllib.parse.urlsplit(link["href"]).path for link in session.audit(PAGES[0]).facts["links"]}


def test_licence_citation_and_errata_reporting(session):
    """The front page leads to the licence (text and code), how to cite the book, and how to report an erratum."""
    paths = _back_matter_links(session)
    problems = []
    for stem, what in [("license", "the licence"), ("cite", "how to cite"), ("report", "how to report an erratum")]:
        page = next((p for p in PAGES if pathlib.PurePosixPath(p).name == stem), None)
        if page is None or f"/{page}.html" not in paths:
            problems.append(f"no page {stem!r} ({what}) linked from the front page")
    assert not problems, "\n".join(problems)
    text = (HTML / "book" / "license.html").read_text()
    assert "CC BY 4.0" in text and "MIT" in text, "the licence page names the text and the code licences"
    assert (ROOT / "LICENSE").is_file() and (ROOT / "LICENSE-text.md").is_file()


def test_chapter6_interactive_figure(session):
    """Chapter 6 shows the exact worst case against the lemma's bound as sliders over m and B move: the values shown
    are the precomputed ones (nearinit_book.site.worst_case_data), the curves follow B, nothing is fetched from
    outside."""

    chapter = next((p for p in PAGES if pathlib.PurePosixPath(p).name == "06_main_lemma"), None)
    if chapter is None:
        pytest.skip("chapter 06_main_lemma is not in _toc.yml")
    from nearinit_book.site import worst_case_data as wcd

    data = wcd.read() if wcd.OUT.exists() else None
    outside: list[str] = []
    context = session.new_context(outside)
    try:
        page = context.new_page()
        page.goto(_page_url(session.base, chapter), wait_until="load")
        figure = page.locator(".nearinit-worst-case")
        assert figure.count() == 1, "no interactive figure (.nearinit-worst-case) on the chapter 6 page"
        assert data is not None, f"no data file {wcd.OUT}"
        figure.locator("svg polyline").first.wait_for(state="attached", timeout=5000)
        sliders = figure.locator("input[type=range]")
        assert sliders.count() == 2, "two sliders, over m and over B"
        readout = figure.locator(".nearinit-wc-readout")
        seen = []
        for i, j in [(0, 0), (len(data["widths"]) - 1, 4), (3, len(data["radii"]) - 1)]:
            sliders.nth(0).fill(str(i))
            sliders.nth(1).fill(str(j))
            shown = readout.evaluate("el => ({...el.dataset, text: el.textContent})")
            points = figure.locator("polyline.curve-worst").get_attribute("points")
            seen.append(points)
            assert float(shown["m"]) == data["widths"][i] and math.isclose(float(shown["B"]), data["radii"][j])
            for key in ["worst", "lemma", "slides"]:
                assert math.isclose(float(shown[key]), data[key][i][j], rel_tol=1e-9), (key, i, j, shown)
            assert f"{data['widths'][i]:,}" in shown["text"], shown["text"]
            assert len(points.split()) == len(data["widths"])
        assert seen[0] != seen[1] != seen[2], "the curves do not follow B"
        assert figure.locator("svg").bounding_box()["width"] > 200
    finally:
        context.close()
    assert not outside, outside
