"""The serving file: published only when everything upstream (and its blocking checks) succeeded."""

import dagster as dg

from ingestion.publish.gate import PublishBlocked, check_publish_rules
from ingestion.publish.serving import create_lake_macros, publish
from ingestion.warehouse import describe, open_warehouse
from orchestration.assets.dbt import MART_KEYS
from orchestration.resources import AigapSettings


@dg.asset(
    key=["serving", "aigap"],
    group_name="serving",
    deps=MART_KEYS,
    kinds={"duckdb", "parquet"},
    description="warehouse/serving/aigap.duckdb and serving/parquet/*.parquet: replaced atomically, "
    "for analysts and BI tools that open them read-only while runs go on.",
)
def serving_copy(context: dg.AssetExecutionContext, settings: AigapSettings) -> dg.MaterializeResult:
    s = settings.get()
    # lake mode: the analysts' macros in the lake too, for clients that attach it; then the catalog
    # attached read-only, one snapshot of it copied into the serving file
    lake = None
    if s.is_lake:
        with open_warehouse(s) as con:
            create_lake_macros(con)
        lake = lambda: open_warehouse(s, read_only=True)  # noqa: E731
    # the aggregate publish rules (docs/publish_rules.md, marts.fct_publish_gate): one company's
    # anomaly is flagged on it and never gets here; a failing rule names the basket and companies
    try:
        rules = check_publish_rules(s.db_path, connect=lake, where=describe(s))
    except PublishBlocked as exc:
        raise dg.Failure(description=str(exc)) from exc
    report = publish(s.db_path, s.serving_db_path, s.parquet_dir, open_source=lake)
    table = "\n".join(
        ["| mart | rows |", "|---|---|"] + [f"| {m} | {n} |" for m, n in report.mart_rows.items()]
    )
    context.log.info(f"published {report.serving_db} ({report.bytes / 1e6:.1f} MB) in {report.seconds:.1f}s")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.serving_db)),
            "bytes": report.bytes,
            "seconds": report.seconds,
            "mart_rows": dg.MetadataValue.md(table),
            "parquet_dir": dg.MetadataValue.path(str(s.parquet_dir)),
            "publish_rules": dg.MetadataValue.md(
                "\n".join(
                    ["| rule | subject | |", "|---|---|---|"]
                    + [f"| {r.rule} | {r.subject} | {r.message} |" for r in rules]
                )
            ),
        }
    )
