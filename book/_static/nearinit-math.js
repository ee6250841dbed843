// nearinit: math without layout shift or clipping (loaded on every page; book/_static/nearinit.css has the rules).
// 1. Until the document is parsed and its wide formulas are marked, the page's content is laid out but not shown
//    (html.nearinit-typesetting): marking a formula wide then shifts nothing the reader sees.
// 2. An inline formula wider than its line (phones) becomes a block of its own that scrolls sideways
//    (span.math.nearinit-wide, focusable so that the keyboard can scroll it) instead of being clipped.
(() => {
  const root = document.documentElement;
  root.classList.add("nearinit-typesetting");
  let shown = false;
  const markWide = () => {
    for (const container of document.querySelectorAll("span.math > mjx-container:not([display='true'])")) {
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
  const show = () => {
    if (shown) return;
    shown = true;
    markWide();
    root.classList.remove("nearinit-typesetting");
    let pending = null;
    window.addEventListener("resize", () => {
      markWide();
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(markWide);
    });
  };
  // The math is typeset at build time (book/_ext/nearinit_math.py): once the document is parsed every formula has
  // its final size (web fonts that arrive later change no box: MathJax's stylesheet sets each character's size).
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
  // Measured again when the fonts are in and after the load, in case a stylesheet came late.
  document.fonts.ready.then(markWide);
  window.addEventListener("load", markWide);
  setTimeout(show, 10000);
})();
