"""dbt models, seeds and tests as Dagster assets and asset checks (one dbt build per run)."""

import os
import shutil
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import get_asset_check_key_for_test  # not exported: test_dagster_dbt_pins.py

from ingestion.audit import dbt_inputs_fingerprint, last_dbt_build, record_dbt_build, record_dbt_results
from ingestion.landing import sha256_hex
from ingestion.previews import preview_markdown, row_count
from orchestration.dbt_project import dbt_project
from orchestration.resources import AigapSettings, WarehouseResource


class AigapDbtTranslator(DagsterDbtTranslator):
    """Source keys equal the raw ingestion asset keys, so the lineage graph is one graph."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        kind = dbt_resource_props["resource_type"]
        if kind == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return fqn[1] if len(fqn) > 2 else "dbt"

    # Not marked public in dagster-dbt: held to the pinned minor by tests/unit/test_dagster_dbt_pins.py.
    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project) -> dg.AssetCheckSpec | None:
        if asset_spec.key.path[0] not in CHECKED_LAYERS:
            return None
        return super().get_asset_check_spec(asset_spec, manifest, unique_id, project)


# Which dbt tests are also Dagster asset checks: those on the marts (what analysts read) and on the
# seeds (the curated facts). Every test runs in the build either way: an error-severity failure stops
# the models downstream of it and fails the step, and every result is kept in audit.check_results.
# Each Dagster check costs four SQLite writes in the event log (planned, output, evaluation and its
# index); the 270 staging and intermediate tests as checks were a fifth of a first run.
CHECKED_LAYERS = ("marts", "seeds")


# dbt source tests stay in the dbt build (a failing one stops the models downstream of it, and its
# result is kept in audit.check_results) but are not Dagster checks on the raw assets: when the dbt
# op carries checks of a raw table, Dagster no longer orders it after that table's blocking GX check,
# and a failed GX suite would not stop dbt. (They also pulled a dbt start into every partitioned run.)
TRANSLATOR = AigapDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=False))


# The marts an analyst opens first: their materializations carry a preview table in the UI.
PREVIEWED = {"fct_valuation_daily", "fct_basket_gap_daily", "fct_fundamentals", "fct_compute_access_gap",
             "fct_event_study", "fct_return_on_research", "fct_growth_vs_utility"}  # fmt: skip


# dbt unit tests check the models' logic on fixed rows, not the data: they change only with the SQL,
# so they run where the SQL is tested (tests/integration/test_dbt_unit_tests.py, CI), as dbt advises,
# not in every build (27 of them were half of the build's test time).
PRODUCTION_BUILD = ("--exclude-resource-type", "unit_test")


# Marts wait for their row counts; what is built on them waits too (outputs go in topological order).
HELD_BACK = ("marts", "report", "dashboard")


def _held_back(context: dg.AssetExecutionContext, event) -> bool:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name).path[0] in HELD_BACK
    key = getattr(event, "asset_key", None)
    return key is not None and key.path[0] in HELD_BACK


def _with_table_metadata(
    context: dg.AssetExecutionContext, events: list, warehouse: WarehouseResource
) -> list:
    """Row counts for every mart dbt built, previews for the key ones.

    dbt holds the DuckDB file while it runs, so this reads once dbt has finished.
    """
    with warehouse.get_connection(read_only=True) as con:
        enriched = []
        for event in events:
            key = context.asset_key_for_output(event.output_name) if isinstance(event, dg.Output) else None
            if key is not None and key.path[0] == "marts":
                table = key.path[-1]
                metadata = {"dagster/row_count": row_count(con, "marts", table)}
                if table in PREVIEWED:
                    metadata["preview"] = dg.MetadataValue.md(preview_markdown(con, "marts", table))
                event = event.with_metadata({**event.metadata, **metadata})
            enriched.append(event)
    return enriched


def _target_with_parse_state(run_id: str, state: Path) -> Path:
    """This build's own target folder, holding this warehouse's last parse when there is one.

    dagster-dbt would seed it with `make manifest`'s parse, which dbt throws away (a full parse, 8 s
    here) whenever the warehouse file is another than the one the manifest was made for.
    """
    target = dbt_project.project_dir / dbt_project.target_path / f"aigap_dbt-{run_id[:8]}-{uuid4().hex[:7]}"
    target.mkdir(parents=True)
    if state.is_file():
        shutil.copyfile(state, target / state.name)
    return target


def _keep_parse_state(target: Path, state: Path) -> None:
    """Keep the parse of a successful build for the next build and the docs of this warehouse."""
    built = target / state.name
    if built.is_file():
        state.parent.mkdir(parents=True, exist_ok=True)
        staged = state.with_suffix(".tmp")
        shutil.copyfile(built, staged)
        os.replace(staged, state)


def _dagster_events(context: dg.AssetExecutionContext, invocation) -> Iterator:
    """dagster-dbt's events of the build, without those of tests that are not checks of this run.

    ``invocation.stream()`` would log each of those as an observation of the tested model, with a
    warning that calls it an indirect selection: hundreds of misleading lines and events.
    """
    checks = context.selected_asset_check_keys
    for raw in invocation.stream_raw_events():
        unique_id = (raw.raw_event.get("data", {}).get("node_info") or {}).get("unique_id", "")
        if (
            unique_id.startswith("test.")
            and get_asset_check_key_for_test(invocation.manifest, TRANSLATOR, unique_id, dbt_project)
            not in checks
        ):
            continue
        yield from raw.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=TRANSLATOR,
            context=context,
            target_path=invocation.target_path,
            project=dbt_project,
        )


class DbtBuildConfig(dg.Config):
    """Build even when nothing dbt reads changed since the last successful build."""

    force: bool = False


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=TRANSLATOR)
def aigap_dbt(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    duckdb: WarehouseResource,
    settings: AigapSettings,
):
    """All seeds, models and tests in one `dbt build`: framework start-up dominates, so one call.

    When nothing dbt reads changed since the last successful build (the project, every raw table,
    the day: ``audit.dbt_inputs_fingerprint``), the build is skipped: it would rebuild the same
    tables, and serving, report and docs downstream are skipped with it, the published file staying
    as it is. Otherwise events are passed on as dbt emits them, so Dagster records them while dbt
    works; only the marts (with their checks and the report models built on them) wait for the end,
    when their row counts and previews can be read. Requires the warehouse resource so the run lock
    is held while dbt writes.
    """
    s = settings.get()
    with duckdb.get_connection() as con:
        fingerprint = dbt_inputs_fingerprint(
            con, sha256_hex(dbt_project.manifest_path.read_bytes()), date.today()
        )
        last = last_dbt_build(con)
    # ... and only if that build was published (a run killed before its publish leaves it unpublished)
    published = (
        s.serving_db_path.exists()
        and last is not None
        and s.serving_db_path.stat().st_mtime >= last[2].timestamp()
    )
    if last is not None and last[1] == fingerprint and published and not config.force:
        context.log.info(
            f"nothing dbt reads changed since run {last[0]} built it: dbt build skipped, the serving file "
            f"{s.serving_db_path} stays as published (launch with force: true to build anyway)"
        )
        return
    target = _target_with_parse_state(context.run.run_id, s.dbt_parse_state)
    invocation = dbt.cli(
        ["build", *PRODUCTION_BUILD, *s.dbt_vars()], context=context, raise_on_error=False, target_path=target
    )
    marts = []
    try:
        for event in _dagster_events(context, invocation):
            if _held_back(context, event):
                marts.append(event)
            else:
                yield event
    finally:
        if invocation.process.poll() is None:  # the step failed mid-stream: dbt must not write on
            invocation.process.terminate()
    # dbt has released the file: keep every test result in audit.check_results too.
    with duckdb.get_connection() as con:
        record_dbt_results(
            con,
            run_id=context.run.run_id,
            run_results=invocation.get_artifact("run_results.json"),
            manifest=invocation.get_artifact("manifest.json"),
        )
        if invocation.is_successful():
            record_dbt_build(con, context.run.run_id, fingerprint)
            _keep_parse_state(target, s.dbt_parse_state)
    yield from _with_table_metadata(context, marts, duckdb)
    if not invocation.is_successful():
        raise invocation.get_error() or dg.Failure("dbt build failed: see the dbt log above")


MART_KEYS = sorted((k for k in aigap_dbt.keys if k.path[0] == "marts"), key=lambda k: k.to_user_string())
