"""The dashboard (Observable Framework), built from a complete run's serving file and loaded in headless Chromium.

Built once per module (``make dashboard``'s function on ``baseline()``'s serving file), served
over HTTP on 127.0.0.1, and every page opened in Debian's chromium driven by Playwright (no browser
download; any request off 127.0.0.1 is refused and recorded). Each page must load without a page
error or a console error, draw every chart it declares (Observable Plot, SVG) with data marks in it, and say
SAMPLE DATA (the baseline is the bundled sample). The home page's headline numbers are checked against
the basket mart by hand. The dbt docs site is generated from the same serving file, read-only.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest

from ingestion.publish.dashboard import build_dashboard
from ingestion.publish.dbt_docs import generate_dbt_docs
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
# page -> charts it draws (each an Observable Plot SVG)
PAGES = {
    "": 1,  # the headline's basket indices
    "baskets": 2,
    "valuation": 2,
    "compute-access": 1,
    "event-study": 1,
    "fundamentals-coverage": 1,
    "data-quality": 2,
}
# The marts each page plots: it must say SAMPLE DATA exactly when they hold sample rows (on the
# bundled sample every mart of prices or filings does; the compute access ratio, drawn from curated
# chips and rules, does not). The home and data-quality pages speak for the whole warehouse.
PAGE_MARTS = {
    "baskets": ["fct_basket_gap_daily"],
    "valuation": ["fct_valuation_daily", "fct_return_on_research"],
    "compute-access": ["fct_compute_access_gap"],
    "event-study": ["fct_event_study"],
    "fundamentals-coverage": ["fct_fundamentals"],
}
WHOLE = [
    "fct_basket_gap_daily",
    "fct_valuation_daily",
    "fct_return_on_research",
    "fct_compute_access_gap",
    "fct_event_study",
    "fct_fundamentals",
]


def holds_sample(db: Path, marts: list[str]) -> bool:
    with duckdb.connect(str(db), read_only=True) as con:
        return any(con.execute(f"SELECT bool_or(is_sample) FROM marts.{m}").fetchone()[0] for m in marts)


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
        pytest.fail("Debian's chromium is not installed: make test installs it (tools/install_test_deps.sh)")
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


# Per chart: its data marks (Plot's top-level groups other than axes and grids), with how many
# elements each draws and the most points of any of its paths (a line's vertices).
CHART_MARKS_JS = """
() => Array.from(document.querySelectorAll('svg[class^="plot"]')).map(svg => {
    const groups = Array.from(svg.querySelectorAll(':scope > g[aria-label]'))
        .filter(g => !/axis|tick|grid|label/.test(g.getAttribute('aria-label')));
    return {
        width: svg.getBoundingClientRect().width,
        marks: groups.map(g => ({
            kind: g.getAttribute('aria-label'),
            elements: g.querySelectorAll('path,rect,line,circle').length,
            points: Math.max(0, ...Array.from(g.querySelectorAll('path'))
                .map(p => (p.getAttribute('d') || '').split(/[LHV]/).length)),
        })),
    };
})
"""


@pytest.mark.parametrize("page", list(PAGES))
def test_page_loads_and_draws_its_charts_with_data(built, server, browser, page):
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
            f"document.querySelectorAll('svg[class^=\"plot\"]').length >= {expected}", timeout=120_000
        )
    charts = tab.evaluate(CHART_MARKS_JS)
    text = tab.inner_text("body")
    cell_errors = tab.locator(".observablehq--error").all_inner_texts()
    context.close()

    assert errors == [] and cell_errors == [], (errors, cell_errors)
    assert outside == [], f"requests off 127.0.0.1: {outside}"
    assert len(charts) == expected, charts
    for chart in charts:
        assert chart["width"] > 300, chart
        data_marks = [m for m in chart["marks"] if m["kind"] != "rule"]  # rules mark 0 or events
        assert data_marks, chart
        for mark in data_marks:
            if mark["kind"] == "line":  # one path per series, each through many days
                assert mark["points"] >= 20, chart
            else:  # bars, cells: one element per row plotted
                assert mark["elements"] >= 3, chart
    base, _ = built
    sample = holds_sample(serving_db(base.root), PAGE_MARTS.get(page, WHOLE))
    assert ("SAMPLE DATA" in text) == sample, (page, sample)


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


def headline_by_hand(db: Path) -> dict[str, object]:
    """The headline from marts.fct_basket_gap_daily: the last day both US and CN have an index."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT date, basket, index_2022_11_30, market_cap_usd FROM marts.fct_basket_gap_daily "
            "WHERE basket IN ('US', 'CN') AND date >= DATE '2022-11-30' AND index_2022_11_30 IS NOT NULL"
        ).fetchall()
    by_day: dict = {}
    for day, basket, index, cap in rows:
        by_day.setdefault(day, {})[basket] = (index, cap)
    last = max(day for day, baskets in by_day.items() if len(baskets) == 2)
    (us, us_cap), (cn, cn_cap) = by_day[last]["US"], by_day[last]["CN"]
    (_, us_base), (_, cn_base) = by_day[date(2022, 11, 30)]["US"], by_day[date(2022, 11, 30)]["CN"]
    return {
        "as_of_date": last.isoformat(),
        "us_index_2022_11_30": us,
        "cn_index_2022_11_30": cn,
        "index_gap_points": us - cn,
        "us_to_cn_market_cap_ratio": us_cap / cn_cap,
        "base_us_to_cn_market_cap_ratio": us_base / cn_base,
    }


