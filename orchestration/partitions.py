"""Partitions: price bars by month, the one source large enough to pay for them.

About 95 months since 2019 instead of ~2,900 days: a first full refresh is one run over every
month (one request per symbol for the whole window), a daily refresh is the current month, and a
month can be backfilled alone from the UI. The current, incomplete month is a partition too
(``end_offset=1``): its bars are reloaded on every run until the month is over.
"""

import dagster as dg

FIRST_MONTH = "2019-01-01"
MONTHS = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, end_offset=1)

# A backfill of many months runs as one run: one process, one DuckDB writer.
ONE_RUN = dg.BackfillPolicy.single_run()
