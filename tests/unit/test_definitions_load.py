import dagster as dg

from orchestration.definitions import defs


def test_definitions_load_as_one_connected_graph():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for expected in (
        "landing/filings",
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
    for key in graph.get_all_asset_keys():
        if key.path[0] == "landing" and key.path[1] != "universe":
            assert universe in graph.get(key).parent_keys, key


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
