"""EODHD parsers: bars, splits and dividends typed as delivered; files that are not the format refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingestion.errors import BadSourceFile
from ingestion.landing import LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources import prices

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "prices"
EOD_HEADER = b"Date,Open,High,Low,Close,Adjusted_close,Volume\n"


def parse(tmp_path: Path, key: str, body: bytes) -> dict:
    entry = LandingZone(tmp_path / "landing").land("prices", key, body, url="test://", suffix=".dat")
    return prices.parse(entry, body)


def test_eod_csv_rows_typed_as_delivered(tmp_path):
    table = parse(tmp_path, "eod/MSFT.US", (FIXTURES / "eod" / "MSFT.US.csv").read_bytes())["prices_daily"]
    assert table.schema == arrow_schema("prices_daily")
    rows = table.to_pylist()
    assert [r["date"] for r in rows] == [date(2023, 1, 3), date(2023, 1, 4), date(2023, 1, 5)]
    assert {r["symbol"] for r in rows} == {"MSFT.US"}
    # the second line of the fixture, field by field
    assert rows[1] == {
        "symbol": "MSFT.US",
        "date": date(2023, 1, 4),
        "open": 232.28,
        "high": 232.87,
        "low": 225.955,
        "close": 229.10,
        "adjusted_close": 224.953,
        "volume": 50623400.0,
        "close_basis": "unadjusted",
    }
    assert [r["close"] for r in rows] == [239.58, 229.10, 222.31]
    assert sum(r["volume"] for r in rows) == 25740000 + 50623400 + 39585600


def test_eod_odd_rows_reach_raw_as_delivered(tmp_path):
    # Negative prices and high < low are data-quality findings, not format errors; an empty field is null.
    body = EOD_HEADER + b"2023-01-03,10,9,11,-1.5,-1.5,\n\n"
    (row,) = parse(tmp_path, "eod/X.US", body)["prices_daily"].to_pylist()
    assert (row["high"], row["low"], row["close"], row["volume"]) == (9.0, 11.0, -1.5, None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"  \n", "empty body"),
        (b"<!DOCTYPE html><html><body>Too many requests</body></html>", "HTML"),
        (b'[{"date":"2023-01-03","close":1}]', "header"),
        (b"date,open,high,low,close,adjusted_close,volume\n", "header"),
        (EOD_HEADER + b"2023/01/03,1,1,1,1,1,1\n", "line 2, column Date: '2023/01/03' is not a date"),
        (EOD_HEADER + b"2023-02-30,1,1,1,1,1,1\n", "not a calendar date"),
        (EOD_HEADER + b"2023-01-03,1,1,1,n/a,1,1\n", "line 2, column Close: 'n/a' is not a number"),
        (EOD_HEADER + b"2023-01-03,1,1,1,nan,1,1\n", "column Close: 'nan' is not a number"),
        (EOD_HEADER + b"2023-01-03,1,1,1,1,1\n", "line 2: 6 fields, expected 7"),
        (
            EOD_HEADER + b"2023-01-03,1,1,1,1,1,1\n2023-01-03,2,2,2,2,2,2\n",
            "line 3: X.US has a second row for 2023-01-03",
        ),
        (b"\xff\xfeD\x00a\x00", "not UTF-8"),
    ],
)
def test_eod_rejects_what_is_not_an_eod_csv(tmp_path, body, reason):
    with pytest.raises(BadSourceFile) as info:
        parse(tmp_path, "eod/X.US", body)
    assert reason in info.value.reason
    assert info.value.path.startswith("prices/")  # names the landed file


def test_splits_json_new_over_old(tmp_path):
    table = parse(tmp_path, "splits/GOOGL.US", (FIXTURES / "splits" / "GOOGL.US.json").read_bytes())[
        "price_events"
    ]
    assert table.schema == arrow_schema("price_events")
    assert table.to_pylist() == [
        # "2002.000000/1000.000000": 2002 new shares for 1000 old ones
        {"symbol": "GOOGL.US", "date": date(2014, 3, 27), "kind": "split", "split_from": 1000.0,
         "split_to": 2002.0, "dividend": None},
        {"symbol": "GOOGL.US", "date": date(2022, 7, 18), "kind": "split", "split_from": 1.0,
         "split_to": 20.0, "dividend": None},
    ]  # fmt: skip


def test_no_splits_is_an_empty_table(tmp_path):
    table = parse(tmp_path, "splits/MSFT.US", (FIXTURES / "splits" / "MSFT.US.json").read_bytes())[
        "price_events"
    ]
    assert table.num_rows == 0
    assert table.schema == arrow_schema("price_events")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<html><head><title>Login</title></head></html>", "HTML"),
        (b'{"error":"Unauthenticated"}', "a JSON array of objects"),
        (b"[1, 2]", "a JSON array of objects"),
        (b'[{"date":"2022-07-18","split":"20:1"}]', "item 0, split: '20:1' is not 'new/old'"),
        (b'[{"split":"20/1"}]', "item 0, date: None is not a date"),
        (
            b'[{"date":"2022-07-18","split":"2/1"},{"date":"2022-07-18","split":"3/1"}]',
            "second split on 2022-07-18",
        ),
        (b"[{", "not JSON"),
    ],
)
def test_splits_rejects_what_is_not_splits_json(tmp_path, body, reason):
    with pytest.raises(BadSourceFile) as info:
        parse(tmp_path, "splits/GOOGL.US", body)
    assert reason in info.value.reason


def test_dividends_json_keeps_value(tmp_path):
    table = parse(tmp_path, "div/MSFT.US", (FIXTURES / "div" / "MSFT.US.json").read_bytes())["price_events"]
    rows = table.to_pylist()
    assert [r["date"] for r in rows] == [date(2022, 11, 16), date(2023, 2, 15), date(2023, 5, 17)]
    assert [r["dividend"] for r in rows] == [0.68, 0.68, 0.68]
    assert {(r["kind"], r["split_from"], r["split_to"]) for r in rows} == {("dividend", None, None)}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'[{"date":"2023-02-15","value":"zero"}]', "item 0, value: 'zero' is not a number"),
        (b'[{"date":"2023-02-15","value":true}]', "item 0, value: True is not a number"),
        (b'[{"date":"2023-02-15"}]', "item 0: no 'value'"),
        (b'[{"date":"15.02.2023","value":0.68}]', "item 0, date: '15.02.2023' is not a date"),
    ],
)
def test_dividends_rejects_bad_items(tmp_path, body, reason):
    with pytest.raises(BadSourceFile) as info:
        parse(tmp_path, "div/MSFT.US", body)
    assert reason in info.value.reason


def test_unknown_key_is_refused(tmp_path):
    with pytest.raises(BadSourceFile, match="not one of eod/, splits/, div/"):
        parse(tmp_path, "intraday/MSFT.US", EOD_HEADER)


def test_eodhd_bulk_items_become_bars_of_code_dot_exchange(tmp_path):
    body = (
        b'[{"code":"MSFT","exchange_short_name":"US","date":"2023-01-06","open":223.0,"high":225.76,'
        b'"low":219.35,"close":224.93,"adjusted_close":220.86,"volume":43613600,"prev_close":222.31},'
        b'{"code":"BRK-B","exchange_short_name":"US","date":"2023-01-06","open":"305.1","high":310.0,'
        b'"low":304.0,"close":309.85,"adjusted_close":309.85,"volume":null}]'
    )
    bars = parse(tmp_path, "bulk/US/2023-01-07", body)["prices_daily"].to_pylist()
    assert [(b["symbol"], b["date"], b["open"], b["close"], b["volume"], b["close_basis"]) for b in bars] == [
        ("MSFT.US", date(2023, 1, 6), 223.0, 224.93, 43613600.0, "unadjusted"),
        ("BRK-B.US", date(2023, 1, 6), 305.1, 309.85, None, "unadjusted"),
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'[{"code":"MSFT","date":"2023-01-06","open":1,"high":1,"low":1,"adjusted_close":1,"volume":1}]',
         "item 0: no close"),
        (b'{"error":"Only for paid plans"}', "a JSON array of objects"),
        (b'[{"code":"","date":"2023-01-06","open":1,"high":1,"low":1,"close":1,"adjusted_close":1,"volume":1}]',
         "code '' is not a symbol"),
    ],
)  # fmt: skip
def test_eodhd_bulk_refuses_what_is_not_its_format(tmp_path, body, reason):
    with pytest.raises(BadSourceFile, match=reason):
        parse(tmp_path, "bulk/US/2023-01-07", body)
