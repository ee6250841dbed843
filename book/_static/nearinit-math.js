// nearinit: math without layout shift or clipping (loaded on every page; book/_static/nearinit.css has the rules).
// 1. Until MathJax has typeset the page, the page's content is laid out but not shown (html.nearinit-typesetting):
//    replacing TeX by typeset math then shifts nothing the reader sees. If MathJax never finishes, it shows after 10 s.
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
  const wait = () => {
    const startup = window.MathJax && window.MathJax.startup;
    if (startup && startup.promise) {
      startup.promise.then(() => document.fonts.ready).then(show, show);
    } else if (document.readyState === "complete" && !document.querySelector("script[src*='mathjax']")) {
      show();
    } else {
      setTimeout(wait, 20);
    }
  };
  wait();
  setTimeout(show, 10000);
})();
