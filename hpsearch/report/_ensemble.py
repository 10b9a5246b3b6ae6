"""The report's "Ensemble" section: the ensemble built by ``hpsearch ensemble`` against the best
single trial, in-sample and on held-out rows, with standard errors; and its members.

The data is the ``ensemble.yaml`` document (``record.extra["ensemble"]``, else the file in the
record's directory). Every string is HTML-escaped (text and attributes); the figure goes through
the page's JSON blocks like every other figure.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import yaml

from hpsearch.report._plotting import BLUE, GREY, esc, go_module, style
from hpsearch.storage import SweepDirectory

__all__ = ["ensemble_doc", "ensemble_figure", "ensemble_html"]

MAX_MEMBERS = 50


def _h(value: Any) -> str:
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def ensemble_doc(record: Any) -> dict[str, Any] | None:
    """The ensemble document of a sweep record, or None when the sweep has none."""
    doc = (record.extra or {}).get("ensemble")
    if doc is None and record.directory:
        path = SweepDirectory(record.directory).ensemble_file
        if path.exists():
            try:
                doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                return None
    if not isinstance(doc, dict) or not isinstance(doc.get("members"), list):
        return None
    return doc


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _fmt(value: Any, spec: str = ".6g") -> str:
    number = _num(value)
    return "" if math.isnan(number) else format(number, spec)


def _pm(block: Any) -> str:
    block = block if isinstance(block, dict) else {}
    mean, se = _fmt(block.get("mean")), _fmt(block.get("se"), ".2g")
    return f"{mean} ± {se}" if mean and se else mean


def ensemble_figure(doc: dict[str, Any]) -> Any:
    """Bars: ensemble and best single trial, in-sample and nested (with ±1 SE error bars)."""
    go = go_module()
    best = doc.get("best_single") or {}
    metric = (doc.get("metric") or {}).get("name", "score")
    groups = ["ensemble", f"best single (#{best.get('trial', '?')})"]
    nested = [doc.get("nested") or {}, best.get("nested") or {}]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name="nested (rows not used to choose)",
            x=[esc(g) for g in groups],
            y=[_num(n.get("mean")) for n in nested],
            error_y={"type": "data", "array": [_num(n.get("se")) for n in nested]},
            marker_color=BLUE,
        )
    )
    fig.add_trace(
        go.Bar(
            name="in-sample (rows used to choose)",
            x=[esc(g) for g in groups],
            y=[_num(doc.get("in_sample")), _num(best.get("in_sample"))],
            marker_color=GREY,
        )
    )
    goal = (doc.get("metric") or {}).get("goal", "")
    fig.update_layout(barmode="group", yaxis_title=f"{esc(metric)} ({esc(goal)[:3]})")
    return style(fig, title=f"Ensemble vs best single trial ({esc(metric)})", height=360)


def _scores_table(doc: dict[str, Any]) -> str:
    best = doc.get("best_single") or {}
    nested = doc.get("nested") or {}
    splits = f"{_h(nested.get('splits', '?'))}-fold x {_h(nested.get('repeats', '?'))}"
    rows = [
        ("ensemble", _fmt(doc.get("in_sample")), _pm(nested)),
        (
            f"best single trial (#{best.get('trial', '?')})",
            _fmt(best.get("in_sample")),
            _pm(best.get("nested")),
        ),
        ("gain (+: the ensemble is better)", "", _pm(doc.get("gain"))),
    ]
    body = "".join(
        f'<tr><td>{_h(a)}</td><td class="num">{_h(b)}</td><td class="num">{_h(c)}</td></tr>'
        for a, b, c in rows
    )
    return (
        '<div class="tablewrap"><table class="compare"><thead><tr><th></th>'
        '<th class="num">in-sample</th>'
        f'<th class="num">nested ({splits}), mean ± SE</th></tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _members_table(doc: dict[str, Any]) -> str:
    rows = []
    for m in doc["members"][:MAX_MEMBERS]:
        if not isinstance(m, dict):
            continue
        params = json.dumps(m.get("params") or {}, sort_keys=True, default=str)
        rows.append(
            f'<tr><td class="num">{_h(m.get("trial", ""))}</td>'
            f'<td class="num">{_h(_fmt(m.get("weight"), ".3f"))}</td>'
            f'<td class="num">{_h(_fmt(m.get("score")))}</td><td>{_h(params)}</td></tr>'
        )
    metric = (doc.get("metric") or {}).get("name", "score")
    return (
        '<div class="tablewrap"><table class="compare"><thead><tr><th class="num">trial</th>'
        f'<th class="num">weight</th><th class="num">{_h(metric)}</th><th>params</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def ensemble_html(page: Any, record: Any, key: str) -> str:
    """The section's HTML ("" when the sweep has no ensemble); figures go to ``page``."""
    doc = ensemble_doc(record)
    if doc is None:
        return ""
    metric = doc.get("metric") or {}
    members = doc["members"]
    meta = (
        f"{_h(doc.get('method', '?'))} (size {_h(doc.get('size', '?'))}): "
        f"{len(members)} member(s) from {_h(doc.get('candidates', '?'))} candidate trial(s), "
        f"{_h(doc.get('rows', '?'))} out-of-fold rows, metric {_h(metric.get('name', '?'))} "
        f"({_h(metric.get('goal', '?'))}); built {_h(doc.get('created', ''))}"
    )
    parts = ["<h3>Ensemble</h3>", f'<div class="meta">{meta}</div>']
    complete = int((record.trials["state"] == "COMPLETE").sum()) if len(record.trials) else 0
    built_from = doc.get("complete_trials")
    if isinstance(built_from, int) and built_from < complete:
        parts.append(
            f'<p class="note">Built when {built_from} trials were complete; {complete} are now. '
            "Run <b>hpsearch ensemble DIR</b> again to include the new ones.</p>"
        )
    parts.append(_scores_table(doc))
    parts.append(
        '<p class="note">The nested figures score rows the selection did not see (weights '
        "chosen on the other parts, the best single trial too); the in-sample ones score the "
        "rows the choice was made on, and flatter it.</p>"
    )
    parts.append(page.figure(f"{key}_ensemble", ensemble_figure(doc)))
    parts.append(_members_table(doc))
    return "".join(parts)
