"""Landing prices: the sample snapshot file by file, and live mode refusing to start without a token."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from ingestion.config import ConfigError, load_settings
from ingestion.errors import SourceFetchError
from ingestion.landing import LandingZone
from ingestion.sources import prices
from ingestion.universe import read_universe

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LISTINGS = read_universe(FIXTURES / "universe" / "universe_small.csv")  # MSFT.US, 0700.HK


def settings_for(tmp_path: Path, **env: str):
    return load_settings(
        {"AIGAP_HOME": str(tmp_path / "home"), "AIGAP_SAMPLE_DIR": str(tmp_path / "sample"), **env}
    )


def make_sample(tmp_path: Path, files: list[str]) -> None:
    for rel in files:
        target = tmp_path / "sample" / "prices" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / "prices" / rel, target)


def land_sample(settings, zone: LandingZone) -> list:
    """What a sample run lands for prices: the bars asset's files, then the events asset's
    (ingestion/sources/registry.py calls these two)."""
    return prices.land_bars_sample(settings, zone, LISTINGS) + prices.land_events_sample(
        settings, zone, LISTINGS
    )


def test_land_sample_lands_each_symbols_documents(tmp_path):
    make_sample(tmp_path, ["eod/MSFT.US.csv", "splits/MSFT.US.json", "div/MSFT.US.json", "eod/0700.HK.csv"])
    settings = settings_for(tmp_path)
    zone = LandingZone(settings.landing_dir)
    landed = land_sample(settings, zone)
    # 0700.HK has no split or dividend file in this snapshot: its bars alone are landed.
    assert [e.key for e in landed] == ["eod/MSFT.US", "eod/0700.HK", "splits/MSFT.US", "div/MSFT.US"]
    assert all(e.is_sample for e in landed)
    assert landed[0].url == "sample://prices/eod/MSFT.US.csv"
    assert zone.read(landed[1]) == (FIXTURES / "prices" / "eod" / "0700.HK.csv").read_bytes()
    assert set(zone.latest("prices")) == {e.key for e in landed}


def test_land_sample_without_bars_for_a_listed_symbol_fails(tmp_path):
    make_sample(tmp_path, ["eod/MSFT.US.csv"])
    settings = settings_for(tmp_path)
    with pytest.raises(SourceFetchError, match=r"0700\.HK"):
        land_sample(settings, LandingZone(settings.landing_dir))


def test_eodhd_without_token_fails_before_any_request(tmp_path):
    settings = settings_for(
        tmp_path,
        AIGAP_SOURCE="live",
        AIGAP_PRICES_PROVIDER="eodhd",
        AIGAP_PRICES_BASE_URL="http://127.0.0.1:9",
    )
    zone = LandingZone(settings.landing_dir)
    with pytest.raises(ConfigError, match="AIGAP_PRICES_PROVIDER=eodhd needs an EODHD API token"):
        prices.land_events_live(settings, zone, LISTINGS)
    with pytest.raises(ConfigError, match="AIGAP_PRICES_API_TOKEN"):
        prices.land_bars_live(settings, zone, LISTINGS, date(2024, 1, 2), date(2024, 1, 2))
    assert zone.latest("prices") == {}


def test_provider_defaults_yahoo_live_eodhd_sample_and_token_only_for_eodhd(tmp_path):
    live = settings_for(tmp_path, AIGAP_SOURCE="live")
    assert (live.prices_provider, live.base_urls["prices"]) == ("yahoo", "https://query1.finance.yahoo.com")
    assert live.prices_api_token is None  # and nothing asks for one
    sample = settings_for(tmp_path)
    assert (sample.prices_provider, sample.base_urls["prices"]) == ("eodhd", "https://eodhd.com")
    chosen = settings_for(tmp_path, AIGAP_SOURCE="live", AIGAP_PRICES_PROVIDER="EODHD")
    assert (chosen.prices_provider, chosen.base_urls["prices"]) == ("eodhd", "https://eodhd.com")
    mirror = settings_for(tmp_path, AIGAP_SOURCE="live", AIGAP_PRICES_BASE_URL="http://mirror:8/")
    assert (mirror.prices_provider, mirror.base_urls["prices"]) == ("yahoo", "http://mirror:8")
    with pytest.raises(ConfigError, match="AIGAP_PRICES_PROVIDER='stooq': expected one of yahoo, eodhd"):
        settings_for(tmp_path, AIGAP_PRICES_PROVIDER="stooq")


def test_symbols_are_fetched_once_each():
    assert prices.symbols(LISTINGS + LISTINGS) == ["MSFT.US", "0700.HK"]


def test_yahoo_sample_lands_one_chart_file_as_bars_and_as_events(tmp_path):
    target = tmp_path / "sample" / "prices" / "chart"
    target.mkdir(parents=True)
    for symbol in ("MSFT.US", "0700.HK"):
        shutil.copy(prices_sample() / "chart" / f"{symbol}.json", target)
    settings = settings_for(tmp_path, AIGAP_PRICES_PROVIDER="yahoo")
    assert settings.is_sample("prices") and settings.prices_provider == "yahoo"
    zone = LandingZone(settings.landing_dir)
    landed = land_sample(settings, zone)
    assert [e.key for e in landed] == ["chart/MSFT.US", "chart/0700.HK", "events/MSFT.US", "events/0700.HK"]
    assert [e.url for e in landed[:2]] == [
        "sample://prices/chart/MSFT.US.json",
        "sample://prices/chart/0700.HK.json",
    ]
    assert landed[0].sha256 == landed[2].sha256 and all(e.is_sample for e in landed)
    assert prices.bar_keys(settings, LISTINGS, date(2024, 1, 2), date(2024, 1, 31)) == [
        "chart/MSFT.US",
        "chart/0700.HK",
    ]
    live = settings_for(tmp_path, AIGAP_SOURCE="live")
    assert prices.bar_keys(live, LISTINGS, date(2024, 1, 2), date(2024, 1, 31)) == [
        "chart/MSFT.US/2024-01-02_2024-01-31",
        "chart/0700.HK/2024-01-02_2024-01-31",
    ]
    # a snapshot without the Yahoo file of a listed symbol is a clear error
    (target / "0700.HK.json").unlink()
    with pytest.raises(SourceFetchError, match=r"no .*prices/chart/0700\.HK\.json for 0700\.HK"):
        prices.land_bars_sample(settings, zone, LISTINGS)


def prices_sample() -> Path:
    from ingestion.config import BUNDLED_SAMPLE_DIR

    return BUNDLED_SAMPLE_DIR / "prices"
