"""FRED fredgraph CSV: both header styles, missing days as null, the series id checked against the key."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from ingestion.config import load_settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.landing import LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources import fx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fx"


def parse(tmp_path: Path, key: str, body: bytes) -> dict:
    entry = LandingZone(tmp_path / "landing").land("fx", key, body, url="test://", suffix=".csv")
    return fx.parse(entry, body)


def test_current_header_and_empty_missing_value(tmp_path):
    table = parse(tmp_path, "fred/DEXCHUS", (FIXTURES / "DEXCHUS.csv").read_bytes())["fx_rates"]
    assert table.schema == arrow_schema("fx_rates")
    assert table.to_pylist() == [
        {"series_id": "DEXCHUS", "date": date(2023, 1, 2), "value": None},  # a holiday: no observation
        {"series_id": "DEXCHUS", "date": date(2023, 1, 3), "value": 6.9177},
        {"series_id": "DEXCHUS", "date": date(2023, 1, 4), "value": 6.8999},
        {"series_id": "DEXCHUS", "date": date(2023, 1, 5), "value": 6.8880},
    ]


def test_legacy_header_dot_and_crlf(tmp_path):
    table = parse(tmp_path, "fred/DEXHKUS", (FIXTURES / "DEXHKUS_legacy.csv").read_bytes())["fx_rates"]
    assert table.column("value").to_pylist() == [None, 7.81, 7.8123]
    assert table.column("date").to_pylist() == [date(2023, 1, 2), date(2023, 1, 3), date(2023, 1, 4)]
    assert set(table.column("series_id").to_pylist()) == {"DEXHKUS"}


def test_file_of_another_series_is_refused(tmp_path):
    # The HKD file landed under the CNY key would put HKD rates into CNY conversions.
    with pytest.raises(BadSourceFile) as info:
        parse(tmp_path, "fred/DEXCHUS", (FIXTURES / "DEXHKUS_legacy.csv").read_bytes())
    assert "'DATE,DEXHKUS'" in info.value.reason
    assert "'DATE,DEXCHUS'" in info.value.reason


HEADER = b"observation_date,DEXCHUS\n"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<html><body><h1>503 Service Unavailable</h1></body></html>", "HTML"),
        (b"series_id,date,value\nDEXCHUS,2023-01-03,6.9\n", "header"),
        (HEADER + b"01/03/2023,6.9177\n", "line 2, column observation_date: '01/03/2023' is not a date"),
        (HEADER + b"2023-01-03,6,9177\n", "line 2: 3 fields, expected 2"),
        (HEADER + b"2023-01-03,ND\n", "line 2, column DEXCHUS: 'ND' is not a number"),
        (
            HEADER + b"2023-01-03,6.9\n2023-01-04,6.8\n2023-01-03,6.9\n",
            "line 4: DEXCHUS has a second row for 2023-01-03",
        ),
    ],
)
def test_rejects_what_is_not_a_fredgraph_csv(tmp_path, body, reason):
    with pytest.raises(BadSourceFile) as info:
        parse(tmp_path, "fred/DEXCHUS", body)
    assert reason in info.value.reason


def test_key_must_name_a_fred_series(tmp_path):
    with pytest.raises(BadSourceFile, match="fred/<SERIES>"):
        parse(tmp_path, "ecb/EXR", HEADER)


def test_land_sample_lands_both_series(tmp_path):
    sample = tmp_path / "sample" / "fx"
    sample.mkdir(parents=True)
    shutil.copy(FIXTURES / "DEXCHUS.csv", sample / "DEXCHUS.csv")
    settings = load_settings(
        {"AIGAP_HOME": str(tmp_path / "home"), "AIGAP_SAMPLE_DIR": str(tmp_path / "sample")}
    )
    zone = LandingZone(settings.landing_dir)
    with pytest.raises(SourceFetchError, match="DEXHKUS"):
        fx.land_sample(settings, zone, [])
    shutil.copy(FIXTURES / "DEXHKUS_legacy.csv", sample / "DEXHKUS.csv")
    landed = fx.land_sample(settings, zone, [])
    assert [(e.key, e.url, e.is_sample) for e in landed] == [
        ("fred/DEXCHUS", "sample://fx/DEXCHUS.csv", True),
        ("fred/DEXHKUS", "sample://fx/DEXHKUS.csv", True),
    ]


def test_gx_fx_suite_takes_every_seed_series_band_and_keeps_cny_hkd_within_1_to_20():
    """KRW per USD (about 1,300) and USD per EUR (about 1.1) are FRED's own numbers and pass; HKD per USD
    typed as 150 is a unit error the blocking suite still stops (test_faults_publish relies on it)."""
    from datetime import date

    import pandas as pd

    from ingestion import quality

    def frame(rows):
        days = pd.to_datetime([f"2023-01-{i + 3:02d}" for i in range(len(rows))])
        n = len(rows)
        lineage = {"source_key": ["fred/X"] * n, "source_file": ["f"] * n, "sha256": ["0" * 64] * n,
                   "fetched_at": pd.to_datetime(["2023-02-01T00:00:00Z"] * n), "is_sample": [False] * n,
                   "loaded_at": pd.to_datetime(["2023-02-01T00:00:00Z"] * n)}  # fmt: skip
        return pd.DataFrame(
            {"series_id": [s for s, _ in rows], "date": days, "value": [v for _, v in rows]} | lineage
        )

    good = quality.validate("fx_rates", frame([("DEXHKUS", 7.8), ("DEXKOUS", 1300.0), ("DEXUSEU", 1.1)]),
                            today=date(2024, 1, 1))  # fmt: skip
    bad = quality.validate(
        "fx_rates", frame([("DEXHKUS", 150.0), ("DEXKOUS", 1300.0)]), today=date(2024, 1, 1)
    )
    assert good.success
    assert not bad.success
    assert [o.partial_unexpected for o in bad.outcomes if not o.success] == [[150.0]]
