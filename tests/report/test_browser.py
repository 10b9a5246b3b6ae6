"""A real browser opens a generated report from disk: no console errors, every plot drawn.

Without Chromium (or selenium) the test skips, except under ``CI=true``, where it fails: CI
must run it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from hpsearch.report import write_report
from tests.conftest import skip_or_fail

from .conftest import multi_record, single_record
from .test_html import XSS_NAME, XSS_QUOTES, XSS_SWEEP, hostile_record

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
OPTIONS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
)


def _driver(profile: Path):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("selenium is not installed")
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not Path(binary).exists() and shutil.which(Path(binary).name) is None:
            skip_or_fail(f"{binary} is not installed (apt-get install chromium chromium-driver)")

    options = webdriver.ChromeOptions()
    chromium = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    options.binary_location = chromium
    for flag in OPTIONS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver")
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as err:  # a broken local browser install is not a report bug (but CI's is)
        skip_or_fail(f"headless Chromium did not start: {str(err).splitlines()[0]}")


def severe_console_entries(driver) -> list[dict]:
    """The console errors logged since the last call (reading the log empties it, so every
    check reads it exactly once)."""
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def _check_page(driver, path: Path, shot: Path) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.resolve().as_uri())
    plots = driver.find_elements(By.CSS_SELECTOR, "div.plot[data-figure]")
    assert plots, "the report has no plot"
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script(
            "return Array.prototype.every.call(document.querySelectorAll('div.plot'),"
            " function (p) { return p.querySelector('.main-svg') !== null; });"
        )
    )
    drawn = driver.execute_script(
        "return document.querySelectorAll('div.plot .main-svg').length > 0 &&"
        " Array.prototype.filter.call(document.querySelectorAll('div.plot'),"
        " function (p) { return !p.querySelector('.main-svg'); }).length;"
    )
    assert drawn == 0
    severe = severe_console_entries(driver)
    assert severe == [], severe
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    return {"plots": len(plots)}


INJECTED = r"""
var urls = /^(href|src|xlink:href|action|formaction|data)$/i;
return {
  scripts: document.querySelectorAll('script:not([type="application/json"])').length,
  foreign: document.querySelectorAll('iframe, img, object, embed, form, base').length,
  handlers: Array.prototype.filter.call(document.querySelectorAll('*'), function (el) {
    return Array.prototype.some.call(el.attributes, function (a) {
      return /^on/i.test(a.name) || (urls.test(a.name) && /^\s*javascript:/i.test(a.value));
    });
  }).length,
  links: Array.prototype.filter.call(document.querySelectorAll('a[href]'), function (a) {
    return a.getAttribute('href').charAt(0) !== '#';
  }).length
};
"""


def test_report_renders_in_headless_chromium(tmp_path):
    records = [
        single_record(40),
        single_record(40, seed=3, name="second sweep"),
        multi_record(),
        hostile_record(),
    ]
    single_path = write_report(records[:1], tmp_path / "single.html")
    compare_path = write_report(records, tmp_path / "compare.html")
    driver = _driver(tmp_path / "profile")
    try:
        driver.set_window_size(1400, 1000)
        first = _check_page(driver, single_path, tmp_path / "single.png")
        second = _check_page(driver, compare_path, tmp_path / "compare.png")
        assert second["plots"] > first["plots"]
        # hostile names, values and errors stayed text: nothing ran, nothing was injected
        from selenium.common.exceptions import NoAlertPresentException

        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text  # noqa: B018
        assert driver.execute_script(INJECTED) == {
            "scripts": 2,
            "foreign": 0,
            "handlers": 0,
            "links": 0,
        }
        # hover a trial of the hostile sweep: its parameter name shows as literal text
        hover = driver.execute_script(
            "var div = document.querySelector('#sweep-3 div.plot');"
            "Plotly.Fx.hover(div, [{curveNumber: 0, pointNumber: 0}]);"
            "var t = div.querySelector('.hoverlayer .hovertext');"
            "return t ? t.textContent : null;"
        )
        assert hover is not None and XSS_NAME in hover and XSS_QUOTES in hover
        legend = driver.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll("
            "'#compare .legendtext'), function (t) { return t.textContent; });"
        )
        assert XSS_SWEEP in legend  # shown literally, quotes and all
        assert driver.execute_script(INJECTED)["handlers"] == 0
        # the trial table sorts on a header click and filters from the text box
        from selenium.webdriver.common.by import By

        table = driver.find_element(By.CSS_SELECTOR, "#sweep-0 table.trials")
        header = table.find_elements(By.CSS_SELECTOR, "thead th button")[0]
        driver.execute_script("arguments[0].click();", header)
        driver.execute_script("arguments[0].click();", header)
        numbers = [
            int(c.text)
            for c in table.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child")
            if c.text
        ]
        assert numbers == sorted(numbers, reverse=True)
        box = driver.find_element(By.ID, "filter-0")
        box.send_keys("PRUNED")
        visible = driver.execute_script(
            "return Array.prototype.filter.call(arguments[0].tBodies[0].rows,"
            " function (r) { return !r.hidden; }).map(function (r) {"
            " return r.cells[1].textContent; });",
            table,
        )
        assert visible and set(visible) == {"PRUNED"}
        severe = severe_console_entries(driver)  # hovering, sorting and filtering logged none
        assert severe == [], severe
        driver.save_screenshot(str(tmp_path / "compare_filtered.png"))
    finally:
        driver.quit()


def test_console_check_catches_an_error_in_the_page(tmp_path):
    """The console check can fail: an error the page logs (a broken script, a failed
    resource) is reported by the same check the report test asserts on."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><html><body><p>x</p>"
        "<script>console.error('report script failed'); undefinedFunction();</script>"
        "</body></html>",
        encoding="utf-8",
    )
    driver = _driver(tmp_path / "profile")
    try:
        driver.get(page.resolve().as_uri())
        severe = severe_console_entries(driver)
        messages = " ".join(entry["message"] for entry in severe)
        assert "report script failed" in messages and "undefinedFunction" in messages
        assert severe_console_entries(driver) == []  # read once: the next check starts clean
    finally:
        driver.quit()


@pytest.mark.parametrize(
    ("ci", "outcome"), [(True, pytest.fail.Exception), (False, pytest.skip.Exception)]
)
def test_missing_chromium_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path, ci, outcome):
    import tests.conftest

    monkeypatch.setattr(tests.conftest, "IN_CI", ci)
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", "/nonexistent/chromium-x")
    with pytest.raises(outcome, match="chromium-x is not installed"):
        _driver(tmp_path / "profile")
