"""The catalogue of bad inputs (docs/bad_inputs.md): each case through the real loader, on a temp DuckDB.

Every case ends in one of three places, and the test asserts which, with the exact reason:

- the whole file is refused (``BadSourceFile`` or ``LandingIntegrityError``): a row in
  ``quarantine.landing_files`` naming the landed file and the problem, nothing of it in raw, and
  whatever raw held for that key before stays (a bad file never erases a good one);
- single rows are kept out (ingestion/row_rules.py): rows in ``quarantine.<table>`` with the reason,
  source file and run id, the rest of the file in raw;
- a live fetch fails (``SourceFetchError``) naming the URL and the last HTTP status.

Files are landed with fetched_at 2024-06-28T12:00:00Z, so "in the future" means after 2024-06-28.
The figures in tests/fixtures/bad are synthetic (see its README).
"""

from __future__ import annotations

import csv
import os
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jinja2
import orjson
import pandas as pd
import pyarrow as pa
import pytest

from ingestion import quality, row_rules
from ingestion.config import REPO_ROOT, load_settings
from ingestion.errors import SourceFetchError
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_loader import load_landed, load_window
from ingestion.raw_tables import arrow_schema
from ingestion.sources import fedreg, fx, hkex, prices, sec
from ingestion.sources.registry import SOURCES
from ingestion.universe import (
    UNIVERSE_KEY,
    UNIVERSE_SOURCE,
    Listing,
    UniverseError,
    loaded_listings,
    parse_universe_file,
)
from tests.support.replay_server import RecordedRequest, ReplayServer, Reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BAD = FIXTURES / "bad"
DBT = REPO_ROOT / "dbt_project"
FETCHED = "2024-06-28T12:00:00+00:00"
RUN = "run-bad-inputs"
MSFT_CIK = "0000789019"
UNIVERSE_SMALL = (FIXTURES / "universe" / "universe_small.csv").read_bytes()  # MSFT.US (CIK 789019), 0700.HK
MSFT_FACTS = (FIXTURES / "sec" / "companyfacts" / f"CIK{MSFT_CIK}.json").read_bytes()
MSFT_EOD = (FIXTURES / "prices" / "eod" / "MSFT.US.csv").read_bytes()  # 3 good bars, 2023-01-03..05
HK_EOD = (FIXTURES / "prices" / "eod" / "0700.HK.csv").read_bytes()  # 2 good bars
DEXCHUS = (FIXTURES / "fx" / "DEXCHUS.csv").read_bytes()  # 4 days, one empty
FEDREG_PAGE = (FIXTURES / "fedreg" / "documents-page-0001.json").read_bytes()  # 2 documents
HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json"}
SUFFIX = {
    "sec": ".json",
    "prices": ".csv",
    "fx": ".csv",
    "fedreg": ".json",
    "hkex": ".csv",
    "universe": ".csv",
}
# The universe as a loadable source (ingestion.sources.registry holds the same parts).
UNIVERSE = SimpleNamespace(SOURCE=UNIVERSE_SOURCE, parse=parse_universe_file, RAW_TABLES=["universe"])


# -- helpers -----------------------------------------------------------------------------------


class Home:
    """A landing zone and a DuckDB warehouse under tmp_path."""

    def __init__(self, root: Path):
        self.zone = LandingZone(root / "landing")
        self.con = duckdb.connect(str(root / "aigap.duckdb"))

    def land(self, source: str, key: str, body: bytes, url: str | None = None) -> LandedFile:
        url = url or f"test://{source}/{key}"
        return self.zone.land(source, key, body, url=url, suffix=SUFFIX[source], fetched_at=FETCHED)

    def land_universe(
        self, body: bytes = UNIVERSE_SMALL, path: Path | None = None, *, load: bool = True
    ) -> LandedFile:
        """Land a universe as the universe source does (its url is the file the user edits) and, as
        every run does before any other source, load it into raw.universe."""
        entry = self.land(UNIVERSE_SOURCE, UNIVERSE_KEY, body, url=path.as_uri() if path else None)
        if load:
            self.load(UNIVERSE)
        return entry

    def load(self, module, parse=None):
        return load_landed(
            self.con, self.zone, module.SOURCE, parse or module.parse, module.RAW_TABLES, run_id=RUN
        )

    def rows(self, sql: str, *params) -> list[tuple]:
        return self.con.execute(sql, list(params)).fetchall()

    def rejected_files(self) -> list[tuple[str, str, str]]:
        return self.rows(
            "SELECT source_key, source_file, reason FROM quarantine.landing_files ORDER BY detected_at"
        )

    def quarantined(self, table: str, where: str = "true") -> list[tuple]:
        return self.rows(
            f"SELECT source_key, source_file, run_id, reason FROM quarantine.{table} WHERE {where} ORDER BY reason"
        )


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path)


def universe_csv(*rows: str) -> bytes:
    header = UNIVERSE_SMALL.splitlines()[0].decode()
    return ("\n".join([header, *rows]) + "\n").encode()


MSFT_ROW = "MSFT,Microsoft Corporation,company,US,US,789019,NASDAQ,USD,USD,6,MSFT.US,sec,SPY"
HK_ROW = "0700.HK,Tencent Holdings Limited,company,CN,CN,,HKEX,HKD,CNY,12,0700.HK,hkex,2800.HK"


