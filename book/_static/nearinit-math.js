// nearinit: math without layout shift or clipping, long pages rendered as the reader reaches them (loaded on every
// page; book/_static/nearinit.css has the rules).
// 1. Until the document is parsed and its wide formulas are marked, the page's content is not rendered
//    (html.nearinit-typesetting): marking a formula wide then shifts nothing the reader sees.
// 2. An inline formula wider than its line (phones) becomes a block of its own that scrolls sideways
//    (span.math.nearinit-wide, focusable so that the keyboard can scroll it) instead of being clipped; in a
//    dropdown, when it is opened.
// 3. The sections of a page (LAZY) are laid out only near the screen (content-visibility: auto): a chapter's
//    thousands of typeset formulas are not all laid out on arrival. What needs a section's layout, its wide formulas
//    and the keyboard stops of its scrolling boxes (the theme's rule, which the theme's own script applies to the
//    rest of the page, and to which a lazy section's boxes read as empty until it is rendered), is done when the
//    section is first rendered (contentvisibilityautostatechange), before the reader sees it; measuring it earlier
//    would lay it out.
(() => {
  const LAZY = "article.bd-article > section > section";
  const SCROLLERS = "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, .pst-scrollable-table-container";
  const root = document.documentElement;
  root.classList.add("nearinit-typesetting");
  let shown = false;
  const rendered = new Set(); // the lazy sections rendered so far
  const lazyOf = (el) => el.closest(LAZY);
  // Elements under `scope` that are measurable now: outside the lazy sections, or in one that has been rendered.
  const measurable = (scope, selector) =>
    [...scope.querySelectorAll(selector)].filter((el) => {
      const section = lazyOf(el);
      return !section || rendered.has(section);
    });
  const markWide = (scope = document) => {
    for (const container of measurable(scope, "span.math > mjx-container:not([display='true'])")) {
      const span = container.parentElement;
      const line = span.parentElement;
      if (!line) continue;
      const wasWide = span.classList.contains("nearinit-wide");
      if (wasWide) span.classList.remove("nearinit-wide");
      const style = getComputedStyle(line);
      const room = line.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const wide = room > 0 && container.getBoundingClientRect().width > room + 0.5;
      if (wide) {
        span.classList.add("nearinit-wide");
        span.tabIndex = 0;
        span.setAttribute("role", "group");
        span.setAttribute("aria-label", "wide formula, scrolls sideways");
      } else if (wasWide) {
        span.removeAttribute("tabindex");
        span.removeAttribute("role");
        span.removeAttribute("aria-label");
      }
    }
  };
  // The theme's rule (pydata-sphinx-theme, addTabStopsToScrollableElements): a box that scrolls is a tab stop.
  // The theme's script applies it on "load" to every code block and output of the page, measuring each; measuring
  // a box of a section not rendered yet would lay that section out. So until its section is rendered, such a box
  // reads as having no size (its scroll and client sizes are 0: no overflow, the theme leaves it out of the tab
  // order, and nothing is laid out), and tabStops applies the rule when the section is rendered.
  const SIZES = ["scrollWidth", "scrollHeight", "clientWidth", "clientHeight"].map((name) => [
    name, Object.getOwnPropertyDescriptor(Element.prototype, name).get,
  ]);
  const sizedWhenRendered = (box) => {
    const section = lazyOf(box);
    for (const [name, get] of SIZES) {
      Object.defineProperty(box, name, { configurable: true, get: () => (rendered.has(section) ? get.call(box) : 0) });
    }
  };
  const tabStops = (section) => {
    for (const el of section.querySelectorAll(SCROLLERS)) {
      el.tabIndex = el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight ? 0 : -1;
    }
  };
  const onRender = (event) => {
    if (event.skipped || rendered.has(event.target)) return;
    rendered.add(event.target);
    event.target.dataset.nearinitRendered = "";  // for the browser tests
    markWide(event.target);
    tabStops(event.target);
  };
  const show = () => {
    if (shown) return;
    shown = true;
    for (const section of document.querySelectorAll(LAZY)) {
      section.addEventListener("contentvisibilityautostatechange", onRender);
      section.querySelectorAll(SCROLLERS).forEach(sizedWhenRendered);
    }
    // Without content-visibility (older browsers) every section is rendered now.
    if (!("oncontentvisibilityautostatechange" in window)) {
      document.querySelectorAll(LAZY).forEach((section) => {
        rendered.add(section);
        section.dataset.nearinitRendered = "";
        tabStops(section);
      });
    }
    // Rendered, then measured and marked in the same task: nothing is painted in between.
    root.classList.remove("nearinit-typesetting");
    markWide();
    // A dropdown (a solution, a hidden cell) hides its formulas until it is opened, and a hidden formula has no
    // width: its wide formulas are marked when it opens.
    const article = document.querySelector("article.bd-article");
    if (article) {
      new MutationObserver((changes) => {
        for (const { target } of changes) {
          if (target.matches(".toggle, details")) requestAnimationFrame(() => markWide(target));
        }
      }).observe(article, { subtree: true, attributes: true, attributeFilter: ["class", "open"] });
    }
    let pending = null;
    const again = () => {
      markWide();
      rendered.forEach(tabStops);
    };
    window.addEventListener("resize", () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(again);
    });
  };
  // The math is typeset at build time (nearinit_book.site.prerender): once the document is parsed every formula has
  // its final size (web fonts that arrive later change no box: MathJax's stylesheet sets each character's size).
  // "interactive": the document is parsed, and the deferred scripts (the theme's, which measure the page) have not
  // run yet; they then find the page laid out once, not a second time.
  if (document.readyState === "loading") {
    document.addEventListener("readystatechange", () => document.readyState !== "loading" && show());
  } else show();
  // Measured again when the fonts are in and after the load, in case a stylesheet came late.
  document.fonts.ready.then(() => markWide());
  window.addEventListener("load", () => markWide());
  setTimeout(show, 10000);
})();