# The headline numbers as shown, and where the headline, its chart and the table of contents sit.
HEADLINE_JS = """
() => {
    const shown = Object.fromEntries(Array.from(document.querySelectorAll('[data-headline]'))
        .map(e => [e.dataset.headline, e.textContent.trim()]));
    const top = (el) => el ? el.getBoundingClientRect().top + window.scrollY : null;
    const toc = document.querySelector('main a[href="./baskets/"], main a[href="/baskets/"], main a[href$="baskets/"]');
    return {
        shown,
        headline: top(document.querySelector('p.headline')),
        chart: top(document.querySelector('svg[class^="plot"]')),
        toc: top(toc),
        lines: Array.from(document.querySelectorAll('svg[class^="plot"] g[aria-label="line"] path')).length,
    };
}
"""


def test_the_home_page_leads_with_the_headline_computed_from_the_marts(built, server, browser):
    base, _ = built
    expected = headline_by_hand(serving_db(base.root))
    tab = browser.new_page()
    try:
        tab.goto(f"{server}/", wait_until="networkidle", timeout=120_000)
        tab.wait_for_selector('[data-headline="index_gap_points"]', timeout=120_000)
        tab.wait_for_function(
            "document.querySelectorAll('svg[class^=\"plot\"]').length >= 1", timeout=120_000
        )
        page = tab.evaluate(HEADLINE_JS)
    finally:
        tab.close()
    shown = page["shown"]
    assert shown["as_of_date"] == expected["as_of_date"], (shown, expected)
    # one decimal for the indices and the gap, two for the ratios: equal to half a unit of the last digit
    for column, digits in (
        ("us_index_2022_11_30", 1),
        ("cn_index_2022_11_30", 1),
        ("index_gap_points", 1),
        ("us_to_cn_market_cap_ratio", 2),
        ("base_us_to_cn_market_cap_ratio", 2),
    ):
        assert abs(float(shown[column]) - expected[column]) <= 0.5 * 10**-digits + 1e-9, (
            column,
            shown,
            expected,
        )
    # the two baskets' lines, then the table of contents, under the headline numbers
    assert page["lines"] == 2, page
    assert page["headline"] is not None and page["chart"] is not None and page["toc"] is not None, page
    assert page["headline"] < page["toc"] and page["chart"] < page["toc"], page


def test_a_duckdb_1_4_client_reads_every_view_the_dashboard_reads(built):
    """BI tools (Evidence's node driver is DuckDB 1.4) open the same views by name: every extract's model
    is in the serving file and reads there with the rows the 2.x side counts."""
    from ingestion.publish.dashboard import EXTRACTS
    from tests.integration import test_serving_clients as clients

    base, result = built
    models = sorted({e.model for e in EXTRACTS})
    seen = clients.run_client(
        "duckdb==1.4.*",
        """
        import json, sys
        import duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        counts = {m: con.execute(f"SELECT count(*) FROM {m}").fetchone()[0] for m in sys.argv[2:]}
        print(json.dumps({"version": duckdb.__version__, "counts": counts}))
        """,
        str(serving_db(base.root)),
        *models,
    )
    assert seen["version"].startswith("1.4."), seen
    assert seen["counts"] == {e.model: result.rows[e.name] for e in EXTRACTS}
    assert seen["counts"]["dashboard.dash_headline"] == 1
