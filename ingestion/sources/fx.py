"""Daily USD exchange rates from FRED's fredgraph CSV, sample and live.

One landing key per series, ``fred/<SERIES>``. Which series: those of every reporting and trading
currency the universe holds, from ``dbt_project/seeds/fx_series.csv`` (currency, FRED series, and its
quote direction: DEXCHUS is CNY per 1 USD, DEXUSEU is USD per 1 EUR and is inverted in
``stg_fx__rates``). A currency without a series there is not guessed: it is logged here and flagged
per company by ``int_fx_currency_flags``.
The CSV is ``observation_date,<SERIES>`` (older files: ``DATE,<SERIES>``), one row per business
day; a day without an observation is an empty field (older files: ".") and becomes null.
"""

from __future__ import annotations

import csv
import logging
from datetime import date
from pathlib import Path

import pyarrow as pa

from ingestion.config import REPO_ROOT, ConfigError, Settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.http import fetch_to_landing, make_session
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources._parsing import csv_rows, decode_text, parse_date, parse_number
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = "fx"
RAW_TABLES = ["fx_rates"]

SERIES_FILE = REPO_ROOT / "dbt_project" / "seeds" / "fx_series.csv"
QUOTES = ("units_per_usd", "usd_per_unit")


def read_series(path: Path = SERIES_FILE) -> dict[str, str]:
    """currency -> FRED series id, from the seed (its quote direction is applied in dbt)."""
    series: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), start=2):
            currency, series_id, quote = row.get("currency"), row.get("series_id"), row.get("quote")
            if not currency or not series_id or quote not in QUOTES:
                raise ConfigError(
                    f"{path}:{lineno}: expected currency, series_id and quote in {QUOTES}, got {row}"
                )
            if currency in series:
                raise ConfigError(f"{path}:{lineno}: currency {currency} has a second series")
            series[currency] = series_id
    return series


SERIES = read_series()


def series_for(listings: list[Listing]) -> tuple[list[str], dict[str, list[str]]]:
    """The FRED series the universe needs, and per currency without one the tickers that hold it.

    An empty universe (a test, a first run) asks for every series of the seed's essay pair.
    """
    if not listings:
        return [SERIES["CNY"], SERIES["HKD"]], {}
    needed: dict[str, list[str]] = {}
    for item in listings:
        for currency in (item.trading_currency, item.reporting_currency):
            if currency and currency != "USD":
                needed.setdefault(currency, [])
                if item.ticker not in needed[currency]:
                    needed[currency].append(item.ticker)
    missing = {c: t for c, t in needed.items() if c not in SERIES}
    for currency, tickers in missing.items():
        log.warning(
            "no FRED series for %s in %s: %s flagged, not converted (int_fx_currency_flags)",
            currency, SERIES_FILE.name, ", ".join(tickers),
        )  # fmt: skip
    return [SERIES[c] for c in sorted(needed) if c in SERIES], missing


DATE_HEADERS = ("observation_date", "DATE")
REQUESTS_PER_SECOND = 2.0
USER_AGENT = "aigap/0.1 (fx)"


def land_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    landed: list[LandedFile] = []
    for series in series_for(listings)[0]:
        rel = f"fx/{series}.csv"
        path = settings.sample_dir / rel
        if not path.is_file():
            raise SourceFetchError(f"sample snapshot has no {path} (FRED series {series})")
        landed.append(
            zone.land(
                SOURCE,
                f"fred/{series}",
                path.read_bytes(),
                url=f"sample://{rel}",
                suffix=".csv",
                is_sample=True,
            )
        )
    return landed


def land_live(
    settings: Settings, zone: LandingZone, listings: list[Listing], *, retries: int = 5, backoff: float = 0.5
) -> list[LandedFile]:
    base = settings.base_urls[SOURCE]
    with make_session(
        user_agent=USER_AGENT, per_second=REQUESTS_PER_SECOND, retries=retries, backoff=backoff
    ) as session:
        return [
            fetch_to_landing(
                session,
                zone,
                source=SOURCE,
                key=f"fred/{series}",
                url=f"{base}/graph/fredgraph.csv",
                params={"id": series},
                suffix=".csv",
            )
            for series in series_for(listings)[0]
        ]


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    prefix, _, series = entry.key.partition("/")
    if prefix != "fred" or not series:
        raise BadSourceFile(entry.path, f"landing key {entry.key!r} is not fred/<SERIES>")
    return {"fx_rates": parse_fred_csv(body, entry.path, series)}


def parse_fred_csv(body: bytes, path: str, series: str) -> pa.Table:
    what = f"FRED fredgraph CSV of {series}"
    text = decode_text(body, path, what)
    first = text.splitlines()[0].split(",")[0].strip()
    # Either header is FRED's; csv_rows then checks the whole line, series id included, so a file
    # of another series landed under this key is refused instead of loaded as the wrong rate.
    header = [first if first in DATE_HEADERS else DATE_HEADERS[0], series]
    dates: list[date] = []
    values: list[float | None] = []
    seen: set[date] = set()
    for lineno, (day_text, value_text) in csv_rows(text, path, what, header):
        day = parse_date(day_text, path, f"line {lineno}, column {header[0]}")
        if day in seen:
            raise BadSourceFile(path, f"line {lineno}: {series} has a second row for {day}")
        seen.add(day)
        dates.append(day)
        values.append(
            None if value_text == "." else parse_number(value_text, path, f"line {lineno}, column {series}")
        )
    return pa.Table.from_pydict(
        {"series_id": [series] * len(dates), "date": dates, "value": values}, schema=arrow_schema("fx_rates")
    )