def render(path: Path, refs: dict[str, str]) -> str:
    """A dbt model or test as SQL: ref()/source() become relation names, config() nothing."""
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(path.read_text())
    return template.render(
        ref=lambda name: refs[name], source=lambda schema, table: f"{schema}.{table}", config=lambda **_: ""
    )


def assert_file_refused(home: Home, entry: LandedFile, report, *, reason_contains: list[str]) -> str:
    """The file is in quarantine.landing_files (by its path) with the reason, and in report.rejected."""
    ((key, source_file, reason),) = home.rejected_files()
    assert (key, source_file) == (entry.key, entry.path)
    assert report.rejected == [(entry.path, reason)]
    for text in reason_contains:
        assert text in reason
    return reason


# -- 1-4: not the format at all ----------------------------------------------------------------


def test_malformed_json_is_refused_naming_the_file(home):
    body = b'{"cik": 789019, "entityName": "MICROSOFT CORPORATION", "facts": {"dei": {,}}}'
    entry = home.land("sec", f"companyfacts/CIK{MSFT_CIK}", body)
    report = home.load(sec)
    assert_file_refused(home, entry, report, reason_contains=["not JSON", "SEC companyfacts JSON"])
    assert home.rows("SELECT count(*) FROM raw.sec_companyfacts") == [(0,)]


