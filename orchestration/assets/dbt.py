"""dbt models, seeds and tests as Dagster assets and asset checks (one dbt build per run)."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_project import dbt_project


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


TRANSLATOR = AigapDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=TRANSLATOR)
def aigap_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """All seeds, models and tests in one `dbt build`: framework start-up dominates, so one call."""
    yield from dbt.cli(["build"], context=context).stream()


MART_KEYS = sorted((k for k in aigap_dbt.keys if k.path[0] == "marts"), key=lambda k: k.to_user_string())
