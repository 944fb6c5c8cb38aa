// The viewer's pages: each reads one /api/ endpoint and renders it. Hash routes: #/model, #/unit/HOOK/N,
// #/search?q=…, #/trace, #/pruning, #/experiments.
"use strict";
const page = document.getElementById("page");
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const num = (v, d = 4) => v === null || v === undefined ? "—" : typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString("en") : v.toFixed(d)) : esc(v);

async function api(path, body) {
  const r = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = await r.json().catch(() => ({ error: `${path}: HTTP ${r.status}` }));
  if (!r.ok) { const e = new Error(data.error || `HTTP ${r.status}`); e.status = r.status; throw e; }
  return data;
}
function showError(e) { page.innerHTML = `<h1>Error</h1><div class="error" id="error">${esc(e.message)}</div>`; }
const unitLink = (hook, n, label) => `<a class="unit-link" href="#/unit/${encodeURIComponent(hook)}/${n}">${esc(label || `${hook}[${n}]`)}</a>`;
const verdict = v => v ? `<span class="verdict ${esc(v)}">${esc(v)}</span>` : "";

async function modelPage() {
  const o = await api("/api/overview");
  let html = "";
  if (o.models.length) {
    try {
      const m = await api("/api/model");
      html += `<h1 id="model-name">${esc(m.name)} <span class="muted">(${esc(m.model_type)})</span></h1>
      <table id="model-dims"><tr><th>layers</th><th>d_model</th><th>heads</th><th>context</th><th>vocabulary</th><th>parameters</th><th>MLP widths</th></tr>
      <tr><td class="num">${m.dimensions.layers}</td><td class="num">${m.dimensions.d_model}</td><td class="num">${m.dimensions.heads}</td><td class="num">${m.dimensions.context}</td>
      <td class="num">${num(m.dimensions.vocabulary)}</td><td class="num">${num(m.parameter_count)}</td><td>${m.mlp_widths.join(", ")}</td></tr></table>
      <div class="row"><div><h2>Parameters by module</h2><table>${m.parameters.map(p => `<tr><td>${esc(p.module)}</td><td class="num">${num(p.parameters)}</td></tr>`).join("")}</table>`;
      if (m.pruning.length) html += `<h2>Pruning history</h2><table id="pruning-history"><tr><th>model</th><th>MLP widths</th><th>parameters</th><th>removed</th></tr>
        <tr><td>${esc(m.name)} (this)</td><td>${m.mlp_widths.join(", ")}</td><td class="num">${num(m.parameter_count)}</td><td></td></tr>
        ${m.pruning.map(p => p.error ? `<tr><td>${esc(p.name)}</td><td colspan="3" class="error">${esc(p.error)}</td></tr>` : `<tr><td>${esc(p.name)}</td><td>${p.mlp_widths.join(", ")}</td><td class="num">${num(p.parameter_count)}</td><td class="num">${(100 * p.removed_fraction).toFixed(1)}%</td></tr>`).join("")}</table>`;
      html += `</div><div><h2>Hook points (shapes for one sequence of ${m.dimensions.context} tokens)</h2><table id="hook-points">${m.hook_points.map(h => `<tr><td>${esc(h.name)}</td><td>[${h.shape.join(", ")}]</td></tr>`).join("")}</table></div></div>`;
    } catch (e) { html += `<h1>Model</h1><div class="error" id="error">${esc(e.message)}</div>`; }
  } else html += `<h1>No model</h1><p class="muted">Start the viewer with --model DIR to trace.</p>`;
  html += `<h2>Activation stores</h2>`;
  html += o.stores.length ? `<table id="stores"><tr><th>#</th><th>folder</th><th>tokens</th><th>hooks</th></tr>${o.stores.map(s => s.error
      ? `<tr><td>${s.id}</td><td colspan="3" class="error">${esc(s.error)}</td></tr>`
      : `<tr><td>${s.id}</td><td>${esc(s.directory)}</td><td class="num">${num(s.tokens)}</td><td>${s.hooks.map(h => `${unitLink(h.name, 0, h.name)} (${h.width})`).join(", ")}</td></tr>`).join("")}</table>`
    : `<p class="muted">none (--store DIR)</p>`;
  html += `<h2>Concept studies</h2>`;
  if (!o.studies.length) html += `<p class="muted">none found in the results folders (--results DIR with neurons --json output)</p>`;
  for (const s of o.studies) html += `<div class="card"><b>${esc(s.concept)}</b> <span class="muted">${esc(s.file)}, ${s.candidates} candidates</span> <a href="#/search?q=${encodeURIComponent(s.concept || "")}">list</a></div>`;
  if (o.problems.length) html += `<h2>Could not read</h2>${o.problems.map(p => `<div class="error problem">${esc(p.file)}: ${esc(p.message)}</div>`).join("")}`;
  page.innerHTML = html;
}

