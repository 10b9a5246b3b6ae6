"""The generated HTML: structure, Content-Security-Policy, and hostile strings kept inert."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import warnings
from html.parser import HTMLParser

import numpy as np
import optuna
import pandas as pd
import pytest

from hpsearch import load_space
from hpsearch.config import Metric
from hpsearch.report import build_report, write_report
from hpsearch.report._assets import APP_JS
from hpsearch.report._html import embed_json
from hpsearch.storage import SweepResult
from hpsearch.strategies import suggest

XSS_NAME = "x<script>alert(1)</script>"
XSS_QUOTES = "k'\"q"
XSS_CHOICES = [
    "</script><script>alert(2)</script>",
    "javascript:alert(3)",
    "<img src=x onerror=alert(4)>",
    '" onmouseover="alert(5)',
]
XSS_SWEEP = "<script>alert('sweep')</script> & \"friends\""
XSS_ERROR = '</script><svg onload=alert(6)> <a href="javascript:alert(7)">x</a>'
XSS_METRIC = "acc</script><script>alert(8)</script>"
XSS_EXTRA = "<iframe src=javascript:alert(9)>"
HOSTILE = [XSS_NAME, XSS_QUOTES, *XSS_CHOICES, XSS_SWEEP, XSS_ERROR, XSS_METRIC, XSS_EXTRA]

ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "div",
    "nav",
    "a",
    "main",
    "section",
    "span",
    "button",
    "pre",
    "p",
    "b",
    "input",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "footer",
    "script",
}


class Inspector(HTMLParser):
    """Collects every tag, attribute, script and text node of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._buf = dict(attrs), []

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._buf)))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._buf.append(data)
        else:
            self.text.append(data)


def sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def hostile_record() -> SweepResult:
    space = load_space(
        {
            "name": XSS_SWEEP,
            "objective": {"type": "command", "command": ["run", "<script>alert(10)</script>"]},
            "metrics": [{"name": XSS_METRIC, "goal": "maximize"}, {"name": "latency"}],
            "parameters": {
                XSS_NAME: {"type": "float", "low": 0.0, "high": 1.0},
                XSS_QUOTES: {"type": "categorical", "choices": XSS_CHOICES},
                "depth": {"type": "int", "low": 1, "high": 4},
            },
        }
    )
    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=optuna.samplers.RandomSampler(seed=0)
    )

    def objective(trial):
        p = suggest(trial, space.space)
        if trial.number % 5 == 2:
            trial.set_user_attr("hpsearch:error", XSS_ERROR)
            raise RuntimeError("boom")
        trial.set_user_attr("hpsearch:metrics", {XSS_EXTRA: 1.0})
        return p[XSS_NAME] + XSS_CHOICES.index(p[XSS_QUOTES]), p["depth"] * 1.5

    study.optimize(objective, n_trials=24, catch=(RuntimeError,))
    record = SweepResult.from_study(study, space, directory="/tmp/<script>alert(11)</script>")
    record.strategy = "<b>random</b>"
    # multi-objective Optuna trials cannot report(); learning curves come from the table
    record.intermediate = pd.DataFrame(
        [{"number": n, "step": s, "value": 0.1 * n * s} for n in range(24) for s in range(3)]
    )
    assert (record.trials["state"] == "COMPLETE").sum() > 15
    assert (record.trials["error"] == XSS_ERROR).sum() > 2
    return record


@pytest.fixture(scope="module")
def hostile():
    return hostile_record()


@pytest.fixture(scope="module")
def hostile_page(hostile, single):
    text = build_report([hostile, single])
    page = Inspector()
    page.feed(text)
    page.close()
    return text, page


def csp_of(page: Inspector) -> str:
    metas = [
        a
        for t, a in page.tags
        if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert len(metas) == 1
    return metas[0]["content"] or ""


def test_only_our_two_scripts_can_run(hostile_page):
    _, page = hostile_page
    executable = [(a, s) for a, s in page.scripts if a.get("type") != "application/json"]
    assert len(executable) == 2
    assert all(a == {} for a, _ in executable)  # no src, no type tricks
    assert executable[1][1] == APP_JS
    assert "plotly.js" in executable[0][1][:200]
    csp = csp_of(page)
    allowed = re.search(r"script-src ([^;]*)", csp).group(1).split()
    assert sorted(allowed) == sorted(sha256(s) for _, s in executable)


def test_csp_is_strict(hostile_page):
    _, page = hostile_page
    csp = csp_of(page)
    assert "default-src 'none'" in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "unsafe" not in script_src and "http" not in script_src and "*" not in script_src
    assert "base-uri 'none'" in csp and "object-src 'none'" in csp


def test_no_event_handlers_javascript_links_or_foreign_tags(hostile_page):
    _, page = hostile_page
    for tag, attrs in page.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), (tag, name)
            if name.lower() in ("href", "src", "action", "formaction", "data", "xlink:href"):
                assert not (value or "").strip().lower().startswith("javascript:"), (tag, value)
                assert (value or "").startswith("#"), (tag, value)
    links = [a.get("href") for t, a in page.tags if t == "a"]
    assert links and all(h.startswith("#") for h in links)


