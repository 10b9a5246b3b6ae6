"""One self-contained, offline HTML file from sweep records.

Safety model:

- every string from a user or a trial goes through :func:`html.escape` (text and attributes);
- figures travel as JSON inside ``<script type="application/json">`` blocks where every ``<``,
  ``>`` and ``&`` is written ``\\u003c``/``\\u003e``/``\\u0026``, so no data can close the block;
- exactly two executable scripts, plotly.js and :data:`_assets.APP_JS`, both allowed by their
  sha256 in a strict Content-Security-Policy (``default-src 'none'``); no inline handlers, no
  ``javascript:`` links, no network access.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from hpsearch._version import __version__
from hpsearch.report import _data, _ensemble, _figures
from hpsearch.report._assets import APP_JS, CSS

__all__ = ["csp_hash", "embed_json", "render"]

MAX_TABLE_PARAMS = 40
MAX_PARALLEL_PARAMS = 12
MAX_ERROR_CHARS = 4000
MAX_SLICE_PARAMS = 24


def esc(value: Any) -> str:
    """HTML-escape any value's text, quotes included."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def embed_json(text: str) -> str:
    """JSON text made safe inside a script block: ``<``, ``>``, ``&`` (and U+2028/9) escaped.

    Example:
        >>> embed_json('{"a": "</script>"}')
        '{"a": "\\\\u003c/script\\\\u003e"}'
    """
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def csp_hash(script: str) -> str:
    """The CSP source expression allowing one inline script: ``'sha256-<base64>'``."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@functools.lru_cache(maxsize=1)
def _plotly_js() -> tuple[str, str]:
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs().replace("</script", "<\\/script")
    return js, csp_hash(js)


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}"
    return str(value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class _Page:
    """Collects figures (as JSON blocks) and HTML fragments while a report is rendered."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.figures: dict[str, Any] = {}

    def figure(self, key: str, fig: Any) -> str:
        if fig is None:
            return ""
        ident = f"fig-{len(self.blocks)}"
        self.figures[key] = fig
        self.blocks.append(
            f'<script type="application/json" id="{ident}">{embed_json(fig.to_json())}</script>'
        )
        return f'<div class="panel"><div class="plot" data-figure="{ident}"></div></div>'


def _card(key: str, value: str, *, cls: str = "", vcls: str = "") -> str:
    return (
        f'<div class="card {cls}"><div class="k">{esc(key)}</div>'
        f'<div class="v {vcls}">{value}</div></div>'
    )


def _yaml_box(ident: str, yaml_text: str, caption_html: str) -> str:
    """A <pre> of YAML with a Copy button; ``caption_html`` must already be escaped."""
    return (
        f'<div class="yaml-box"><div class="head"><span>{caption_html}</span>'
        f'<button type="button" class="copy" data-target="{ident}">Copy</button></div>'
        f'<pre class="yaml" id="{ident}">{esc(yaml_text or "# no complete trial")}</pre></div>'
    )


def _stopped_by(s: _data.Summary) -> str:
    """Under the pruned count: what stopped those trials (e.g. ``9 by fold racing``)."""
    if not s.stopped_by:
        return ""
    parts = [f"{n} by {esc(what)}" for what, n in s.stopped_by.items()]
    return f'<div class="sub">{" · ".join(parts)}</div>'


def _summary_html(s: _data.Summary, objs: list[_data.Objective], idx: int) -> str:
    c = s.counts
    cards = [
        _card("trials", esc(s.total)),
        _card("complete", esc(c["COMPLETE"]), vcls="good"),
        _card("pruned", esc(c["PRUNED"]) + _stopped_by(s), vcls="warn" if c["PRUNED"] else ""),
        _card("failed", esc(c["FAILED"]), vcls="bad" if c["FAILED"] else ""),
    ]
    if c["RUNNING"] or c["WAITING"]:
        cards.append(_card("running / waiting", f"{c['RUNNING']} / {c['WAITING']}"))
    for o in objs:
        if o.name in s.best_values:
            cards.append(
                _card(f"best {o.name} ({o.goal[:3]})", esc(_num(s.best_values[o.name])), cls="best")
            )
    if s.best_number is not None:
        cards.append(_card("best trial", f"#{s.best_number}"))
    if s.front_size is not None:
        cards.append(_card("Pareto front", f"{s.front_size} trials"))
    cards.append(
        _card(
            "wall time",
            f'{esc(_duration(s.wall_s))}<div class="sub">'
            f"compute {esc(_duration(s.compute_s))}</div>",
        )
    )
    caption = (
        f"Best config (trial #{s.best_number})" if s.best_number is not None else "Best config"
    )
    if s.note:
        caption += f": {s.note}"
    return (
        f'<div class="overview"><div class="cards">{"".join(cards)}</div>'
        f"{_yaml_box(f'best-{idx}', s.best_yaml, esc(caption))}</div>"
    )


