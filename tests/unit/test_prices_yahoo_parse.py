"""Yahoo chart parser on the REAL recorded answers in ../shared/realdata/yahoo (see its SOURCES.md).

Expected values are read off the recordings by hand (the bars' epoch stamps, Yahoo's closes) or are
public prints (AAPL's last pre-split close 499.23 on 2020-08-28; NVDA's 529 on 2021-02-01).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ingestion.config import REPO_ROOT
from ingestion.errors import BadSourceFile
from ingestion.landing import LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources import eodhd, prices, yahoo

REALDATA = REPO_ROOT.parent / "shared" / "realdata" / "yahoo"
SAMPLE = REPO_ROOT / "data" / "sample" / "prices"


def recording(name: str) -> bytes:
    """The chart body of a recording: raw wire bytes, or the bodyJson of a request/response record."""
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"../shared/realdata absent: {path} (real Yahoo recordings, see realdata/README.md)")
    data = path.read_bytes()
    record = json.loads(data)
    return json.dumps(record["response"]["bodyJson"]).encode() if "response" in record else data


AAPL = "yahoo-finance2_chart-AAPL-2020-08-31-to-2020-11-07.json"
NVDA = "yahoo-finance2_historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json"
HK = "curb_0700.HK.1y.json"
MSFT = "yfinance-rs_history_chart_MSFT.json"


def land(tmp_path: Path, key: str, body: bytes, fetched_at: str | None = None):
    entry = LandingZone(tmp_path / "landing").land("prices", key, body, url="test://", suffix=".json")
    return replace(entry, fetched_at=fetched_at) if fetched_at else entry


def bars(tmp_path, key, body, fetched_at=None) -> list[dict]:
    entry = land(tmp_path, key, body, fetched_at)
    table = prices.parse(entry, body)["prices_daily"]
    assert table.schema == arrow_schema("prices_daily")
    return table.to_pylist()


def events(tmp_path, key, body) -> list[dict]:
    entry = land(tmp_path, key, body)
    return prices.parse(entry, body)["price_events"].to_pylist()


def test_symbols_map_from_the_universe_in_one_place():
    assert [yahoo.yahoo_symbol(s) for s in ("MSFT.US", "BABA.US", "0700.HK", "2800.HK")] == [
        "MSFT", "BABA", "0700.HK", "2800.HK",
    ]  # fmt: skip


def test_aapl_split_day_is_already_on_the_new_basis(tmp_path):
    body = recording(AAPL)
    rows = bars(tmp_path, "chart/AAPL.US/2020-08-31_2020-11-06", body)
    assert len(rows) == 49
    first = rows[0]
    # 2020-08-31 09:30 EDT = 1598880600: the split day's bar is the real print, not divided again
    assert (first["date"], first["close"]) == (date(2020, 8, 31), pytest.approx(129.04, abs=1e-4))
    assert {r["close_basis"] for r in rows} == {"split_adjusted"}
    assert rows[-1]["date"] == date(2020, 11, 6)
    # chartPreviousClose is the 2020-08-28 close divided by the 4:1 split: 124.808 * 4 = 499.23
    meta = json.loads(body)["chart"]["result"][0]["meta"]
    assert meta["chartPreviousClose"] * 4 == pytest.approx(499.23, abs=0.005)
    assert events(tmp_path, "events/AAPL.US", body) == [
        {"symbol": "AAPL.US", "date": date(2020, 8, 31), "kind": "split",
         "split_from": 1.0, "split_to": 4.0, "dividend": None},
        {"symbol": "AAPL.US", "date": date(2020, 11, 6), "kind": "dividend",
         "split_from": None, "split_to": None, "dividend": 0.205},
    ]  # fmt: skip


def test_nvda_closes_carry_a_split_their_events_do_not_list(tmp_path):
    body = recording(NVDA)
    rows = bars(tmp_path, "chart/NVDA.US/2021-02-01_2022-01-31", body)
    assert (len(rows), rows[0]["date"], rows[-1]["date"]) == (252, date(2021, 2, 1), date(2022, 1, 28))
    close = rows[0]["close"]
    assert close == pytest.approx(13.237, abs=1e-3)
    # only the 2021 split is in the answer's events ...
    assert [(e["date"], e["split_to"]) for e in events(tmp_path, "events/NVDA.US", body)] == [
        (date(2021, 7, 20), 4.0)
    ]
    # ... so that split alone leaves the close 10x too low: the 2024 10:1 split must be asked for too
    assert 50 < close * 4 < 60
    assert close * 4 * 10 == pytest.approx(529, abs=1.0)


def test_hong_kong_bars_fall_on_hong_kong_days_whatever_gmtoffset_says(tmp_path):
    body = recording(HK)
    rows = bars(tmp_path, "chart/0700.HK/2025-09-24_2026-09-24", body, "2026-09-25T00:00:00+00:00")
    days = [r["date"] for r in rows]
    assert (len(days), days[0], days[-1]) == (246, date(2025, 9, 24), date(2026, 9, 24))
    assert len(set(days)) == len(days) and all(d.weekday() < 5 for d in days)
    # Hong Kong holidays are absent, US-only holidays are trading days
    assert {date(2025, 10, 1), date(2025, 10, 7), date(2025, 10, 29), date(2025, 12, 25)}.isdisjoint(days)
    assert {date(2025, 11, 27), date(2026, 1, 19)} <= set(days)  # Thanksgiving, MLK day
    # gmtoffset is the fetch day's offset and is never used: a wrong one changes nothing
    data = json.loads(body)
    data["chart"]["result"][0]["meta"]["gmtoffset"] = -36000
    again = bars(tmp_path, "chart/0700.HK/x", json.dumps(data).encode(), "2026-09-25T00:00:00+00:00")
    assert [r["date"] for r in again] == days
    # the half-day placeholders reach the row rules (placeholder_bar), flat and without volume
    flat = [r["date"] for r in rows if r["volume"] == 0 and r["open"] == r["high"] == r["low"] == r["close"]]
    assert flat == [date(2025, 12, 24), date(2025, 12, 31), date(2026, 2, 16)]
    assert events(tmp_path, "events/0700.HK", body) == []  # the recording asked no events


def test_todays_bar_is_not_final(tmp_path):
    body = recording(MSFT)
    # the last bar is stamped with the last trade, 2025-10-29 16:00:01 EDT (20:00:01 UTC)
    during = bars(tmp_path, "chart/MSFT.US/a", body, "2025-10-29T20:30:00+00:00")
    after = bars(tmp_path, "chart/MSFT.US/a", body, "2025-10-30T04:30:00+00:00")  # 00:30 in New York
    assert (len(during), len(after)) == (126, 127)
    assert (during[-1]["date"], after[-1]["date"]) == (date(2025, 10, 28), date(2025, 10, 29))
    assert after[-1]["close"] == pytest.approx(541.55, abs=1e-3)
    assert [(e["date"], e["dividend"]) for e in events(tmp_path, "events/MSFT.US", body)] == [
        (date(2025, 5, 15), 0.83),
        (date(2025, 8, 21), 0.83),
    ]


def test_null_values(tmp_path):
    data = json.loads(recording(MSFT))
    quote = data["chart"]["result"][0]["indicators"]["quote"][0]
    for name in quote:
        quote[name][3] = None  # no value at all: not a bar
    quote["close"][5] = None  # a bar without its close: kept, for the row rule to quarantine
    rows = bars(tmp_path, "chart/MSFT.US/a", json.dumps(data).encode(), "2026-01-01T00:00:00+00:00")
    assert len(rows) == 126
    assert date(2025, 5, 5) not in [r["date"] for r in rows]  # the 4th timestamp, 2025-05-05
    missing = [r for r in rows if r["close"] is None]
    assert [(r["date"], r["open"] is not None) for r in missing] == [(date(2025, 5, 7), True)]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["chart"]["result"][0]["indicators"].update(quote=[{}]), "empty indicators.quote"),
        (lambda d: d["chart"]["result"][0]["indicators"]["quote"][0]["close"].pop(), "has 126 values for 127"),
        (lambda d: d["chart"]["result"][0]["meta"].update(symbol="AAPL"), "answer for symbol 'AAPL'"),
        (lambda d: d["chart"]["result"][0]["meta"].update(exchangeTimezoneName="Mars/Base"), "not a time zone"),
        (lambda d: d.update(chart={"result": None, "error": {"code": "Not Found",
         "description": "No data found, symbol may be delisted"}}), "Yahoo answered an error for MSFT.US"),
    ],
)  # fmt: skip
def test_answers_that_are_not_bars_are_refused(tmp_path, change, reason):
    data = json.loads(recording(MSFT))
    change(data)
    with pytest.raises(BadSourceFile, match=reason):
        bars(tmp_path, "chart/MSFT.US/a", json.dumps(data).encode())


def test_an_html_page_is_refused(tmp_path):
    page = b"<!DOCTYPE html><html><head><title>Yahoo</title></head><body>Oops</body></html>"
    with pytest.raises(BadSourceFile, match="an HTML/XML page, expected Yahoo chart JSON"):
        bars(tmp_path, "chart/MSFT.US/a", page)


def test_a_window_without_trading_has_no_bars(tmp_path):
    # Yahoo's answer for a window with no session: meta, no timestamp, an empty quote
    data = json.loads(recording(MSFT))
    result = data["chart"]["result"][0]
    del result["timestamp"], result["events"]
    result["indicators"] = {"quote": [{}], "adjclose": [{}]}
    assert bars(tmp_path, "chart/MSFT.US/a", json.dumps(data).encode()) == []


def test_yahoo_sample_times_later_splits_is_the_eodhd_sample(tmp_path):
    """The bundled Yahoo-format sample: split-adjusted closes that the splits turn into EODHD's closes."""
    found = {}
    for symbol in ("GOOGL.US", "0700.HK"):
        body = (SAMPLE / "chart" / f"{symbol}.json").read_bytes()
        assert b"SYNTHETIC sample" in body
        entry = land(tmp_path, f"chart/{symbol}", body)
        yahoo_rows = prices.parse(entry, body)["prices_daily"].to_pylist()
        splits = [e for e in events(tmp_path, f"events/{symbol}", body) if e["kind"] == "split"]
        found[symbol] = [(s["date"], s["split_to"] / s["split_from"]) for s in splits]
        eod = (SAMPLE / "eod" / f"{symbol}.csv").read_bytes()
        eod_rows = eodhd.parse_eod_csv(eod, "eod", symbol).to_pylist()
        assert [r["date"] for r in yahoo_rows] == [r["date"] for r in eod_rows]
        for y, e in zip(yahoo_rows, eod_rows, strict=True):
            factor = 1.0
            for split in splits:
                if split["date"] > y["date"]:
                    factor *= split["split_to"] / split["split_from"]
            assert y["close"] * factor == pytest.approx(e["close"], rel=1e-9)
    # GOOGL's 20:1 split of 2022-07-18 is in the sample's events; so its older closes were x20
    assert found == {"GOOGL.US": [(date(2022, 7, 18), 20.0)], "0700.HK": []}


