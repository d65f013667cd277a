"""Great Expectations suites for the raw tables, and one function to validate a frame.

The GX context is ephemeral and built once per process (building it costs seconds). Frames
are validated in memory (pandas), not through SQLAlchemy on DuckDB. Each suite is either
``blocking`` (a failure makes downstream numbers wrong, so downstream must not run) or a
warning (suspicious but possible).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ingestion.row_rules import METRICS  # one list of metrics for the rules and the suite
from ingestion.sources.fx import SERIES as FX_SERIES

log = logging.getLogger(__name__)

ACCESSION_PATTERN = r"^\d{10}-\d{2}-\d{6}$"


@dataclass(frozen=True)
class Suite:
    table: str
    blocking: bool
    description: str


SUITES: dict[str, Suite] = {
    "universe": Suite("universe", True, "tickers and price symbols unique, baskets and roles known"),
    "sec_companyfacts": Suite(
        "sec_companyfacts",
        True,
        "required columns and types, accession format, filed_date not in the future, "
        "period_end >= period_start, finite values",
    ),
    "sec_filings": Suite("sec_filings", True, "one row per accession number, dates present"),
    "sec_instance_facts": Suite(
        "sec_instance_facts",
        True,
        "required columns present, accession format, period_end >= period_start, finite values",
    ),
    "hkex_fundamentals": Suite("hkex_fundamentals", True, "known metrics, values present, currency present"),
    "prices_daily": Suite(
        "prices_daily",
        True,
        "positive OHLC, high >= low, one row per symbol and date, no future dates, volume >= 0, "
        "close basis known",
    ),
    "price_events": Suite("price_events", True, "known kinds, positive split ratios"),
    "fx_rates": Suite(
        "fx_rates", True, "known series, one row per series and date, rates in a plausible band"
    ),
    "federal_register_documents": Suite(
        "federal_register_documents",
        True,
        "document number, title and publication date present, no future date",
    ),
}


def _expectations(table: str, today: date) -> list:
    import great_expectations as gx

    E = gx.expectations
    today_ts = pd.Timestamp(today)
    not_null = lambda *cols: [E.ExpectColumnValuesToNotBeNull(column=c) for c in cols]  # noqa: E731
    if table == "universe":
        return [
            *not_null("ticker", "name", "role", "basket", "price_symbol"),
            E.ExpectColumnValuesToBeUnique(column="ticker"),
            # two listings on one symbol would share one price series
            E.ExpectColumnValuesToBeUnique(column="price_symbol"),
            E.ExpectColumnValuesToBeInSet(column="basket", value_set=["US", "CN"]),
            E.ExpectColumnValuesToBeInSet(column="role", value_set=["company", "benchmark"]),
        ]
    if table == "sec_companyfacts":
        return [
            E.ExpectTableColumnsToMatchSet(
                column_set=[
                    "cik",
                    "entity_name",
                    "taxonomy",
                    "concept",
                    "unit",
                    "period_start",
                    "period_end",
                    "value",
                    "accession_number",
                    "fiscal_year",
                    "fiscal_period",
                    "form",
                    "filed_date",
                    "frame",
                    "source_key",
                    "source_file",
                    "sha256",
                    "fetched_at",
                    "is_sample",
                    "loaded_at",
                ],
                exact_match=True,
            ),
            *not_null(
                "cik",
                "taxonomy",
                "concept",
                "unit",
                "period_end",
                "value",
                "accession_number",
                "form",
                "filed_date",
            ),
            E.ExpectColumnValuesToMatchRegex(column="accession_number", regex=ACCESSION_PATTERN),
            E.ExpectColumnValuesToMatchRegex(column="cik", regex=r"^\d{10}$"),
            E.ExpectColumnValuesToBeBetween(column="filed_date", max_value=today_ts),
            E.ExpectColumnValuesToBeBetween(column="value", min_value=-1e16, max_value=1e16),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="period_end",
                column_B="period_start",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ]
    if table == "sec_instance_facts":
        return [
            *not_null("cik", "accession_number", "taxonomy", "concept", "unit", "period_end", "value"),
            E.ExpectColumnValuesToMatchRegex(column="accession_number", regex=ACCESSION_PATTERN),
            E.ExpectColumnValuesToMatchRegex(column="cik", regex=r"^\d{10}$"),
            E.ExpectColumnValuesToBeBetween(column="value", min_value=-1e16, max_value=1e16),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="period_end",
                column_B="period_start",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ]
    if table == "sec_filings":
        return [
            *not_null("cik", "accession_number", "form", "filing_date"),
            E.ExpectColumnValuesToBeUnique(column="accession_number"),
            E.ExpectColumnValuesToMatchRegex(column="accession_number", regex=ACCESSION_PATTERN),
            E.ExpectColumnValuesToBeBetween(column="filing_date", max_value=today_ts),
        ]
    if table == "hkex_fundamentals":
        return [
            *not_null(
                "ticker",
                "metric",
                "fiscal_year",
                "period_end",
                "value",
                "currency",
                "filed_date",
                "document",
                "confidence",
            ),
            E.ExpectColumnValuesToBeInSet(column="metric", value_set=METRICS),
            # the parser refuses any other; kept as a backstop (ingestion/curated/README.md)
            E.ExpectColumnValuesToBeInSet(column="confidence", value_set=["official", "secondary"]),
            E.ExpectCompoundColumnsToBeUnique(
                column_list=["ticker", "metric", "period_start", "period_end", "filed_date"]
            ),
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="period_end",
                column_B="period_start",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ]
    if table == "prices_daily":
        return [
            *not_null("symbol", "date", "close"),
            *[
                E.ExpectColumnValuesToBeBetween(column=c, min_value=0, strict_min=True)
                for c in ("open", "high", "low", "close")
            ],
            E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="high", column_B="low", or_equal=True),
            E.ExpectCompoundColumnsToBeUnique(column_list=["symbol", "date"]),
            E.ExpectColumnValuesToBeBetween(column="date", max_value=today_ts),
            E.ExpectColumnValuesToBeBetween(column="volume", min_value=0),
            # stg_prices__daily normalises exactly these two; any other basis would pass through wrong
            E.ExpectColumnValuesToBeInSet(column="close_basis", value_set=["unadjusted", "split_adjusted"]),
            *not_null("close_basis"),
        ]
    if table == "price_events":
        return [
            *not_null("symbol", "date", "kind"),
            E.ExpectColumnValuesToBeInSet(column="kind", value_set=["split", "dividend"]),
            E.ExpectColumnValuesToBeBetween(column="split_to", min_value=0, strict_min=True),
            E.ExpectColumnValuesToBeBetween(column="split_from", min_value=0, strict_min=True),
            E.ExpectColumnValuesToBeBetween(column="date", max_value=today_ts),
        ]
    if table == "fx_rates":
        return [
            *not_null("series_id", "date"),
            E.ExpectColumnValuesToBeInSet(column="series_id", value_set=sorted(FX_SERIES.values())),
            E.ExpectCompoundColumnsToBeUnique(column_list=["series_id", "date"]),
            # FRED's H.10 rates as published: USD per EUR/GBP about 1, CHF per USD under 1, KRW per USD
            # about 1,400; 0 or above 5,000 is a unit error for every series of seeds/fx_series.csv.
            E.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=5000, strict_min=True),
            # CNY and HKD per USD have stayed within 1..20 for decades; outside it is a unit error.
            *(
                E.ExpectColumnValuesToBeBetween(
                    column="value",
                    min_value=1,
                    max_value=20,
                    row_condition=f'series_id=="{FX_SERIES[c]}"',
                    condition_parser="pandas",
                )
                for c in ("CNY", "HKD")
            ),
            E.ExpectColumnValuesToBeBetween(column="date", max_value=today_ts),
        ]
    if table == "federal_register_documents":
        return [
            # Not unique: when the API's pagination shifts between fetches a document sits in two
            # landed pages (stg_fedreg__documents keeps the newest copy).
            *not_null("document_number", "publication_date", "title"),
            E.ExpectColumnValuesToBeBetween(column="publication_date", max_value=today_ts),
        ]
    raise KeyError(f"no GX suite for raw.{table}")


@functools.cache
def _context():
    import great_expectations as gx

    log.info("building the Great Expectations context (once per process)")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Progress bars would interleave with Dagster's log lines.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context, context.data_sources.add_pandas(name="raw")


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    partial_unexpected: list = field(default_factory=list)


@dataclass
class SuiteOutcome:
    table: str
    blocking: bool
    success: bool
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def failing_rows(self) -> int:
        return sum(o.unexpected_count or 0 for o in self.failed)


def _for_gx(frame: pd.DataFrame) -> pd.DataFrame:
    # GX compares dates as timestamps; DuckDB hands DATE columns over as objects or datetime64.
    frame = frame.copy()
    for col in frame.columns:
        if col.endswith("date") or col in ("date", "period_start", "period_end", "effective_on"):
            frame[col] = pd.to_datetime(frame[col])
    return frame


def _plain(value: object) -> object:
    """An example value as JSON can hold it (dates and timestamps as ISO text) for check metadata."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    item = getattr(value, "item", None)  # numpy scalars: float64 subclasses float but is not JSON to orjson
    return _plain(item()) if callable(item) else str(value)


