"""The HTML in a real browser: Debian's Chromium through selenium and chromium-driver.

For every built report page and the site index, at a phone's 390 px and a
desktop's 1280 px: the page body never scrolls sideways; every table either fits
its column or scrolls inside its own container, and no cell's content runs out
of its cell (the "cells on top of each other" of a fixed table layout); figures
are drawn at a legible size; and axe-core (npm package in tests/browser,
installed by .ci/run) finds no serious or critical violation.

Marked ``browser``. Without Chromium, chromium-driver or axe-core the tests are
skipped on a developer's machine and fail in CI (``CI`` set), where .ci/run
installs them.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from evalreport.config import load_project

pytestmark = [pytest.mark.browser, pytest.mark.build]

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
WIDTHS = (390, 1280)
# Figures are drawn for the printed text width (~16 cm ≈ 605 px) with 9 pt text; shown
# at least 540 CSS px wide (or the width they were drawn at, if smaller: a tightly cropped
# figure, whose text is then at its drawn size) that text stays above ~10 px. The drawn
# width is the engine's style width in inches; high-resolution PNGs have a natural width in
# device pixels, so that is only the fallback.
MIN_FIGURE_WIDTH = 540


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    if not CHROMIUM:
        return "chromium is not installed (apt-get install chromium)"
    if not Path(DRIVER).exists():
        return "chromium-driver is not installed (apt-get install chromium-driver)"
    if not AXE.exists():
        return "axe-core is not installed (npm ci --prefix tests/browser)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")
    profile = tempfile.mkdtemp(prefix="evalreport-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _open(driver, path: Path, width: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get(path.resolve().as_uri())
    driver.execute_script("return document.fonts.ready.then(() => true)")


@pytest.fixture(scope="module")
def pages(site_builds) -> dict[str, Path]:
    built = site_builds.all()
    out = {slug: result.html for slug, result in built.items()}
    out["index"] = site_builds.out / "index.html"
    return out


PAGE_NAMES = ["index", *load_project(ROOT).report_slugs()]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_body_never_scrolls_sideways(browser, pages, name, width):
    _open(browser, pages[name], width)
    overflow = browser.execute_script("""
        const doc = document.documentElement;
        const wide = [...document.body.querySelectorAll('*')].filter(e => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.right > window.innerWidth + 1 && !e.closest('.er-gt, .er-figure, .math, pre');
        }).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
        return {scroll: doc.scrollWidth, inner: window.innerWidth, wide: wide};""")
    assert overflow["scroll"] <= overflow["inner"], overflow
    assert overflow["wide"] == [], overflow


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [n for n in PAGE_NAMES if n != "index"])
def test_every_table_fits_or_scrolls_in_its_container(browser, pages, name, width):
    _open(browser, pages[name], width)
    report = browser.execute_script("""
        const out = [];
        for (const box of document.querySelectorAll('.er-gt')) {
            const table = box.querySelector('table');
            const style = getComputedStyle(box);
            const fits = table.getBoundingClientRect().width <= box.clientWidth + 1;
            const scrolls = ['auto', 'scroll'].includes(style.overflowX) && box.scrollWidth > box.clientWidth;
            const inView = box.getBoundingClientRect().right <= window.innerWidth + 1;
            const spilled = [...table.querySelectorAll('th, td')].filter(c => c.scrollWidth > c.clientWidth + 1)
                .slice(0, 3).map(c => c.textContent.trim().slice(0, 40));
            out.push({id: box.dataset.tableId, fits, scrolls, inView, spilled,
                      focusable: box.tabIndex >= 0});
        }
        return out;""")
    assert report, "no tables found"
    bad = [t for t in report if not (t["fits"] or t["scrolls"]) or not t["inView"] or t["spilled"]
           or (t["scrolls"] and not t["focusable"])]
    assert bad == [], bad


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [n for n in PAGE_NAMES if n != "index"])
def test_figures_are_drawn_at_a_legible_scale(browser, pages, name, width):
    _open(browser, pages[name], width)
    figures = browser.execute_script("""
        return [...document.querySelectorAll('main img')].map(img => ({
            src: img.getAttribute('src'), natural: img.naturalWidth, style: img.style.width,
            shown: img.getBoundingClientRect().width}));""")
    for f in figures:
        inches = re.fullmatch(r"([\d.]+)in", f["style"] or "")
        f["drawn"] = float(inches.group(1)) * 96 if inches else f["natural"]
    small = [f for f in figures if f["drawn"] and f["shown"] < min(f["drawn"], MIN_FIGURE_WIDTH) - 1]
    assert small == [], small


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_axe_finds_no_serious_or_critical_violation(browser, pages, name, width):
    _open(browser, pages[name], width)
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
           .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
           .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));""")
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
