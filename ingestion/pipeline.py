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
from types import ModuleType

import duckdb

from ingestion.config import Settings
from ingestion.landing import LandedFile, LandingZone
from ingestion.universe import Listing, read_universe
from ingestion.warehouse import LoadReport, load_landed

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
    module = source_module(source)
    zone = LandingZone(settings.landing_dir)
    return load_landed(con, zone, module.SOURCE, module.parse, module.RAW_TABLES, run_id=run_id, keys=keys)
