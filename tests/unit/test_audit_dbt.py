"""audit.record_dbt_results: dbt's run_results + manifest of one build become audit.check_results rows."""

from __future__ import annotations

import duckdb
import orjson

from ingestion.audit import record_dbt_results

MANIFEST = {
    "sources": {
        "source.aigap.raw.prices_daily": {"source_name": "raw", "schema": "raw", "name": "prices_daily"},
    },
    "nodes": {
        "model.aigap.stg_prices__daily": {
            "resource_type": "model",
            "name": "stg_prices__daily",
            "fqn": ["aigap", "staging", "prices", "stg_prices__daily"],
            "config": {"schema": "staging"},
        },
        "model.aigap.fct_fundamentals": {
            "resource_type": "model",
            "name": "fct_fundamentals",
            "fqn": ["aigap", "marts", "fct_fundamentals"],
            "config": {"schema": "marts"},
        },
        "test.aigap.source_not_null_raw_prices_daily_close.1a": {
            "resource_type": "test",
            "name": "source_not_null_raw_prices_daily_close",
            "attached_node": None,
            "depends_on": {"nodes": ["source.aigap.raw.prices_daily"]},
            "config": {"severity": "ERROR"},
        },
        "test.aigap.not_null_stg_prices__daily_ticker.2b": {
            "resource_type": "test",
            "name": "not_null_stg_prices__daily_ticker",
            "attached_node": "model.aigap.stg_prices__daily",
            "depends_on": {"nodes": ["model.aigap.stg_prices__daily"]},
            "config": {"severity": "ERROR"},
        },
        "test.aigap.restatement_changes_sign": {
            "resource_type": "test",
            "name": "restatement_changes_sign",
            "depends_on": {"nodes": ["model.aigap.fct_fundamentals"]},
            "config": {"severity": "warn"},
        },
    },
    "unit_tests": {
        "unit_test.aigap.fct_fundamentals.as_of": {
            "resource_type": "unit_test",
            "name": "as_of",
            "depends_on": {"nodes": ["model.aigap.fct_fundamentals"]},
            "config": {},
        },
    },
}
RUN_RESULTS = {
    "results": [
        {"unique_id": "model.aigap.stg_prices__daily", "status": "success", "failures": None},
        {"unique_id": "test.aigap.source_not_null_raw_prices_daily_close.1a", "status": "fail", "failures": 3,
         "message": "Got 3 results, configured to fail if != 0"},
        {"unique_id": "test.aigap.not_null_stg_prices__daily_ticker.2b", "status": "skipped", "failures": None},
        {"unique_id": "test.aigap.restatement_changes_sign", "status": "warn", "failures": 1},
        {"unique_id": "unit_test.aigap.fct_fundamentals.as_of", "status": "pass", "failures": 0},
    ]
}  # fmt: skip


def test_every_test_of_the_build_is_kept_with_what_it_tests():
    con = duckdb.connect()
    assert record_dbt_results(con, run_id="r-1", run_results=RUN_RESULTS, manifest=MANIFEST) == 4
    rows = con.execute(
        "SELECT run_id, check_name, layer, asset, status, blocking, failing_rows FROM audit.check_results "
        "ORDER BY check_name"
    ).fetchall()
    assert rows == [
        ("r-1", "as_of", "marts", "marts.fct_fundamentals", "passed", True, 0),
        ("r-1", "not_null_stg_prices__daily_ticker", "staging", "staging.stg_prices__daily", "skipped", True, 0),
        ("r-1", "restatement_changes_sign", "marts", "marts.fct_fundamentals", "warned", False, 1),
        ("r-1", "source_not_null_raw_prices_daily_close", "raw", "raw.prices_daily", "failed", True, 3),
    ]  # fmt: skip
    (detail,) = con.execute(
        "SELECT detail FROM audit.check_results WHERE check_name = 'source_not_null_raw_prices_daily_close'"
    ).fetchone()
    assert orjson.loads(detail)["message"] == "Got 3 results, configured to fail if != 0"


def test_a_second_build_adds_its_own_rows():
    con = duckdb.connect()
    record_dbt_results(con, run_id="r-1", run_results=RUN_RESULTS, manifest=MANIFEST)
    record_dbt_results(con, run_id="r-2", run_results=RUN_RESULTS, manifest=MANIFEST)
    assert con.execute(
        "SELECT run_id, count(*) FROM audit.check_results GROUP BY 1 ORDER BY 1"
    ).fetchall() == [
        ("r-1", 4),
        ("r-2", 4),
    ]
