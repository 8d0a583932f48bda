"""The style and script of the audit review page (:func:`vog.analysis.write_report`).

Kept apart from the page builder because they are another language. The
script needs no library and no network: decisions live in ``localStorage``
under a key made of the scores' fingerprint, so reloading the page (or
opening a new copy built from the same scores) keeps them; export writes the
CSV and JSON that :mod:`vog.analysis.review` reads.
"""

STYLE = """
:root{--keep:#2e7d32;--relabel:#1565c0;--remove:#c62828;--ood:#6a1b9a}
body{font-family:system-ui,sans-serif;margin:0 1.5rem 3rem;color:#222}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.5rem 0;z-index:2}
header h1{margin:.2rem 0;font-size:1.3rem}
.tools button{margin-right:.3rem}
.help{font-size:12px;color:#555}
kbd{border:1px solid #bbb;border-radius:3px;padding:0 3px;font-size:11px;background:#f6f6f6}
h2{margin-top:1.6rem;border-bottom:1px solid #ddd}
h3{font-size:.95rem;margin:.6rem 0 .2rem}
.row{display:flex;flex-wrap:wrap;gap:8px;margin:.3rem 0 1rem}
figure{margin:0;width:96px;font-size:11px;text-align:center}
figure img{width:96px;height:96px;image-rendering:pixelated;border:2px solid #ccc}
figure.wrong img{border-color:#d33}
.card{width:200px;border:3px solid #ddd;border-radius:6px;padding:6px;font-size:12px;outline:none}
.card.current{box-shadow:0 0 0 3px #f9a825}
.card img{width:128px;height:128px;image-rendering:pixelated;display:block;margin:0 auto 4px}
.card .caption{font-weight:600}
.card.wrong .caption{color:#c62828}
.card table{font-size:11px;border-collapse:collapse;width:100%}
.card td{border-top:1px solid #eee;padding:0 3px}
.card .text{max-height:8em;overflow:auto;background:#fafafa;padding:3px;white-space:pre-wrap}
.card .scores{color:#444;margin:3px 0}
.card .actions button{font-size:11px;padding:1px 4px;margin:1px}
.card .actions select{font-size:11px;max-width:100%}
.card .state{font-weight:700;min-height:1.2em}
.card[data-decision=keep]{border-color:var(--keep)}
.card[data-decision=relabel]{border-color:var(--relabel)}
.card[data-decision=remove]{border-color:var(--remove)}
.card[data-decision=ood]{border-color:var(--ood)}
.card[data-decision=keep] .state{color:var(--keep)}
.card[data-decision=relabel] .state{color:var(--relabel)}
.card[data-decision=remove] .state{color:var(--remove)}
.card[data-decision=ood] .state{color:var(--ood)}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var meta = JSON.parse(document.getElementById("vog-meta").textContent);
  var KEY = "vog-review:" + meta.scores_sha256;
  var NAMES = {keep: "keep", relabel: "relabel", remove: "remove", ood: "out of distribution"};
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var current = 0;
  var store = {};
  try { store = JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (e) { store = {}; }

  function cls(c) { return meta.classes[c] !== undefined ? meta.classes[c] : String(c); }
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) {
      document.getElementById("vog-progress").textContent = "cannot save decisions: " + e;
    }
  }
  function render(card) {
    var d = store[card.dataset.index];
    var state = card.querySelector(".state");
    if (d) {
      card.dataset.decision = d.decision;
      state.textContent = d.decision === "relabel" ? "relabel \u2192 " + cls(d.new_label)
        : NAMES[d.decision];
      if (d.decision === "relabel") { card.querySelector("select").value = String(d.new_label); }
    } else {
      delete card.dataset.decision;
      state.textContent = "";
      card.querySelector("select").value = "";
    }
  }
  function progress() {
    var done = cards.filter(function (c) { return store[c.dataset.index]; }).length;
    var all = Object.keys(store).length;
    document.getElementById("vog-progress").textContent =
      done + " of " + cards.length + " examples on this page decided" +
      (all > done ? " (" + all + " in all)" : "");
  }
  function decide(card, decision, newLabel) {
    var i = card.dataset.index;
    if (decision === null) { delete store[i]; }
    else {
      store[i] = {decision: decision, new_label: decision === "relabel" ? Number(newLabel) : null,
                  time: new Date().toISOString()};
    }
    save(); render(card); progress();
  }
  function mark(k) {
    current = Math.max(0, Math.min(cards.length - 1, k));
    cards.forEach(function (c, j) { c.classList.toggle("current", j === current); });
  }
  function focus(k) {
    if (!cards.length) { return; }
    mark(k);
    cards[current].focus({preventScroll: true});
    cards[current].scrollIntoView({block: "nearest"});
  }
  cards.forEach(function (card, j) {
    render(card);
    card.addEventListener("focus", function () { if (current !== j) { focus(j); } });
    card.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-decision]");
      if (b) {
        decide(card, b.dataset.decision === "clear" ? null : b.dataset.decision);
      }
    });
    card.querySelector("select").addEventListener("change", function (ev) {
      if (ev.target.value !== "") { decide(card, "relabel", ev.target.value); }
    });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || !cards.length) { return; }
    if (ev.target.tagName === "SELECT") {
      if (ev.key === "Escape" || ev.key === "Enter") {
        cards[current].focus(); ev.preventDefault();
      }
      return;
    }
    var card = cards[current], key = ev.key;
    var moves = {ArrowRight: 1, ArrowDown: 1, j: 1, n: 1, ArrowLeft: -1, ArrowUp: -1, p: -1};
    if (moves[key]) { focus(current + moves[key]); ev.preventDefault(); return; }
    var acts = {k: "keep", x: "remove", Delete: "remove", o: "ood"};
    if (acts[key]) { decide(card, acts[key]); focus(current + 1); ev.preventDefault(); return; }
    if (key === "u" || key === "Backspace") { decide(card, null); ev.preventDefault(); return; }
    if (key === "r") { card.querySelector("select").focus(); ev.preventDefault(); return; }
    if (/^[0-9]$/.test(key) && Number(key) < meta.classes.length) {
      decide(card, "relabel", Number(key)); focus(current + 1); ev.preventDefault();
    }
  });

  function rows() {
    return Object.keys(store).map(Number).sort(function (a, b) { return a - b; })
      .map(function (i) {
        var d = store[i], info = meta.examples[i] || {};
        return {index: i, decision: d.decision, label: info.label === undefined ? null : info.label,
                new_label: d.decision === "relabel" ? d.new_label : null,
                prediction: info.prediction === undefined ? null : info.prediction,
                vog_normalized: info.z === undefined ? null : info.z};
      });
  }
  function download(name, type, text) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], {type: type}));
    a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  var stem = "vog-review-" + meta.scores_sha256.slice(0, 8);
  document.getElementById("vog-export-csv").addEventListener("click", function () {
    var cols = ["index", "decision", "label", "new_label", "prediction", "vog_normalized"];
    var lines = [cols.join(",")].concat(rows().map(function (r) {
      return cols.map(function (c) { return r[c] === null ? "" : String(r[c]); }).join(",");
    }));
    download(stem + ".csv", "text/csv", lines.join("\n") + "\n");
  });
  document.getElementById("vog-export-json").addEventListener("click", function () {
    var doc = {format: "vog-review", version: 1, title: meta.title,
               scores_sha256: meta.scores_sha256, n_examples: meta.n_examples,
               classes: meta.classes, exported: new Date().toISOString(), decisions: rows()};
    download(stem + ".json", "application/json", JSON.stringify(doc, null, 1) + "\n");
  });
  document.getElementById("vog-clear").addEventListener("click", function () {
    if (window.confirm("Forget every decision of this review?")) {
      store = {}; save(); cards.forEach(render); progress();
    }
  });
  progress();
  if (cards.length) { mark(0); }  // no focus on load: a page embedded in another must not scroll it
})();
"""
