"""Land and load one source, the same way in sample and live mode.

Each module in ``ingestion/sources`` exposes the same small surface:

- ``SOURCE``: the landing name ("filings", "prices", "fx", "fedreg", "manual")
- ``RAW_TABLES``: the raw tables its parser writes
- ``land_sample(settings, zone, listings) -> list[LandedFile]``: copy the bundled snapshot's files
  into landing exactly as they are (url ``sample://<relative path>``)
- ``land_live(settings, zone, listings) -> list[LandedFile]``: fetch from the live endpoint
- ``parse(entry, body) -> dict[str, pyarrow.Table]``: raise ``BadSourceFile`` on a bad document

This module and ``ingestion.load_all`` are what orchestration and scripts call; nothing else
needs to know which source is which.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date
from types import ModuleType

import duckdb

from ingestion.config import Settings
from ingestion.landing import LandedFile, LandingZone
from ingestion.universe import Listing, read_universe
from ingestion.warehouse import LoadReport, load_landed, load_window

log = logging.getLogger(__name__)

# landing name -> module; "manual" (universe, curated HKEX figures) has no live endpoint.
SOURCE_MODULES = {
    "manual": "ingestion.sources.manual",
    "filings": "ingestion.sources.sec",
    "prices": "ingestion.sources.prices",
    "fx": "ingestion.sources.fx",
    "fedreg": "ingestion.sources.federal_register",
}


def source_module(source: str) -> ModuleType:
    return importlib.import_module(SOURCE_MODULES[source])


def land(settings: Settings, source: str, listings: list[Listing] | None = None) -> list[LandedFile]:
    module = source_module(source)
    zone = LandingZone(settings.landing_dir)
    listings = listings if listings is not None else read_universe(settings.universe_path)
    mode = "sample" if source == "manual" else settings.mode(source)
    log.info("landing %s (%s mode)", source, mode)
    if mode == "sample":
        return module.land_sample(settings, zone, listings)
    return module.land_live(settings, zone, listings)


def load(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    source: str,
    *,
    run_id: str = "",
    keys: set[str] | None = None,
) -> LoadReport:
    """Load the newest landed file of every key (or of ``keys``) of ``source`` into raw."""
    if source == "prices":
        return _load_all_prices(con, settings, run_id=run_id)
    module = source_module(source)
    zone = LandingZone(settings.landing_dir)
    return load_landed(con, zone, module.SOURCE, module.parse, module.RAW_TABLES, run_id=run_id, keys=keys)


# -- prices: bars by day (partitioned), events whole -------------------------------------------
# Bars are replaced by date window, not by landing key, so that a day loaded from a whole-history
# file and later from a one-day request is still one row.
ALL_DAYS = (date(1900, 1, 1), date(2999, 12, 31))


def _prices():
    from ingestion.sources import prices

    return prices


def price_bar_keys(settings: Settings, listings: list[Listing], start: date, end: date) -> list[str]:
    """The landing keys holding the bars of ``start``..``end`` in the current mode."""
    return _prices().bar_keys(settings, listings, start, end)


def land_price_bars(
    settings: Settings, start: date, end: date, listings: list[Listing] | None = None
) -> list[LandedFile]:
    prices = _prices()
    zone = LandingZone(settings.landing_dir)
    listings = listings if listings is not None else read_universe(settings.universe_path)
    if settings.is_sample("prices"):
        return prices.land_bars_sample(settings, zone, listings)
    return prices.land_bars_live(settings, zone, listings, start, end)


def load_price_bars(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    start: date,
    end: date,
    *,
    run_id: str = "",
    listings: list[Listing] | None = None,
) -> LoadReport:
    prices = _prices()
    zone = LandingZone(settings.landing_dir)
    listings = listings if listings is not None else read_universe(settings.universe_path)
    latest = zone.latest(prices.SOURCE)
    keys = price_bar_keys(settings, listings, start, end)
    missing = [k for k in keys if k not in latest]
    if missing:
        raise FileNotFoundError(
            f"no landed bars for {', '.join(missing)} ({start}..{end}): materialize landing/prices first"
        )
    entries = [latest[k] for k in keys]
    report = load_window(
        con, zone, entries, prices.parse, "prices_daily",
        entity_column="symbol", date_column="date", start=start, end=end, run_id=run_id,
    )  # fmt: skip
    if not settings.is_sample("prices"):
        _merge(report, _load_restated_histories(con, zone, latest, run_id=run_id))
    return report


def _load_restated_histories(
    con: duckdb.DuckDBPyConnection, zone: LandingZone, latest: dict[str, LandedFile], *, run_id: str
) -> LoadReport | None:
    """A symbol's history landed again after a split replaces every day of that symbol."""
    prices = _prices()
    newest = dict(
        con.execute(
            "SELECT symbol, max(fetched_at) FROM raw.prices_daily WHERE source_key LIKE '%/%/%' GROUP BY 1"
        ).fetchall()
    )
    restated = prices.restated_histories(latest, newest)
    if not restated:
        return None
    return load_window(
        con, zone, restated, prices.parse, "prices_daily",
        entity_column="symbol", date_column="date", start=ALL_DAYS[0], end=ALL_DAYS[1], run_id=run_id,
    )  # fmt: skip


def _merge(into: LoadReport, other: LoadReport | None) -> None:
    if other is None:
        return
    into.loaded += other.loaded
    into.rejected += other.rejected
    for table, n in other.rows.items():
        into.rows[table] = into.rows.get(table, 0) + n
    for table, n in other.quarantined.items():
        into.quarantined[table] = into.quarantined.get(table, 0) + n
    for table, rules in other.quarantined_by_rule.items():
        merged = into.quarantined_by_rule.setdefault(table, {})
        for rule, n in rules.items():
            merged[rule] = merged.get(rule, 0) + n


def land_price_events(settings: Settings, listings: list[Listing] | None = None) -> list[LandedFile]:
    prices = _prices()
    zone = LandingZone(settings.landing_dir)
    listings = listings if listings is not None else read_universe(settings.universe_path)
    if settings.is_sample("prices"):
        return prices.land_events_sample(settings, zone, listings)
    return prices.land_events_live(settings, zone, listings)


def load_price_events(con: duckdb.DuckDBPyConnection, settings: Settings, *, run_id: str = "") -> LoadReport:
    prices = _prices()
    zone = LandingZone(settings.landing_dir)
    keys = {k for k in zone.latest(prices.SOURCE) if k.split("/", 1)[0] in prices.EVENT_KINDS}
    return load_landed(con, zone, prices.SOURCE, prices.parse, ["price_events"], run_id=run_id, keys=keys)


def _load_all_prices(con: duckdb.DuckDBPyConnection, settings: Settings, *, run_id: str) -> LoadReport:
    """Whole-history bars (one file per symbol) and every event file, as ``load_all`` wants."""
    prices = _prices()
    zone = LandingZone(settings.landing_dir)
    whole = prices.whole_history_entries(zone.latest(prices.SOURCE))
    bars = load_window(
        con, zone, whole, prices.parse, "prices_daily",
        entity_column="symbol", date_column="date", start=ALL_DAYS[0], end=ALL_DAYS[1], run_id=run_id,
    )  # fmt: skip
    events = load_price_events(con, settings, run_id=run_id)
    events.loaded += bars.loaded
    events.rejected += bars.rejected
    events.rows |= bars.rows
    events.quarantined |= bars.quarantined
    events.quarantined_by_rule |= bars.quarantined_by_rule
    events.source = prices.SOURCE
    return events
