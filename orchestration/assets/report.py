"""The gap report (PNG charts + one HTML page), drawn from the published serving file."""

import base64

import dagster as dg

from ingestion.publish.dbt_docs import refresh_dbt_docs
from ingestion.publish.report import build_report
from orchestration.dbt_project import dbt_project
from orchestration.resources import AigapSettings, WarehouseResource

SERVING_KEY = dg.AssetKey(["serving", "aigap"])


@dg.asset(
    key=["reports", "html"],
    group_name="serving",
    deps=[SERVING_KEY],
    kinds={"python", "html"},
    description=(
        "AIGAP_HOME/reports/index.html and one PNG per chart (basket indices with export-control events, "
        "EV/R&D by company, compute access ratio, event-study CARs, return on research, growth vs utility), "
        "drawn from the serving file opened read-only. Charts are stamped SAMPLE DATA when they plot sample "
        "rows, and redrawn only when the rows they plot changed."
    ),
)
def report_html(context: dg.AssetExecutionContext, settings: AigapSettings) -> dg.MaterializeResult:
    s = settings.get()
    result = build_report(s.serving_db_path, s.reports_dir)
    metadata: dict[str, dg.RawMetadataValue] = {
        "path": dg.MetadataValue.path(str(result.html)),
        "source": dg.MetadataValue.path(str(result.db_path)),
        "charts": dg.MetadataValue.md(
            "\n".join(
                ["| chart | status | rows | sample data | file or note |", "|---|---|---|---|---|"]
                + [
                    f"| {c.name} | {c.status} | {c.rows} | {'yes' if c.is_sample else 'no'} | "
                    f"{c.png if c.png is not None else c.note} |"
                    for c in result.charts
                ]
            )
        ),
        "charts_drawn": sum(c.status == "drawn" for c in result.charts),
        "charts_unchanged": sum(c.status == "unchanged" for c in result.charts),
        "charts_skipped": sum(c.status == "skipped" for c in result.charts),
    }
    for chart in result.charts:
        if chart.png is None:
            context.log.warning(f"{chart.name} not drawn: {chart.note}")
            continue
        image = base64.b64encode(chart.png.read_bytes()).decode("ascii")
        label = f"{chart.title}{' (SAMPLE DATA)' if chart.is_sample else ''}"
        metadata[f"chart_{chart.name}"] = dg.MetadataValue.md(
            f"**{label}**\n\n![{label}](data:image/png;base64,{image})"
        )
    context.log.info(f"report written to {result.html}")
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=["reports", "dbt_docs"],
    group_name="serving",
    deps=[SERVING_KEY],
    kinds={"dbt", "html"},
    description=(
        "AIGAP_HOME/reports/dbt-docs/: the dbt docs site (every model, column, test and the lineage graph; "
        "static_index.html opens from disk), generated from the serving file attached read-only, and only "
        "when the dbt project changed since the site was last generated."
    ),
)
def dbt_docs_site(
    context: dg.AssetExecutionContext, settings: AigapSettings, duckdb: WarehouseResource
) -> dg.MaterializeResult:
    # The warehouse resource holds the run lock: dbt reads the catalog from the working file.
    s = settings.get()
    out = s.reports_dir / "dbt-docs"
    report = refresh_dbt_docs(s.serving_db_path, out, dbt_project.manifest_path, from_build=s)
    metadata: dict[str, dg.RawMetadataValue] = {
        "path": dg.MetadataValue.path(str(out / "static_index.html")),
        "regenerated": report is not None,
    }
    if report is not None:
        metadata |= {
            "models": report.models,
            "catalog_relations": report.catalog_nodes,
            "seconds": report.seconds,
        }
        context.log.info(f"dbt docs: {report.models} models in {out} ({report.seconds:.1f}s)")
    return dg.MaterializeResult(metadata=metadata)
