"""The report's one stylesheet and its one static script (no data inside either).

The script is the same bytes in every report, so its sha256 goes into the Content-Security-Policy;
it reads each figure from a ``<script type="application/json">`` block, draws it with Plotly,
and wires the trial tables (sort on header click, filter box) and the copy buttons with
``addEventListener``: no inline handlers anywhere.
"""

from __future__ import annotations

__all__ = ["APP_JS", "CSS"]

CSS = """
:root { --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f6f7f9; --card: #ffffff;
  --accent: #2563eb; --good: #16a34a; --warn: #d97706; --bad: #dc2626; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.5 Inter, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header.top { background: #0f172a; color: #f8fafc; padding: 18px 32px; }
header.top h1 { margin: 0; font-size: 20px; font-weight: 600; letter-spacing: .2px; }
header.top .sub { color: #94a3b8; font-size: 13px; margin-top: 2px; }
nav.toc { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 10px; }
nav.toc a { color: #e2e8f0; text-decoration: none; font-size: 13px; padding: 3px 10px;
  border: 1px solid #334155; border-radius: 999px; }
nav.toc a:hover { background: #1e293b; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 32px 60px; }
section.sweep, section.compare { margin-bottom: 36px; }
h2 { font-size: 19px; margin: 18px 0 2px; }
h3 { font-size: 15px; margin: 22px 0 8px; color: #374151; }
.meta { color: var(--muted); font-size: 13px; margin-bottom: 12px; word-break: break-word; }
.overview { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px;
  align-items: start; margin: 12px 0; }
.overview .cards { margin: 0; }
@media (max-width: 1000px) { .overview { grid-template-columns: 1fr; } }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(122px, 1fr)); gap: 10px;
  margin: 12px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 10px 14px; }
.card .k { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .5px; }
.card .v { font-size: 19px; font-weight: 600; margin-top: 2px; word-break: break-word; }
.card .v .sub { font-size: 11px; font-weight: 400; color: var(--muted); }
.card .v.small { font-size: 14px; font-weight: 500; }
.card.best { border-color: #bfdbfe; background: #eff6ff; }
.v.good { color: var(--good); } .v.warn { color: var(--warn); } .v.bad { color: var(--bad); }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 8px; margin: 12px 0; }
.grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 2fr); gap: 12px;
  align-items: start; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
.plot { width: 100%; min-height: 260px; }
.note { color: var(--muted); background: #f9fafb; border: 1px dashed var(--line);
  border-radius: 8px; padding: 10px 14px; margin: 12px 0; }
.yaml-box { position: relative; }
.yaml-box .head { display: flex; justify-content: space-between; align-items: center;
  padding: 0 2px 6px; color: var(--muted); font-size: 12px; }
pre.yaml { margin: 0; background: #0f172a; color: #e2e8f0; border-radius: 8px; padding: 12px 14px;
  font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow: auto;
  max-height: 360px; white-space: pre; }
button.copy { border: 1px solid var(--line); background: #fff; border-radius: 6px;
  padding: 2px 10px; font-size: 12px; cursor: pointer; }
button.copy:hover { background: #f3f4f6; }
.configs { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 12px; }
.tablebar { display: flex; gap: 10px; align-items: center; margin: 8px 0; }
.tablebar input { flex: 0 1 320px; padding: 6px 10px; border: 1px solid var(--line);
  border-radius: 6px; font-size: 13px; }
.tablebar .count { color: var(--muted); font-size: 12px; }
.tablewrap { max-height: 520px; overflow: auto; border: 1px solid var(--line);
  border-radius: 10px; background: #fff; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { padding: 5px 10px; border-bottom: 1px solid #f1f5f9; text-align: left;
  white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
thead th { position: sticky; top: 0; background: #f8fafc; z-index: 1;
  border-bottom: 1px solid var(--line); }
thead th button { all: unset; cursor: pointer; font-weight: 600; color: #374151; }
thead th button::after { content: " \\2195"; color: #cbd5e1; }
thead th[aria-sort="ascending"] button::after { content: " \\2191"; color: var(--accent); }
thead th[aria-sort="descending"] button::after { content: " \\2193"; color: var(--accent); }
tbody tr:hover { background: #f8fafc; }
td.err { max-width: 380px; overflow: hidden; text-overflow: ellipsis; color: var(--bad); }
.state { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 11px;
  font-weight: 600; }
.state.COMPLETE { background: #dcfce7; color: #166534; }
.state.PRUNED { background: #fef3c7; color: #92400e; }
.state.FAILED { background: #fee2e2; color: #991b1b; }
.state.RUNNING, .state.WAITING { background: #e0e7ff; color: #3730a3; }
tr.bestrow td { background: #eff6ff; }
table.compare td, table.compare th { white-space: normal; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 16px; }
"""

APP_JS = """
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false,
                 modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function drawPlots() {
    var divs = document.querySelectorAll("div.plot[data-figure]");
    Array.prototype.forEach.call(divs, function (div) {
      var source = document.getElementById(div.getAttribute("data-figure"));
      if (!source || typeof Plotly === "undefined") { return; }
      var fig = JSON.parse(source.textContent);
      Plotly.newPlot(div, fig.data, fig.layout || {}, config);
    });
  }

  function sortKey(cell) {
    var text = cell ? cell.textContent.trim() : "";
    if (text === "") { return { empty: true, num: NaN, text: "" }; }
    var num = Number(text.replace(/,/g, ""));
    return { empty: false, num: num, text: text.toLowerCase() };
  }

  function compare(a, b) {
    if (a.empty || b.empty) { return a.empty === b.empty ? 0 : (a.empty ? 1 : -1); }
    if (!isNaN(a.num) && !isNaN(b.num)) { return a.num - b.num; }
    return a.text < b.text ? -1 : (a.text > b.text ? 1 : 0);
  }

  function setupTable(table) {
    var body = table.tBodies[0];
    var heads = table.querySelectorAll("thead th");
    var box = document.getElementById(table.getAttribute("data-filter"));
    var counter = document.getElementById(table.getAttribute("data-count"));
    var total = body.rows.length;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
          return { row: row, key: sortKey(row.cells[col]), i: i };
        });
        rows.sort(function (a, b) {
          if (a.key.empty !== b.key.empty) { return a.key.empty ? 1 : -1; }
          return dir * compare(a.key, b.key) || a.i - b.i;
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) { frag.appendChild(r.row); });
        body.appendChild(frag);
      });
    });
    if (box) {
      box.addEventListener("input", function () {
        var terms = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
        var shown = 0;
        Array.prototype.forEach.call(body.rows, function (row) {
          var text = row.textContent.toLowerCase();
          var ok = terms.every(function (t) { return text.indexOf(t) !== -1; });
          row.hidden = !ok;
          if (ok) { shown += 1; }
        });
        if (counter) { counter.textContent = shown + " of " + total + " trials"; }
      });
    }
  }

  function setupCopy(button) {
    button.addEventListener("click", function () {
      var pre = document.getElementById(button.getAttribute("data-target"));
      if (!pre) { return; }
      var text = pre.textContent;
      var done = function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {});
      } else {
        var range = document.createRange();
        range.selectNodeContents(pre);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { document.execCommand("copy"); done(); } catch (e) { /* selection stays */ }
      }
    });
  }

  function start() {
    drawPlots();
    Array.prototype.forEach.call(document.querySelectorAll("table[data-filter]"), setupTable);
    Array.prototype.forEach.call(document.querySelectorAll("button.copy"), setupCopy);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
"""
