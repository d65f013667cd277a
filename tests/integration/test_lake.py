"""Lake mode (AIGAP_WAREHOUSE=ducklake:postgres:..., ingestion/lake.py) against a real PostgreSQL.

A throwaway PostgreSQL cluster (tests/support/postgres_server.py: Debian's binaries, run as an
unprivileged user on a free port of 127.0.0.1) holds the DuckLake catalogs; their Parquet files go to
a temporary folder. Every DuckDB client here is a separate process, as the writers and readers of a
deployment are.

- a whole run in lake mode (``python -m orchestration.run``) gives the marts of the embedded run,
  keeps Dagster's runs in PostgreSQL, and shows the password nowhere;
- two ingestion workers write the same raw tables at once while a reader counts them: no error, no
  row lost or doubled (compared with the same files loaded into an embedded file, key by key);
- a writer killed with SIGKILL mid-load leaves the lake readable and whole per file, and the next
  load completes it;
- a wrong password or an unreachable server: an error naming AIGAP_WAREHOUSE, nothing written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingestion.config import load_settings
from ingestion.lake import LakeUnavailable, lake_connection
from ingestion.landing import LandingZone
from ingestion.raw_loader import connect as connect_file
from ingestion.sources.registry import SOURCES
from ingestion.universe import loaded_listings, read_universe
from tests.support.postgres_server import PASSWORD, PostgresServer, find_bin_dir, postgres_server

REPO_ROOT = Path(__file__).resolve().parents[2]
SEC_TABLES = SOURCES["sec"].raw_tables
US_CIKS = ["0000789019", "0001652044", "0001018724"]  # MSFT, GOOGL, AMZN (ingestion/universe.csv)
CN_CIKS = ["0001577552", "0001329099"]  # BABA, BIDU

pytestmark = pytest.mark.skipif(
    find_bin_dir() is None,
    reason="no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (Debian package `postgresql`, "
    "which `make test` installs)",
)


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    """The server; its password in PGPASSWORD of this process (for the lake connections the tests open)
    for as long as the module runs."""
    before = os.environ.get("PGPASSWORD")
    with postgres_server() as server:
        os.environ["PGPASSWORD"] = PASSWORD
        try:
            yield server
        finally:
            if before is None:
                os.environ.pop("PGPASSWORD", None)
            else:
                os.environ["PGPASSWORD"] = before


def lake_env(pg: PostgresServer, home: Path, database: str, **extra: str) -> dict[str, str]:
    """The environment of a lake-mode process: the conninfo without its password, which is in PGPASSWORD."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIGAP_", "PG"))}
    env.update(
        AIGAP_HOME=str(home),
        AIGAP_SOURCE="sample",
        AIGAP_WAREHOUSE=f"ducklake:postgres:{pg.conninfo(database, password=None)}",
        AIGAP_LAKE_DATA_PATH=str(home.parent / "lake-data"),
        PGPASSWORD=PASSWORD,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def new_lake(pg: PostgresServer, tmp_path: Path, name: str) -> dict[str, str]:
    pg.create_database(name)
    return lake_env(pg, tmp_path / "warehouse", name)


def land_sample(env: dict[str, str]) -> None:
    """Land every source of the sample (file copies, no warehouse involved)."""
    settings = load_settings(env)
    zone = LandingZone(settings.landing_dir)
    listings = read_universe(settings.universe_path)
    for source in SOURCES.values():
        source.land(settings, zone, listings)


def load_universe_into(con: duckdb.DuckDBPyConnection, env: dict[str, str]) -> None:
    settings = load_settings(env)
    SOURCES["universe"].load(con, LandingZone(settings.landing_dir), settings, [])


def rows_per_key(con: duckdb.DuckDBPyConnection, tables=SEC_TABLES) -> dict[str, dict[str, int]]:
    return {
        t: dict(con.execute(f"SELECT source_key, count(*) FROM raw.{t} GROUP BY 1").fetchall())
        for t in tables
    }


def embedded_reference(env: dict[str, str], tmp_path: Path) -> dict[str, dict[str, int]]:
    """The same landed filings loaded into an embedded file in one process: what the lake must hold."""
    settings = load_settings(env)
    zone = LandingZone(settings.landing_dir)
    with connect_file(tmp_path / "reference.duckdb") as con:
        load_universe_into(con, env)
        SOURCES["sec"].load(con, zone, settings, loaded_listings(con))
        return rows_per_key(con)


def worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.lake_worker", *args],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen, timeout: float = 600) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker {proc.args[3:]} failed ({proc.returncode}):\n{err[-3000:]}"
    return out


# -- several writers, one reader ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_two_writers_and_a_reader(pg: PostgresServer, tmp_path: Path) -> None:
    env = new_lake(pg, tmp_path, "lake_writers")
    land_sample(env)
    expected = embedded_reference(env, tmp_path)
    assert all(len(keys) > 0 for keys in expected.values()), expected
    with lake_connection(load_settings(env)) as con:
        load_universe_into(con, env)
        # the tables exist before the reader starts (a worker creates them if not, as a run's first step does)
        from ingestion.raw_loader import ensure_schemas

        ensure_schemas(con)

    stop, out = tmp_path / "stop", tmp_path / "reads.jsonl"
    reader = worker(env, "read", str(out), str(stop), *SEC_TABLES)
    us = worker(env, "load", "sec", *US_CIKS)
    cn = worker(env, "load", "sec", *CN_CIKS)
    reports = [json.loads(finish(us)), json.loads(finish(cn))]
    time.sleep(1.0)  # a few reads after both commits
    stop.touch()
    finish(reader)

    assert all(r["loaded"] > 0 and not r["rejected"] for r in reports), reports
    with lake_connection(load_settings(env), read_only=True) as con:
        got = rows_per_key(con)
    assert got == expected  # key by key: nothing lost, nothing doubled, nothing from elsewhere

    reads = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [r["error"] for r in reads if "error" in r]
    assert not errors, errors[:3]
    counts = [r["counts"] for r in reads]
    assert len(counts) >= 3, "the reader should have read several times while the workers wrote"
    # a reader sees whole commits only: counts never go down, and the last read is the final state
    for table in SEC_TABLES:
        seen = [c[table] for c in counts]
        assert seen == sorted(seen), f"raw.{table} went backwards between reads: {seen}"
        assert seen[-1] == sum(expected[table].values())


# -- a writer killed mid-load -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_writer_killed_mid_load_leaves_the_lake_whole(pg: PostgresServer, tmp_path: Path) -> None:
    env = new_lake(pg, tmp_path, "lake_killed")
    land_sample(env)
    expected = embedded_reference(env, tmp_path)
    settings = load_settings(env)
    with lake_connection(settings) as con:
        load_universe_into(con, env)

    proc = worker(env, "load", "sec", *US_CIKS, *CN_CIKS)
    # Kill once some files are committed and others are not (each file is one transaction).
    deadline, committed = time.monotonic() + 600, 0
    while time.monotonic() < deadline and proc.poll() is None:
        with lake_connection(settings, read_only=True) as con:
            has = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = 'sec_filings'"
            )
            if has.fetchone()[0]:
                committed = con.execute("SELECT count(DISTINCT source_key) FROM raw.sec_filings").fetchone()[
                    0
                ]
        if committed >= 1:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the worker finished before it could be killed: load more files"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with lake_connection(settings, read_only=True) as con:
        partial = rows_per_key(con)
    loaded_keys = {k for t in partial.values() for k in t}
    all_keys = {k for t in expected.values() for k in t}
    assert loaded_keys and loaded_keys < all_keys, "the kill should fall between the first and the last file"
    for table, keys in partial.items():  # each file is all in or all out
        for key, n in keys.items():
            assert n == expected[table][key], (
                f"raw.{table} holds {n} rows of {key}, its file has {expected[table][key]}"
            )

    finish(worker(env, "load", "sec", *US_CIKS, *CN_CIKS))  # the next run completes
    with lake_connection(settings, read_only=True) as con:
        assert rows_per_key(con) == expected


