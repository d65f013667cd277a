"""Ingestion assets: per source, a landing asset (bytes as fetched) and its raw tables.

Landing and raw are separate assets so the graph shows the layers DESIGN.md names, and so a raw
table can be reloaded from what is already landed without fetching again. Filings are
partitioned by company and price bars by day; the small sources are loaded whole.
"""

from collections.abc import Callable
from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from ingestion import pipeline
from ingestion.landing import LandedFile
from ingestion.raw_tables import TABLES
from ingestion.sources import sec
from ingestion.warehouse import LoadReport
from orchestration.partitions import LISTINGS, ONE_RUN, SEC_COMPANIES, TRADING_DAYS
from orchestration.settings import SETTINGS

WRITER_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def _mode(source: str) -> str:
    return "sample" if source == "manual" else SETTINGS.mode(source)


def _landing_result(context, landed: list[LandedFile], source: str, mode: str) -> dg.MaterializeResult:
    stored = [e for e in landed if e.stored]
    context.log.info(f"{source}: {len(landed)} document(s) in {mode} mode, {len(stored)} new file(s) stored")
    preview = "\n".join(
        ["| key | status | bytes | sha256 |", "|---|---|---|---|"]
        + [f"| {e.key} | {e.status} | {e.bytes} | {e.sha256[:12]} |" for e in landed[:50]]
    )
    return dg.MaterializeResult(
        metadata={
            "mode": mode,
            "documents": len(landed),
            "new_files": len(stored),
            "bytes": sum(e.bytes for e in landed),
            "landing_dir": dg.MetadataValue.path(str(SETTINGS.landing_dir / source)),
            "preview": dg.MetadataValue.md(preview),
        }
    )


def _raw_results(context, con, report: LoadReport, tables: list[str]):
    for path, reason in report.rejected:
        context.log.error(f"rejected {path}: {reason}")
    for table, rules in report.quarantined_by_rule.items():
        for rule, n in rules.items():
            context.log.warning(f"{n} row(s) of raw.{table} quarantined: {rule}")
    context.log.info(report.summary())
    for table in tables:
        total = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        yield dg.MaterializeResult(
            asset_key=raw_key(table),
            metadata={
                "dagster/row_count": total,
                "rows_written": report.rows.get(table, 0),
                "rows_quarantined": report.quarantined.get(table, 0),
                "files_loaded": len(report.loaded),
                "files_unchanged": len(report.unchanged),
                "files_rejected": len(report.rejected),
                "rejections": dg.MetadataValue.md(
                    "\n".join(f"- `{p}`: {r}" for p, r in report.rejected) or "none"
                ),
            },
        )


def _raw_spec(table: str, group: str, landing: str, **kwargs) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=raw_key(table),
        group_name=group,
        deps=[dg.AssetKey(["landing", landing])],
        description=f"raw.{table}: typed as delivered, with lineage columns (landing file, sha256, is_sample).",
        kinds={"duckdb"},
        tags={"layer": "raw"},
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(name, str(typ)) for name, typ in TABLES[table]]
            ),
            "dagster/table_name": f"aigap.raw.{table}",
        },
        **kwargs,
    )


