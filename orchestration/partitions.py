"""Partitions: filings by company (one can be refreshed or backfilled alone), prices by day."""

import dagster as dg

from ingestion.sources.sec import sec_listings
from ingestion.universe import read_universe
from orchestration.settings import SETTINGS

# The validated universe, read once when the code location loads: a bad AIGAP_UNIVERSE file stops
# the load with its file, line and column named.
LISTINGS = read_universe(SETTINGS.universe_path)

SEC_COMPANIES = dg.StaticPartitionsDefinition([listing.ticker for listing in sec_listings(LISTINGS)])

# The first trading day of the sample; each day a partition, up to the last complete day (UTC).
FIRST_DAY = "2019-01-02"
TRADING_DAYS = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone="UTC")

# A backfill of many companies or days runs as one run: one process, one DuckDB writer.
ONE_RUN = dg.BackfillPolicy.single_run()
