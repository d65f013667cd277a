"""The universe and the HKEX figures: landed in every mode, validated before they reach raw."""

from __future__ import annotations

import logging
import shutil
from datetime import date
from pathlib import Path

import pytest

from ingestion.config import load_settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.landing import LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources import hkex
from ingestion.universe import land_universe, parse_universe_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hkex"
UNIVERSE_FIXTURES = FIXTURES.parent / "universe"
HEADER = (
    b"ticker,metric,fiscal_year,fiscal_period,period_start,period_end,value,currency,filed_date,document,page,"
    b"source_url,quoted_text,confidence,note\n"
)
CURATED = Path(__file__).resolve().parents[2] / "ingestion" / "curated" / "hkex_fundamentals.csv"


def land_and_parse(tmp_path: Path, key: str, path: Path) -> dict:
    body = path.read_bytes()
    entry = LandingZone(tmp_path / "landing").land("hkex", key, body, url=path.as_uri(), suffix=".csv")
    return hkex.parse(entry, body)


def test_hkex_rows_typed(tmp_path):
    table = land_and_parse(tmp_path, "hkex/tencent_annual", FIXTURES / "hkex_fundamentals.csv")[
        "hkex_fundamentals"
    ]
    assert table.schema == arrow_schema("hkex_fundamentals")
    rows = table.to_pylist()
    assert len(rows) == 3
    assert rows[0] == {
        "ticker": "0700.HK",
        "metric": "revenue",
        "fiscal_year": 2022,
        "fiscal_period": "FY",
        "period_start": date(2022, 1, 1),
        "period_end": date(2022, 12, 31),
        "value": 554552000000.0,
        "currency": "CNY",
        "filed_date": date(2023, 3, 22),
        "document": "Synthetic test report 2022",
        "page": "10",
        "source_url": None,
        "quoted_text": None,
        "confidence": "official",
        "note": None,
    }
    # an instant: no period start; no page given
    assert (rows[1]["period_start"], rows[1]["page"], rows[1]["currency"]) == (None, None, "shares")
    # read at a URL instead: a secondary figure keeps where it was read and the words quoted there
    assert (rows[1]["source_url"], rows[1]["quoted_text"], rows[1]["confidence"]) == (
        "https://example.test/shares",
        "issued shares 9.567bn",
        "secondary",
    )
    # a restatement is a second version with a later filed_date, not a duplicate
    assert [r["filed_date"] for r in rows if r["metric"] == "revenue"] == [
        date(2023, 3, 22),
        date(2024, 3, 20),
    ]


ROW = b"0700.HK,revenue,2022,FY,2022-01-01,2022-12-31,1,CNY,2023-03-22,doc,1,,,official,\n"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<html></html>", "HTML"),
        (HEADER.replace(b",page", b"") + ROW, "header"),
        (HEADER.replace(b",confidence", b"") + ROW, "header"),
        (HEADER.replace(b"value", b"amount") + ROW, "header"),
        (HEADER + ROW.replace(b",2022,FY", b",FY22,FY"), "line 2, column fiscal_year: 'FY22' is not a year"),
        (
            HEADER + ROW.replace(b"2022-12-31", b"31/12/2022"),
            "line 2, column period_end: '31/12/2022' is not a date",
        ),
        (HEADER + ROW.replace(b",1,CNY", b",1.2bn,CNY"), "line 2, column value: '1.2bn' is not a number"),
        (HEADER + ROW + ROW, "line 3 repeats line 2: 0700.HK/revenue/2022/FY/2023-03-22"),
    ],
)
def test_hkex_rejects_what_is_not_the_format(tmp_path, body, reason):
    entry = LandingZone(tmp_path / "landing").land("hkex", "hkex/tencent_annual", body, url="test://")
    with pytest.raises(BadSourceFile) as info:
        hkex.parse(entry, body)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        # no document at all
        (ROW.replace(b",doc,1,", b",,1,"), "line 2, column document: a figure without its source document"),
        # a document but nothing saying where in it, nor where it was read
        (ROW.replace(b",doc,1,", b",doc,,"), "line 2: neither a page nor a source_url"),
        # a confidence that is neither official nor secondary
        (ROW.replace(b",official,", b",derived,"), "line 2, column confidence: 'derived' is not one of"),
        (ROW.replace(b",official,", b",,"), "line 2, column confidence: '' is not one of"),
        # secondary: the URL and the quoted words must both be there
        (ROW.replace(b",,,official,", b",https://x.test,,secondary,"), "line 2: a secondary figure needs"),
        (ROW.replace(b",,,official,", b",,quoted,secondary,"), "line 2: a secondary figure needs"),
    ],
)
def test_hkex_row_without_source_or_known_confidence_refused_with_file_and_line(tmp_path, row, reason):
    curated = tmp_path / "my_curated.csv"
    curated.write_bytes(HEADER + ROW.replace(b"2022-03-22", b"2022-03-21") + row)
    with pytest.raises(BadSourceFile) as info:
        land_and_parse(tmp_path, "hkex/tencent_annual", curated)
    # the message names the file the user edits, and the line (line 3: the first row is fine)
    assert f"{curated}, {reason.replace('line 2', 'line 3')}" in str(info.value)