def _table_html(record: Any, idx: int, best: int | None) -> str:
    t = record.trials
    objs = _data.objectives(record)
    names = _data.param_names(t)[:MAX_TABLE_PARAMS]
    metric_cols = [c for c in t.columns if c.startswith("metric_")]
    columns: list[tuple[str, str, bool]] = [("number", "#", True), ("state", "state", False)]
    columns += [(o.column, o.name, True) for o in objs]
    columns += [(f"param_{n}", n, pd.api.types.is_numeric_dtype(t[f"param_{n}"])) for n in names]
    columns += [(c, c[len("metric_") :], True) for c in metric_cols]
    columns += [
        ("duration_s", "duration (s)", True),
        ("last_step", "last step", True),
        ("attempt", "attempt", True),
        ("error", "error", False),
    ]
    columns = [c for c in columns if c[0] in t.columns]
    head = "".join(
        f'<th scope="col"><button type="button">{esc(label)}</button></th>'
        for _, label, _ in columns
    )
    body: list[str] = []
    cols = {key: t[key].tolist() for key, _, _ in columns}
    for i in range(len(t)):
        cells = []
        for key, _, numeric in columns:
            value = cols[key][i]
            if key == "state":
                state = esc(value)
                cells.append(f'<td><span class="state {state}">{state}</span></td>')
            elif key == "error":
                full = "" if _data.is_missing(value) else str(value)
                short = _clip(full.strip().splitlines()[-1] if full.strip() else "", 200)
                cells.append(
                    f'<td class="err" title="{esc(_clip(full, MAX_ERROR_CHARS))}">{esc(short)}</td>'
                )
            else:
                text = (
                    _num(value)
                    if numeric or isinstance(value, float)
                    else ("" if _data.is_missing(value) else str(value))
                )
                cells.append(f'<td class="{"num" if numeric else ""}">{esc(text)}</td>')
        cls = ' class="bestrow"' if best is not None and cols["number"][i] == best else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    more = len(_data.param_names(t)) - len(names)
    note = f'<span class="count">({more} more parameters not shown)</span>' if more > 0 else ""
    return (
        f'<div class="tablebar"><input type="search" id="filter-{idx}" '
        f'placeholder="Filter trials (e.g. PRUNED, rbf)" aria-label="Filter trials">'
        f'<span class="count" id="count-{idx}">{len(t)} of {len(t)} trials</span>{note}</div>'
        f'<div class="tablewrap"><table class="trials" data-filter="filter-{idx}" '
        f'data-count="count-{idx}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _ranked_params(record: Any, imps: Sequence[_data.Importances]) -> list[str]:
    """Parameter names, the most important first (by the first objective that has importances)."""
    names = _data.param_names(record.trials)
    for imp in imps:
        if imp.values:
            top = [n for n in imp.values if n in names]
            return top + [n for n in names if n not in top]
    return names


def _sweep_html(page: _Page, record: Any, idx: int) -> str:
    objs = _data.objectives(record)
    summary = _data.summarize(record)
    hover = _figures.hover_texts(record)
    key = f"{idx}"
    meta = [
        f"objective: {esc(record.objective)}" if record.objective else "",
        f"strategy: {esc(record.strategy)}" if record.strategy else "",
        f"metrics: {esc(', '.join(f'{o.name} ({o.goal})' for o in objs))}",
        f"directory: {esc(record.directory)}" if record.directory else "",
    ]
    parts = [
        f'<section class="sweep" id="sweep-{idx}"><h2>{esc(record.name)}</h2>',
        f'<div class="meta">{" · ".join(m for m in meta if m)}</div>',
        _summary_html(summary, objs, idx),
    ]
    has_complete = summary.best_number is not None
    if not has_complete:
        parts.append(
            '<p class="note">No trial has completed yet: the plots appear once one does.</p>'
        )
    else:
        parts.append("<h3>Optimization history</h3>")
        parts.append(page.figure(f"{key}_history", _figures.history_figure(record, hover=hover)))
        if len(objs) > 1:
            parts.append("<h3>Pareto front</h3>")
            parts.append(page.figure(f"{key}_pareto", _figures.pareto_figure(record, hover=hover)))
            parts.append(page.figure(f"{key}_hypervolume", _figures.hypervolume_figure(record)))
        imps = [_data.param_importances(record, objective=o) for o in objs]
        parts.append("<h3>Which parameters mattered</h3>")
        for imp in imps:
            if imp.values is None:
                parts.append(
                    f'<p class="note">Importances for {esc(imp.metric)}: {esc(imp.reason)}.</p>'
                )
        parts.append(page.figure(f"{key}_importances", _figures.importance_figure(imps)))
        ranked = _ranked_params(record, imps)
        parallel = _figures.parallel_figure(record, params=ranked[:MAX_PARALLEL_PARAMS])
        parts.append(page.figure(f"{key}_parallel", parallel))
        if len(ranked) > MAX_PARALLEL_PARAMS:
            parts.append(
                f'<p class="note">Parallel coordinates show the {MAX_PARALLEL_PARAMS} most '
                f"important of {len(ranked)} parameters; slices show up to "
                f"{MAX_SLICE_PARAMS}.</p>"
            )
        slices = _figures.slice_figure(record, params=ranked[:MAX_SLICE_PARAMS])
        parts.append(page.figure(f"{key}_slices", slices))
    curves = _figures.learning_curves_figure(record)
    if curves is not None:
        parts.append("<h3>Learning curves</h3>")
        parts.append(page.figure(f"{key}_curves", curves))
    parts.append(_ensemble.ensemble_html(page, record, key))  # "" without ensemble.yaml
    parts.append("<h3>Trials</h3>")
    parts.append(_table_html(record, idx, summary.best_number))
    parts.append("</section>")
    return "".join(parts)


def _compare_html(page: _Page, records: Sequence[Any]) -> str:
    table = _data.comparison_table(records)
    rows = []
    for row in table.itertuples(index=False):
        rows.append(
            f"<tr><td>{esc(row.sweep)}</td><td>{esc(row.metric)}</td><td>{esc(row.goal)}</td>"
            f'<td class="num">{row.complete}</td><td class="num">{esc(_num(row.best))}</td>'
            f'<td class="num">{esc(_num(row.median))}</td>'
            f'<td class="num">{esc(_num(row.best_trial))}</td></tr>'
        )
    configs = []
    for i, rec in enumerate(records):
        s = _data.summarize(rec)
        best = ", ".join(f"{k} = {_num(v)}" for k, v in s.best_values.items()) or "no result"
        caption = f"<b>{esc(rec.name)}</b> · {esc(best)}"
        configs.append(
            f'<div class="panel">{_yaml_box(f"cmp-best-{i}", s.best_yaml, caption)}</div>'
        )
    return (
        '<section class="compare" id="compare"><h2>Comparison</h2>'
        f'<div class="meta">{len(records)} sweeps side by side</div>'
        + page.figure("compare_history", _figures.comparison_history_figure(records))
        + "<h3>Best and median per sweep</h3>"
        '<div class="tablewrap"><table class="compare"><thead><tr><th>sweep</th><th>metric</th>'
        '<th>goal</th><th class="num">complete</th><th class="num">best</th>'
        '<th class="num">median</th><th class="num">best trial</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<h3>Best configs</h3><div class="configs">{"".join(configs)}</div></section>'
    )


def render(records: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """The HTML text of a report over ``records``, and its figures by key (for images)."""
    page = _Page()
    sections = []
    if len(records) > 1:
        sections.append(_compare_html(page, records))
    for i, rec in enumerate(records):
        sections.append(_sweep_html(page, rec, i))
    plotly_js, plotly_hash = _plotly_js()
    csp = (
        "default-src 'none'; "
        f"script-src {plotly_hash} {csp_hash(APP_JS)}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
        "connect-src 'none'; worker-src blob:; base-uri 'none'; form-action 'none'; "
        "object-src 'none'"
    )
    names = [rec.name for rec in records]
    title = names[0] if len(names) == 1 else f"{len(names)} sweeps"
    toc = ""
    if len(records) > 1:
        links = ['<a href="#compare">Comparison</a>'] + [
            f'<a href="#sweep-{i}">{esc(n)}</a>' for i, n in enumerate(names)
        ]
        toc = f'<nav class="toc">{"".join(links)}</nav>'
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>hpsearch report: {esc(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="top"><h1>hpsearch report: {esc(title)}</h1>'
        f'<div class="sub">generated {made} by hpsearch {esc(__version__)}</div>{toc}</header>'
        f"<main>{''.join(sections)}</main>"
        f"<footer>Self-contained report; works offline. Generated by hpsearch.</footer>"
        f"{''.join(page.blocks)}"
        f"<script>{plotly_js}</script><script>{APP_JS}</script></body></html>\n"
    )
    return doc, page.figures