async function unitPage(hook, neuron, store) {
  const u = await api(`/api/unit?hook=${encodeURIComponent(hook)}&neuron=${neuron}` + (store !== null ? `&store=${store}` : ""));
  let html = `<h1 id="unit-title">${esc(u.label)} <span class="muted">${esc(u.hook)}[${u.neuron}]</span>
    <a href="#/unit/${encodeURIComponent(hook)}/${Math.max(0, neuron - 1)}">‹</a> <a href="#/unit/${encodeURIComponent(hook)}/${neuron + 1}">›</a></h1>`;
  if (u.store) {
    const s = u.store, st = s.statistics;
    html += `<div class="row"><div><h2>Activations over ${num(s.tokens)} stored tokens</h2><div id="histogram-box"></div>
      <table id="unit-stats"><tr><th>mean</th><th>sd</th><th>min</th><th>max</th><th>&gt; 0</th>${st.quantiles.map(q => `<th>p${Math.round(q.p * 100)}</th>`).join("")}</tr>
      <tr><td class="num">${num(st.mean)}</td><td class="num">${num(st.std)}</td><td class="num">${num(st.min)}</td><td class="num">${num(st.max)}</td><td class="num">${(100 * st.fraction_positive).toFixed(1)}%</td>${st.quantiles.map(q => `<td class="num">${num(q.value)}</td>`).join("")}</tr></table></div>
      <div><h2>Top-activating contexts</h2><div id="contexts">${s.contexts.map(c => contextHtml(c, st.max)).join("")}</div></div></div>`;
  } else html += `<p class="muted">No store recorded ${esc(u.hook)}: only the results are shown.</p>`;
  for (const s of u.studies) html += studyCard(s);
  for (const e of u.explanations) {
    const x = e.explanation;
    html += `<div class="card explanation"><h2>Explanation <span class="muted">${esc(e.file)}</span></h2><p>${esc(x.explanation)}</p>
      <p>held-out r = <b>${num(x.correlation, 3)}</b> beside the token-identity baseline r = ${num(x.baseline_correlation, 3)} (chance |r| &lt; ${num(x.chance_level, 3)}, ${num(x.held_out_tokens)} tokens)</p></div>`;
  }
  page.innerHTML = html;
  if (u.store) document.getElementById("histogram-box").appendChild(Charts.histogram(u.store.histogram.edges, u.store.histogram.counts, { id: "histogram" }));
  u.studies.forEach((s, i) => drawStudy(s, i));
}

function contextHtml(c, max) {
  const spans = c.tokens.map((t, i) => {
    const a = c.activations[i], alpha = max > 0 ? Math.max(0, Math.min(1, a / max)) : 0;
    return `<span class="tok${i === c.focus ? " focus" : ""}" style="background: rgba(255,140,0,${alpha.toFixed(3)})" title="${esc(c.raw[i])}: ${a.toFixed(3)}">${esc(t)}</span>`;
  }).join("");
  return `<div class="ctx context"><span class="muted">${c.value.toFixed(3)} @${c.position}</span> ${spans}</div>`;
}

