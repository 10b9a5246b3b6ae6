"""The report's Ensemble section: escaped, CSP intact, figure data in a JSON block."""

from __future__ import annotations

import json

import pytest

from hpsearch.report import build_report
from hpsearch.report._ensemble import ensemble_doc

from ..report.conftest import single_record
from ..report.test_html import ALLOWED_TAGS, Inspector

HOSTILE = "<script>alert('member')</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'


def hostile_doc(complete: int) -> dict:
    return {
        "method": HOSTILE,
        "size": 25,
        "metric": {"name": HOSTILE_ATTR, "goal": "minimize"},
        "members": [
            {"trial": 3, "weight": 0.75, "score": 0.41, "params": {HOSTILE: HOSTILE_ATTR}},
            {"trial": 8, "weight": 0.25, "score": 0.44, "params": {"lr": 0.1}},
        ],
        "in_sample": 0.38,
        "nested": {"mean": 0.40, "se": 0.012, "splits": 5, "repeats": 3},
        "best_single": {"trial": 3, "in_sample": 0.41, "nested": {"mean": 0.43, "se": 0.01}},
        "gain": {"mean": 0.03, "se": 0.008},
        "rows": 178,
        "candidates": 10,
        "complete_trials": complete,
        "created": HOSTILE,
    }


@pytest.fixture(scope="module")
def page():
    record = single_record(20)
    complete = int((record.trials["state"] == "COMPLETE").sum())
    record.extra["ensemble"] = hostile_doc(complete - 2)  # built before the last two trials
    text = build_report([record])
    inspector = Inspector()
    inspector.feed(text)
    inspector.close()
    return text, inspector


def test_hostile_strings_are_text_not_markup(page):
    text, inspector = page
    assert "<h3>Ensemble</h3>" in text
    for s in (HOSTILE, HOSTILE_ATTR):
        assert s not in text
    shown = "".join(inspector.text)
    assert HOSTILE in shown and HOSTILE_ATTR in shown
    for tag, attrs in inspector.tags:
        assert tag in ALLOWED_TAGS, tag
        assert not any(name.lower().startswith("on") for name in attrs), (tag, attrs)
    executable = [a for a, _ in inspector.scripts if a.get("type") != "application/json"]
    assert len(executable) == 2  # plotly.js and the app script, nothing added


def test_the_section_shows_scores_with_uncertainty_and_staleness(page):
    text, _ = page
    section = text[text.index("<h3>Ensemble</h3>") : text.index("<h3>Trials</h3>")]
    assert "0.4 ± 0.012" in section and "0.43 ± 0.01" in section and "0.03 ± 0.008" in section
    assert "are now" in section  # built from fewer trials than the sweep now has


def test_the_figure_compares_nested_and_in_sample_bars(page):
    _, inspector = page
    figures = [json.loads(s) for a, s in inspector.scripts if a.get("type") == "application/json"]
    bars = [f for f in figures if any(t.get("type") == "bar" for t in f["data"])]
    ensemble = [f for f in bars if "Ensemble vs best single" in f["layout"]["title"]["text"]]
    assert len(ensemble) == 1
    nested, in_sample = ensemble[0]["data"]
    assert nested["y"] == [0.40, 0.43] and nested["error_y"]["array"] == [0.012, 0.01]
    assert in_sample["y"] == [0.38, 0.41]


def test_no_section_without_an_ensemble():
    record = single_record(5)
    assert ensemble_doc(record) is None
    assert "<h3>Ensemble</h3>" not in build_report([record])
