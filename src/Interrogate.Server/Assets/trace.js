// The trace explorer: next-token distribution, direct logit attribution, a neuron's inputs, and each
// head's attention pattern drawn on a canvas (one pixel per query × key; 1,024 tokens is 1M pixels,
// not 1M DOM nodes), with token hover that recolours only the token strip.
"use strict";
const Trace = (() => {
  let last = null;          // the last trace response
  let pattern = null;       // Uint8Array [T*T] of the shown head
  const bars = (v, max) => `<span class="bar${v < 0 ? " neg" : ""}" style="width:${(60 * Math.abs(v) / (max || 1)).toFixed(1)}px"></span>`;

  async function page(params) {
    const o = await api("/api/overview");
    const models = o.models.map(m => `<option value="${esc(m.id)}">${esc(m.name)}</option>`).join("");
    page_.innerHTML = `<h1>Trace explorer</h1>
      <textarea id="trace-text" placeholder="Type text; the model's next-token prediction after it is traced">${esc(params.get("text") || "The President of the United")}</textarea>
      <p>model <select id="trace-model">${models}</select> position <input type="text" id="trace-position" size="5" value="-1">
      neuron <input type="text" id="trace-neuron" size="8" placeholder="L.N"> <button id="trace-run">trace</button> <span id="trace-status" class="muted"></span></p>
      <div id="trace-out"></div>`;
    document.getElementById("trace-run").onclick = run;
    if (params.get("text")) await run();
  }
  const page_ = document.getElementById("page");

  async function run() {
    const status = document.getElementById("trace-status");
    status.textContent = "tracing…";
    const body = { text: document.getElementById("trace-text").value, position: parseInt(document.getElementById("trace-position").value || "-1", 10),
                   neuron: document.getElementById("trace-neuron").value || null, model: document.getElementById("trace-model").value };
    const t0 = performance.now();
    try { last = await api("/api/trace", body); }
    catch (e) { status.textContent = ""; document.getElementById("trace-out").innerHTML = `<div class="error" id="error">${esc(e.message)}</div>`; return; }
    status.textContent = `${last.tokens.length} tokens, ${(performance.now() - t0).toFixed(0)} ms (server ${last.milliseconds.toFixed(0)} ms)` +
      (last.dropped_tokens ? `; the first ${last.dropped_tokens} tokens were dropped to fit the model's context` : "");
    render();
    await attention(0, 0);
  }

  function render() {
    const r = last, t = r.trace, maxP = r.distribution.top[0].probability;
    const dla = [...t.direct_logit_attribution].sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
    const maxD = Math.max(...dla.map(c => Math.abs(c.value)));
    let html = `<p id="prediction">position ${t.position} (<b>${esc(r.tokens[t.position])}</b>) → predicts <b id="predicted-token">${esc(t.predicted.token)}</b> with p = ${(100 * t.predicted.probability).toFixed(1)}% (logit ${t.logit.toFixed(3)}; parts sum to ${t.attribution_sum.toFixed(3)})</p>
      <div class="tokens" id="trace-tokens">${r.tokens.map((s, i) => `<span class="tok${i === t.position ? " focus" : ""}" data-i="${i}" title="${esc(r.raw[i])} @${i}">${esc(s)}</span>`).join("")}</div>
      <div class="row"><div><h2>Next-token distribution <span class="muted">entropy ${r.distribution.entropy.toFixed(2)} nats</span></h2><table id="distribution">
      ${r.distribution.top.map(d => `<tr><td>${esc(JSON.stringify(d.token))}</td><td class="num">${(100 * d.probability).toFixed(2)}%</td><td>${bars(d.probability, maxP)}</td></tr>`).join("")}</table></div>
      <div><h2>Direct logit attribution to ${esc(JSON.stringify(t.predicted.token))}</h2><table id="dla">
      ${dla.map(c => `<tr><td>${esc(c.source)}</td><td class="num">${c.value.toFixed(3)}</td><td>${bars(c.value, maxD)}</td></tr>`).join("")}</table></div></div>
      <h2>Per layer</h2><table id="layers"><tr><th>layer</th><th>|resid| before → after</th><th>MLP</th><th>heads: logit; top attended sources</th></tr>
      ${t.layers.map(l => `<tr><td>${l.layer}</td><td>${l.residual_norm_before.toFixed(2)} → ${l.residual_norm_after.toFixed(2)}</td><td class="num">${l.mlp_direct_logit.toFixed(3)}</td>
        <td>${l.heads.map(h => `H${h.head} ${h.direct_logit.toFixed(3)}: ${h.top_sources.map(s => `${esc(JSON.stringify(s.token))}@${s.position} ${s.weight.toFixed(2)}`).join(", ")}`).join("<br>")}</td></tr>`).join("")}</table>`;
    if (t.neuron) {
      const n = t.neuron, src = [...n.pre_activation_sources].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)), maxS = Math.abs(src[0].value);
      html += `<h2 id="neuron-title">Neuron L${n.layer}.N${n.index}: pre-activation ${n.pre_activation.toFixed(4)} (sources sum to ${n.sources_sum.toFixed(4)}), activation ${n.post_activation.toFixed(4)}</h2>
        <div class="row"><table id="neuron-sources">${src.map(s => `<tr><td>${esc(s.source)}</td><td class="num">${s.value.toFixed(4)}</td><td>${bars(s.value, maxS)}</td></tr>`).join("")}</table>
        <table><tr><th>its direct effect on</th><th>logit</th></tr>${n.logit_effects.map(e => `<tr><td>${esc(JSON.stringify(e.source))}</td><td class="num">${e.value.toFixed(4)}</td></tr>`).join("")}</table></div>`;
    }
    html += `<h2>Attention patterns</h2><p>layer <select id="attn-layer">${[...Array(r.layers).keys()].map(i => `<option>${i}</option>`).join("")}</select>
      head <select id="attn-head">${[...Array(r.heads).keys()].map(i => `<option>${i}</option>`).join("")}</select>
      <span class="muted">hover a token or the pattern: the strip shows where that token attends</span></p>
      <div id="attn-info" class="muted"></div><canvas id="attention-canvas"></canvas>`;
    document.getElementById("trace-out").innerHTML = html;
    const layer = document.getElementById("attn-layer"), head = document.getElementById("attn-head");
    layer.onchange = head.onchange = () => attention(+layer.value, +head.value);
    const strip = document.getElementById("trace-tokens");
    strip.onmouseover = ev => { const i = ev.target.dataset && ev.target.dataset.i; if (i !== undefined) schedule(+i, null); };
    strip.onclick = ev => { const i = ev.target.dataset && ev.target.dataset.i; if (i !== undefined) { document.getElementById("trace-position").value = i; run(); } };
  }

  async function attention(layer, head) {
    const r = last, body = { text: document.getElementById("trace-text").value, model: r.model, layer, head };
    const a = await api("/api/attention", body);
    const raw = atob(a.pattern), T = a.tokens;
    pattern = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) pattern[i] = raw.charCodeAt(i);
    const canvas = document.getElementById("attention-canvas");
    canvas.width = T; canvas.height = T;
    // At most 512 CSS pixels a side: small inputs get big cells, 1,024 tokens are shown at half a pixel each.
    const side = T > 512 ? 512 : T * Math.floor(512 / T);
    canvas.style.width = canvas.style.height = `${side}px`;
    const ctx = canvas.getContext("2d"), img = ctx.createImageData(T, T);
    for (let i = 0; i < T * T; i++) {
      const v = pattern[i], o = 4 * i;
      img.data[o] = 255 - v * 0.8; img.data[o + 1] = 255 - v * 0.55; img.data[o + 2] = 255 - v * 0.1; img.data[o + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    canvas.onmousemove = ev => {
      const rect = canvas.getBoundingClientRect();
      const q = Math.floor((ev.clientY - rect.top) / rect.height * T), k = Math.floor((ev.clientX - rect.left) / rect.width * T);
      if (q >= 0 && q < T && k >= 0 && k < T) schedule(q, k);
    };
    canvas.dataset.tokens = T;
  }

  // Hover work is done once per animation frame, so a fast mouse over 1,024 tokens stays smooth.
  let pending = null;
  function schedule(q, k) {
    const first = pending === null;
    pending = [q, k];
    if (first) requestAnimationFrame(() => { const [a, b] = pending; pending = null; highlight(a, b); });
  }
  function highlight(q, k) {
    if (!pattern || !last) return;
    const T = last.tokens.length, spans = document.getElementById("trace-tokens").children;
    for (let j = 0; j < spans.length; j++) {
      const w = j <= q ? pattern[q * T + j] / 255 : 0;
      spans[j].style.background = w > 0.004 ? `rgba(30,110,230,${w.toFixed(3)})` : "";
      spans[j].classList.toggle("sel", j === q);
    }
    const info = document.getElementById("attn-info");
    info.textContent = `query ${q} ${JSON.stringify(last.tokens[q])}` + (k === null ? "" : ` → key ${k} ${JSON.stringify(last.tokens[k])}: ${(pattern[q * T + k] / 255).toFixed(3)}`);
    info.dataset.query = q;
  }

  // Two models on the same prompt (pruning page).
  function compareForm(models) {
    const opts = sel => models.map((m, i) => `<option value="${esc(m.id)}"${i === sel ? " selected" : ""}>${esc(m.name)}</option>`).join("");
    return `<textarea id="cmp-text">The President of the United</textarea>
      <p><select id="cmp-a">${opts(0)}</select> beside <select id="cmp-b">${opts(Math.min(1, models.length - 1))}</select> <button id="cmp-run">compare</button></p>
      <div class="row" id="cmp-out"></div>`;
  }
  function bindCompare() {
    const b = document.getElementById("cmp-run");
    if (!b) return;
    b.onclick = async () => {
      const text = document.getElementById("cmp-text").value, out = document.getElementById("cmp-out");
      out.innerHTML = "";
      for (const id of [document.getElementById("cmp-a").value, document.getElementById("cmp-b").value]) {
        try {
          const r = await api("/api/trace", { text, model: id });
          out.insertAdjacentHTML("beforeend", `<div class="card compare-side"><h2>${esc(r.model_name)}</h2><p>predicts <b>${esc(JSON.stringify(r.trace.predicted.token))}</b> p = ${(100 * r.trace.predicted.probability).toFixed(1)}%</p>
            <table>${r.distribution.top.slice(0, 10).map(d => `<tr><td>${esc(JSON.stringify(d.token))}</td><td class="num">${(100 * d.probability).toFixed(2)}%</td></tr>`).join("")}</table></div>`);
        } catch (e) { out.insertAdjacentHTML("beforeend", `<div class="error">${esc(e.message)}</div>`); }
      }
    };
  }
  return { page, compareForm, bindCompare };
})();
