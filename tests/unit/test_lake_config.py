"""Lake-mode settings (AIGAP_WAREHOUSE, AIGAP_LAKE_DATA_PATH) and what is built from them, no server needed."""

import json

import pytest
import yaml

from ingestion.config import ConfigError, load_settings
from ingestion.lake import attach_sql
from orchestration.instance import dagster_postgres_url, write_instance_config

CATALOG = "host=db.internal port=6543 user=aigap dbname=aigap_lake sslmode=require"


def lake(**extra: str):
    env = {"AIGAP_WAREHOUSE": f"ducklake:postgres:{CATALOG}", "AIGAP_LAKE_DATA_PATH": "/srv/lake/"} | extra
    return load_settings(env)


def test_unset_is_the_embedded_file():
    s = load_settings({"AIGAP_HOME": "/tmp/w"})
    assert not s.is_lake and s.lake_catalog is None
    assert json.loads(s.dbt_vars()[1]) == {"aigap_db_path": "/tmp/w/aigap.duckdb"}


def test_lake_settings_reach_dbt_and_the_attach():
    s = lake(AIGAP_HOME="/tmp/w")
    assert s.is_lake and s.lake_catalog == CATALOG and s.lake_data_path == "/srv/lake/"
    assert json.loads(s.dbt_vars()[1]) == {
        "aigap_db_path": "/tmp/w/aigap.duckdb",
        "aigap_lake_catalog": f"ducklake:postgres:{CATALOG}",
        "aigap_lake_data_path": "/srv/lake/",
        "aigap_extension_dir": "/tmp/w/duckdb_extensions",
    }
    assert attach_sql(s, read_only=True) == (
        f"ATTACH 'ducklake:postgres:{CATALOG}' AS aigap (DATA_PATH '/srv/lake/', READ_ONLY)"
    )


@pytest.mark.parametrize(
    "conninfo",
    [
        "host=db password=hunter2 dbname=x",
        "postgresql://aigap:hunter2@db/x",
        "postgresql://db/x?password=hunter2",
    ],
)
def test_a_password_in_the_conninfo_is_refused_without_repeating_it(conninfo):
    with pytest.raises(ConfigError, match="AIGAP_WAREHOUSE holds a password") as caught:
        load_settings({"AIGAP_WAREHOUSE": f"ducklake:postgres:{conninfo}", "AIGAP_LAKE_DATA_PATH": "/x"})
    assert "hunter2" not in str(caught.value)


def test_lake_mode_needs_its_data_path_and_its_prefix():
    with pytest.raises(ConfigError, match="AIGAP_LAKE_DATA_PATH is not set"):
        load_settings({"AIGAP_WAREHOUSE": f"ducklake:postgres:{CATALOG}"})
    with pytest.raises(ConfigError, match="AIGAP_WAREHOUSE: expected ducklake:postgres:"):
        load_settings({"AIGAP_WAREHOUSE": "md:aigap", "AIGAP_LAKE_DATA_PATH": "/x"})
    with pytest.raises(ConfigError, match="AIGAP_LAKE_WORKERS"):
        lake(AIGAP_LAKE_WORKERS="0")
    assert lake(AIGAP_LAKE_WORKERS="4").lake_workers == 4


def test_dagster_storage_is_the_catalogs_server_with_its_own_database_and_no_password():
    s = lake(AIGAP_DAGSTER_DATABASE="dagster_runs")
    url = dagster_postgres_url(s)
    assert url == "postgresql+psycopg2://aigap@db.internal:6543/dagster_runs?sslmode=require"
    assert "password" not in url
    service = load_settings(
        {"AIGAP_WAREHOUSE": "ducklake:postgres:service=aigap", "AIGAP_LAKE_DATA_PATH": "/x"}
    )
    assert dagster_postgres_url(service) == "postgresql+psycopg2:///aigap_dagster?service=aigap"


def test_lake_mode_writes_its_storage_and_keeps_the_rest(tmp_path, monkeypatch):
    import orchestration.instance as instance

    created = []
    monkeypatch.setattr(
        instance, "ensure_dagster_database", lambda settings: created.append(settings.dagster_database)
    )
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("run_queue:\n  max_concurrent_runs: 2\n")
    write_instance_config(home, lake())
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config == {
        "run_queue": {"max_concurrent_runs": 2},
        "telemetry": {"enabled": False},
        "nux": {"enabled": False},
        "storage": {
            "postgres": {
                "postgres_url": "postgresql+psycopg2://aigap@db.internal:6543/aigap_dagster?sslmode=require"
            }
        },
    }
    assert created == ["aigap_dagster"]
    write_instance_config(home, lake())  # unchanged settings: nothing to create or rewrite
    assert created == ["aigap_dagster"]
