from pathlib import Path

import pytest

from ingestion.config import BUNDLED_SAMPLE_DIR, ConfigError, load_settings


def test_defaults_are_sample_mode_and_the_repo_warehouse():
    s = load_settings({})
    assert s.home.name == "warehouse"
    assert s.modes == {"filings": "sample", "prices": "sample", "fx": "sample", "fedreg": "sample"}
    assert s.sample_dir == BUNDLED_SAMPLE_DIR
    assert s.base_urls["filings"] == "https://data.sec.gov"
    assert s.db_path == s.home / "aigap.duckdb"
    assert s.serving_db_path == s.home / "serving" / "aigap.duckdb"


def test_per_source_override_and_base_url(tmp_path: Path):
    s = load_settings(
        {
            "AIGAP_HOME": str(tmp_path),
            "AIGAP_SOURCE": "live",
            "AIGAP_SOURCE_FX": "sample",
            "AIGAP_SEC_BASE_URL": "http://127.0.0.1:9999/",
        }
    )
    assert s.home == tmp_path.resolve()
    assert s.mode("filings") == "live" and s.mode("fx") == "sample"
    assert s.is_sample("fx") and not s.is_sample("prices")
    assert s.base_urls["filings"] == "http://127.0.0.1:9999"


@pytest.mark.parametrize("env", [{"AIGAP_SOURCE": "both"}, {"AIGAP_SOURCE_PRICES": "yahoo"}])
def test_unknown_mode_is_refused_with_its_variable(env):
    with pytest.raises(ConfigError, match=next(iter(env))):
        load_settings(env)


def test_missing_universe_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="AIGAP_UNIVERSE"):
        load_settings({"AIGAP_UNIVERSE": str(tmp_path / "nope.csv")})


def test_sec_mode_defaults_to_auto_and_refuses_other_values(tmp_path: Path):
    assert load_settings({"AIGAP_HOME": str(tmp_path)}).sec_mode == "auto"
    assert load_settings({"AIGAP_HOME": str(tmp_path), "AIGAP_SEC_MODE": "Bulk"}).sec_mode == "bulk"
    with pytest.raises(ConfigError, match="AIGAP_SEC_MODE='zip'"):
        load_settings({"AIGAP_HOME": str(tmp_path), "AIGAP_SEC_MODE": "zip"})
