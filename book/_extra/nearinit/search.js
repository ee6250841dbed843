// nearinit: search summaries without raw TeX. Sphinx builds each result's summary from the text of the page's
// HTML, where math is still TeX source ("\(m \to \infty\)"); the build gives every formula a plain-text reading in
// data-text ("m → ∞"), which the summary uses instead. Loaded on search.html only (nearinit_book.site.text).
(() => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const original = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".math[data-text]").forEach((el) => el.replaceWith(el.getAttribute("data-text")));
    return original(doc.documentElement.outerHTML, anchor);
  };
})();