// One study's measurements of this unit beside its random-unit null (same hook/layer).
function studyCard(s) {
  const c = s.candidate;
  const extra = Object.entries(c).filter(([k, v]) => /(_ci|_low|_high|interval|role|p_value|q_value)/.test(k) && v !== null && typeof v !== "object");
  return `<div class="card study"><h2>${esc(s.concept)}: ${verdict(c.verdict)} <span class="muted">${esc(s.file)}</span></h2>
    ${c.effect ? effectHtml(c, s) : `<p>AUC ${num(c.auc, 3)} (concept mean ${num(c.concept_mean, 3)}, control ${num(c.control_mean, 3)}); ${esc(s.ablation_method || "")} ablation: Δloss on concept targets ${num(c.ablation_effect_concept)} vs ${num(c.ablation_effect_control)} elsewhere, specificity ${num(c.specificity, 2)}</p>`}
    ${c.explanation ? `<p>Explanation: ${esc(c.explanation)} — ${explanationScore(c)}</p>` : ""}
    ${extra.length ? `<table>${extra.map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${num(v)}</td></tr>`).join("")}</table>` : ""}
    ${roles(c)}
    <div class="study-chart"></div><p class="muted">${esc(s.verdict_rule || "")}</p></div>`;
}
// A study that judges roles (neurons since 2026-12): effects with 95% intervals, rank p-value and Holm.
const ci = (x, d = 4) => x ? `${num(x.value, d)} [${num(x.low, d)}, ${num(x.high, d)}]` : "";
function effectHtml(c, s) {
  const e = c.effect;
  return `<p>role <b>${esc(c.role)}</b>; held-out AUC ${num(c.auc, 3)} (ranking AUC ${num(c.ranking_auc, 3)});
    ${esc(s.ablation_method || "")} ablation, Δloss (95% CI): concept ${ci(e.concept)}, control ${ci(e.control)},
    specificity (concept − control) ${ci(e.specificity)}${e.after ? `, after the concept ${ci(e.after)}` : ""};
    rank p ${num(c.p_value, 3)}, Holm p ${num(c.holm_p_value, 3)}</p>`;
}
function explanationScore(c) {
  const h = c.explanation_held_out;
  if (h && typeof h.gain === "number") return `gain over token identity ${ci({ value: h.gain, low: h.gain_low, high: h.gain_high }, 3)} (held-out r ${num(h.correlation, 3)} against ${num(h.baseline_correlation, 3)})`;
  return `held-out r = <b>${num(c.explanation_score, 3)}</b>, token-identity baseline r = ${num(c.explanation_baseline, 3)}`;
}
function roles(c) {
  const r = c.roles || c.verdicts;
  if (!r || typeof r !== "object") return "";
  const rows = Array.isArray(r) ? r : Object.entries(r).map(([role, v]) => ({ role, ...(typeof v === "object" ? v : { verdict: v }) }));
  return `<table class="roles"><tr><th>role</th><th>verdict</th></tr>${rows.map(x => `<tr><td>${esc(x.role ?? x.name)}</td><td>${verdict(x.verdict)}</td></tr>`).join("")}</table>`;
}
function drawStudy(s, i) {
  const c = s.candidate, b = s.random_baseline, box = document.querySelectorAll(".study-chart")[i];
  const pick = (k) => [c[k + "_low"] ?? (c[k + "_ci"] || [])[0], c[k + "_high"] ?? (c[k + "_ci"] || [])[1]];
  const [cl, ch] = pick("ablation_effect_concept"), [ol, oh] = pick("ablation_effect_control");
  const e = c.effect;
  const rows = e ? [{ label: "this unit, concept", value: e.concept.value, low: e.concept.low, high: e.concept.high, color: "#d62728" },
                    { label: "this unit, control", value: e.control.value, low: e.control.low, high: e.control.high, color: "#1f77b4" }]
    : [{ label: "this unit, concept targets", value: c.ablation_effect_concept, low: cl, high: ch, color: "#d62728" },
       { label: "this unit, other targets", value: c.ablation_effect_control, low: ol, high: oh, color: "#1f77b4" }];
  let opts = {};
  if (b && b.concept_delta) {
    rows.push({ label: `random units (n=${b.concept_delta.count}), concept`, value: b.concept_delta.mean, low: b.concept_delta.ci_low, high: b.concept_delta.ci_high, color: "#777" });
    opts = { nullLow: b.concept_delta.percentile5, nullHigh: b.concept_delta.percentile95, nullLabel: "random units 5–95%" };
  }
  box.appendChild(Charts.intervals(rows.filter(r => typeof r.value === "number"), opts));
}

async function searchPage(params) {
  const q = params.get("q") || "", v = params.get("verdict") || "";
  const r = await api(`/api/search?q=${encodeURIComponent(q)}&verdict=${encodeURIComponent(v)}`);
  page.innerHTML = `<h1>Search units</h1>
    <form id="search-form"><input type="text" id="search-input" size="40" placeholder="L0.N231, blocks.0.mlp.hook_post[231], or words" value="${esc(q)}">
    <select id="search-verdict"><option value="">any verdict</option>${r.verdicts.map(x => `<option${x === v ? " selected" : ""}>${esc(x)}</option>`).join("")}</select>
    <button>search</button></form>
    <p class="muted">${r.units.length} units</p>
    <table id="search-results"><tr><th>unit</th><th>concept</th><th>verdict</th><th>explanation</th><th>from</th></tr>
    ${r.units.map(u => `<tr><td>${unitLink(u.hook, u.neuron, u.label)}</td><td>${esc(u.concept)}</td><td>${verdict(u.verdict)}</td><td>${esc(u.explanation)}</td><td class="muted">${esc(u.source)}</td></tr>`).join("")}</table>`;
  document.getElementById("search-form").onsubmit = ev => {
    ev.preventDefault();
    location.hash = `#/search?q=${encodeURIComponent(document.getElementById("search-input").value)}&verdict=${encodeURIComponent(document.getElementById("search-verdict").value)}`;
  };
}

