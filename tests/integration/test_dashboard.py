"""The Evidence dashboard, built from a complete run's serving file and loaded in headless Chromium.

Built once per module (``make dashboard``'s function on ``baseline()``'s serving file), served
over HTTP on 127.0.0.1, and every page opened in Debian's chromium driven by Playwright (no browser
download; any request off 127.0.0.1 is refused and recorded). Each page must load without a page
error or a console error, draw every chart it declares as SVG with data marks in it, and say
SAMPLE DATA (the baseline is the bundled sample). The dbt docs site is generated from the same
serving file, read-only.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ingestion.dashboard import build_dashboard
from ingestion.dbt_docs import generate_dbt_docs
from tests.support.pipeline_proc import baseline, serving_db

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# page -> charts it draws (each an ECharts instance rendered as SVG)
PAGES = {
    "": 0,
    "baskets": 2,
    "valuation": 2,
    "compute-access": 1,
    "event-study": 1,
    "fundamentals-coverage": 1,
    "data-quality": 2,
}
SAMPLE_PAGES = set(PAGES)  # the baseline is the bundled sample: every page plots sample rows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = baseline()
    site = tmp_path_factory.mktemp("dash") / "dashboard"
    result = build_dashboard(serving_db(base.root), site)
    print(f"\ndashboard built in {result.seconds:.1f}s (npm ci {result.npm_seconds:.1f}s)")
    return base, result


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@pytest.fixture(scope="module")
def server(built):
    _, result = built
    handler = functools.partial(QuietHandler, directory=str(result.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: apt-get install -y chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_every_page_is_an_index_html_of_the_site(built):
    _, result = built
    for page in PAGES:
        assert (result.site / page / "index.html").is_file(), page
    assert result.seconds > 0


# Per chart: how many data marks its SVG holds (paths of series, bars, cells) beyond the axes.
CHART_MARKS_JS = """
() => Array.from(document.querySelectorAll('[_echarts_instance_]')).map(el => {
    const svg = el.querySelector('svg');
    if (!svg) return {svg: false};
    const paths = Array.from(svg.querySelectorAll('path'));
    // a series line has many segments; bars and heatmap cells are filled paths
    const longest = Math.max(0, ...paths.map(p => (p.getAttribute('d') || '').split(/[LC]/).length - 1));
    const filled = paths.filter(p => {
        const f = p.getAttribute('fill');
        return f && f !== 'none' && f !== 'transparent';
    }).length;
    return {svg: true, longest, filled, width: el.getBoundingClientRect().width};
})
"""


@pytest.mark.parametrize("page", list(PAGES))
def test_page_loads_and_draws_its_charts_with_data(server, browser, page):
    context = browser.new_context()
    errors: list[str] = []
    outside: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname
        if host == "127.0.0.1" or r.request.url.startswith("data:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    tab.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    response = tab.goto(
        f"{server}/{page}/" if page else f"{server}/", wait_until="networkidle", timeout=120_000
    )
    assert response is not None and response.ok, page
    expected = PAGES[page]
    if expected:
        tab.wait_for_function(
            f"document.querySelectorAll('[_echarts_instance_] svg').length >= {expected}", timeout=120_000
        )
    tab.wait_for_timeout(500)  # let the last chart finish its first frame
    charts = tab.evaluate(CHART_MARKS_JS)
    text = tab.inner_text("body")
    context.close()

    assert errors == [], errors
    assert outside == [], f"requests off 127.0.0.1: {outside}"
    assert len(charts) == expected, charts
    for chart in charts:
        assert chart["svg"] and chart["width"] > 100, chart
        # a line with points, or several bars / cells: an empty chart has neither
        assert chart["longest"] >= 5 or chart["filled"] >= 3, chart
    assert "Error" not in text.replace("Errors", ""), text[:2000]
    assert "No Results" not in text
    if page in SAMPLE_PAGES:
        assert "SAMPLE DATA" in text


def test_dbt_docs_are_generated_from_the_serving_file_read_only(built, tmp_path):
    base, _ = built
    before = serving_db(base.root).stat()
    report = generate_dbt_docs(serving_db(base.root), tmp_path / "reports" / "dbt-docs")
    index = report.out_dir / "static_index.html"
    assert index.is_file() and (report.out_dir / "catalog.json").is_file()
    # every mart of the file is in the catalog, with its columns
    import orjson

    catalog = orjson.loads((report.out_dir / "catalog.json").read_bytes())
    marts = {n["metadata"]["name"] for n in catalog["nodes"].values() if n["metadata"]["schema"] == "marts"}
    assert marts == set(base.mart_counts)
    valuation = next(n for n in catalog["nodes"].values() if n["metadata"]["name"] == "fct_valuation_daily")
    assert "ev_to_rd_ttm" in valuation["columns"]
    assert report.models >= len(base.mart_counts)
    # read-only: the serving file is the same file, untouched
    after = serving_db(base.root).stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    shutil.rmtree(report.out_dir)
