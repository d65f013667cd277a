"""Land and load every source without Dagster: ``python -m ingestion.load_all``.

Handy for dbt development and debugging a parser; the scheduled path is the Dagster job. Sources
run in registry order, the universe first, as in a Dagster run.
"""

from __future__ import annotations

import logging

from ingestion.config import Settings, load_settings
from ingestion.landing import LandingZone
from ingestion.raw_loader import LoadReport
from ingestion.sources.registry import SOURCES
from ingestion.universe import loaded_listings, read_universe
from ingestion.warehouse import open_warehouse


def land_and_load_all(settings: Settings) -> list[LoadReport]:
    zone = LandingZone(settings.landing_dir)
    reports = []
    with open_warehouse(settings) as con:
        listings = read_universe(settings.universe_path)
        for source in SOURCES.values():
            source.land(settings, zone, listings)
            reports.append(source.load(con, zone, settings, listings))
            if source.name == "universe":
                listings = loaded_listings(con)
    return reports


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for report in land_and_load_all(load_settings()):
        print(report.summary())


if __name__ == "__main__":
    main()