async function pruningPage() {
  const p = await api("/api/pruning");
  let html = `<h1>Pruning</h1>`;
  if (!p.comparisons.length) html += `<p class="muted">No prune compare --json results in the results folders.</p>`;
  p.comparisons.forEach((c, i) => {
    const cmp = c.comparison;
    html += `<div class="card comparison"><h2>${esc(c.file)} <span class="muted">unit: ${esc(cmp.unit)}; unpruned loss ${num(cmp.baseline?.loss)}</span></h2><div class="row"><div id="cmp-loss-${i}"></div><div id="cmp-acc-${i}"></div></div>
      <table><tr><th>method</th>${cmp.curves[0].fractions.map(f => `<th>${Math.round(100 * f)}%</th>`).join("")}<th>analysis s</th></tr>
      ${cmp.curves.map(k => `<tr><td>${esc(k.method)}</td>${k.loss.map(v => `<td class="num">${num(v, 3)}</td>`).join("")}<td class="num">${num(k.analysis_seconds, 1)}</td></tr>`).join("")}</table></div>`;
  });
  html += `<h2>Pruned model beside the original</h2>${Trace.compareForm(p.models)}`;
  page.innerHTML = html;
  p.comparisons.forEach((c, i) => {
    const cmp = c.comparison;
    // Every numeric array as long as the fractions is its own series (loss; newer files may add selection/refit curves).
    const series = key => cmp.curves.flatMap(k => Object.entries(k).filter(([n, v]) => Array.isArray(v) && n !== "fractions" && v.length === k.fractions.length && v.some(x => typeof x === "number") && (key === "accuracy" ? n.includes("accuracy") : !n.includes("accuracy")))
      .map(([n, v]) => ({ name: n === "loss" ? k.method : `${k.method} ${n}`, xs: k.fractions, ys: v })));
    document.getElementById(`cmp-loss-${i}`).appendChild(Charts.lines(series("loss"), { xlabel: "fraction removed", ylabel: "loss", reference: cmp.baseline?.loss, referenceLabel: "unpruned" }));
    const acc = series("accuracy");
    if (acc.length) document.getElementById(`cmp-acc-${i}`).appendChild(Charts.lines(acc, { xlabel: "fraction removed", ylabel: "accuracy", reference: cmp.baseline?.accuracy, referenceLabel: "unpruned" }));
  });
  Trace.bindCompare();
}

async function experimentsPage() {
  const r = await api("/api/experiments");
  let html = `<h1>Experiments</h1>`;
  if (!r.experiments.length) html += `<p class="muted">No experiment databases (*.db) in the results folders.</p>`;
  r.experiments.forEach((x, i) => {
    if (x.error) { html += `<div class="error">${esc(x.error)}</div>`; return; }
    const iv = (m, s = 100, d = 2) => `${(s * m.mean).toFixed(d)}` + (m.low !== null ? ` [${(s * m.low).toFixed(d)}, ${(s * m.high).toFixed(d)}]` : "");
    html += `<div class="card experiment"><h2>${esc(x.name || x.file)} <span class="muted">${esc(x.file)}</span></h2>
      <table><tr><th>setting</th><th>runs</th><th>test accuracy % (95% CI over seeds)</th><th>test loss</th></tr>
      ${x.settings.map(s => `<tr><td>${esc(s.setting)}</td><td class="num">${s.runs.length}</td><td class="num">${iv(s.test_accuracy)}</td><td class="num">${iv(s.test_loss, 1, 4)}</td></tr>`).join("")}</table>
      <div class="row"><div id="exp-acc-${i}"></div><div id="exp-loss-${i}"></div></div></div>`;
  });
  page.innerHTML = html;
  r.experiments.forEach((x, i) => {
    if (x.error) return;
    const curve = key => x.settings.map(s => ({ name: s.setting, xs: s.curve.map(p => p.epoch), ys: s.curve.map(p => p[key].mean), low: s.curve.map(p => p[key].low), high: s.curve.map(p => p[key].high) }));
    document.getElementById(`exp-acc-${i}`).appendChild(Charts.lines(curve("test_accuracy"), { xlabel: "epoch", ylabel: "test accuracy" }));
    document.getElementById(`exp-loss-${i}`).appendChild(Charts.lines(curve("test_loss"), { xlabel: "epoch", ylabel: "test loss" }));
  });
}

async function route() {
  const [path, query] = (location.hash.slice(1) || "/model").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent), params = new URLSearchParams(query || "");
  document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", a.getAttribute("href") === `#/${parts[0] || "model"}`));
  try {
    switch (parts[0] || "model") {
      case "unit": await unitPage(parts[1], parseInt(parts[2] || "0", 10), params.get("store")); break;
      case "search": await searchPage(params); break;
      case "trace": await Trace.page(params); break;
      case "pruning": await pruningPage(); break;
      case "experiments": await experimentsPage(); break;
      default: await modelPage();
    }
    document.body.dataset.ready = location.hash;
  } catch (e) { showError(e); document.body.dataset.ready = location.hash; }
}
window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);
