// Small SVG charts drawn in the browser from the API's numbers (no libraries: the viewer works offline).
"use strict";
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, anchor) { const t = el("text", { x, y, "text-anchor": anchor || "start" }, parent); t.textContent = s; return t; }
  const fmt = v => Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : (+v.toPrecision(3)).toString();
  function frame(w, h) { return el("svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}` }); }
  function axes(svg, x0, x1, y0, y1, W, H, m, xlabel, ylabel) {
    el("line", { x1: m.l, y1: H - m.b, x2: W - m.r, y2: H - m.b, stroke: "#888" }, svg);
    el("line", { x1: m.l, y1: m.t, x2: m.l, y2: H - m.b, stroke: "#888" }, svg);
    for (let i = 0; i <= 4; i++) {
      const xv = x0 + (x1 - x0) * i / 4, yv = y0 + (y1 - y0) * i / 4;
      const px = m.l + (W - m.l - m.r) * i / 4, py = H - m.b - (H - m.t - m.b) * i / 4;
      text(svg, px, H - m.b + 14, fmt(xv), "middle");
      text(svg, m.l - 4, py + 4, fmt(yv), "end");
      el("line", { x1: m.l, y1: py, x2: W - m.r, y2: py, stroke: "#eee" }, svg);
    }
    if (xlabel) text(svg, (W + m.l - m.r) / 2, H - 4, xlabel, "middle");
    if (ylabel) { const t = text(svg, 12, (H - m.b + m.t) / 2, ylabel, "middle"); t.setAttribute("transform", `rotate(-90 12 ${(H - m.b + m.t) / 2})`); }
  }

  // Bars of a histogram as counted: edges [B+1], counts [B+2] (below the range, each bin, above).
  function histogram(edges, counts, opts) {
    const W = 520, H = 220, m = { l: 56, r: 10, t: 10, b: 34 };
    const svg = frame(W, H); svg.id = opts && opts.id || "";
    if (!edges.length) { text(svg, 20, 30, "no histogram range recorded"); return svg; }
    const inRange = counts.slice(1, counts.length - 1), max = Math.max(1, ...inRange);
    const x0 = edges[0], x1 = edges[edges.length - 1];
    axes(svg, x0, x1, 0, max, W, H, m, "activation", "tokens");
    const bw = (W - m.l - m.r) / inRange.length;
    inRange.forEach((c, i) => {
      if (!c) return;
      const h = (H - m.t - m.b) * c / max;
      const r = el("rect", { x: m.l + i * bw, y: H - m.b - h, width: Math.max(1, bw - 0.5), height: h, fill: "#4a8fe0" }, svg);
      el("title", {}, r).textContent = `[${fmt(edges[i])}, ${fmt(edges[i + 1])}): ${c}`;
    });
    const outside = counts[0] + counts[counts.length - 1];
    if (outside) text(svg, W - m.r, m.t + 10, `${outside} outside the range`, "end");
    return svg;
  }

  // Lines with optional bands: series [{name, xs, ys, low?, high?}].
  function lines(series, opts) {
    const W = opts.width || 560, H = opts.height || 280, m = { l: 60, r: 130, t: 12, b: 36 };
    const svg = frame(W, H);
    const all = series.flatMap(s => s.xs.map((x, i) => [x, s.ys[i], s.low ? s.low[i] : null, s.high ? s.high[i] : null]));
    const xs = all.map(a => a[0]), ys = all.flatMap(a => [a[1], a[2], a[3]]).concat([opts.reference ?? null]).filter(v => v !== null && isFinite(v));
    if (!xs.length) return svg;
    let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (x1 === x0) x1 = x0 + 1; if (y1 === y0) y1 = y0 + 1;
    axes(svg, x0, x1, y0, y1, W, H, m, opts.xlabel, opts.ylabel);
    const px = x => m.l + (W - m.l - m.r) * (x - x0) / (x1 - x0), py = y => H - m.b - (H - m.t - m.b) * (y - y0) / (y1 - y0);
    series.forEach((s, k) => {
      const c = COLORS[k % COLORS.length];
      if (s.low && s.high) {
        const top = s.xs.map((x, i) => `${px(x)},${py(s.high[i] ?? s.ys[i])}`), bottom = s.xs.map((x, i) => `${px(x)},${py(s.low[i] ?? s.ys[i])}`).reverse();
        el("polygon", { points: top.concat(bottom).join(" "), fill: c, "fill-opacity": 0.15, stroke: "none" }, svg);
      }
      el("polyline", { points: s.xs.map((x, i) => `${px(x)},${py(s.ys[i])}`).join(" "), fill: "none", stroke: c, "stroke-width": 2, class: "series" }, svg);
      s.xs.forEach((x, i) => el("title", {}, el("circle", { cx: px(x), cy: py(s.ys[i]), r: 3, fill: c }, svg)).textContent = `${s.name}: ${fmt(x)} → ${fmt(s.ys[i])}`);
      el("rect", { x: W - m.r + 10, y: m.t + 16 * k, width: 10, height: 10, fill: c }, svg);
      text(svg, W - m.r + 24, m.t + 9 + 16 * k, s.name);
    });
    if (opts.reference !== undefined && isFinite(opts.reference)) {
      el("line", { x1: m.l, x2: W - m.r, y1: py(opts.reference), y2: py(opts.reference), stroke: "#000", "stroke-dasharray": "4 3" }, svg);
      text(svg, W - m.r - 2, py(opts.reference) - 3, opts.referenceLabel || "", "end");
    }
    return svg;
  }

  // Horizontal intervals: rows [{label, value, low?, high?, color?}], with a shaded null band [nullLow, nullHigh].
  function intervals(rows, opts) {
    const W = 560, rowH = 26, m = { l: 190, r: 20, t: 10, b: 30 }, H = m.t + m.b + rowH * rows.length;
    const svg = frame(W, H);
    const vals = rows.flatMap(r => [r.value, r.low, r.high]).concat([opts.nullLow, opts.nullHigh, 0]).filter(v => v !== undefined && v !== null && isFinite(v));
    let x0 = Math.min(...vals), x1 = Math.max(...vals); if (x1 === x0) x1 = x0 + 1;
    const pad = (x1 - x0) * 0.08; x0 -= pad; x1 += pad;
    const px = x => m.l + (W - m.l - m.r) * (x - x0) / (x1 - x0);
    if (isFinite(opts.nullLow) && isFinite(opts.nullHigh)) {
      el("rect", { x: px(opts.nullLow), y: m.t, width: Math.max(1, px(opts.nullHigh) - px(opts.nullLow)), height: rowH * rows.length, fill: "#999", "fill-opacity": 0.2, class: "null-band" }, svg);
      text(svg, px(opts.nullHigh) + 3, H - m.b + 24, opts.nullLabel || "null", "start");
    }
    el("line", { x1: px(0), x2: px(0), y1: m.t, y2: H - m.b, stroke: "#444" }, svg);
    for (let i = 0; i <= 4; i++) text(svg, m.l + (W - m.l - m.r) * i / 4, H - m.b + 12, fmt(x0 + (x1 - x0) * i / 4), "middle");
    rows.forEach((r, i) => {
      const y = m.t + rowH * i + rowH / 2, c = r.color || COLORS[i % COLORS.length];
      text(svg, m.l - 6, y + 4, r.label, "end");
      if (isFinite(r.low) && isFinite(r.high)) el("line", { x1: px(r.low), x2: px(r.high), y1: y, y2: y, stroke: c, "stroke-width": 2 }, svg);
      el("title", {}, el("circle", { cx: px(r.value), cy: y, r: 4.5, fill: c }, svg)).textContent = `${r.label}: ${fmt(r.value)}` + (isFinite(r.low) ? ` [${fmt(r.low)}, ${fmt(r.high)}]` : "");
    });
    return svg;
  }
  return { histogram, lines, intervals, fmt, COLORS };
})();