# -- a catalog that cannot be reached --------------------------------------------------------------


@pytest.mark.slow  # a run's start-up (Dagster, the definitions) each
@pytest.mark.parametrize("fault", ["wrong password", "unreachable server"])
def test_unreachable_catalog_names_the_setting_and_writes_nothing(
    pg: PostgresServer, tmp_path: Path, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = new_lake(pg, tmp_path, f"lake_{fault.split()[0]}")
    if fault == "wrong password":
        env["PGPASSWORD"] = "not-the-password"
    else:
        from tests.support.postgres_server import free_port

        env["AIGAP_WAREHOUSE"] = env["AIGAP_WAREHOUSE"].replace(f"port={pg.port}", f"port={free_port()}")
    # in-process: the error a caller gets
    monkeypatch.setenv("PGPASSWORD", env["PGPASSWORD"])
    with (
        pytest.raises(LakeUnavailable, match="AIGAP_WAREHOUSE") as caught,
        lake_connection(load_settings(env)),
    ):
        pass
    assert PASSWORD not in str(caught.value)
    # a whole run in its own process (`make run`): fails before landing or writing anything
    env["DAGSTER_HOME"] = str(tmp_path / "dagster")
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.run"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "AIGAP_WAREHOUSE" in output, output[-3000:]
    assert PASSWORD not in output
    data = Path(env["AIGAP_LAKE_DATA_PATH"])
    assert not data.exists() or not any(data.rglob("*.parquet"))
    # the catalog database is as created: no DuckLake metadata tables
    tables = pg.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", env_db(env)
    )
    assert tables == [(0,)]
    assert not (Path(env["AIGAP_HOME"]) / "landing").exists()