def test_an_answer_is_up_to_date_until_a_weekday_passes_on_the_exchanges_clock(tmp_path):
    """An answer keeps the bars of the days before its fetch day (exchange's clock): it is up to date until
    a weekday lies between its fetch day and today, and the answer's own time zone decides."""
    from datetime import UTC, datetime

    from ingestion.landing import LandingZone
    from ingestion.sources import yahoo

    zone = LandingZone(tmp_path)

    def landed(tz: str, fetched: str):
        body = json.dumps({"chart": {"result": [{"meta": {"symbol": "X", "exchangeTimezoneName": tz}}]}})
        return zone.land("prices", "chart/X.US/a_b", body.encode(), url="test://", fetched_at=fetched)

    friday = landed("America/New_York", "2026-12-04T22:00:00+00:00")  # Friday 17:00 in New York
    assert yahoo.up_to_date(zone, friday, datetime(2026, 12, 4, 23, tzinfo=UTC))  # Friday 18:00 NY
    # Saturday: Friday's bar, not final at the fetch, now is: ask again
    assert not yahoo.up_to_date(zone, friday, datetime(2026, 12, 5, 12, tzinfo=UTC))
    saturday = landed("America/New_York", "2026-12-05T15:00:00+00:00")  # Saturday 10:00 in New York
    assert yahoo.up_to_date(zone, saturday, datetime(2026, 12, 7, 4, tzinfo=UTC))  # Sunday 23:00 NY
    # Monday 23:00 NY: Monday's bar is not final before Monday is over, so nothing new yet
    assert yahoo.up_to_date(zone, saturday, datetime(2026, 12, 8, 4, tzinfo=UTC))
    assert not yahoo.up_to_date(zone, saturday, datetime(2026, 12, 8, 6, tzinfo=UTC))  # Tuesday 01:00 NY
    # the same instant is Saturday 06:00 in Hong Kong: Friday's HK bar was final at that fetch
    hk = landed("Asia/Hong_Kong", "2026-12-04T22:00:00+00:00")
    assert yahoo.up_to_date(zone, hk, datetime(2026, 12, 7, 15, tzinfo=UTC))  # Monday 23:00 HK
    assert not yahoo.up_to_date(zone, hk, datetime(2026, 12, 7, 17, tzinfo=UTC))  # Tuesday 01:00 HK
    # a sample file never stands in for a live answer; nor an answer older than a week
    sample = zone.land("prices", "chart/X.US/a_b", b"{}", url="sample://", is_sample=True)
    assert not yahoo.up_to_date(zone, sample, datetime(2026, 12, 5, tzinfo=UTC))
    assert not yahoo.up_to_date(zone, saturday, datetime(2026, 12, 20, 4, tzinfo=UTC))
