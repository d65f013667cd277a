"""Ingestion assets: per source, one landing asset (bytes as fetched) and its raw tables.

Landing and raw are separate assets so the graph shows the layers DESIGN.md names, and so a
raw table can be reloaded from what is already landed without fetching again.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from ingestion import pipeline
from ingestion.raw_tables import TABLES
from orchestration.settings import SETTINGS

# landing source -> Dagster group (source domain)
GROUPS = {
    "manual": "reference",
    "filings": "filings",
    "prices": "market",
    "fx": "market",
    "fedreg": "controls",
}
DESCRIPTIONS = {
    "manual": "The company universe CSV and the curated HKEX (Tencent) figures.",
    "filings": "SEC EDGAR XBRL companyfacts and submissions JSON, one pair per SEC filer.",
    "prices": "Daily OHLCV (unadjusted close) and split/dividend events per listing.",
    "fx": "FRED daily USD/CNY (DEXCHUS) and USD/HKD (DEXHKUS).",
    "fedreg": "Federal Register documents of the Bureau of Industry and Security, page by page.",
}
WRITER_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def _landing_asset(source: str) -> dg.AssetsDefinition:
    mode = "sample" if source == "manual" else SETTINGS.mode(source)

    @dg.asset(
        key=["landing", source],
        group_name=GROUPS[source],
        description=f"{DESCRIPTIONS[source]} Landed byte for byte under AIGAP_HOME/landing/{source}.",
        kinds={"python", "file"},
        tags={"layer": "landing", "source_mode": mode},
    )
    def landing(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        landed = pipeline.land(SETTINGS, source)
        stored = [e for e in landed if e.stored]
        context.log.info(
            f"{source}: {len(landed)} document(s) fetched in {mode} mode, {len(stored)} new file(s) stored"
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
                "landing_dir": dg.MetadataValue.path(str(SETTINGS.landing_dir / source)),
                "preview": dg.MetadataValue.md(preview),
            }
        )

    return landing


def _raw_assets(source: str) -> dg.AssetsDefinition:
    module = pipeline.source_module(source)
    specs = [
        dg.AssetSpec(
            key=raw_key(table),
            group_name=GROUPS[source],
            deps=[dg.AssetKey(["landing", source])],
            description=f"raw.{table}: typed as delivered by the {source} source, with lineage columns.",
            kinds={"duckdb"},
            tags={"layer": "raw"},
            metadata={
                "dagster/column_schema": dg.TableSchema(
                    columns=[dg.TableColumn(name, str(typ)) for name, typ in TABLES[table]]
                ),
                "dagster/table_name": f"aigap.raw.{table}",
            },
        )
        for table in module.RAW_TABLES
    ]

    @dg.multi_asset(name=f"raw_{source}", specs=specs, retry_policy=WRITER_RETRY)
    def load_raw(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
        with duckdb.get_connection() as con:
            report = pipeline.load(con, SETTINGS, source, run_id=context.run.run_id)
            totals = {
                t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in module.RAW_TABLES
            }
        for path, reason in report.rejected:
            context.log.error(f"rejected {path}: {reason}")
        context.log.info(report.summary())
        for table in module.RAW_TABLES:
            yield dg.MaterializeResult(
                asset_key=raw_key(table),
                metadata={
                    "dagster/row_count": totals[table],
                    "rows_written": report.rows.get(table, 0),
                    "files_loaded": len(report.loaded),
                    "files_unchanged": len(report.unchanged),
                    "files_rejected": len(report.rejected),
                    "rejections": dg.MetadataValue.md(
                        "\n".join(f"- `{p}`: {r}" for p, r in report.rejected) or "none"
                    ),
                },
            )

    return load_raw


INGESTION_ASSETS = [
    asset for source in pipeline.SOURCE_MODULES for asset in (_landing_asset(source), _raw_assets(source))
]
