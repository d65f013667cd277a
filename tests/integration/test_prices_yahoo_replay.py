"""The live Yahoo chart client against a replay server on 127.0.0.1 built on REAL recorded answers.

The server answers like Yahoo's ``/v8/finance/chart/<SYMBOL>``: the recorded bars between ``period1``
and ``period2`` and the events up to ``period2`` (the fetch time). For NVDA it adds the 10:1 split of
2024-06-10 in Yahoo's format: the recording (fetched 2025-02) already divides its 2021 closes by that
split but its events, limited to the 2021-2022 window, list only the 4:1 split of 2021-07-20.

Covers: no prices token needed; the unadjusted close the staging model rebuilds (real dbt) across
both NVDA splits, on AAPL's split day, on Hong Kong days; the split-sized jump test; a split that
appears later re-landing and replacing the symbol's whole history; an unknown symbol, a 429 storm,
an HTML page with status 200 and an empty quote each ending in a clear error or a quarantine row with
everything already loaded kept.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from ingestion.config import REPO_ROOT, load_settings
from ingestion.errors import SourceFetchError
from ingestion.landing import LandingZone
from ingestion.raw_loader import load_window
from ingestion.sources import eodhd
from ingestion.sources.registry import SOURCES
from ingestion.universe import read_universe
from tests.support.dbt_cli import dbt, run_results
from tests.support.replay_server import RecordedRequest, ReplayServer, Reply

REALDATA = REPO_ROOT.parent / "shared" / "realdata" / "yahoo"
DBT_PROJECT = REPO_ROOT / "dbt_project"
JSON = {"Content-Type": "application/json;charset=utf-8"}
NEW_YORK = ZoneInfo("America/New_York")

UNIVERSE = """ticker,name,role,basket,country,cik,exchange,trading_currency,reporting_currency,fiscal_year_end_month,price_symbol,filer,benchmark
AAPL,Apple Inc.,company,US,US,320193,NASDAQ,USD,USD,9,AAPL.US,sec,SPY
NVDA,NVIDIA Corporation,company,US,US,1045810,NASDAQ,USD,USD,1,NVDA.US,sec,SPY
0700.HK,Tencent Holdings Limited,company,CN,CN,,HKEX,HKD,CNY,12,0700.HK,hkex,2800.HK
OLD,A listing with a forgotten split,company,US,US,1,NYSE,USD,USD,12,OLD.US,sec,SPY
"""
START, END = date(2020, 8, 1), date(2026, 9, 24)  # covers every recording's bars


def recorded(name: str) -> dict:
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"../shared/realdata absent: {path} (real Yahoo recordings, see realdata/README.md)")
    record = json.loads(path.read_bytes())
    return record["response"]["bodyJson"] if "response" in record else record


def session_open(day: date) -> int:
    return int(datetime.combine(day, time(9, 30), tzinfo=NEW_YORK).timestamp())


def split_event(day: date, numerator: int) -> dict:
    """A split as Yahoo lists it: keyed by the epoch of the session open, numerator/denominator."""
    stamp = session_open(day)
    return {
        str(stamp): {"date": stamp, "numerator": numerator, "denominator": 1, "splitRatio": f"{numerator}:1"}
    }


NVDA_2024_SPLIT = date(2024, 6, 10)


def chart(body: dict, *, extra_splits: dict | None = None, divide_by: float = 1.0):
    """Answer like Yahoo: bars in [period1, period2), events up to period2 (the recording's and extra)."""

    def respond(request: RecordedRequest) -> Reply:
        p1, p2 = int(request.query["period1"][0]), int(request.query["period2"][0])
        assert request.query["interval"] == ["1d"] and request.query["events"] == ["div,splits"]
        data = copy.deepcopy(body)
        result = data["chart"]["result"][0]
        keep = [i for i, t in enumerate(result["timestamp"]) if p1 <= t < p2]
        result["timestamp"] = [result["timestamp"][i] for i in keep]
        quote = result["indicators"]["quote"][0]
        for name, values in quote.items():
            scale = divide_by if name in ("open", "high", "low", "close") else 1.0
            quote[name] = [None if values[i] is None else values[i] / scale for i in keep]
        for adj in result["indicators"].get("adjclose", []):
            adj["adjclose"] = [adj["adjclose"][i] for i in keep]
        events = copy.deepcopy(result.get("events") or {})
        if extra_splits:
            events.setdefault("splits", {}).update(extra_splits)
        result["events"] = {
            group: {k: v for k, v in items.items() if p1 <= int(k) <= p2} for group, items in events.items()
        }
        return Reply(200, json.dumps(data).encode(), JSON)

    return respond


def routes(**override) -> dict:
    base = {
        "/v8/finance/chart/AAPL": chart(recorded("yahoo-finance2_chart-AAPL-2020-08-31-to-2020-11-07.json")),
        "/v8/finance/chart/NVDA": chart(
            recorded("yahoo-finance2_historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json"),
            extra_splits=split_event(NVDA_2024_SPLIT, 10),
        ),
        "/v8/finance/chart/0700.HK": chart(recorded("curb_0700.HK.1y.json")),
    }
    return base | {f"/v8/finance/chart/{k}": v for k, v in override.items()}


def settings_for(tmp_path: Path, server: ReplayServer):
    universe = tmp_path / "universe.csv"
    universe.write_text(UNIVERSE)
    # live prices and no AIGAP_PRICES_API_TOKEN: Yahoo needs no key
    return load_settings(
        {
            "AIGAP_HOME": str(tmp_path / "home"),
            "AIGAP_SOURCE": "live",
            "AIGAP_PRICES_BASE_URL": server.url,
            "AIGAP_UNIVERSE": str(universe),
        }
    )


def yahoo_listings(settings):
    return [x for x in read_universe(settings.universe_path) if x.ticker != "OLD"]


def land_bars(settings, start, end, listings):
    return SOURCES["prices"].land(settings, LandingZone(settings.landing_dir), listings, (start, end))


def load_bars(con, settings, start, end, listings):
    return SOURCES["prices"].load(
        con, LandingZone(settings.landing_dir), settings, listings, window=(start, end)
    )


def land_and_load_events(settings, con, listings):
    zone = LandingZone(settings.landing_dir)
    SOURCES["price_events"].land(settings, zone, listings)
    return SOURCES["price_events"].load(con, zone, settings, listings)


def land_and_load(settings, con, listings, start=START, end=END, **kwargs):
    land_bars(settings, start, end, listings)
    bars = load_bars(con, settings, start, end, listings)
    land_and_load_events(settings, con, listings)
    return bars


def prepare(tmp_path: Path, server: ReplayServer):
    settings = settings_for(tmp_path, server)
    assert settings.prices_provider == "yahoo" and settings.prices_api_token is None
    settings.home.mkdir(parents=True)
    con = duckdb.connect(str(settings.db_path))
    universe = SOURCES["universe"]
    zone = LandingZone(settings.landing_dir)
    universe.land(settings, zone, [])
    universe.load(con, zone, settings, [])
    return settings, con


def run_dbt(home: Path) -> dict:
    """The price staging models with their own tests (real dbt); they read no other source."""
    # cautious: only tests all of whose parents are these two models
    run = dbt(
        home, "build", "--select", "stg_prices__daily stg_prices__events", "--indirect-selection", "cautious"
    )
    return {uid.split(".")[2]: r for uid, r in run_results(home).items()} | {"_stdout": run.stdout}


@pytest.mark.slow
def test_live_yahoo_without_token_to_unadjusted_closes(tmp_path):
    with ReplayServer(routes()) as server:
        settings, con = prepare(tmp_path, server)
        listings = yahoo_listings(settings)
        before = datetime.now(UTC)
        report = land_and_load(settings, con, listings)
        after = datetime.now(UTC)

    # One request per symbol for the window, from its first day up to the fetch; one for the events.
    nvda = server.requests_for("/v8/finance/chart/NVDA")
    assert len(nvda) == 2
    window, events = nvda
    assert window.query["period1"] == [str(int(datetime(2020, 8, 1, tzinfo=UTC).timestamp()))]
    assert before.timestamp() - 1 <= int(window.query["period2"][0]) <= after.timestamp()
    assert events.query["period1"] == [str(int(datetime(2019, 1, 1, tzinfo=UTC).timestamp()))]
    assert all(r.header("User-Agent").startswith("Mozilla/5.0") for r in server.requests)
    for batch in (server.requests[:3], server.requests[3:]):  # bars, then events: one session each
        gaps = [b.time - a.time for a, b in zip(batch, batch[1:], strict=False)]
        assert min(gaps) >= 0.45  # paced at 2 requests per second

    # The three Hong Kong half-day placeholders are kept out of raw, with their reason.
    assert report.quarantined_by_rule["prices_daily"] == {"placeholder_bar": 3}
    placeholders = con.execute("SELECT date, reason FROM quarantine.prices_daily ORDER BY date").fetchall()
    assert [d for d, _ in placeholders] == [date(2025, 12, 24), date(2025, 12, 31), date(2026, 2, 16)]
    assert "a placeholder, not a trade" in placeholders[0][1]
    raw = dict(con.execute("SELECT symbol, count(*) FROM raw.prices_daily GROUP BY 1").fetchall())
    assert raw == {"AAPL.US": 49, "NVDA.US": 252, "0700.HK": 246 - 3}
    nvda_raw = con.execute(
        "SELECT close, close_basis FROM raw.prices_daily WHERE symbol = 'NVDA.US' AND date = '2021-02-01'"
    ).fetchone()
    assert nvda_raw == (pytest.approx(13.237, abs=1e-3), "split_adjusted")

    # A listing of another provider in the same warehouse, with a 2:1 split its events forgot.
    old = b"Date,Open,High,Low,Close,Adjusted_close,Volume\n" + b"".join(
        f"2024-03-{d:02d},{c},{c},{c},{c},{c},1000\n".encode()
        for d, c in ((11, 100.0), (12, 101.0), (13, 50.4), (14, 50.0))
    )
    zone = LandingZone(settings.landing_dir)
    entry = zone.land("prices", "eod/OLD.US", old, url="test://", suffix=".csv")
    load_window(con, zone, [entry], lambda e, b: {"prices_daily": eodhd.parse_eod_csv(b, e.path, "OLD.US")},
                "prices_daily", entity_column="symbol", date_column="date", start=START, end=END)  # fmt: skip
    con.close()

    results = run_dbt(settings.home)
    jump = results["assert_no_split_sized_jump_without_split_event"]
    # one listing's anomaly: a warning naming it, never a stop (docs/publish_rules.md)
    assert (jump["status"], jump["failures"]) == ("warn", 1), results["_stdout"][-3000:]
    others = {k: r["status"] for k, r in results.items() if k != "_stdout" and r is not jump}
    assert set(others.values()) <= {"success", "pass"}, others

    with duckdb.connect(str(settings.db_path), read_only=True) as db:
        rows = db.execute(
            "SELECT listings.ticker, prices.date, prices.close FROM staging.stg_prices__daily AS prices "
            "JOIN raw.universe AS listings ON prices.price_symbol = listings.price_symbol"
        ).fetchall()
        split_day_raw = db.execute(
            "SELECT close FROM raw.prices_daily WHERE symbol = 'NVDA.US' AND date = '2021-07-20'"
        ).fetchone()[0]
    close = {(ticker, day): c for ticker, day, c in rows}
    hk_days = {day for ticker, day, _ in rows if ticker == "0700.HK"}
    # NVDA 2021-02-01: Yahoo's 13.237 times both later splits, 4 (2021) and 10 (2024): about 529
    assert close[("NVDA", date(2021, 2, 1))] == pytest.approx(13.237000465393066 * 4 * 10)
    assert 528 < close[("NVDA", date(2021, 2, 1))] < 531
    # after the 2021 split only the 2024 split applies
    assert close[("NVDA", date(2021, 7, 20))] == pytest.approx(split_day_raw * 10)
    # AAPL's split day is the real print; no split after it up to the fetch
    assert close[("AAPL", date(2020, 8, 31))] == pytest.approx(129.04, abs=1e-4)
    # OLD is on the unadjusted basis: as delivered
    assert close[("OLD", date(2024, 3, 13))] == 50.4
    assert date(2025, 11, 27) in hk_days and date(2025, 10, 1) not in hk_days


def test_a_later_split_relands_and_replaces_the_whole_history(tmp_path):
    nvda = recorded("yahoo-finance2_historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json")
    server = ReplayServer(routes()).start()
    try:
        settings, con = prepare(tmp_path, server)
        listings = [x for x in yahoo_listings(settings) if x.ticker == "NVDA"]
        first = land_and_load(settings, con, listings, date(2021, 2, 1), date(2021, 12, 31))
        assert first.loaded == ["chart/NVDA.US/2021-02-01_2021-12-31"]
        old = con.execute(
            "SELECT count(*), min(close) FROM raw.prices_daily WHERE date < '2021-07-20'"
        ).fetchone()
        # Yahoo now lists a new 2:1 split, a minute old (after the first window was fetched, before
        # this fetch), and divides every price by it.
        stamp = int(datetime.now(UTC).timestamp()) - 60
        today = datetime.fromtimestamp(stamp, NEW_YORK).date()  # its day on the exchange's clock
        new_split = {str(stamp): {"date": stamp, "numerator": 2, "denominator": 1, "splitRatio": "2:1"}}
        server.route(
            "/v8/finance/chart/NVDA",
            chart(nvda, extra_splits=split_event(NVDA_2024_SPLIT, 10) | new_split, divide_by=2),
        )
        landed = land_bars(settings, date(2022, 1, 3), date(2022, 1, 31), listings)
        report = load_bars(con, settings, date(2022, 1, 3), date(2022, 1, 31), listings)
    finally:
        server.stop()
    # the window, then the whole history and its events again, from 2019
    assert [e.key for e in landed] == [
        "chart/NVDA.US/2022-01-03_2022-01-31",
        "chart/NVDA.US",
        "events/NVDA.US",
    ]
    requests = server.requests_for("/v8/finance/chart/NVDA")[-2:]
    assert {r.query["period1"][0] for r in requests} == {
        str(int(datetime(2019, 1, 1, tzinfo=UTC).timestamp()))
    }
    assert report.loaded == ["chart/NVDA.US/2022-01-03_2022-01-31", "chart/NVDA.US"]
    # every stored bar of NVDA now comes from the re-landed history, on the new basis
    rows = con.execute(
        "SELECT count(*), min(close), count(DISTINCT source_key) FROM raw.prices_daily WHERE date < '2021-07-20'"
    ).fetchone()
    assert rows == (old[0], pytest.approx(old[1] / 2), 1)
    assert con.execute("SELECT DISTINCT source_key FROM raw.prices_daily").fetchall() == [("chart/NVDA.US",)]
    assert con.execute("SELECT count(*) FROM raw.prices_daily").fetchone() == (252,)
    # its events were re-landed too: the loader sees the new split (and the 2021 and 2024 ones)
    SOURCES["price_events"].load(con, LandingZone(settings.landing_dir), settings, listings)
    splits = con.execute(
        "SELECT date, split_to FROM raw.price_events WHERE kind = 'split' ORDER BY date"
    ).fetchall()
    assert splits == [(date(2021, 7, 20), 4.0), (NVDA_2024_SPLIT, 10.0), (today, 2.0)]


NOT_FOUND = json.dumps(
    {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }
).encode()
EMPTY_QUOTE = json.dumps(
    {"chart": {"result": [{"meta": {"symbol": "NVDA", "exchangeTimezoneName": "America/New_York"},
     "timestamp": [1612189800], "indicators": {"quote": [{}]}}], "error": None}}
).encode()  # fmt: skip
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Yahoo</title></head><body>Will be right back</body></html>"


@pytest.mark.parametrize(
    ("reply", "error", "quarantined"),
    [
        (Reply(429, b"Too Many Requests", {"Content-Type": "text/plain"}), "HTTP 429 'Too Many Requests'", None),
        (Reply(200, HTML_PAGE, {"Content-Type": "text/html"}), None, "an HTML/XML page, expected Yahoo chart JSON"),
        (Reply(200, EMPTY_QUOTE, JSON), None, "1 timestamps but an empty indicators.quote"),
    ],
    ids=["429_storm", "html_200", "empty_quote"],
)  # fmt: skip
def test_bad_answers_end_clearly_and_lose_nothing(tmp_path, reply, error, quarantined):
    server = ReplayServer(routes()).start()
    try:
        settings, con = prepare(tmp_path, server)
        listings = [x for x in yahoo_listings(settings) if x.ticker in ("NVDA", "AAPL")]
        land_and_load(settings, con, listings)
        before = con.execute(
            "SELECT symbol, count(*), sum(close) FROM raw.prices_daily GROUP BY 1 ORDER BY 1"
        ).fetchall()
        server.route("/v8/finance/chart/NVDA", reply)
        n = len(server.requests)
        if error:
            with pytest.raises(SourceFetchError, match=error.replace("(", r"\(").replace(")", r"\)")):
                prices_land(settings, listings)
        else:
            prices_land(settings, listings)
        asked = len(server.requests_for("/v8/finance/chart/NVDA")) - 2
        report = load_bars(con, settings, START, END, listings)
    finally:
        server.stop()
    if reply.status == 429:
        assert asked == 3  # the first try and 2 retries, then the error
    after = con.execute(
        "SELECT symbol, count(*), sum(close) FROM raw.prices_daily GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert after == before  # AAPL as it was (the same bytes again), NVDA's bars as they were
    assert len(server.requests) > n
    if quarantined:
        reasons = con.execute("SELECT source_key, reason FROM quarantine.landing_files").fetchall()
        assert [k for k, _ in reasons] == [f"chart/NVDA.US/{START}_{END}"]
        assert quarantined in reasons[0][1]
        assert [p for p, _ in report.rejected] and report.loaded == []
        # AAPL's answer is the same bytes as the first time: its window is not reloaded
        assert report.unchanged == [f"chart/AAPL.US/{START}_{END}"]


def prices_land(settings, listings):
    from ingestion.sources import prices

    # three days on, so there is a session the first answers cannot hold: every symbol is asked again
    later = datetime.now(UTC) + timedelta(days=3)
    return prices.land_bars_live(
        settings, LandingZone(settings.landing_dir), listings, START, END, retries=2, backoff=0.01, now=later
    )


SAMPLE = REPO_ROOT / "data" / "sample" / "prices"


@pytest.mark.slow
def test_a_live_run_with_yahoo_and_no_token_goes_end_to_end():
    """``python -m orchestration.run`` with live prices from a Yahoo replay and no AIGAP_PRICES_API_TOKEN
    (the shared live replay run, ``tests/support/live_replay.py``).

    The replay answers the Yahoo-format sample (the same synthetic bars as the EODHD sample, divided by
    GOOGL's and AMZN's 20:1 splits of 2022), so the unadjusted closes the warehouse rebuilds must be
    the EODHD sample's closes, and market caps close x shares on both sides of the splits.
    """
    from tests.support.live_replay import (
        live_replay_run,
        missing_realdata,
        price_symbols,
        requests_made,
        yahoo_path,
    )
    from tests.support.pipeline_proc import working_db

    if reason := missing_realdata():
        pytest.skip(reason)
    root = live_replay_run()
    asked = {r["path"] for r in requests_made(root) if r["path"].startswith("/v8/finance/chart/")}
    # every listing of the universe, benchmarks and Hong Kong lines included, was asked of Yahoo
    assert asked == {yahoo_path(s) for s in price_symbols()}

    with duckdb.connect(str(working_db(root)), read_only=True) as db:
        basis = db.execute("SELECT DISTINCT close_basis, is_sample FROM raw.prices_daily").fetchall()
        # every unadjusted close equals the EODHD sample's Close of the same listing and day
        differ = db.execute(
            f"""
            SELECT count(*), count(eod.Close), max(abs(stg.close - eod.Close))
            FROM staging.stg_prices__daily AS stg
            LEFT JOIN read_csv('{SAMPLE}/eod/*.csv', filename = true) AS eod
                ON stg.price_symbol = regexp_extract(eod.filename, '([^/]+)\\.csv$', 1) AND stg.date = eod.Date
            """
        ).fetchone()
        caps = db.execute(
            "SELECT date, close, shares_outstanding, market_cap_local FROM intermediate.int_market_cap_daily "
            "WHERE ticker = 'GOOGL' AND date IN ('2022-07-15', '2022-07-18') ORDER BY date"
        ).fetchall()
    assert basis == [("split_adjusted", False)]
    assert differ[0] == differ[1] > 14000 and differ[2] < 1e-6
    (
        (before_day, before_close, before_shares, before_cap),
        (after_day, after_close, after_shares, after_cap),
    ) = caps
    assert (before_day, after_day) == (date(2022, 7, 15), date(2022, 7, 18))
    assert before_cap == pytest.approx(before_close * before_shares)
    assert after_cap == pytest.approx(after_close * after_shares)
    # the close falls by the split, the market cap does not
    assert 15 < before_close / after_close < 25 and 0.8 < after_cap / before_cap < 1.25


# -- resumable fetch at breadth ------------------------------------------------------------------

MANY = [f"S{i:02d}" for i in range(12)]


def many_universe(tmp_path: Path, symbols: list[str]) -> Path:
    head = UNIVERSE.splitlines()[0]
    rows = [
        f"{s},Company {s},company,US,US,{100 + i},NYSE,USD,USD,12,{s}.US,sec,SPY"
        for i, s in enumerate(symbols)
    ]
    path = tmp_path / "universe_many.csv"
    path.write_text("\n".join([head, *rows]) + "\n")
    return path


def as_symbol(body: dict, symbol: str) -> dict:
    """A real AAPL answer, under another symbol (the bars are the recording's)."""
    data = copy.deepcopy(body)
    data["chart"]["result"][0]["meta"]["symbol"] = symbol
    return data


def throttled_after(k: int, bodies: dict[str, dict]):
    """Answer the first ``k`` distinct symbols, then 429 "Too Many Requests" to everything."""
    served: set[str] = set()
    limited = {"on": False}

    def respond(request: RecordedRequest) -> Reply:
        symbol = request.path.rsplit("/", 1)[1]
        if limited["on"] or (symbol not in served and len(served) >= k):
            limited["on"] = True
            return Reply(429, b"Too Many Requests", {"Content-Type": "text/plain"})
        served.add(symbol)
        return chart(bodies[symbol])(request)

    return respond


def test_a_run_of_429s_stops_cleanly_and_the_next_run_asks_only_the_rest(tmp_path, caplog):
    from ingestion.sources import prices

    aapl = recorded("yahoo-finance2_chart-AAPL-2020-08-31-to-2020-11-07.json")
    bodies = {s: as_symbol(aapl, s) for s in MANY}
    k = 4
    first = throttled_after(k, bodies)
    server = ReplayServer({f"/v8/finance/chart/{s}": first for s in MANY}).start()
    try:
        settings, con = prepare(tmp_path, server)
        settings = type(settings)(**{**settings.__dict__, "universe_path": many_universe(tmp_path, MANY)})
        zone = LandingZone(settings.landing_dir)
        SOURCES["universe"].land(settings, zone, [])
        SOURCES["universe"].load(con, zone, settings, [])
        listings = read_universe(settings.universe_path)
        caplog.set_level("INFO")
        run1 = prices.land_bars_live(settings, zone, listings, START, END, retries=1, backoff=0.01)
        # the run goes on to load what it has: the first K symbols, the rest flagged
        report1 = load_bars(con, settings, START, END, listings)
        after1 = dict(con.execute("SELECT symbol, count(*) FROM raw.prices_daily GROUP BY 1").fetchall())
        flags1 = dict(con.execute("SELECT symbol, reason FROM quarantine.price_symbols").fetchall())
        asked1 = {s: len(server.requests_for(f"/v8/finance/chart/{s}")) for s in MANY}

        # the next run, with Yahoo no longer limiting
        for s in MANY:
            server.route(f"/v8/finance/chart/{s}", chart(bodies[s]))
        run2 = prices.land_bars_live(settings, zone, listings, START, END, retries=1, backoff=0.01)
        report2 = load_bars(con, settings, START, END, listings)
        after2 = dict(con.execute("SELECT symbol, count(*) FROM raw.prices_daily GROUP BY 1").fetchall())
        flags2 = con.execute("SELECT count(*) FROM quarantine.price_symbols").fetchone()[0]
    finally:
        server.stop()
    asked2 = {s: len(server.requests_for(f"/v8/finance/chart/{s}")) - asked1[s] for s in MANY}

    # run 1: K landed, then STOP_AFTER_429 symbols in a row answered 429 (first try + 1 retry each)
    stop = 5
    assert [e.key.split("/")[1] for e in run1] == [f"{s}.US" for s in MANY[:k]]
    assert run1.stopped_by_429 and run1.left == [f"{s}.US" for s in MANY[k:]]
    assert run1.metadata(len(MANY)) | {} == {
        "symbols_total": 12, "symbols_done": k, "symbols_left": 12 - k, "symbols_skipped_up_to_date": 0,
        "symbols_unavailable": 0, "stopped_by_429": True,
    }  # fmt: skip
    assert asked1 == {s: 1 for s in MANY[:k]} | {s: 2 for s in MANY[k : k + stop]} | {
        s: 0 for s in MANY[k + stop :]
    }
    assert f"fetch stopped with {12 - k} symbol(s) left of 12" in caplog.text
    # AAPL's recording holds 49 bars in the window; each landed symbol has them, the rest are flagged
    assert after1 == {f"{s}.US": 49 for s in MANY[:k]}
    assert len(report1.loaded) == k
    assert set(flags1) == {f"{s}.US" for s in MANY[k:]}
    assert "a run of 429s" in flags1[f"{MANY[-1]}.US"] and "HTTP 429" in flags1[f"{MANY[k]}.US"]

    # run 2: none of the first K asked again, each of the rest once; everything loaded, no flag left
    assert asked2 == {s: 0 for s in MANY[:k]} | {s: 1 for s in MANY[k:]}
    assert sorted(run2.skipped) == [f"{s}.US" for s in MANY[:k]] and not run2.stopped_by_429
    assert run2.metadata(len(MANY))["symbols_done"] == 12 and run2.metadata(len(MANY))["symbols_left"] == 0
    assert after2 == {f"{s}.US": 49 for s in MANY}
    assert flags2 == 0
    assert sorted(report2.unchanged) == sorted(f"chart/{s}.US/{START}_{END}" for s in MANY[:k])


def test_a_member_or_benchmark_without_prices_is_flagged_and_the_rest_load(tmp_path):
    from ingestion.sources import prices

    server = ReplayServer(routes(NVDA=Reply(404, NOT_FOUND, JSON))).start()
    try:
        settings, con = prepare(tmp_path, server)
        listings = [x for x in yahoo_listings(settings) if x.ticker in ("NVDA", "AAPL")]
        landed = prices.land_bars_live(
            settings, LandingZone(settings.landing_dir), listings, START, END, retries=1, backoff=0.01
        )  # no exception: one symbol without prices does not stop the others
        load_bars(con, settings, START, END, listings)
    finally:
        server.stop()
    assert [e.key for e in landed] == [f"chart/AAPL.US/{START}_{END}"]
    assert list(landed.unavailable) == ["NVDA.US"]
    assert con.execute("SELECT DISTINCT symbol FROM raw.prices_daily").fetchall() == [("AAPL.US",)]
    flags = con.execute(
        "SELECT symbol, http_status, reason, source_key FROM quarantine.price_symbols"
    ).fetchall()
    assert len(flags) == 1
    symbol, status, reason, key = flags[0]
    assert (symbol, status, key) == ("NVDA.US", 404, f"chart/NVDA.US/{START}_{END}")
    assert "Not Found: No data found, symbol may be delisted" in reason
