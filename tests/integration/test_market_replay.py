"""The live EODHD and FRED clients against a replay server on 127.0.0.1 answering in their formats.

Covers the requests they send (token, date range, format, series id), landing and loading what
comes back, an HTML page or an empty body with status 200 (landed, then quarantined, never
loaded), a 500 that never recovers (a clear error, the other documents still landed, the token
never shown) and a conditional re-fetch of an unchanged FRED file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
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


UNIVERSE_HEAD = (
    "ticker,name,role,basket,country,cik,exchange,trading_currency,reporting_currency,"
    "fiscal_year_end_month,price_symbol,filer,benchmark\n"
)


@pytest.mark.slow
def test_fx_follows_the_universe_inverts_usd_quotes_and_flags_a_currency_without_series(tmp_path):
    """A universe holding CNY, HKD, EUR (reporting), GBP (trading) and BRL asks FRED for exactly the four
    series of the seed; DEXUSEU and DEXUSUK (USD per unit) come out of staging as units per USD; the
    company in BRL, which has no series, is flagged by name, and nothing is guessed for it."""
    from ingestion.sources.registry import SOURCES
    from tests.support.dbt_cli import dbt_ok

    universe = tmp_path / "universe.csv"
    universe.write_text(
        UNIVERSE_HEAD
        + "BABA,Alibaba,company,CN,CN,1577552,NYSE,USD,CNY,3,BABA.US,sec,SPY\n"
        + "0700.HK,Tencent,company,CN,CN,,HKEX,HKD,CNY,12,0700.HK,hkex,SPY\n"
        + "ASML,ASML Holding,company,US,NL,937966,NASDAQ,USD,EUR,12,ASML.US,sec,SPY\n"
        + "ARM,Arm Holdings,company,US,GB,1973239,NASDAQ,GBP,USD,3,ARM.US,sec,SPY\n"
        + "VALE,Vale,company,US,BR,917851,NYSE,BRL,BRL,12,VALE.US,sec,SPY\n"
        + "SPY,SPDR S&P 500 ETF Trust,benchmark,US,US,,NYSE Arca,USD,USD,,SPY.US,,\n"
    )
    euro = b"observation_date,DEXUSEU\n2023-01-03,1.2500\n2023-01-04,\n"
    pound = b"observation_date,DEXUSUK\n2023-01-03,1.6000\n"
    bodies = {
        "DEXCHUS": Reply(200, DEXCHUS, CSV),
        "DEXHKUS": Reply(200, DEXHKUS, CSV),
        "DEXUSEU": Reply(200, euro, CSV),
        "DEXUSUK": Reply(200, pound, CSV),
    }
    with ReplayServer(fred(bodies)) as server:
        settings = load_settings(
            {
                "AIGAP_HOME": str(tmp_path / "home"),
                "AIGAP_SOURCE": "live",
                "AIGAP_FX_BASE_URL": server.url,
                "AIGAP_UNIVERSE": str(universe),
            }
        )
        zone = LandingZone(settings.landing_dir)
        listings = read_universe(universe)
        landed = fx.land_live(settings, zone, listings)
    # one request per series the universe needs, none for BRL (no series) nor USD
    assert sorted(r.query["id"][0] for r in server.requests) == ["DEXCHUS", "DEXHKUS", "DEXUSEU", "DEXUSUK"]
    assert sorted(e.key for e in landed) == ["fred/DEXCHUS", "fred/DEXHKUS", "fred/DEXUSEU", "fred/DEXUSUK"]
    assert fx.series_for(listings)[1] == {"BRL": ["VALE"]}

    con, report = load(settings, zone, fx)
    assert not report.rejected
    SOURCES["universe"].land(settings, zone, [])
    SOURCES["universe"].load(con, zone, settings, [])
    con.close()
    dbt_ok(settings.home, "build", "--select", "stg_fx__rates +int_fx_currency_flags",
           "--indirect-selection", "cautious")  # fmt: skip
    with duckdb.connect(str(settings.db_path), read_only=True) as db:
        rates = db.execute(
            "SELECT currency, date, units_per_usd, fred_value FROM staging.stg_fx__rates "
            "WHERE currency IN ('EUR', 'GBP', 'CNY') AND date = '2023-01-03' ORDER BY 1"
        ).fetchall()
        missing = db.execute(
            "SELECT units_per_usd FROM staging.stg_fx__rates WHERE currency = 'EUR' AND date = '2023-01-04'"
        ).fetchone()
        flags = db.execute(
            "SELECT ticker, currency_role, currency, reason FROM intermediate.int_fx_currency_flags ORDER BY 2"
        ).fetchall()
    # 1.25 USD per EUR is 0.8 EUR per USD; 1.60 USD per GBP is 0.625 GBP per USD; CNY as FRED quotes it
    assert rates == [
        ("CNY", date(2023, 1, 3), pytest.approx(6.9177), pytest.approx(6.9177)),
        ("EUR", date(2023, 1, 3), pytest.approx(0.8), pytest.approx(1.25)),
        ("GBP", date(2023, 1, 3), pytest.approx(0.625), pytest.approx(1.6)),
    ]
    assert missing == (None,)  # a day without observation stays null after inversion
    assert [f[:3] for f in flags] == [("VALE", "reporting", "BRL"), ("VALE", "trading", "BRL")]
    assert "no FRED series for BRL" in flags[0][3] and "VALE" in flags[0][3]


# -- EODHD bulk ------------------------------------------------------------------------------

# eod-bulk-last-day answers in EODHD's documented JSON (fields per item: code, exchange_short_name, date,
# open, high, low, close, adjusted_close, volume; see ingestion/sources/eodhd.py for the source).
US_BULK = (
    b'[{"code":"AAPL","exchange_short_name":"US","date":"2023-01-06","open":126.01,"high":130.29,'
    b'"low":124.89,"close":129.62,"adjusted_close":127.6,"volume":87754700},'
    b'{"code":"MSFT","exchange_short_name":"US","date":"2023-01-06","open":223.0,"high":225.76,'
    b'"low":219.35,"close":224.93,"adjusted_close":220.86,"volume":43613600}]'
)
HK_BULK = (
    b'[{"code":"0700","exchange_short_name":"HK","date":"2023-01-06","open":356.0,"high":365.0,'
    b'"low":354.2,"close":361.8,"adjusted_close":355.2,"volume":21513810}]'
)


def test_eodhd_bulk_backfills_each_history_once_then_one_request_per_exchange_and_day(tmp_path):
    from ingestion.sources.registry import SOURCES

    routes = eodhd_routes() | {
        "/api/eod-bulk-last-day/US": Reply(200, US_BULK, JSON),
        "/api/eod-bulk-last-day/HK": Reply(200, HK_BULK, JSON),
    }
    universe = FIXTURES / "universe" / "universe_small.csv"
    with ReplayServer(routes) as server:
        settings = load_settings(
            {
                "AIGAP_HOME": str(tmp_path / "home"),
                "AIGAP_SOURCE": "live",
                "AIGAP_PRICES_BASE_URL": server.url,
                "AIGAP_PRICES_PROVIDER": "eodhd",
                "AIGAP_PRICES_API_TOKEN": TOKEN,
                "AIGAP_PRICES_EODHD_BULK": "1",
                "AIGAP_UNIVERSE": str(universe),
            }
        )
        zone = LandingZone(settings.landing_dir)
        first = prices.land_bars_live(settings, zone, LISTINGS, date(2023, 1, 1), date(2023, 1, 31))
        second = prices.land_bars_live(settings, zone, LISTINGS, date(2023, 1, 1), date(2023, 1, 31))
        settings.home.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(settings.db_path))
        SOURCES["universe"].land(settings, zone, [])
        SOURCES["universe"].load(con, zone, settings, [])
        report = SOURCES["prices"].load(
            con, zone, settings, LISTINGS, window=(date(2023, 1, 1), date(2023, 1, 31))
        )
    today = datetime.now(UTC).date().isoformat()
    # run 1: each history once (per-symbol eod, from 2019, whole), and one bulk request per exchange
    assert sorted(e.key for e in first) == sorted(
        ["eod/MSFT.US", "eod/0700.HK", f"bulk/US/{today}", f"bulk/HK/{today}"]
    )
    eod = [r for r in server.requests if r.path.startswith("/api/eod/")]
    assert len(eod) == 2 and all(r.query["from"] == ["2019-01-01"] and "to" not in r.query for r in eod)
    bulk = [r for r in server.requests if r.path.startswith("/api/eod-bulk-last-day/")]
    assert sorted(r.path for r in bulk) == ["/api/eod-bulk-last-day/HK", "/api/eod-bulk-last-day/US"]
    assert all(r.query["api_token"] == [TOKEN] and r.query["fmt"] == ["json"] for r in bulk)
    # run 2 the same day: nothing asked again
    assert second == [] and len(server.requests) == 4
    assert TOKEN not in " ".join(e.url for e in first)

    assert not report.rejected
    rows = con.execute(
        "SELECT symbol, date, close, close_basis, source_key FROM raw.prices_daily ORDER BY symbol, date"
    ).fetchall()
    # the histories' three days each, then the bulk day of each universe symbol; AAPL (not in the universe)
    # is not loaded
    assert [(r[0], r[1]) for r in rows] == [
        ("0700.HK", date(2023, 1, 3)), ("0700.HK", date(2023, 1, 4)), ("0700.HK", date(2023, 1, 6)),
        ("MSFT.US", date(2023, 1, 3)), ("MSFT.US", date(2023, 1, 4)), ("MSFT.US", date(2023, 1, 5)),
        ("MSFT.US", date(2023, 1, 6)),
    ]  # fmt: skip
    bulk_rows = {r[0]: r for r in rows if r[1] == date(2023, 1, 6)}
    assert bulk_rows["MSFT.US"][2:] == (224.93, "unadjusted", f"bulk/US/{today}")
    assert bulk_rows["0700.HK"][2:] == (361.8, "unadjusted", f"bulk/HK/{today}")
    assert con.execute("SELECT count(*) FROM quarantine.prices_daily").fetchone() == (0,)
