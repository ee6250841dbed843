"""The website as a reader meets it: every page of ``_toc.yml`` opened in headless Chromium.

The site is served from the built HTML directory on a loopback port; every request that would leave the loopback
address is blocked and recorded. Each page is opened once in a fresh browser context (a first visit: empty
storage) and audited; the tests below then assert one property each, per page:

- no JavaScript console error and no uncaught exception;
- no request left the loopback address (the site works offline: MathJax is served with it);
- all math typeset by MathJax: every ``.math`` node rendered, no ``mjx-merror``, no raw TeX left as text;
- every image loaded, with a meaningful alt text (not empty, not a file name);
- every internal link and cross-reference resolves to an existing file and anchor;
- figures, equations, results and exercises carry their numbers; every chapter figure has a numbered caption;
- every solution is a dropdown that opens on click and shows its content;
- no axe-core violation of impact "serious" or "critical" (light theme; colour contrast also in dark theme);
- figures readable in the dark theme (an image with transparent pixels sits on a light backdrop);
- no horizontal overflow of the page at desktop and phone widths (wide equations scroll in their own box);
- the "how to run this chapter locally" page and the repository are linked from every page;
- a chapter's download button downloads its ``.ipynb`` (a valid notebook).

Besides: the search page finds "anti-concentration" in chapter ``05_anticoncentration`` (once it is in the table
of contents), and every macro of ``_config.yml``'s ``mathjax3_config`` typesets without error.

A full-page screenshot of each page, light and dark, goes to ``_build/screenshots/`` for a person to look at.

Environment: ``NEARINIT_HTML`` (built site, default ``_build/html``), ``NEARINIT_TOC`` / ``NEARINIT_CONFIG``
(default the repository's ``_toc.yml`` / ``_config.yml``), ``NEARINIT_SCREENSHOTS`` (default: ``screenshots`` next
to the HTML directory), ``NEARINIT_CHROMIUM`` (default ``/usr/bin/chromium``). Without Chromium, Playwright,
axe-core or a built site the tests are skipped with the reason, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import os
import pathlib
import re
import threading
import urllib.parse
from html.parser import HTMLParser

import pytest
import yaml
from bookfiles import ROOT, toc_pages

HTML = pathlib.Path(os.environ.get("NEARINIT_HTML", ROOT / "_build" / "html")).resolve()
TOC = pathlib.Path(os.environ.get("NEARINIT_TOC", ROOT / "_toc.yml"))
CONFIG = pathlib.Path(os.environ.get("NEARINIT_CONFIG", ROOT / "_config.yml"))
SCREENSHOTS = pathlib.Path(os.environ.get("NEARINIT_SCREENSHOTS", HTML.parent / "screenshots"))
CHROMIUM = pathlib.Path(os.environ.get("NEARINIT_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# NEARINIT_ALL_SCREENSHOTS=1: also dark-theme and phone screenshots, and axe's colour contrast in the dark theme.
ALL_SCREENSHOTS = os.environ.get("NEARINIT_ALL_SCREENSHOTS", "") not in {"", "0"}

# Debian's Chromium, never a browser download; no traffic of its own (updates, sync, QUIC probes).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces behind the request router below: no host name resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000
AUDIT_WORKERS = int(os.environ.get("NEARINIT_BROWSER_WORKERS", "2"))


def _toc_pages(toc_path: pathlib.Path = TOC) -> list[str]:
    """Every document of the table of contents, in reading order (the shared walker of bookfiles.py)."""
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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server():
    """Serve the built site on an ephemeral loopback port; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
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
        context = self.browser.new_context(viewport=DESKTOP, **kwargs)
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
    dropdowns: list[str]  # problems opening solution dropdowns
    axe_light: list[dict] | None
    axe_dark: list[dict] | None
    dark_images: list[dict]
    phone_overflow: int


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
  // A MathJax error, with the TeX source it came from.
  const items = window.MathJax?.startup?.document?.math ? Array.from(MathJax.startup.document.math) : [];
  const merrors = [...document.querySelectorAll("mjx-merror")].map((el) => {
    const item = items.find((i) => i.typesetRoot === el.closest("mjx-container"));
    return short(el.getAttribute("data-mjx-error") || el.textContent) + (item ? ` in: ${short(item.math)}` : "");
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
  return {
    rawTex, untypeset, merrors, images, links, deadXrefs, unnumbered, overflowingMath, wideMath, clippedImages,
    solutions,
    hasMath: !!document.querySelector(".math"),
    mathjaxSrc: [...document.scripts].map((s) => s.src).filter((s) => /mathjax/i.test(s)),
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    articleWidth: articleBox.width,
    title: document.title,
  };
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


def _page_url(base: str, page_name: str) -> str:
    return base + urllib.parse.quote(page_name) + ".html"


def _file_stem(page_name: str) -> str:
    return page_name.replace("/", "__")


def _wait_for_math(page) -> None:
    """Wait until MathJax has typeset the page and its fonts are in.

    Without a MathJax script there is nothing to wait for: the math checks then report the untypeset math.
    """
    if page.evaluate("() => !!document.querySelector('.math') && !!document.querySelector('script[src*=\"mathjax\"]')"):
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=10_000)
        page.evaluate("() => MathJax.startup.promise")
    page.evaluate("() => document.fonts.ready.then(() => true)")


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
    try:
        page = context.new_page()
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
        page.wait_for_timeout(200)  # theme scripts that run after load (scroll tab stops, toggle buttons)
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

        page.set_viewport_size(PHONE)
        page.wait_for_timeout(100)
        phone_overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if ALL_SCREENSHOTS:
            page.screenshot(path=str(SCREENSHOTS / f"{stem}-phone.png"), full_page=False)
        page.set_viewport_size(DESKTOP)

        dropdowns = _open_solutions(page)
        page.wait_for_timeout(100)
        return Audit(
            page_name,
            url,
            console,
            outside,
            http_errors,
            facts,
            dropdowns,
            axe_light,
            axe_dark,
            dark_images,
            phone_overflow,
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
    assert all(session.is_local(src) for src in audit.facts["mathjaxSrc"]), audit.facts["mathjaxSrc"]


@pytest.mark.parametrize("page_name", PAGES)
def test_math_typeset(session, page_name):
    facts = session.audit(page_name).facts
    problems = (
        [f"not typeset by MathJax: {t!r}" for t in facts["untypeset"]]
        + [f"MathJax error: {t!r}" for t in facts["merrors"]]
        + [f"raw TeX left as text: {t!r}" for t in facts["rawTex"]]
    )
    if facts["hasMath"] and not facts["mathjaxSrc"]:
        problems.append("the page has math but loads no MathJax")
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
def test_reader_links_on_every_page(session, page_name):
    audit = session.audit(page_name)
    paths = {urllib.parse.urlsplit(link["href"]).path for link in audit.facts["links"]}
    problems = []
    if page_name != "book/running" and "/book/running.html" not in paths:
        problems.append("no link to the 'how to run this chapter locally' page (book/running.html)")
    repo = _config()["repository"]["url"].rstrip("/")
    if not any(link["href"].rstrip("/") == repo for link in audit.facts["links"]):
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


def test_search_finds_anticoncentration(session):
    chapter = next((p for p in PAGES if pathlib.PurePosixPath(p).name == "05_anticoncentration"), None)
    if chapter is None:
        pytest.skip("chapter 05_anticoncentration is not in _toc.yml yet: nothing to search for")
    outside: list[str] = []
    context = session.new_context(outside)
    try:
        page = context.new_page()
        page.goto(session.base + "search.html?q=anti-concentration", wait_until="load")
        page.wait_for_function(
            "() => document.querySelector('#search-results .search-summary') !== null"
            " && !/Searching/.test(document.querySelector('#search-results h2')?.textContent || '')"
        )
        hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
    finally:
        context.close()
    assert any(f"{chapter}.html" in h for h in hits), f"search for anti-concentration: {hits}"
    assert not outside, outside


def _macro_probe(name: str, definition) -> str:
    n_args = definition[1] if isinstance(definition, list) else 0
    return "\\" + name + "".join(f"{{x_{k}}}" for k in range(1, n_args + 1))


def test_mathjax_macros_of_config_typeset(session):
    macros = _config()["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    page_name = next((p for p in PAGES if "mathjax" in (HTML / f"{p}.html").read_text()), None)
    if page_name is None:
        pytest.skip("no page has math yet")
    outside: list[str] = []
    context = session.new_context(outside)
    try:
        page = context.new_page()
        page.goto(_page_url(session.base, page_name), wait_until="load")
        _wait_for_math(page)
        probes = {name: _macro_probe(name, d) for name, d in macros.items()}
        probes["undefined (must fail)"] = r"\nearinitNoSuchMacro"
        mml = page.evaluate(
            "(probes) => Object.fromEntries(Object.entries(probes).map(([k, s]) => [k, MathJax.tex2mml(s)]))", probes
        )
    finally:
        context.close()
    assert "merror" in mml.pop("undefined (must fail)"), "an undefined macro must be a MathJax error"
    failing = {name: probes[name] for name, out in mml.items() if "merror" in out}
    assert not failing, f"macros of _config.yml that MathJax cannot typeset: {failing}"
    assert not outside, outside