def env_db(env: dict[str, str]) -> str:
    return env["AIGAP_WAREHOUSE"].split("dbname=")[1].split()[0]


# -- a whole run in lake mode -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(3600)  # the shared embedded baseline (when this test builds it) and a lake run
def test_lake_run_gives_the_marts_of_the_embedded_run(pg: PostgresServer, tmp_path: Path) -> None:
    """``make run`` in lake mode (parallel steps, Dagster in PostgreSQL) while a DuckDB 1.5 client reads
    the lake: the marts of the embedded baseline run, and the password nowhere."""
    from tests.support.pipeline_proc import PipelineRun, baseline, serving_db, table_counts, working_db

    expected = baseline()  # the shared embedded run (built once per test session)
    root = tmp_path / "lake-run"
    env = new_lake(pg, tmp_path, "lake_run")
    extra = {k: env[k] for k in ("AIGAP_WAREHOUSE", "AIGAP_LAKE_DATA_PATH", "PGPASSWORD")}
    # the reader attaches the lake before the run has written anything: the catalog must exist
    with lake_connection(load_settings(env)):
        pass
    reader_env = dict(env, AIGAP_HOME=str(root / "warehouse"))
    stop, reads = tmp_path / "stop", tmp_path / "reads.jsonl"
    reader = worker(reader_env, "read-marts", str(reads), str(stop))
    run = PipelineRun(root, extra).start()
    try:
        rc = run.wait(timeout=2400)
    finally:
        stop.touch()
        finish(reader)
    output = run.output
    assert rc == 0, f"lake run exited {rc}:\n{run.tail(80)}"
    assert "lake mode: 2 step(s) at a time" in output

    # the same marts as the embedded run: every mart's rows, and each basket's index on the last day
    assert not working_db(root).exists(), "lake mode must not write the embedded file"
    assert table_counts(serving_db(root), "marts") == expected.mart_counts
    last_day = (
        "SELECT basket, date, round(index_2022_11_30, 9) FROM marts.fct_basket_gap_daily "
        "WHERE date = (SELECT max(date) FROM marts.fct_basket_gap_daily) ORDER BY basket"
    )
    with duckdb.connect(str(serving_db(expected.root)), read_only=True) as con:
        embedded_last = con.execute(last_day).fetchall()
    with lake_connection(load_settings(reader_env), read_only=True) as con:
        lake_last = con.execute(last_day).fetchall()
        lake_marts = {
            m: con.execute(f'SELECT count(*) FROM marts."{m}"').fetchone()[0] for m in expected.mart_counts
        }
    assert len(embedded_last) >= 2 and lake_last == embedded_last
    assert lake_marts == expected.mart_counts

    # the reader: no error while the run wrote, and it saw every mart and the macro in the end
    passes = [json.loads(line) for line in reads.read_text().splitlines()]
    errors = [p["error"] for p in passes if "error" in p]
    assert not errors, errors[:3]
    assert passes and passes[-1]["counts"] == expected.mart_counts
    assert passes[-1]["fundamentals_as_of"] and passes[-1]["fundamentals_as_of"] > 0

    # Dagster's runs are in PostgreSQL, and the password is in none of what the run wrote or printed
    dagster_yaml = (root / "dagster" / "dagster.yaml").read_text()
    assert "postgres_url" in dagster_yaml and PASSWORD not in dagster_yaml
    run_ids = pg.execute("SELECT run_id FROM runs", "aigap_dagster")
    assert len(run_ids) == 1 and run_ids[0][0] in output
    leaked = pg.execute(f"SELECT count(*) FROM event_logs WHERE event LIKE '%{PASSWORD}%'", "aigap_dagster")
    assert leaked == [(0,)]
    assert pg.execute("SELECT count(*) FROM event_logs", "aigap_dagster")[0][0] > 100
    assert PASSWORD not in output
    logs = [p for p in (root / "dagster").rglob("*") if p.is_file()]
    assert not [p for p in logs if PASSWORD in p.read_text(errors="replace")]


