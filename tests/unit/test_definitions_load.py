import json
import re
import subprocess

import dagster as dg

from orchestration.dbt_project import dbt_project
from orchestration.definitions import defs
from orchestration.resources import build_resources


def test_definitions_load_as_one_connected_graph():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for expected in (
        "landing/sec",
        "raw/sec_companyfacts",
        "raw/prices_daily",
        "raw/fx_rates",
        "raw/federal_register_documents",
        "marts/dim_company",
        "marts/fct_fundamentals",
        "marts/fct_valuation_daily",
        "marts/fct_basket_gap_daily",
        "serving/aigap",
    ):
        assert expected in keys, expected
    # The dbt source for raw.sec_companyfacts IS the ingestion asset: staging depends on it directly.
    stg = graph.get(dg.AssetKey(["staging", "stg_sec__companyfacts"]))
    assert dg.AssetKey(["raw", "sec_companyfacts"]) in stg.parent_keys
    assert graph.get(dg.AssetKey(["raw", "sec_companyfacts"])).is_materializable
    # Serving waits for every mart.
    serving = graph.get(dg.AssetKey(["serving", "aigap"]))
    assert {k for k in serving.parent_keys if k.path[0] == "marts"} >= {
        dg.AssetKey(["marts", "fct_valuation_daily"]),
        dg.AssetKey(["marts", "fct_basket_gap_daily"]),
    }


def test_the_universe_comes_first():
    graph = defs.resolve_asset_graph()
    universe = dg.AssetKey(["raw", "universe"])
    before = {"universe", "sec_tickers"}  # company_tickers.json resolves the universe's tickers
    for key in graph.get_all_asset_keys():
        if key.path[0] == "landing" and key.path[1] not in before:
            assert universe in graph.get(key).parent_keys, key
    assert dg.AssetKey(["raw", "sec_company_tickers"]) in graph.get(universe).parent_keys
    assert universe not in graph.get(dg.AssetKey(["landing", "sec_tickers"])).parent_keys


def test_one_job_runs_everything_with_price_bars_by_month():
    job = defs.resolve_job_def("refresh")
    keys = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert {
        "raw/universe",
        "raw/sec_companyfacts",
        "raw/prices_daily",
        "serving/aigap",
        "reports/html",
    } <= keys
    assert job.partitions_def is not None
    months = job.partitions_def.get_partition_keys()
    assert months[0] == "2019-01-01"
    assert len(months) < 200  # months, not days: a first run is one run of ~100 partitions


def test_jobs_schedules_and_checks_exist():
    assert defs.resolve_job_def("refresh") is not None
    assert defs.resolve_schedule_def("daily_refresh").cron_schedule == "0 6 * * *"
    check_keys = {k.to_user_string() for k in defs.resolve_asset_graph().asset_check_keys}
    assert "raw/prices_daily:gx_prices_daily" in check_keys
    assert "raw/sec_companyfacts:gx_sec_companyfacts" in check_keys
    # dbt tests (model and source tests) are asset checks too.
    assert any(k.startswith("marts/fct_valuation_daily:") for k in check_keys)


def test_dbt_tests_are_checks_on_marts_and_seeds_only():
    from orchestration.assets.dbt import aigap_dbt

    manifest = json.loads(dbt_project.manifest_path.read_bytes())
    nodes = manifest["nodes"]

    def layer(test: dict) -> str | None:  # the schema of the model or seed a test is about
        deps = test["depends_on"]["nodes"]
        attached = test.get("attached_node") or (deps[0] if len(deps) == 1 else None)
        return nodes[attached]["config"]["schema"] if attached in nodes else None

    layers = [layer(n) for n in nodes.values() if n["resource_type"] == "test"]
    assert {"staging", "intermediate", "marts", "seeds"} <= set(layers)  # tests exist on every layer
    checked = {key.asset_key.path[0] for key in aigap_dbt.check_keys}
    assert checked == {"marts", "seeds"}
    assert len(aigap_dbt.check_keys) == sum(1 for x in layers if x in checked)


def test_the_dbt_version_dagster_is_told_is_the_one_dbt_reports():
    dbt_cli = build_resources()["dbt"]
    reported = subprocess.run(
        [dbt_cli.dbt_executable, "--version"], capture_output=True, text=True, check=True
    )
    installed = re.search(r"installed:\s*(\d+\.\d+\.\d+)", reported.stdout).group(1)
    assert str(dbt_cli._cli_version) == installed, reported.stdout