def test_curated_tencent_file_is_valid_and_every_row_has_its_source():
    table = hkex.parse_hkex_csv(CURATED.read_bytes(), str(CURATED))
    rows = table.to_pylist()
    assert {r["confidence"] for r in rows} == {"official", "secondary"}
    for r in rows:
        assert r["document"] and (r["page"] or r["source_url"]), r
        if r["confidence"] == "secondary":
            assert r["source_url"] and r["quoted_text"], r
    # FY2022 operating profit: both versions, the original and the restatement on the new basis
    op22 = sorted(
        (r["filed_date"], r["value"])
        for r in rows
        if (r["metric"], r["fiscal_year"]) == ("operating_income", 2022)
    )
    assert op22 == [(date(2023, 3, 22), 235_706e6), (date(2024, 3, 20), 110_827e6)]
    assert all(r["note"] for r in rows if r["metric"] == "operating_income")
    # a share count is known before the first trading day of 2019 (2019-01-02)
    assert min(r["filed_date"] for r in rows if r["metric"] == "shares_outstanding") < date(2019, 1, 2)


def land_and_parse_universe(tmp_path: Path, path: Path) -> dict:
    """The universe as its own source lands and parses it (ingestion.universe)."""
    settings = load_settings({"AIGAP_HOME": str(tmp_path / "home"), "AIGAP_UNIVERSE": str(path)})
    zone = LandingZone(settings.landing_dir)
    (entry,) = land_universe(settings, zone, [])
    assert (entry.key, entry.url, entry.is_sample) == ("universe", path.as_uri(), False)  # never sample
    return parse_universe_file(entry, zone.read(entry))


def test_universe_parsed(tmp_path):
    table = land_and_parse_universe(tmp_path, UNIVERSE_FIXTURES / "universe_small.csv")["universe"]
    assert table.schema == arrow_schema("universe")
    assert table.column("ticker").to_pylist() == ["MSFT", "0700.HK"]
    assert table.column("cik").to_pylist() == ["0000789019", None]  # padded to 10 digits


@pytest.mark.parametrize(
    ("fixture", "where", "ticker"),
    [
        ("universe_path_ticker.csv", "line 3, column ticker", "../../etc/passwd"),
        ("universe_sql_ticker.csv", "line 4, column ticker", "X'; DROP TABLE raw.universe; --"),
    ],
)
def test_universe_hostile_ticker_rejected_with_file_line_and_column(tmp_path, fixture, where, ticker):
    with pytest.raises(BadSourceFile) as info:
        land_and_parse_universe(tmp_path, UNIVERSE_FIXTURES / fixture)
    message = str(info.value)
    assert fixture in message
    assert where in message
    assert repr(ticker) in message


def test_unknown_key_refused(tmp_path):
    entry = LandingZone(tmp_path / "landing").land("hkex", "notes", HEADER, url="test://")
    with pytest.raises(BadSourceFile, match="'notes' is not hkex/<name>"):
        hkex.parse(entry, HEADER)


# -- landing -----------------------------------------------------------------------------


def settings_for(tmp_path: Path, filings: str):
    return load_settings(
        {
            "AIGAP_HOME": str(tmp_path / "home"),
            "AIGAP_SAMPLE_DIR": str(tmp_path / "sample"),
            "AIGAP_UNIVERSE": str(UNIVERSE_FIXTURES / "universe_small.csv"),
            "AIGAP_SOURCE_FILINGS": filings,
        }
    )


def test_sample_mode_lands_the_sample_figures(tmp_path):
    (tmp_path / "sample" / "hkex").mkdir(parents=True)
    shutil.copy(FIXTURES / "hkex_fundamentals.csv", tmp_path / "sample" / "hkex" / "tencent_annual.csv")
    settings = settings_for(tmp_path, "sample")
    landed = hkex.land_sample(settings, LandingZone(settings.landing_dir), [])
    assert [(e.key, e.url, e.is_sample) for e in landed] == [
        ("hkex/tencent_annual", "sample://hkex/tencent_annual.csv", True),
    ]


def test_sample_mode_without_sample_figures_fails(tmp_path):
    settings = settings_for(tmp_path, "sample")
    with pytest.raises(SourceFetchError, match="tencent_annual.csv"):
        hkex.land_live(settings, LandingZone(settings.landing_dir), [])


def test_live_mode_lands_curated_figures_under_the_same_key(tmp_path, monkeypatch):
    curated = tmp_path / "curated.csv"
    shutil.copy(FIXTURES / "hkex_fundamentals.csv", curated)
    monkeypatch.setattr(hkex, "CURATED_HKEX", curated)
    settings = settings_for(tmp_path, "live")
    landed = hkex.land_live(settings, LandingZone(settings.landing_dir), [])
    assert [(e.key, e.url, e.is_sample) for e in landed] == [("hkex/tencent_annual", curated.as_uri(), False)]


def test_live_mode_without_curated_file_lands_nothing_and_warns(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(hkex, "CURATED_HKEX", tmp_path / "missing.csv")
    settings = settings_for(tmp_path, "live")
    with caplog.at_level(logging.WARNING, logger="ingestion.sources.hkex"):
        landed = hkex.land_sample(settings, LandingZone(settings.landing_dir), [])
    assert landed == []
    assert "missing.csv does not exist" in caplog.text
