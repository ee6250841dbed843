// nearinit: typeset the book's formulas once, at build time (tools/nearinit_book/site/prerender.py runs this with Node.js).
//
// Reads one JSON object on stdin: {"mathjax": <MathJax 3 component directory, with node-main.js>,
// "config": <the book's mathjax3_config>, "fontURL": <URL of the woff-v2 fonts, relative to the stylesheet>,
// "items": [[tex, display], ...]}. Writes one JSON object on stdout: {"html": [<mjx-container> HTML per item],
// "css": <the CommonHTML stylesheet of every character used>, "errors": [[index, message], ...]}.
// The same MathJax, configuration and output (CommonHTML with assistive MathML) as in the browser, so the page
// looks as it did when the reader's browser typeset it, without the 0.75 MB of scripts and seconds of typesetting.
"use strict";

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const job = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const config = JSON.parse(JSON.stringify(job.config || {}));
  const load = (config.loader && config.loader.load) || [];
  config.loader = { ...(config.loader || {}), paths: { mathjax: job.mathjax }, require, load: ["adaptors/liteDOM", ...load] };
  config.chtml = { ...(config.chtml || {}), fontURL: job.fontURL, adaptiveCSS: true };
  config.startup = { ...(config.startup || {}), typeset: false };
  require(job.mathjax + "/node-main.js")
    .init(config)
    .then(async (MathJax) => {
      const adaptor = MathJax.startup.adaptor;
      const html = [];
      const errors = [];
      for (const [i, [tex, display]] of job.items.entries()) {
        // The promise form: the autoload extension loads a TeX package the first time a formula needs it.
        const node = await MathJax.tex2chtmlPromise(tex, { display });
        const error = adaptor.tags(node, "mjx-merror")[0];
        if (error) errors.push([i, adaptor.getAttribute(error, "data-mjx-error") || adaptor.textContent(error)]);
        html.push(adaptor.outerHTML(node));
      }
      const css = adaptor.textContent(MathJax.chtmlStylesheet());
      process.stdout.write(JSON.stringify({ html, css, errors }));
    })
    .catch((err) => {
      process.stderr.write(String((err && err.stack) || err) + "\n");
      process.exit(1);
    });
});