def test_json_blocks_cannot_break_out_and_keep_the_data(hostile_page):
    text, page = hostile_page
    blocks = [s for a, s in page.scripts if a.get("type") == "application/json"]
    assert blocks
    for raw in blocks:
        assert "<" not in raw and ">" not in raw and "&" not in raw
        fig = json.loads(raw)
        assert "data" in fig and "layout" in fig
    joined = html_unescape_all(json.dumps([json.loads(b) for b in blocks]))
    for s in (XSS_NAME, XSS_CHOICES[0], XSS_METRIC):
        assert s in joined  # escaped for plotly, decoded back to the literal string
    assert text.count("</script>") == len(page.scripts)


def html_unescape_all(text: str) -> str:
    import html

    return html.unescape(json.loads(json.dumps(text)))


def test_hostile_strings_show_up_as_text(hostile_page):
    text, page = hostile_page
    shown = "".join(page.text)
    for s in (
        XSS_SWEEP,
        XSS_NAME,
        XSS_QUOTES,
        XSS_ERROR,
        XSS_CHOICES[0],
        XSS_CHOICES[2],
        "/tmp/<script>alert(11)</script>",
        "<b>random</b>",
    ):
        assert s in shown, s
    for s in HOSTILE:
        if "<" in s:
            assert s not in text  # never raw in the HTML source


def test_embed_json_escapes_markup():
    out = embed_json(json.dumps({"a": "</script><!-- & -->"}))
    assert "<" not in out and ">" not in out and "&" not in out
    assert json.loads(out) == {"a": "</script><!-- & -->"}


def test_single_report_sections(single):
    text = build_report([single])
    page = Inspector()
    page.feed(text)
    shown = "".join(page.text)
    for heading in (
        "Optimization history",
        "Which parameters mattered",
        "Learning curves",
        "Trials",
        "Best config",
    ):
        assert heading in shown
    assert "Comparison" not in shown and "Pareto front" not in shown
    assert len([a for a, _ in page.scripts if a.get("type") != "application/json"]) == 2
    assert text.count("plotly.js v") == 1  # plotly embedded once


def test_comparison_section_with_several_sweeps(single, multi):
    text = build_report([single, multi])
    page = Inspector()
    page.feed(text)
    shown = "".join(page.text)
    assert "Comparison" in shown and "Best and median per sweep" in shown
    assert "Pareto front" in shown
    copies = [a for t, a in page.tags if t == "button" and "copy" in (a.get("class") or "")]
    assert len(copies) >= 4  # a best config per sweep, twice (summary and comparison)
    assert text.count("plotly.js v") == 1


def test_tiny_study_says_importances_are_unknown(tmp_path):
    from .conftest import single_record

    text = build_report([single_record(5, prune=False, fail=False)])
    assert "too few complete trials" in text


def test_report_without_complete_trials_still_renders():
    t = pd.DataFrame(
        {
            "number": [0, 1],
            "state": ["FAILED", "RUNNING"],
            "value": [None, None],
            "param_x": [0.1, np.nan],
            "error": ["<b>oops</b>", ""],
        }
    )
    rec = SweepResult(
        name="nothing yet",
        metrics=[Metric("loss")],
        trials=t,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    text = build_report([rec])
    assert "No trial has completed yet" in text
    assert "&lt;b&gt;oops&lt;/b&gt;" in text


def test_write_report_writes_the_file_and_skips_images_without_kaleido(tmp_path, single):
    pytest.importorskip("plotly")
    path = tmp_path / "out" / "report.html"
    try:
        import kaleido  # noqa: F401
    except ImportError:
        with pytest.warns(RuntimeWarning, match="kaleido is not installed"):
            assert write_report([single], path, images=True) == path
    else:  # pragma: no cover - kaleido present
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            write_report([single], path, images=True)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(path.parent.glob("*.tmp"))


def test_build_report_needs_a_record():
    with pytest.raises(ValueError, match="at least one sweep record"):
        build_report([])


def test_trial_table_rows_states_and_errors():
    tb = "Traceback (most recent call last):\n  File 'x.py'\nValueError: lr too high <x>"
    t = pd.DataFrame(
        {
            "number": [0, 1, 2],
            "state": ["COMPLETE", "FAILED", "PRUNED"],
            "value": [0.5, None, None],
            "param_x": [0.1, 0.2, 0.3],
            "error": ["", tb, ""],
        }
    )
    rec = SweepResult(
        name="t",
        metrics=[Metric("loss")],
        trials=t,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    page = Inspector()
    page.feed(build_report([rec]))
    rows = [a for tag, a in page.tags if tag == "tr" and a.get("class") == "bestrow"]
    assert len(rows) == 1
    errs = [a for tag, a in page.tags if tag == "td" and a.get("class") == "err"]
    assert [a["title"] for a in errs] == ["", tb, ""]  # full text on hover
    shown = "".join(page.text)
    assert "ValueError: lr too high <x>" in shown and "File 'x.py'" not in shown
    states = [s for s in ("COMPLETE", "FAILED", "PRUNED") if s in shown]
    assert states == ["COMPLETE", "FAILED", "PRUNED"]
