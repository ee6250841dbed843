"""`make bench` (website part): what a first visit to each page of the built site costs.

For every page of ``_toc.yml``, opened in headless Chromium in a fresh browser context (empty cache: a first
visit) from a loopback server:

- **weight**: bytes transferred (encoded body sizes and headers of every response, the page included), from a
  server that gzips text as web hosts do (``nearinit_book.site.server``), and the same files uncompressed ("raw");
- **requests**: how many responses the page needed;
- **CLS**: cumulative layout shift (the Layout Instability API's ``layout-shift`` entries without recent input,
  summed from navigation until the math is typeset and the page has been still for half a second);
- **load**: seconds from navigation start until the page is ready to read (``load`` event, web fonts in, and
  MathJax's typesetting done on a site that typesets in the browser, as 595d7ae's does; this one typesets at build
  time), the median of ``--repeat`` cold visits.

Prints a table and the ratios to the baseline in ``bench/site_baseline.json`` (the site of commit 595d7ae, measured
on this machine with this script); ``--write-baseline`` replaces that file. ``--against DIR`` measures another
build (e.g. 595d7ae's) in the same run instead, its visits interleaved with this site's: on a shared machine that is
the fair comparison of load times. Results go to ``_build/bench/site.json``.
Load times depend on the machine and its load, so compare ratios measured on one machine at one time; nothing here
is asserted (the browser tests assert weight and CLS, never time).

Environment: ``NEARINIT_HTML`` (built site, default ``_build/html``), ``NEARINIT_CHROMIUM`` (``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
HTML = pathlib.Path(os.environ.get("NEARINIT_HTML", ROOT / "_build" / "html")).resolve()
CHROMIUM = os.environ.get("NEARINIT_CHROMIUM", "/usr/bin/chromium")
BASELINE = ROOT / "bench" / "site_baseline.json"
OUT = ROOT / "_build" / "bench" / "site.json"

# Runs before any page script: collect layout shifts from the start of the navigation.
CLS_INIT = """
window.__nearinitCLS = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__nearinitCLS += e.value;
}).observe({ type: "layout-shift", buffered: true });
"""

READY = """
async () => {
  if (document.querySelector('.math') && document.querySelector('script[src*="mathjax"]')) {
    for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  }
  await document.fonts.ready;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now();
}
"""


from nearinit_book.site.server import CHROMIUM_FLAGS, serve  # noqa: E402
from nearinit_book.toc import toc_pages  # noqa: E402


def visit(browser, url: str, root: pathlib.Path = HTML) -> dict:
    """One cold visit: bytes, requests, CLS and time to ready."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    origin = url.split("/")[2]
    context.route("**/*", lambda r: r.continue_() if origin in r.request.url.split("/")[2:3] else r.abort())
    context.add_init_script(CLS_INIT)
    page = context.new_page()
    responses = []
    page.on("requestfinished", lambda req: responses.append(req))
    try:
        page.goto(url, wait_until="load")
        ready_ms = page.evaluate(READY)
        page.wait_for_timeout(500)
        cls = page.evaluate("() => window.__nearinitCLS")
        transferred = raw = 0
        for req in responses:
            sizes = req.sizes()
            transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            path = root / urllib.parse.unquote(urllib.parse.urlsplit(req.url).path).lstrip("/")
            raw += path.stat().st_size if path.is_file() else sizes["responseBodySize"]
        return {
            "bytes": transferred,
            "raw_bytes": raw,
            "requests": len(responses),
            "cls": cls,
            "load_s": ready_ms / 1000,
        }
    finally:
        context.close()


def _summary(runs: list[dict]) -> dict:
    return {
        "bytes": runs[0]["bytes"],
        "raw_bytes": runs[0]["raw_bytes"],
        "requests": runs[0]["requests"],
        "cls": max(r["cls"] for r in runs),
        "load_s": statistics.median(r["load_s"] for r in runs),
    }


def measure(pages: list[str], repeat: int, against: pathlib.Path | None = None, against_pages=None) -> tuple:
    """Cold visits of every page; with ``against`` (another built site), the visits of the two sites interleaved
    (a, b, a, b, ...) so that a change of load on a shared machine hits both alike."""
    from playwright.sync_api import sync_playwright

    httpd, base = serve(HTML)
    other = serve(against) if against else None
    results, baseline = {}, {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
            try:
                for name in pages:
                    runs, old = [], []
                    for _ in range(repeat):
                        runs.append(visit(browser, base + name + ".html"))
                        if other and name in (against_pages or pages):
                            old.append(visit(browser, other[1] + name + ".html", against))
                    results[name] = _summary(runs)
                    if old:
                        baseline[name] = _summary(old)
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        if other:
            other[0].shutdown()
    return results, baseline


def site_size(directory: pathlib.Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="cold visits per page (median load time); default 3")
    p.add_argument("--write-baseline", action="store_true", help=f"write the results to {BASELINE.name}")
    p.add_argument(
        "--against",
        type=pathlib.Path,
        help="another built site (e.g. 595d7ae's _build/html), measured now, interleaved, instead of the stored"
        " baseline; --against-toc is its _toc.yml",
    )
    p.add_argument("--against-toc", type=pathlib.Path)
    args = p.parse_args(argv)
    if not (HTML / "index.html").exists():
        sys.exit(f"no built site at {HTML}: run `make book` first (or set NEARINIT_HTML)")
    if not pathlib.Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM}")
    pages = toc_pages()
    t0 = time.perf_counter()
    against_pages = toc_pages(args.against_toc) if args.against_toc else None
    measured, live = measure(pages, args.repeat, args.against, against_pages)
    results = {"pages": measured, "site_bytes": site_size(HTML)}
    if args.against:
        base = {"pages": live, "site_bytes": site_size(args.against)}
    else:
        base = json.loads(BASELINE.read_text()) if BASELINE.exists() and not args.write_baseline else None

    def ratio(name, key):
        if not base or name not in base["pages"] or not base["pages"][name].get(key):
            return "     -"
        return f"{results['pages'][name][key] / base['pages'][name][key]:6.2f}"

    print(f"\nWebsite, first visit of each page ({HTML}); ratio = this site / baseline (595d7ae), same server")
    header = (
        f"{'page':28} {'KB gz':>7} {'ratio':>6} {'KB raw':>7} {'ratio':>6} {'req':>4} {'ratio':>6}"
        f" {'CLS':>6} {'base':>6} {'load s':>7} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results["pages"].items():
        b = base["pages"].get(name) if base else None
        print(
            f"{name:28} {r['bytes'] / 1024:7.0f} {ratio(name, 'bytes')} {r['raw_bytes'] / 1024:7.0f}"
            f" {ratio(name, 'raw_bytes')} {r['requests']:4d} {ratio(name, 'requests')}"
            f" {r['cls']:6.3f} {b['cls'] if b else float('nan'):6.3f} {r['load_s']:7.2f} {ratio(name, 'load_s')}"
        )
    size = results["site_bytes"] / 2**20
    print(
        f"site on disk: {size:.1f} MB" + (f" (ratio {results['site_bytes'] / base['site_bytes']:.2f})" if base else "")
    )
    print(f"({time.perf_counter() - t0:.0f} s)")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"site": results, "baseline": base}, indent=1))
    if args.write_baseline:
        BASELINE.write_text(json.dumps(results, indent=1) + "\n")
        print(f"baseline written to {BASELINE}")


if __name__ == "__main__":
    main()
