// nearinit, chapter 6: the exact worst case of |f - f_0| against the main lemma's bound, as sliders over the width m
// and the radius B move. Data precomputed with the nearinit package (tools/nearinit_book/site/worst_case_data.py, in
// worst-case-data.js); no kernel, no network. Draws into every <div class="nearinit-worst-case">.
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = { worst: "#0072B2", lemma: "#D55E00", slides: "#009E73", asymptote: "#555555" };
  const LABELS = {
    worst: "exact worst case",
    lemma: "lemma, best \u03C4",
    slides: "slides' statement",
    asymptote: "c B^{4/3} m^{1/3}",
  };
  const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const fmtM = (m) => m.toLocaleString("en-US");
  const el = (name, attrs, parent) => {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  };

  function draw(root, data) {
    root.innerHTML = "";
    const controls = document.createElement("div");
    controls.className = "nearinit-wc-controls";
    const mk = (id, label, max) => {
      const wrap = document.createElement("label");
      wrap.textContent = label + " ";
      const input = document.createElement("input");
      Object.assign(input, { type: "range", min: 0, max, step: 1, id });
      wrap.appendChild(input);
      const out = document.createElement("output");
      out.setAttribute("for", id);
      wrap.appendChild(out);
      controls.appendChild(wrap);
      return [input, out];
    };
    const uid = root.id || "nearinit-worst-case";
    const [mInput, mOut] = mk(`${uid}-m`, "width m", data.widths.length - 1);
    const [bInput, bOut] = mk(`${uid}-B`, "radius B", data.radii.length - 1);
    mInput.value = Math.floor(data.widths.length / 2);
    bInput.value = data.radii.indexOf(1) >= 0 ? data.radii.indexOf(1) : Math.floor(data.radii.length / 2);
    root.appendChild(controls);

    const W = 360, H = 260, L = 46, R = 10, T = 10, Bm = 38;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "nearinit-wc-plot" }, root);
    const title = el("title", {}, svg);
    const readout = document.createElement("p");
    readout.className = "nearinit-wc-readout";
    readout.setAttribute("aria-live", "polite");
    root.appendChild(readout);
    const legend = document.createElement("ul");
    legend.className = "nearinit-wc-legend";
    for (const key of Object.keys(LABELS)) {
      const li = document.createElement("li");
      li.innerHTML = `<span style="background:${COLORS[key]}"></span>${LABELS[key]}`;
      legend.appendChild(li);
    }
    root.appendChild(legend);

    const lx = data.widths.map(Math.log10);
    const all = ["worst", "lemma", "slides", "asymptote"].flatMap((k) => data[k].flat());
    const ymin = Math.floor(Math.log10(Math.min(...all))), ymax = Math.ceil(Math.log10(Math.max(...all)));
    const X = (m) => L + ((Math.log10(m) - lx[0]) / (lx[lx.length - 1] - lx[0])) * (W - L - R);
    const Y = (v) => T + (1 - (Math.log10(v) - ymin) / (ymax - ymin)) * (H - T - Bm);
    const axes = el("g", { class: "axes" }, svg);
    for (let e = Math.ceil(lx[0]); e <= lx[lx.length - 1]; e++) {
      el("line", { x1: X(10 ** e), x2: X(10 ** e), y1: T, y2: H - Bm, stroke: "#ddd" }, axes);
      el("text", { x: X(10 ** e), y: H - Bm + 14, "text-anchor": "middle", "font-size": 11 }, axes).textContent = `10^${e}`;
    }
    for (let e = ymin; e <= ymax; e++) {
      el("line", { x1: L, x2: W - R, y1: Y(10 ** e), y2: Y(10 ** e), stroke: "#ddd" }, axes);
      el("text", { x: L - 4, y: Y(10 ** e) + 4, "text-anchor": "end", "font-size": 11 }, axes).textContent = `10^${e}`;
    }
    el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", "font-size": 12 }, axes).textContent = "width m";
    el("text", { x: 12, y: (T + H - Bm) / 2, "text-anchor": "middle", "font-size": 12,
                 transform: `rotate(-90 12 ${(T + H - Bm) / 2})` }, axes).textContent = "|f \u2212 f\u2080|";
    const curves = {};
    for (const key of ["asymptote", "slides", "lemma", "worst"]) {
      curves[key] = el("polyline", { fill: "none", stroke: COLORS[key], "stroke-width": 2,
                                     "stroke-dasharray": key === "asymptote" ? "5 4" : "none", class: `curve-${key}` }, svg);
    }
    const marker = el("line", { stroke: "#999", "stroke-dasharray": "2 3" }, svg);
    const dots = {};
    for (const key of ["slides", "lemma", "worst"]) dots[key] = el("circle", { r: 4, fill: COLORS[key], class: `dot-${key}` }, svg);

    function update() {
      const i = Number(mInput.value), j = Number(bInput.value);
      const m = data.widths[i], B = data.radii[j];
      mOut.textContent = ` ${fmtM(m)}`;
      bOut.textContent = ` ${fmt(B)}`;
      mInput.setAttribute("aria-valuetext", `m = ${fmtM(m)}`);
      bInput.setAttribute("aria-valuetext", `B = ${fmt(B)}`);
      for (const key of Object.keys(curves)) {
        curves[key].setAttribute("points", data.widths.map((mm, k) => `${X(mm).toFixed(1)},${Y(data[key][k][j]).toFixed(1)}`).join(" "));
      }
      marker.setAttribute("x1", X(m)); marker.setAttribute("x2", X(m));
      marker.setAttribute("y1", T); marker.setAttribute("y2", H - Bm);
      for (const key of Object.keys(dots)) {
        dots[key].setAttribute("cx", X(m)); dots[key].setAttribute("cy", Y(data[key][i][j]));
      }
      const w = data.worst[i][j], lem = data.lemma[i][j], sl = data.slides[i][j];
      readout.dataset.m = m; readout.dataset.B = B;
      readout.dataset.worst = w; readout.dataset.lemma = lem; readout.dataset.slides = sl;
      readout.textContent =
        `At m = ${fmtM(m)} and B = ${fmt(B)}: the exact worst case is ${fmt(w)}; the lemma's bound (best \u03C4) is ` +
        `${fmt(lem)}, ${(lem / w).toFixed(1)} times as large; the slides' statement ${fmt(sl)}, ${(sl / w).toFixed(1)} times.`;
      title.textContent = `Log-log plot against the width m at B = ${fmt(B)}: ` + readout.textContent;
    }
    mInput.addEventListener("input", update);
    bInput.addEventListener("input", update);
    update();
  }

  function init() {
    const data = window.NEARINIT_WORST_CASE;
    for (const root of document.querySelectorAll(".nearinit-worst-case")) {
      if (data) draw(root, data);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