def validate(table: str, frame: pd.DataFrame, *, today: date | None = None) -> SuiteOutcome:
    """Validate one raw table's rows against its suite."""
    import great_expectations as gx

    context, datasource = _context()
    today = today or date.today()
    # "not in the future" is relative to a day: one suite per table and day, so a long-lived process
    # (dagster dev) and a test asking about another day never reuse a suite built for a different one
    suite_name = f"raw.{table}@{today.isoformat()}"
    try:
        suite = context.suites.get(suite_name)
    except Exception:  # GX raises its own not-found error type
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
        for expectation in _expectations(table, today):
            suite.add_expectation(expectation)
    try:
        asset = datasource.get_asset(table)
    except LookupError:
        asset = datasource.add_dataframe_asset(name=table)
    try:
        batch_def = asset.get_batch_definition("whole")
    except KeyError:
        batch_def = asset.add_batch_definition_whole_dataframe("whole")
    result = batch_def.get_batch(batch_parameters={"dataframe": _for_gx(frame)}).validate(suite)
    outcomes = [
        ExpectationOutcome(
            expectation=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column"),
            success=bool(r.success),
            unexpected_count=r.result.get("unexpected_count"),
            partial_unexpected=[_plain(v) for v in list(r.result.get("partial_unexpected_list") or [])[:5]],
        )
        for r in result.results
    ]
    return SuiteOutcome(
        table=table,
        blocking=SUITES[table].blocking,
        success=bool(result.success),
        rows=len(frame),
        outcomes=outcomes,
    )