def test_truncated_file_is_refused_as_truncated(home):
    body = MSFT_FACTS[: len(MSFT_FACTS) // 2]
    entry = home.land("sec", f"companyfacts/CIK{MSFT_CIK}", body)
    report = home.load(sec)
    reason = assert_file_refused(home, entry, report, reason_contains=["not JSON", "truncated"])
    assert f"{len(body)}-byte body" in reason
    assert home.rows("SELECT count(*) FROM raw.sec_companyfacts") == [(0,)]


def test_html_error_page_served_with_status_200_is_landed_then_refused(tmp_path):
    page = b"<!DOCTYPE html><html><head><title>FRED | Service Unavailable</title></head></html>"

    def respond(request: RecordedRequest) -> Reply:
        series = request.query["id"][0]
        return (
            Reply(200, page, HTML)
            if series == "DEXCHUS"
            else Reply(200, DEXCHUS.replace(b"DEXCHUS", b"DEXHKUS"))
        )

    with ReplayServer({"/graph/fredgraph.csv": respond}) as server:
        settings = load_settings(
            {"AIGAP_HOME": str(tmp_path / "home"), "AIGAP_FX_BASE_URL": server.url, "AIGAP_SOURCE_FX": "live"}
        )
        zone = LandingZone(settings.landing_dir)
        landed = fx.land_live(settings, zone, [])
    html = next(e for e in landed if e.key == "fred/DEXCHUS")
    assert (html.status, zone.read(html)) == (200, page)  # kept byte for byte for inspection
    con = duckdb.connect(str(settings.db_path))
    report = load_landed(con, zone, fx.SOURCE, fx.parse, fx.RAW_TABLES, run_id=RUN)
    ((key, source_file, reason),) = con.execute(
        "SELECT source_key, source_file, reason FROM quarantine.landing_files"
    ).fetchall()
    assert (key, source_file) == ("fred/DEXCHUS", html.path)
    assert reason.startswith("an HTML/XML page, expected FRED fredgraph CSV of DEXCHUS")
    assert report.loaded == ["fred/DEXHKUS"]
    assert con.execute("SELECT DISTINCT series_id FROM raw.fx_rates").fetchall() == [("DEXHKUS",)]


def test_empty_body_is_refused(home):
    entry = home.land("prices", "eod/MSFT.US", b"")
    report = home.load(prices)
    assert_file_refused(home, entry, report, reason_contains=["empty body, expected EODHD eod CSV"])
    assert home.rows("SELECT count(*) FROM raw.prices_daily") == [(0,)]


# -- 5-6: the wrong company ---------------------------------------------------------------------


def test_companyfacts_of_another_company_is_refused(home):
    # Microsoft's document answered for Alphabet's CIK: loading it would file MSFT's numbers as GOOGL's.
    entry = home.land("sec", "companyfacts/CIK0001652044", MSFT_FACTS)
    report = home.load(sec)
    assert_file_refused(home, entry, report, reason_contains=["CIK 0000789019", "companyfacts/CIK0001652044"])
    assert home.rows("SELECT count(*) FROM raw.sec_companyfacts") == [(0,)]


def test_prices_of_a_symbol_outside_the_universe_are_quarantined(home):
    home.land_universe()  # MSFT.US and 0700.HK
    home.land("prices", "eod/MSFT.US", MSFT_EOD)
    evil = home.land("prices", "eod/EVIL.US", MSFT_EOD)
    report = home.load(prices)
    assert (
        home.quarantined("prices_daily")
        == [("eod/EVIL.US", evil.path, RUN, "symbol EVIL.US is not in the universe")] * 3
    )
    assert home.rows("SELECT DISTINCT symbol FROM raw.prices_daily") == [("MSFT.US",)]
    assert (report.rows, report.quarantined) == ({"prices_daily": 3}, {"prices_daily": 3})


def test_universe_changes_release_and_quarantine_rows_on_the_next_load(home):
    home.land_universe(universe_csv(MSFT_ROW))  # Tencent not followed yet
    home.land("prices", "eod/MSFT.US", MSFT_EOD)
    home.land("prices", "eod/0700.HK", HK_EOD)
    first = home.load(prices)
    assert first.quarantined == {"prices_daily": 2}
    assert home.rows("SELECT DISTINCT symbol FROM raw.prices_daily") == [("MSFT.US",)]

    home.land_universe(universe_csv(MSFT_ROW, HK_ROW))  # Tencent added: its rows are released
    second = home.load(prices)
    assert (second.loaded, second.unchanged) == (["eod/0700.HK"], ["eod/MSFT.US"])
    assert home.rows("SELECT symbol, count(*) FROM raw.prices_daily GROUP BY 1 ORDER BY 1") == [
        ("0700.HK", 2),
        ("MSFT.US", 3),
    ]
    assert home.rows("SELECT count(*) FROM quarantine.prices_daily") == [(0,)]

    home.land_universe(universe_csv(HK_ROW))  # MSFT dropped: its rows move to quarantine
    third = home.load(prices)
    assert (third.loaded, third.quarantined) == (["eod/MSFT.US"], {"prices_daily": 3})
    assert home.rows("SELECT DISTINCT symbol FROM raw.prices_daily") == [("0700.HK",)]
    assert home.rows("SELECT DISTINCT reason FROM quarantine.prices_daily") == [
        ("symbol MSFT.US is not in the universe",)
    ]


# -- 7: duplicate dates ---------------------------------------------------------------------------


def test_duplicate_dates_refuse_the_file_and_keep_the_previous_version(home):
    good = home.land("prices", "eod/MSFT.US", MSFT_EOD)
    home.load(prices)
    dup = home.land("prices", "eod/MSFT.US", (BAD / "prices" / "MSFT.US_duplicate_date.csv").read_bytes())
    report = home.load(prices)
    assert_file_refused(
        home, dup, report, reason_contains=["line 4: MSFT.US has a second row for 2024-06-24"]
    )
    # Which of two bars is right is unknown: none is loaded, and the earlier good file stays in raw.
    assert home.rows("SELECT count(*), min(source_file), max(source_file) FROM raw.prices_daily") == [
        (3, good.path, good.path)
    ]


def test_duplicate_rows_a_parser_let_through_are_all_quarantined(home):
    # Backstop: should a parser ever stop refusing duplicates, the row rule keeps every copy out.
    def parse_twice(entry, body):
        bars = prices.parse(entry, body)["prices_daily"]
        return {"prices_daily": pa.concat_tables([bars, bars.slice(1, 1)])}

    entry = home.land("prices", "eod/MSFT.US", MSFT_EOD)
    report = home.load(prices, parse=parse_twice)
    assert (
        home.quarantined("prices_daily")
        == [("eod/MSFT.US", entry.path, RUN, "2 rows for MSFT.US on 2023-01-04 in one file: none kept")] * 2
    )
    assert home.rows("SELECT date FROM raw.prices_daily ORDER BY date") == [
        (date(2023, 1, 3),),
        (date(2023, 1, 5),),
    ]
    assert report.quarantined_by_rule == {"prices_daily": {"duplicate_date": 2}}


# -- 8-10: impossible bars and rates -------------------------------------------------------------


@pytest.fixture
def bad_bars(home):
    home.land_universe()
    entry = home.land("prices", "eod/MSFT.US", (BAD / "prices" / "MSFT.US_bad_rows.csv").read_bytes())
    return home, entry, home.load(prices)


def test_zero_and_negative_prices_are_quarantined(bad_bars):
    home, entry, _ = bad_bars
    assert home.quarantined("prices_daily", "date in ('2024-06-25', '2024-06-26')") == [
        ("eod/MSFT.US", entry.path, RUN, "price <= 0 (open 102.0, high 104.0, low 101.0, close -1.5)"),
        ("eod/MSFT.US", entry.path, RUN, "price <= 0 (open 102.0, high 104.0, low 101.0, close 0.0)"),
    ]


def test_high_below_low_is_quarantined(bad_bars):
    home, entry, _ = bad_bars
    assert home.quarantined("prices_daily", "date = '2024-06-27'") == [
        ("eod/MSFT.US", entry.path, RUN, "high 99.0 < low 105.0")
    ]


def test_missing_close_is_quarantined(bad_bars):
    home, entry, _ = bad_bars
    assert home.quarantined("prices_daily", "date = '2024-06-28'") == [
        ("eod/MSFT.US", entry.path, RUN, "close is missing")
    ]


def test_bar_dated_after_its_fetch_is_quarantined(bad_bars):
    home, entry, _ = bad_bars
    assert home.quarantined("prices_daily", "date = '2024-07-01'") == [
        ("eod/MSFT.US", entry.path, RUN, "date 2024-07-01 is after the file was fetched (2024-06-28)")
    ]


def test_good_bars_of_a_file_with_bad_ones_load_and_are_counted(bad_bars):
    home, entry, report = bad_bars
    assert home.rows("SELECT date, close, source_file FROM raw.prices_daily ORDER BY date") == [
        (date(2024, 6, 21), 101.0, entry.path),
        (date(2024, 6, 24), 102.0, entry.path),
    ]
    assert (report.rows, report.quarantined) == ({"prices_daily": 2}, {"prices_daily": 5})
    assert report.quarantined_by_rule["prices_daily"] == {
        "price_not_positive": 2,
        "high_below_low": 1,
        "close_missing": 1,
        "future_date": 1,
    }
    assert "5 row(s) quarantined (prices_daily=5)" in report.summary()
    # The run's count is kept in audit.check_results, so a data engineer can follow it over runs.
    assert home.rows(
        "SELECT run_id, layer, status, blocking, failing_rows FROM audit.check_results "
        "WHERE check_name = 'row_rules_prices_daily'"
    ) == [(RUN, "raw", "failed", False, 5)]


def test_reloading_a_file_with_quarantined_rows_changes_nothing(bad_bars):
    home, _, _ = bad_bars
    again = home.load(prices)
    assert (again.loaded, again.unchanged) == ([], ["eod/MSFT.US"])
    assert home.rows("SELECT count(*) FROM raw.prices_daily") == [(2,)]
    assert home.rows("SELECT count(*) FROM quarantine.prices_daily") == [(5,)]


def test_great_expectations_checks_table_properties_not_the_row_rules(bad_bars):
    home, _, _ = bad_bars
    raw = home.con.execute("SELECT * FROM raw.prices_daily").df()
    assert quality.validate("prices_daily", raw, today=date(2024, 6, 28)).success
    # One home per guard: the rows the rules kept out (prices <= 0, high below low, no close, a date
    # after the fetch) are the rules' business; the suite restates none of them, so it passes on them.
    kept_out = home.con.execute(
        "SELECT * EXCLUDE (reason, run_id, quarantined_at) FROM quarantine.prices_daily"
    ).df()
    assert len(kept_out) == 5
    assert quality.validate("prices_daily", kept_out, today=date(2024, 6, 28)).success
    # What no single file shows is the suite's: the bar of 21 June twice in raw (a second file holding
    # the same symbol and day), and a close basis stg_prices__daily does not know.
    first, second = raw.iloc[[0]], raw.iloc[[1]]
    broken = pd.concat(
        [raw, first.assign(source_file="eod/MSFT.US.again"), second.assign(date=pd.Timestamp("2024-06-25"))]
    )
    broken.iloc[-1, broken.columns.get_loc("close_basis")] = "dividend_adjusted"
    outcome = quality.validate("prices_daily", broken, today=date(2024, 6, 28))
    assert not outcome.success
    assert {(o.expectation, o.column, o.unexpected_count) for o in outcome.failed} == {
        ("expect_compound_columns_to_be_unique", None, 2),  # both copies of 21 June
        ("expect_column_values_to_be_in_set", "close_basis", 1),
    }
    # The examples reach Dagster metadata as JSON: dates as ISO text, not pandas Timestamps.
    examples = orjson.dumps([o.partial_unexpected for o in outcome.failed]).decode()
    assert "2024-06-21" in examples and "dividend_adjusted" in examples
    # "The future" depends on the day asked about (price events have no row rule for it); a suite built
    # for one day is not reused for another.
    event = pa.Table.from_pylist(
        [{"symbol": "MSFT.US", "date": date(2024, 7, 1), "kind": "dividend", "dividend": 0.75}],
        schema=arrow_schema("price_events", with_lineage=True),
    ).to_pandas()
    assert not quality.validate("price_events", event, today=date(2024, 6, 28)).success
    assert quality.validate("price_events", event, today=date(2024, 7, 1)).success


def test_the_window_loader_quarantines_the_same_rows(home):
    home.land_universe()
    entry = home.land("prices", "eod/MSFT.US", (BAD / "prices" / "MSFT.US_bad_rows.csv").read_bytes())
    report = load_window(
        home.con, home.zone, [entry], prices.parse, "prices_daily",
        entity_column="symbol", date_column="date", start=date(2024, 6, 24), end=date(2024, 6, 30), run_id=RUN,
    )  # fmt: skip
    assert (report.rows, report.quarantined) == ({"prices_daily": 1}, {"prices_daily": 4})
    assert home.rows("SELECT date FROM raw.prices_daily") == [(date(2024, 6, 24),)]
    # Reloading the window replaces its quarantined rows too, never adds to them.
    load_window(
        home.con, home.zone, [entry], prices.parse, "prices_daily",
        entity_column="symbol", date_column="date", start=date(2024, 6, 24), end=date(2024, 6, 30), run_id=RUN,
    )  # fmt: skip
    assert home.rows("SELECT count(*) FROM quarantine.prices_daily") == [(4,)]


def test_zero_negative_and_future_fx_rates_are_quarantined(home):
    entry = home.land("fx", "fred/DEXCHUS", (BAD / "fx" / "DEXCHUS_bad_rows.csv").read_bytes())
    report = home.load(fx)
    assert home.quarantined("fx_rates") == [
        ("fred/DEXCHUS", entry.path, RUN, "date 2024-07-01 is after the file was fetched (2024-06-28)"),
        ("fred/DEXCHUS", entry.path, RUN, "rate -7.25 <= 0"),
        ("fred/DEXCHUS", entry.path, RUN, "rate 0.0 <= 0"),
    ]
    # A day without an observation is not an error: it stays, as null, for int_fx_daily to fill.
    assert home.rows("SELECT date, value FROM raw.fx_rates ORDER BY date") == [
        (date(2024, 6, 24), 7.25),
        (date(2024, 6, 27), None),
        (date(2024, 6, 28), 7.26),
    ]
    assert report.quarantined == {"fx_rates": 3}


def test_split_with_a_zero_ratio_is_quarantined(home):
    home.land_universe()
    body = b'[{"date":"2014-05-15","split":"5.000000/1.000000"},{"date":"2015-05-15","split":"0.000000/1.000000"}]'
    entry = home.land("prices", "splits/0700.HK", body)
    home.load(prices)
    assert home.quarantined("price_events") == [
        ("splits/0700.HK", entry.path, RUN, "split 0.0/1.0 is not a ratio of two positive numbers")
    ]
    assert home.rows("SELECT date, split_to FROM raw.price_events") == [(date(2014, 5, 15), 5.0)]


# -- 11-13, 15: SEC facts in the wrong unit, without one, with a reversed period, filed later -----


@pytest.fixture
def bad_facts(home):
    home.land_universe()
    entry = home.land(
        "sec", f"companyfacts/CIK{MSFT_CIK}", (BAD / "sec" / f"CIK{MSFT_CIK}_bad_facts.json").read_bytes()
    )
    return home, entry, home.load(sec)


def test_shares_reported_as_usd_are_quarantined(bad_facts):
    home, entry, _ = bad_facts
    assert home.quarantined("sec_companyfacts", "concept = 'EntityCommonStockSharesOutstanding'") == [
        ("companyfacts/CIK0000789019", entry.path, RUN,
         "dei:EntityCommonStockSharesOutstanding is a share count, reported in USD (a currency)"),
    ]  # fmt: skip
    # the same concept in 'shares' loads
    assert home.rows(
        "SELECT unit, value FROM raw.sec_companyfacts WHERE concept = 'EntityCommonStockSharesOutstanding'"
    ) == [("shares", 7_000_000_000.0)]


def test_money_reported_in_shares_is_quarantined(bad_facts):
    home, entry, _ = bad_facts
    assert home.quarantined("sec_companyfacts", "unit = 'shares'") == [
        (
            "companyfacts/CIK0000789019",
            entry.path,
            RUN,
            "us-gaap:Revenues is an amount of money, reported in shares",
        )
    ]


def test_fact_without_unit_is_quarantined(bad_facts):
    home, entry, _ = bad_facts
    assert home.quarantined("sec_companyfacts", "concept = 'OperatingIncomeLoss'") == [
        ("companyfacts/CIK0000789019", entry.path, RUN, "us-gaap:OperatingIncomeLoss has no unit")
    ]


def test_fiscal_period_that_ends_before_it_starts_is_quarantined(bad_facts):
    home, entry, _ = bad_facts
    assert home.quarantined("sec_companyfacts", "period_end < period_start") == [
        (
            "companyfacts/CIK0000789019",
            entry.path,
            RUN,
            "fiscal period ends 2022-07-01 before it starts 2023-06-30",
        )
    ]


def test_fact_filed_after_the_fetch_is_quarantined(bad_facts):
    home, entry, _ = bad_facts
    assert home.quarantined("sec_companyfacts", "filed_date > '2024-06-28'") == [
        (
            "companyfacts/CIK0000789019",
            entry.path,
            RUN,
            "filed date 2024-07-30 is after the file was fetched (2024-06-28)",
        )
    ]


def test_only_the_good_facts_reach_raw(bad_facts):
    home, _, report = bad_facts
    assert home.rows(
        "SELECT concept, unit, value, accession_number FROM raw.sec_companyfacts ORDER BY concept, filed_date"
    ) == [
        ("EntityCommonStockSharesOutstanding", "shares", 7e9, "0000000001-23-000001"),
        ("NetIncomeLoss", "USD", 70e9, "0000000001-23-000001"),
        ("NetIncomeLoss", "USD", -70e9, "0000000001-24-000004"),
        ("Revenues", "USD", 200e9, "0000000001-23-000001"),
    ]
    assert (report.rows["sec_companyfacts"], report.quarantined["sec_companyfacts"]) == (4, 5)


# -- 14: a restatement that changes sign --------------------------------------------------------


def test_restatement_that_changes_sign_is_kept_and_flagged(bad_facts):
    home, entry, _ = bad_facts
    # Both versions are in raw (amendments add versions, they never overwrite) ...
    assert home.rows("SELECT value FROM raw.sec_companyfacts WHERE concept = 'NetIncomeLoss' ORDER BY filed_date") == [
        (70e9,), (-70e9,)
    ]  # fmt: skip
    # ... and the warn-level dbt test lists the flip. It runs here on a fct_fundamentals built by hand
    # from those raw rows, plus a restatement of revenue that keeps its sign (not flagged).
    home.con.execute(
        """
        CREATE TABLE fct_fundamentals AS
        SELECT 'MSFT' AS ticker, 'net_income' AS metric, 'fiscal_year' AS period_kind, 2023 AS fiscal_year,
               'FY' AS fiscal_period, period_start, period_end, unit AS currency, value, accession_number,
               filed_date, false AS is_derived, source_file
        FROM raw.sec_companyfacts WHERE concept = 'NetIncomeLoss'
        UNION ALL
        SELECT 'MSFT', 'revenue', 'fiscal_year', 2023, 'FY', DATE '2022-07-01', DATE '2023-06-30', 'USD', v,
               accn, filed, false, 'x' FROM (VALUES (200e9, 'r1', DATE '2023-07-27'), (201e9, 'r2', DATE '2024-07-30')) t(v, accn, filed)
        """
    )
    sql = render(
        DBT / "tests" / "quality" / "restatement_changes_sign.sql", {"fct_fundamentals": "fct_fundamentals"}
    )
    flagged = home.con.execute(sql).fetchall()
    columns = [d[0] for d in home.con.description]
    assert [dict(zip(columns, row, strict=True)) for row in flagged] == [
        {
            "ticker": "MSFT", "metric": "net_income", "fiscal_year": 2023, "fiscal_period": "FY",
            "period_start": date(2022, 7, 1), "period_end": date(2023, 6, 30), "currency": "USD",
            "previous_value": 70e9, "previous_accession_number": "0000000001-23-000001",
            "previous_filed_date": date(2023, 7, 27), "value": -70e9,
            "accession_number": "0000000001-24-000004", "filed_date": date(2024, 1, 30),
            "is_derived": False, "source_file": entry.path,
        }
    ]  # fmt: skip
    assert "severity='warn'" in (DBT / "tests" / "quality" / "restatement_changes_sign.sql").read_text()


# -- 12, 13 and more: curated HKEX figures ------------------------------------------------------


def test_hkex_figures_missing_currency_reversed_unknown_or_in_the_wrong_unit_are_quarantined(home):
    home.land_universe()
    entry = home.land("hkex", "hkex/tencent_annual", (BAD / "hkex" / "hkex_bad_rows.csv").read_bytes())
    report = home.load(hkex)
    reasons = [r for *_, r in home.quarantined("hkex_fundamentals")]
    assert reasons == [
        "cash reported in shares",
        "fiscal period ends 2023-01-01 before it starts 2023-12-31",
        "net_income 2023 has no currency",
        "shares_outstanding reported in CNY",
        "ticker 9988.HK is not in the universe",
        "unknown metric ebitda",
    ]
    assert {sf for _, sf, _, _ in home.quarantined("hkex_fundamentals")} == {entry.path}
    assert home.rows("SELECT ticker, metric, value FROM raw.hkex_fundamentals") == [
        ("0700.HK", "revenue", 600e9)
    ]
    assert report.quarantined == {"hkex_fundamentals": 6}


# -- 16: an FX gap longer than the fill limit ---------------------------------------------------


def test_fx_gap_longer_than_the_fill_limit_leaves_the_rate_null(home):
    home.land("fx", "fred/DEXCHUS", (BAD / "fx" / "DEXCHUS_long_gap.csv").read_bytes())
    report = home.load(fx)
    # Empty observations are not bad rows: all 9 days reach raw, 6 of them without a value.
    assert (report.rows, report.quarantined) == ({"fx_rates": 9}, {"fx_rates": 0})
    assert home.rows("SELECT count(*), count(value) FROM raw.fx_rates") == [(9, 2)]
    # The dbt models as written, on this raw table: the Friday 7.2 is carried through Fri 03-08
    # (5 business days), then the rate is null until the next observation on Wed 03-13.
    con = home.con
    con.execute("CREATE SCHEMA staging")
    con.execute(
        "CREATE VIEW staging.stg_fx__rates AS "
        # the seed of FRED series and their quote directions, read as dbt seeds it
        + render(
            DBT / "models" / "staging" / "fx" / "stg_fx__rates.sql",
            {"fx_series": f"read_csv('{DBT / 'seeds' / 'fx_series.csv'}', all_varchar = true)"},
        )
    )
    int_fx = render(
        DBT / "models" / "intermediate" / "market" / "int_fx_daily.sql",
        {"stg_fx__rates": "staging.stg_fx__rates"},
    )
    rows = con.execute(
        f"SELECT date, units_per_usd, is_filled FROM ({int_fx}) WHERE currency = 'CNY' "
        "AND date BETWEEN '2024-03-08' AND '2024-03-13' ORDER BY date"
    ).fetchall()
    assert rows == [
        (date(2024, 3, 8), 7.2, True),
        (date(2024, 3, 9), 7.2, True),
        (date(2024, 3, 10), 7.2, True),
        (date(2024, 3, 11), None, False),
        (date(2024, 3, 12), None, False),
        (date(2024, 3, 13), 7.1, False),
    ]


# -- 17: a Federal Register document without a document number ----------------------------------


def test_federal_register_page_with_a_document_without_number_is_refused(home):
    good = home.land("fedreg", "documents/page-0001", FEDREG_PAGE)
    home.load(fedreg)
    bad = home.land(
        "fedreg", "documents/page-0001", (BAD / "fedreg" / "documents-page-without-number.json").read_bytes()
    )
    report = home.load(fedreg)
    assert_file_refused(home, bad, report, reason_contains=["results[1] has no document_number"])
    # The page as it was before stays: documents are cited by number, one without it cannot be.
    assert home.rows("SELECT DISTINCT source_file FROM raw.federal_register_documents") == [(good.path,)]
    assert home.rows("SELECT count(*) FROM raw.federal_register_documents") == [(2,)]


def test_document_without_number_a_parser_let_through_is_quarantined(home):
    def parse_without_number(entry, body):
        page = fedreg.parse(entry, body)["federal_register_documents"]
        numbers = pa.array([page["document_number"][0].as_py(), None], pa.string())
        return {"federal_register_documents": page.set_column(0, "document_number", numbers)}

    entry = home.land("fedreg", "documents/page-0001", FEDREG_PAGE)
    home.load(fedreg, parse=parse_without_number)
    assert home.quarantined("federal_register_documents") == [
        ("documents/page-0001", entry.path, RUN, "no document number")
    ]
    assert home.rows(
        "SELECT count(*) FROM raw.federal_register_documents WHERE document_number IS NOT NULL"
    ) == [(1,)]


# -- 18-19: a 429 storm, a 500 that never recovers -----------------------------------------------


def sec_settings(tmp_path: Path, server: ReplayServer):
    return load_settings(
        {
            "AIGAP_HOME": str(tmp_path / "home"),
            "AIGAP_SOURCE": "sample",
            "AIGAP_SOURCE_FILINGS": "live",
            "AIGAP_SEC_BASE_URL": server.url,
            "SEC_USER_AGENT": "aigap tests aigap-tests@example.com",
        }
    )


MSFT_LISTING = Listing(
    "MSFT", "Microsoft", "company", "US", "US", MSFT_CIK, "NASDAQ", "USD", "USD", 6, "MSFT.US", "sec"
)
FACTS_PATH = f"/api/xbrl/companyfacts/CIK{MSFT_CIK}.json"
SUBMISSIONS_PATH = f"/submissions/CIK{MSFT_CIK}.json"
SUBMISSIONS = (FIXTURES / "sec" / "submissions" / f"CIK{MSFT_CIK}.json").read_bytes()


def test_429_storm_ends_in_a_clear_error_after_the_retries(tmp_path):
    routes = {FACTS_PATH: Reply(429, b"Too Many Requests"), SUBMISSIONS_PATH: Reply(200, SUBMISSIONS, JSON)}
    with ReplayServer(routes) as server:
        settings = sec_settings(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        with pytest.raises(SourceFetchError) as err:
            sec.land_live(settings, zone, [MSFT_LISTING], retries=3, backoff=0.001)
    assert f"{server.url}{FACTS_PATH}: HTTP 429" in str(err.value)
    assert len(server.requests_for(FACTS_PATH)) == 4  # the first try and 3 retries, then it stops
    # The 429 answer is kept for inspection but is never a document to load; the other one loads.
    assert sorted((e.key, e.status) for e in zone.manifest("sec")) == [
        (f"companyfacts/CIK{MSFT_CIK}", 429),
        (f"submissions/CIK{MSFT_CIK}", 200),
    ]
    con = duckdb.connect(str(settings.db_path))
    report = load_landed(con, zone, sec.SOURCE, sec.parse, sec.RAW_TABLES, run_id=RUN)
    assert report.loaded == [f"submissions/CIK{MSFT_CIK}"]
    assert con.execute("SELECT count(*) FROM raw.sec_companyfacts").fetchone() == (0,)


def test_500_that_never_recovers_ends_in_a_clear_error_and_raw_keeps_what_it_had(tmp_path):
    api = "/api/v1/documents.json"
    last_page = orjson.loads(FEDREG_PAGE) | {"next_page_url": None}  # one page, then paging ends
    with ReplayServer({api: Reply(200, orjson.dumps(last_page), JSON)}) as server:
        settings = load_settings(
            {
                "AIGAP_HOME": str(tmp_path / "home"),
                "AIGAP_SOURCE_FEDREG": "live",
                "AIGAP_FEDREG_BASE_URL": server.url,
            }
        )
        zone = LandingZone(settings.landing_dir)
        fedreg.land_live(settings, zone, [])
        con = duckdb.connect(str(settings.db_path))
        load_landed(con, zone, fedreg.SOURCE, fedreg.parse, fedreg.RAW_TABLES)
        server.route(api, Reply(500, b"<html>Internal Server Error</html>"))
        with pytest.raises(SourceFetchError) as err:
            fedreg.land_live(settings, zone, [], retries=2, backoff=0.001)
    assert f"{server.url}{api}" in str(err.value) and "HTTP 500" in str(err.value)
    assert len(server.requests) == 1 + 3  # the good run, then the first try and 2 retries
    again = load_landed(con, zone, fedreg.SOURCE, fedreg.parse, fedreg.RAW_TABLES)
    assert (again.loaded, again.unchanged) == ([], ["documents/page-0001"])
    assert con.execute("SELECT count(*) FROM raw.federal_register_documents").fetchone() == (2,)


# -- 20: a universe with an SQL fragment or a path as ticker --------------------------------------


def test_universe_with_an_sql_fragment_as_ticker_is_refused_never_executed(home):
    home.land_universe()
    sql_universe = FIXTURES / "universe" / "universe_sql_ticker.csv"
    hostile = home.land_universe(sql_universe.read_bytes(), path=sql_universe, load=False)
    report = home.load(UNIVERSE)
    reason = assert_file_refused(
        home, hostile, report, reason_contains=[f"{sql_universe}, line 4, column ticker"]
    )
    assert "X'; DROP TABLE raw.universe; --" in reason
    # Nothing was executed: raw.universe is there, with the last good universe.
    assert home.rows("SELECT ticker FROM raw.universe ORDER BY ticker") == [("0700.HK",), ("MSFT",)]
    # The row rules keep judging prices against the last universe that parsed.
    home.land("prices", "eod/MSFT.US", MSFT_EOD)
    assert home.load(prices).quarantined == {"prices_daily": 0}


def test_universe_with_a_path_as_ticker_is_refused_before_any_other_source_lands(tmp_path):
    path_universe = FIXTURES / "universe" / "universe_path_ticker.csv"
    settings = load_settings(
        {
            "AIGAP_HOME": str(tmp_path / "home"),
            "AIGAP_UNIVERSE": str(path_universe),
            "AIGAP_SAMPLE_DIR": str(tmp_path / "sample"),
        }
    )
    # A run lands the universe first and loads it: the loader refuses it, naming the user's file.
    universe = SOURCES["universe"]
    zone = LandingZone(settings.landing_dir)
    (entry,) = universe.land(settings, zone, [])
    con = duckdb.connect(str(settings.db_path))
    report = universe.load(con, zone, settings, [])
    ((path, reason),) = report.rejected
    assert path == entry.path
    assert f"{path_universe}, line 3, column ticker: '../../etc/passwd'" in reason
    # Every other source reads its listings from raw.universe, which holds none: nothing else lands.
    with pytest.raises(UniverseError, match="raw.universe is empty"):
        loaded_listings(con)
    assert sorted(p.name for p in settings.landing_dir.iterdir() if not p.name.startswith("_")) == [
        "universe"
    ]


# -- 21: a landing file changed on disk after its manifest was written ----------------------------


def test_landing_file_changed_on_disk_is_detected_and_refused(home):
    entry = home.land("fx", "fred/DEXCHUS", DEXCHUS)
    path = home.zone.path_of(entry)
    os.chmod(path, 0o644)
    path.write_bytes(DEXCHUS.replace(b"6.9177", b"9.9177"))  # one rate edited by hand
    report = home.load(fx)
    reason = assert_file_refused(home, entry, report, reason_contains=["bytes changed on disk after landing"])
    assert re.search(rf"manifest sha256 {entry.sha256[:12]}", reason)
    assert home.rows("SELECT count(*) FROM raw.fx_rates") == [(0,)]
    assert b"9.9177" in path.read_bytes()  # left as it is, for inspection


def test_landing_file_missing_on_disk_is_detected_and_refused(home):
    entry = home.land("fx", "fred/DEXCHUS", DEXCHUS)
    home.zone.path_of(entry).unlink()
    report = home.load(fx)
    assert_file_refused(home, entry, report, reason_contains=["landed file is missing", "fred/DEXCHUS"])


# -- the rule constants are read from the dbt project's concept map --------------------------------


def test_monetary_concepts_cover_every_money_concept_of_the_concept_map():
    assert "TechnologyAndContentExpense" in row_rules.MONETARY_CONCEPTS  # an extension concept is money too
    with open(DBT / "seeds" / "concept_map.csv", newline="") as fh:
        seed = list(csv.DictReader(fh))
    money = {r["concept"] for r in seed if r["taxonomy"] == "us-gaap" and r["metric"] != "shares_outstanding"}
    assert money and money <= set(row_rules.MONETARY_CONCEPTS)
    shares = {r["concept"] for r in seed if r["metric"] == "shares_outstanding"}
    assert all(re.search(row_rules.SHARE_COUNT_PATTERN, c) for c in shares)
    assert sorted(row_rules.METRICS) == sorted({r["metric"] for r in seed})


def test_every_raw_table_has_a_quarantine_table_with_the_raw_columns_and_three_more(home):
    home.load(fx)  # creates the schemas
    for table in row_rules.RULES:
        raw = [
            c
            for (c,) in home.rows(
                f"SELECT column_name FROM duckdb_columns() WHERE schema_name='raw' AND table_name='{table}'"
            )
        ]
        kept = [
            c
            for (c,) in home.rows(
                f"SELECT column_name FROM duckdb_columns() WHERE schema_name='quarantine' AND table_name='{table}'"
            )
        ]
        assert kept == [*raw, "reason", "run_id", "quarantined_at"]


def test_a_row_breaking_two_rules_gives_both_reasons(home):
    body = b"Date,Open,High,Low,Close,Adjusted_close,Volume\n2024-07-02,10,9,11,-1,-1,5\n"
    home.land("prices", "eod/MSFT.US", body)
    home.load(prices)
    assert home.rows("SELECT reason FROM quarantine.prices_daily") == [
        ("price <= 0 (open 10.0, high 9.0, low 11.0, close -1.0); high 9.0 < low 11.0; "
         "date 2024-07-02 is after the file was fetched (2024-06-28)",)
    ]  # fmt: skip