def _whole_source(
    name: str,
    group: str,
    description: str,
    mode_source: str,
    tables: list[str],
    land: Callable[[], list[LandedFile]],
    load: Callable,
) -> list[dg.AssetsDefinition]:
    """A small source landed and loaded whole on every run."""

    @dg.asset(
        key=["landing", name],
        group_name=group,
        description=f"{description} Landed byte for byte under AIGAP_HOME/landing.",
        kinds={"python", "file"},
        tags={"layer": "landing", "source_mode": _mode(mode_source)},
    )
    def landing(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return _landing_result(context, land(), name, _mode(mode_source))

    @dg.multi_asset(
        name=f"raw_{name}", specs=[_raw_spec(t, group, name) for t in tables], retry_policy=WRITER_RETRY
    )
    def raw(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
        with duckdb.get_connection() as con:
            report = load(con, context.run.run_id)
            yield from _raw_results(context, con, report, tables)

    return [landing, raw]


# -- filings: partitioned by company --------------------------------------------------------


def _companies(context) -> list:
    chosen = set(context.partition_keys)
    return [listing for listing in sec.sec_listings(LISTINGS) if listing.ticker in chosen]


@dg.asset(
    key=["landing", "filings"],
    group_name="filings",
    partitions_def=SEC_COMPANIES,
    backfill_policy=ONE_RUN,
    description="SEC EDGAR XBRL companyfacts and submissions JSON of each SEC filer (one partition per "
    "company), landed byte for byte.",
    kinds={"python", "file"},
    tags={"layer": "landing", "source_mode": _mode("filings")},
)
def landing_filings(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    listings = _companies(context)
    context.log.info(f"filings for {', '.join(x.ticker for x in listings)}")
    return _landing_result(context, pipeline.land(SETTINGS, "filings", listings), "filings", _mode("filings"))


@dg.multi_asset(
    name="raw_filings",
    specs=[_raw_spec(t, "filings", "filings") for t in sec.RAW_TABLES],
    partitions_def=SEC_COMPANIES,
    backfill_policy=ONE_RUN,
    retry_policy=WRITER_RETRY,
)
def raw_filings(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    keys = {key for listing in _companies(context) for key in sec.landing_keys_for(listing)}
    with duckdb.get_connection() as con:
        report = pipeline.load(con, SETTINGS, "filings", run_id=context.run.run_id, keys=keys)
        yield from _raw_results(context, con, report, sec.RAW_TABLES)


# -- price bars: partitioned by day -----------------------------------------------------------


def _window(context):
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


@dg.asset(
    key=["landing", "prices"],
    group_name="market",
    partitions_def=TRADING_DAYS,
    backfill_policy=ONE_RUN,
    description="Daily OHLCV bars (unadjusted close) per listing, one partition per day; a range of days "
    "is one request per symbol.",
    kinds={"python", "file"},
    tags={"layer": "landing", "source_mode": _mode("prices")},
)
def landing_prices(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    start, end = _window(context)
    context.log.info(f"price bars {start}..{end}")
    return _landing_result(
        context, pipeline.land_price_bars(SETTINGS, start, end, LISTINGS), "prices", _mode("prices")
    )


@dg.multi_asset(
    name="raw_prices",
    specs=[_raw_spec("prices_daily", "market", "prices")],
    partitions_def=TRADING_DAYS,
    backfill_policy=ONE_RUN,
    retry_policy=WRITER_RETRY,
)
def raw_prices(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    start, end = _window(context)
    with duckdb.get_connection() as con:
        report = pipeline.load_price_bars(
            con, SETTINGS, start, end, run_id=context.run.run_id, listings=LISTINGS
        )
        yield from _raw_results(context, con, report, ["prices_daily"])


# -- the small sources, whole ----------------------------------------------------------------

WHOLE_SOURCES = [
    *_whole_source(
        "manual", "reference", "The company universe CSV and the curated HKEX (Tencent) figures.", "manual",
        ["universe", "hkex_fundamentals"],
        lambda: pipeline.land(SETTINGS, "manual", LISTINGS),
        lambda con, run_id: pipeline.load(con, SETTINGS, "manual", run_id=run_id),
    ),
    *_whole_source(
        "price_events", "market", "Split and dividend events per listing.", "prices",
        ["price_events"],
        lambda: pipeline.land_price_events(SETTINGS, LISTINGS),
        lambda con, run_id: pipeline.load_price_events(con, SETTINGS, run_id=run_id),
    ),
    *_whole_source(
        "fx", "market", "FRED daily USD/CNY (DEXCHUS) and USD/HKD (DEXHKUS).", "fx",
        ["fx_rates"],
        lambda: pipeline.land(SETTINGS, "fx", LISTINGS),
        lambda con, run_id: pipeline.load(con, SETTINGS, "fx", run_id=run_id),
    ),
    *_whole_source(
        "fedreg", "controls", "Federal Register documents of the Bureau of Industry and Security, page by page.",
        "fedreg", ["federal_register_documents"],
        lambda: pipeline.land(SETTINGS, "fedreg", LISTINGS),
        lambda con, run_id: pipeline.load(con, SETTINGS, "fedreg", run_id=run_id),
    ),
]  # fmt: skip

FILINGS_ASSETS = [landing_filings, raw_filings]
PRICE_BAR_ASSETS = [landing_prices, raw_prices]
INGESTION_ASSETS = [*FILINGS_ASSETS, *PRICE_BAR_ASSETS, *WHOLE_SOURCES]
