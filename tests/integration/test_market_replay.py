"""The live EODHD and FRED clients against a replay server on 127.0.0.1 answering in their formats.

Covers the requests they send (token, date range, format, series id), landing and loading what
comes back, an HTML page or an empty body with status 200 (landed, then quarantined, never
loaded), a 500 that never recovers (a clear error, the other documents still landed, the token
never shown) and a conditional re-fetch of an unchanged FRED file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion.config import load_settings
from ingestion.errors import SourceFetchError
from ingestion.landing import LandingZone
from ingestion.raw_loader import load_landed
from ingestion.sources import eodhd, fx, prices
from ingestion.universe import read_universe
from tests.support.replay_server import RecordedRequest, ReplayServer, Reply, conditional

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LISTINGS = read_universe(FIXTURES / "universe" / "universe_small.csv")  # MSFT.US, 0700.HK
TOKEN = "test-token-5f3a9c"
CSV = {"Content-Type": "text/csv"}
JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html; charset=utf-8"}

MSFT_EOD = (FIXTURES / "prices" / "eod" / "MSFT.US.csv").read_bytes()
HK_EOD = (FIXTURES / "prices" / "eod" / "0700.HK.csv").read_bytes()
MSFT_DIV = (FIXTURES / "prices" / "div" / "MSFT.US.json").read_bytes()
HK_SPLITS = b'[{"date":"2014-05-15","split":"5.000000/1.000000"}]'
DEXCHUS = (FIXTURES / "fx" / "DEXCHUS.csv").read_bytes()
DEXHKUS = (FIXTURES / "fx" / "DEXHKUS_legacy.csv").read_bytes()


def settings_for(tmp_path: Path, server: ReplayServer):
    return load_settings(
        {
            "AIGAP_HOME": str(tmp_path / "home"),
            "AIGAP_SOURCE": "live",
            "AIGAP_PRICES_BASE_URL": server.url,
            "AIGAP_PRICES_PROVIDER": "eodhd",
            "AIGAP_PRICES_API_TOKEN": TOKEN,
            "AIGAP_FX_BASE_URL": server.url,
        }
    )


def eodhd_routes(override: dict[str, Reply] | None = None) -> dict[str, Reply]:
    routes = {
        "/api/eod/MSFT.US": Reply(200, MSFT_EOD, CSV),
        "/api/splits/MSFT.US": Reply(200, b"[]", JSON),
        "/api/div/MSFT.US": Reply(200, MSFT_DIV, JSON),
        "/api/eod/0700.HK": Reply(200, HK_EOD, CSV),
        "/api/splits/0700.HK": Reply(200, HK_SPLITS, JSON),
        "/api/div/0700.HK": Reply(200, b"[]", JSON),
    }
    return routes | (override or {})


def fred(bodies: dict[str, Reply]):
    """FRED serves every series from one path; the id parameter picks it."""

    def respond(request: RecordedRequest) -> Reply:
        series = request.query.get("id", [""])[0]
        return bodies.get(series, Reply(404, b"Series not found", {"Content-Type": "text/plain"}))

    return {"/graph/fredgraph.csv": respond}


def land_prices(settings, zone: LandingZone, since: date = prices.DEFAULT_SINCE, **retry) -> list:
    """What a live run lands for prices: the bars asset's whole histories, then the events asset's
    (ingestion/sources/registry.py calls these two)."""
    bars = prices.land_bars_live(settings, zone, LISTINGS, since, None, **retry)
    return bars + prices.land_events_live(settings, zone, LISTINGS, since=since, **retry)


def load(settings, zone: LandingZone, module):
    con = duckdb.connect(str(settings.db_path))
    return con, load_landed(con, zone, module.SOURCE, module.parse, module.RAW_TABLES)


# -- EODHD -----------------------------------------------------------------------------------


def test_eodhd_live_requests_land_and_load(tmp_path):
    with ReplayServer(eodhd_routes()) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        landed = land_prices(settings, zone, since=date(2023, 1, 1))
    # Bars first (the daily-partitioned asset lands only these), then each symbol's events.
    assert [e.key for e in landed] == [
        "eod/MSFT.US", "eod/0700.HK", "splits/MSFT.US", "div/MSFT.US", "splits/0700.HK", "div/0700.HK",
    ]  # fmt: skip
    assert all(e.status == 200 and not e.is_sample for e in landed)
    (eod,) = server.requests_for("/api/eod/MSFT.US")
    assert eod.query == {"api_token": [TOKEN], "from": ["2023-01-01"], "period": ["d"], "fmt": ["csv"]}
    (div,) = server.requests_for("/api/div/MSFT.US")
    assert div.query == {"api_token": [TOKEN], "from": ["2023-01-01"], "fmt": ["json"]}
    assert {r.header("User-Agent") for r in server.requests} == {eodhd.USER_AGENT}
    # The token reaches the provider, never the manifest.
    manifest = (settings.landing_dir / "_manifest" / "prices.jsonl").read_text()
    assert TOKEN not in manifest
    assert "api_token=***" in manifest

    con, report = load(settings, zone, prices)
    assert report.rejected == []
    assert report.rows == {"prices_daily": 3 + 2, "price_events": 3 + 1}
    closes = con.execute("SELECT symbol, sum(close) FROM raw.prices_daily GROUP BY 1 ORDER BY 1").fetchall()
    assert closes == [
        ("0700.HK", pytest.approx(344.40 + 355.60)),
        ("MSFT.US", pytest.approx(239.58 + 229.10 + 222.31)),
    ]
    split = con.execute(
        "SELECT date, split_from, split_to FROM raw.price_events WHERE kind = 'split'"
    ).fetchall()
    assert split == [(date(2014, 5, 15), 1.0, 5.0)]
    assert con.execute("SELECT bool_or(is_sample) FROM raw.prices_daily").fetchone() == (False,)


def test_prices_html_page_with_status_200_is_landed_then_quarantined(tmp_path):
    page = b"<!DOCTYPE html>\n<html><head><title>EODHD | Sign in</title></head><body>Sign in</body></html>"
    with ReplayServer(eodhd_routes({"/api/eod/MSFT.US": Reply(200, page, HTML)})) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        landed = land_prices(settings, zone)
    html = next(e for e in landed if e.key == "eod/MSFT.US")
    assert zone.read(html) == page  # kept as received, for inspection

    con, report = load(settings, zone, prices)
    assert [path for path, _ in report.rejected] == [html.path]
    quarantined = con.execute(
        "SELECT source, source_key, source_file, reason FROM quarantine.landing_files"
    ).fetchall()
    assert len(quarantined) == 1
    source, key, source_file, reason = quarantined[0]
    assert (source, key, source_file) == ("prices", "eod/MSFT.US", html.path)
    assert "an HTML/XML page, expected EODHD eod CSV" in reason
    # The bad file keeps MSFT out of raw; the other symbol loads.
    assert con.execute("SELECT DISTINCT symbol FROM raw.prices_daily").fetchall() == [("0700.HK",)]


def test_prices_500_that_never_recovers_fails_clearly_after_landing_the_rest(tmp_path):
    with ReplayServer(eodhd_routes({"/api/eod/MSFT.US": Reply(500, b"Internal Server Error")})) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        prices.land_events_live(settings, zone, LISTINGS, retries=2, backoff=0.01)  # its own asset
        with pytest.raises(SourceFetchError) as err:
            prices.land_bars_live(
                settings, zone, LISTINGS, prices.DEFAULT_SINCE, None, retries=2, backoff=0.01
            )
    message = str(err.value)
    assert "1 EODHD request(s) failed" in message
    assert f"{server.url}/api/eod/MSFT.US" in message and "HTTP 500" in message
    assert TOKEN not in message
    assert len(server.requests_for("/api/eod/MSFT.US")) == 3  # the first try and 2 retries
    # Every other document was fetched and is loadable; the 500 page is never the latest.
    assert sorted(zone.latest(prices.SOURCE)) == sorted(
        ["splits/MSFT.US", "div/MSFT.US", "eod/0700.HK", "splits/0700.HK", "div/0700.HK"]
    )


# -- FRED ------------------------------------------------------------------------------------


def test_fx_live_lands_both_series_and_loads_them(tmp_path):
    bodies = {"DEXCHUS": Reply(200, DEXCHUS, CSV), "DEXHKUS": Reply(200, DEXHKUS, CSV)}
    with ReplayServer(fred(bodies)) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        landed = fx.land_live(settings, zone, [])
    assert [(e.key, e.status) for e in landed] == [("fred/DEXCHUS", 200), ("fred/DEXHKUS", 200)]
    assert [r.query for r in server.requests] == [{"id": ["DEXCHUS"]}, {"id": ["DEXHKUS"]}]

    con, report = load(settings, zone, fx)
    assert report.rows == {"fx_rates": 4 + 3}
    rows = con.execute(
        "SELECT series_id, count(*), count(value), avg(value) FROM raw.fx_rates GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("DEXCHUS", 4, 3, pytest.approx((6.9177 + 6.8999 + 6.8880) / 3)),
        ("DEXHKUS", 3, 2, pytest.approx((7.8100 + 7.8123) / 2)),
    ]


def test_fx_empty_body_is_landed_then_quarantined(tmp_path):
    bodies = {"DEXCHUS": Reply(200, DEXCHUS, CSV), "DEXHKUS": Reply(200, b"", CSV)}
    with ReplayServer(fred(bodies)) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        fx.land_live(settings, zone, [])
    con, report = load(settings, zone, fx)
    assert report.loaded == ["fred/DEXCHUS"]
    assert con.execute("SELECT source_key, reason FROM quarantine.landing_files").fetchall() == [
        ("fred/DEXHKUS", "empty body, expected FRED fredgraph CSV of DEXHKUS")
    ]
    assert con.execute("SELECT DISTINCT series_id FROM raw.fx_rates").fetchall() == [("DEXCHUS",)]


def test_fx_500_that_never_recovers_is_a_clear_error(tmp_path):
    bodies = {"DEXCHUS": Reply(500, b"<html>Internal Server Error</html>")}
    with ReplayServer(fred(bodies)) as server:
        settings = settings_for(tmp_path, server)
        with pytest.raises(SourceFetchError, match=r"fredgraph\.csv\?id=DEXCHUS: HTTP 500"):
            fx.land_live(settings, LandingZone(settings.landing_dir), [], retries=1, backoff=0.01)
    assert len(server.requests) == 2  # the first try and 1 retry


def test_fx_unchanged_file_is_a_304_and_not_reloaded(tmp_path):
    bodies = {
        "DEXCHUS": conditional(DEXCHUS, etag='"chus-1"', **CSV),
        "DEXHKUS": conditional(DEXHKUS, last_modified="Tue, 03 Jan 2023 21:00:00 GMT", **CSV),
    }

    def respond(request: RecordedRequest) -> Reply:
        return bodies[request.query["id"][0]](request)

    with ReplayServer({"/graph/fredgraph.csv": respond}) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        fx.land_live(settings, zone, [])
        con, first = load(settings, zone, fx)
        second_run = fx.land_live(settings, zone, [])
    assert [e.status for e in second_run] == [304, 304]
    assert server.requests[2].header("If-None-Match") == '"chus-1"'
    assert server.requests[3].header("If-Modified-Since") == "Tue, 03 Jan 2023 21:00:00 GMT"
    again = load_landed(con, zone, fx.SOURCE, fx.parse, fx.RAW_TABLES)
    assert (first.loaded, again.loaded, sorted(again.unchanged)) == (
        ["fred/DEXCHUS", "fred/DEXHKUS"],
        [],
        ["fred/DEXCHUS", "fred/DEXHKUS"],
    )
    assert con.execute("SELECT count(*) FROM raw.fx_rates").fetchone() == (7,)
