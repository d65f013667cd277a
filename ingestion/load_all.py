"""Land and load every source without Dagster: ``python -m ingestion.load_all``.

Handy for dbt development and debugging a parser; the scheduled path is the Dagster job.
"""

from __future__ import annotations

import logging

from ingestion import pipeline
from ingestion.config import load_settings
from ingestion.warehouse import connect


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    with connect(settings.db_path) as con:
        for source in pipeline.SOURCE_MODULES:
            pipeline.land(settings, source)
            report = pipeline.load(con, settings, source)
            print(report.summary())


if __name__ == "__main__":
    main()
