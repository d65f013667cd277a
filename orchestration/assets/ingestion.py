"""Ingestion assets: for each source of the registry, ``landing/<name>`` (bytes as fetched) and its
raw tables (``raw/<table>``).

Landing and raw are separate assets so the graph shows the layers of the warehouse, and so a raw
table can be reloaded from what is already landed without fetching again. The universe is landed
and loaded first; every other landing asset reads the listings of ``raw.universe``. Price bars are
partitioned by month; the other sources are landed whole (conditional requests make that cheap).
"""

from datetime import timedelta

import dagster as dg

from ingestion.landing import LandedFile
from ingestion.raw_loader import LoadReport
from ingestion.raw_tables import TABLES
from ingestion.sources.registry import SOURCES, Source, Window
from ingestion.sources.sec_tickers import RAW_TABLES as TICKER_TABLES
from ingestion.universe import UNIVERSE_SOURCE, Listing, loaded_listings
from orchestration.partitions import MONTHS, ONE_RUN
from orchestration.resources import AigapSettings, WarehouseResource

WRITER_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)
UNIVERSE_KEY = dg.AssetKey(["raw", "universe"])


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


class LandingConfig(dg.Config):
    """Limit a landing run to some listings, e.g. to refresh one company's filings from the UI."""

    tickers: list[str] = []  # tickers of the universe; empty: every listing


def _chosen(listings: list[Listing], tickers: list[str]) -> list[Listing]:
    if not tickers:
        return listings
    unknown = sorted(set(tickers) - {x.ticker for x in listings})
    if unknown:
        raise dg.Failure(f"tickers not in raw.universe: {', '.join(unknown)}")
    return [x for x in listings if x.ticker in set(tickers)]


def _window(context: dg.AssetExecutionContext) -> Window:
    window = context.partition_time_window  # a range of months in one run: its first to its last day
    return window.start.date(), (window.end - timedelta(days=1)).date()


def _landing_result(
    context, landed: list[LandedFile], source: Source, mode: str, folder
) -> dg.MaterializeResult:
    stored = [e for e in landed if e.stored]
    context.log.info(
        f"{source.name}: {len(landed)} document(s) in {mode} mode, {len(stored)} new file(s) stored"
    )
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
            "landing_dir": dg.MetadataValue.path(str(folder)),
            "preview": dg.MetadataValue.md(preview),
        }
        # progress of a resumable fetch (Yahoo bars: symbols_done, symbols_left, stopped_by_429)
        | (landed.metadata(len(landed.asked) + len(landed.skipped)) if hasattr(landed, "metadata") else {})
    )


def _raw_results(context, con, report: LoadReport, tables: tuple[str, ...]):
    for path, reason in report.rejected:
        context.log.error(f"rejected {path}: {reason}")
    for table, rules in report.quarantined_by_rule.items():
        for rule, n in rules.items():
            context.log.warning(f"{n} row(s) of raw.{table} quarantined: {rule}")
    context.log.info(report.summary())
    for table in tables:
        total = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        extra = _universe_metadata(con) if table == "universe" else {}
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
                **extra,
            },
        )


def _universe_metadata(con) -> dict:
    """How the universe was resolved: CIKs by where they came from, and every line refused."""
    by_source = dict(
        con.execute("SELECT coalesce(cik_source, 'none'), count(*) FROM raw.universe GROUP BY 1").fetchall()
    )
    refused = con.execute("SELECT reason FROM quarantine.universe ORDER BY line LIMIT 50").fetchall()
    return {
        "ciks_from_company_tickers": by_source.get("company_tickers", 0),
        "ciks_from_universe_file": by_source.get("universe file", 0),
        "lines_refused": dg.MetadataValue.md("\n".join(f"- {r}" for (r,) in refused) or "none"),
    }


def _raw_spec(table: str, source: Source) -> dg.AssetSpec:
    # the universe is resolved with company_tickers.json (raw.sec_company_tickers)
    resolves_with = [raw_key(t) for t in TICKER_TABLES] if source.name == UNIVERSE_SOURCE else []
    return dg.AssetSpec(
        key=raw_key(table),
        group_name=source.group,
        deps=[dg.AssetKey(["landing", source.name]), *resolves_with],
        description=f"raw.{table}: typed as delivered, with lineage columns (landing file, sha256, is_sample).",
        kinds={"duckdb"},
        tags={"layer": "raw"},
        partitions_def=MONTHS if source.windowed else None,
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(name, str(typ)) for name, typ in TABLES[table]]
            ),
            "dagster/table_name": f"aigap.raw.{table}",
        },
    )


def _assets(source: Source) -> list[dg.AssetsDefinition]:
    first = source.before_universe
    partitions = MONTHS if source.windowed else None

    @dg.asset(
        key=["landing", source.name],
        group_name=source.group,
        deps=[] if first else [UNIVERSE_KEY],
        partitions_def=partitions,
        backfill_policy=ONE_RUN if partitions else None,
        description=f"{source.description} Landed byte for byte under AIGAP_HOME/landing/{source.folder}.",
        kinds={"python", "file"},
        tags={"layer": "landing"},
    )
    def landing(
        context: dg.AssetExecutionContext,
        config: LandingConfig,
        settings: AigapSettings,
        duckdb: WarehouseResource,
    ) -> dg.MaterializeResult:
        s = settings.get()
        listings: list[Listing] = []
        if not first:
            with duckdb.get_connection() as con:
                listings = _chosen(loaded_listings(con), config.tickers)
        window = _window(context) if partitions else None
        landed = source.land(s, settings.zone(), listings, window)
        return _landing_result(context, landed, source, source.mode(s), s.landing_dir / source.folder)

    @dg.multi_asset(
        name=f"raw_{source.name}",
        specs=[_raw_spec(t, source) for t in source.raw_tables],
        backfill_policy=ONE_RUN if partitions else None,
        retry_policy=WRITER_RETRY,
    )
    def raw(context: dg.AssetExecutionContext, settings: AigapSettings, duckdb: WarehouseResource):
        s = settings.get()
        with duckdb.get_connection() as con:
            listings = [] if first else loaded_listings(con)
            report = source.load(
                con, settings.zone(), s, listings,
                run_id=context.run.run_id, window=_window(context) if partitions else None,
            )  # fmt: skip
            if source.name == UNIVERSE_SOURCE and report.rejected:
                # Every other source reads the universe: a bad one stops the run, naming its line.
                raise dg.Failure(f"the universe was refused: {report.rejected[0][1]}")
            yield from _raw_results(context, con, report, source.raw_tables)

    return [landing, raw]


INGESTION_ASSETS = [asset for source in SOURCES.values() for asset in _assets(source)]