# -- the lake's files on an object store ---------------------------------------------------------------


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """moto's server mode on a free port of 127.0.0.1: a local S3 endpoint, with one bucket `lake`."""
    import boto3
    from moto.server import ThreadedMotoServer

    from tests.support.postgres_server import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing-secret",
        ).create_bucket(Bucket="lake")  # fmt: skip
        yield endpoint
    finally:
        server.stop()


def test_s3_data_path_on_a_local_object_store(
    pg: PostgresServer, tmp_path: Path, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    aws = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_endpoint,
    }
    env = new_lake(pg, tmp_path, "lake_s3") | aws | {"AIGAP_LAKE_DATA_PATH": "s3://lake/aigap"}
    for key, value in aws.items():
        monkeypatch.setenv(key, value)
    land_sample(env)
    expected = embedded_reference(env, tmp_path)
    with lake_connection(load_settings(env)) as con:
        load_universe_into(con, env)
    finish(worker(env, "load", "sec", *CN_CIKS))  # a worker process writes its Parquet files to S3
    with lake_connection(load_settings(env), read_only=True) as con:
        got = rows_per_key(con)
    want = {
        t: {k: n for k, n in keys.items() if any(c in k for c in CN_CIKS)} for t, keys in expected.items()
    }
    assert got == want and want["sec_companyfacts"] and want["sec_filings"]
    objects = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").list_objects_v2(
        Bucket="lake"
    )
    keys = [o["Key"] for o in objects.get("Contents", [])]
    assert any(k.startswith("aigap/raw/sec_companyfacts/") and k.endswith(".parquet") for k in keys), keys
    assert not list(tmp_path.rglob("ducklake-*.parquet")), "the lake's files must go to the object store only"
