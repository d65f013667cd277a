"""DuckDB 1.x clients (what BI drivers bundle) open the published serving file (issue 15).

Each client is a real DuckDB release in its own environment (``uv run --isolated --no-project
--with 'duckdb>=1.5,<2'``), never the warehouse's own (1.5.5, pinned for DuckLake: docs/scale-out.md):
the published file must be written in a storage version they read, and the analysts' table macros
must survive that format and be callable from them.

- On a tiny hand-made warehouse: ``fundamentals_as_of`` and ``valuation_on`` give the rows
  worked out by hand below, from 1.5 and from 1.4; a file written in the warehouse DuckDB's newest
  storage version (v1.5.0) is refused by the 1.4 client (so the client test can tell).
- On the warehouse of a complete run (``baseline()``, built once per pytest process): the 1.5
  client queries every mart and the helper views, with the row counts the 2.x side sees.
- The 1.5 client reads in a loop while the warehouse is published again and again in another
  process: every read whole, no error, and it sees the new file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from ingestion.publish.serving import SERVING_STORAGE_VERSION, publish
from tests.support.pipeline_proc import REPO_ROOT, baseline, clone_home, serving_db, working_db

CLIENT_15 = "duckdb>=1.5,<2"
CLIENT_14 = "duckdb>=1.4,<1.5"
NEWEST_STORAGE_VERSION = "v1.5.0"  # the newest storage of the warehouse's DuckDB (1.5.5), unknown to 1.4


def uv_command() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    return ["python3", "-m", "uv"]  # where `make install` puts uv when it is missing (the Makefile's UV)


def client_cmd(requirement: str, *args: str) -> list[str]:
    """A Python whose only package is the DuckDB release ``requirement`` (from the package registry)."""
    return [
        *uv_command(),
        "run",
        "--isolated",
        "--no-project",
        "--quiet",
        "--with",
        requirement,
        "python",
        *args,
    ]


def run_client(requirement: str, script: str, *args: str) -> dict:
    """Run ``script`` under that client; it prints one JSON object (the client's own version included)."""
    proc = subprocess.run(
        client_cmd(requirement, "-c", textwrap.dedent(script), *args),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, f"client {requirement} failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- the helpers on a tiny warehouse, expectations by hand ------------------------------------

FUNDAMENTALS = [
    # ticker, metric, period_kind, fiscal_period, period_end, filed, superseded, value
    ("MSFT", "revenue", "duration", "FY", "2022-06-30", "2022-07-28", "2023-07-27", 198.27),
    ("MSFT", "revenue", "duration", "FY", "2022-06-30", "2023-07-27", None, 198.30),  # restated
    ("MSFT", "revenue", "duration", "FY", "2023-06-30", "2023-07-27", None, 211.92),
    ("MSFT", "rd_expense", "duration", "FY", "2022-06-30", "2022-07-28", None, 24.51),
    ("0700.HK", "revenue", "duration", "FY", "2022-12-31", "2023-03-22", None, 554.55),
    # a derived figure superseded the same day by the reported one: never "known" on any day
    ("0700.HK", "revenue", "duration", "Q4", "2022-12-31", "2023-03-22", "2023-03-22", 145.0),
    ("0700.HK", "revenue", "duration", "Q4", "2022-12-31", "2023-03-22", None, 144.95),
]
VALUATION = [
    # ticker, date, market_cap_usd
    ("MSFT", "2023-01-05", 100.0),
    ("MSFT", "2023-01-06", 110.0),
    ("0700.HK", "2023-01-05", 50.0),
    ("0700.HK", "2023-01-09", 55.0),
]


def make_warehouse(path: Path, storage_version: str | None = None) -> Path:
    con = duckdb.connect()
    option = f" (STORAGE_VERSION '{storage_version}')" if storage_version else ""
    con.execute(f"ATTACH '{path}' AS aigap{option}")
    con.execute("USE aigap")
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA quarantine; CREATE SCHEMA audit")
    con.execute(
        "CREATE TABLE marts.fct_fundamentals (ticker VARCHAR, metric VARCHAR, period_kind VARCHAR, "
        "fiscal_period VARCHAR, period_end DATE, filed_date DATE, superseded_date DATE, value DECIMAL(38, 6))"
    )
    con.executemany("INSERT INTO marts.fct_fundamentals VALUES (?, ?, ?, ?, ?, ?, ?, ?)", FUNDAMENTALS)
    con.execute("CREATE TABLE marts.fct_valuation_daily (ticker VARCHAR, date DATE, market_cap_usd DOUBLE)")
    con.executemany("INSERT INTO marts.fct_valuation_daily VALUES (?, ?, ?)", VALUATION)
    con.execute("CREATE TABLE quarantine.prices_daily (symbol VARCHAR, reason VARCHAR)")
    con.execute(
        "INSERT INTO quarantine.prices_daily VALUES ('A', 'high below low'), ('B', 'high below low'), "
        "('C', 'zero price')"
    )
    con.execute("CREATE TABLE quarantine.landing_files (source_file VARCHAR, reason VARCHAR)")
    con.execute("INSERT INTO quarantine.landing_files VALUES ('x.json', 'not JSON')")
    con.execute(
        "CREATE TABLE audit.check_results (run_id VARCHAR, check_name VARCHAR, layer VARCHAR, asset VARCHAR, "
        "status VARCHAR, blocking BOOLEAN, failing_rows BIGINT, detail JSON, checked_at TIMESTAMPTZ)"
    )
    con.execute(
        "INSERT INTO audit.check_results VALUES "
        "('r1', 'gx_prices', 'raw', 'raw/prices', 'failed', true, 2, NULL, '2023-01-01 00:00:00+00'), "
        "('r2', 'gx_prices', 'raw', 'raw/prices', 'passed', true, 0, NULL, '2023-01-02 00:00:00+00')"
    )
    con.close()
    return path


HELPERS_SCRIPT = """
    import json, sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    out = {"version": duckdb.__version__}
    def rows(sql):
        return [[str(v) if v is not None else None for v in r] for r in con.execute(sql).fetchall()]
    for day in ("2022-07-27", "2023-01-01", "2023-07-27"):
        out["fund_" + day] = rows(
            "SELECT as_of_date, ticker, metric, fiscal_period, period_end, value, is_latest_period "
            f"FROM fundamentals_as_of(DATE '{day}') ORDER BY ticker, metric, fiscal_period, period_end")
    for day in ("2023-01-04", "2023-01-08", "2023-01-09"):
        out["val_" + day] = rows(
            "SELECT requested_date, ticker, valuation_date, days_stale, market_cap_usd "
            f"FROM valuation_on('{day}') ORDER BY ticker")
    out["quarantine"] = rows("SELECT table_name, reason, n_rows FROM audit.quarantine_summary ORDER BY ALL")
    out["checks"] = rows("SELECT check_name, status, failing_rows FROM audit.latest_check_results")
    out["storage"] = rows("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()")
    print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def tiny_serving(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    db = make_warehouse(root / "aigap.duckdb")
    report = publish(db, root / "serving" / "aigap.duckdb", root / "serving" / "parquet")
    assert report.mart_rows == {"fct_fundamentals": len(FUNDAMENTALS), "fct_valuation_daily": len(VALUATION)}
    return report.serving_db


@pytest.mark.parametrize("client", [CLIENT_15, CLIENT_14])
def test_helpers_give_the_hand_worked_rows_in_a_1x_client(tiny_serving, client):
    out = run_client(client, HELPERS_SCRIPT, str(tiny_serving))
    major_minor = client.split(">=")[1].split(",")[0]
    assert out["version"].startswith(major_minor + "."), out["version"]
    assert SERVING_STORAGE_VERSION in out["storage"][0][0]

    # Before anything was filed: nothing is known.
    assert out["fund_2022-07-27"] == []
    # 2023-01-01: MSFT's first FY2022 revenue (the restatement comes in July) and its R&D; Tencent
    # files in March, so nothing of it yet.
    assert out["fund_2023-01-01"] == [
        ["2023-01-01", "MSFT", "rd_expense", "FY", "2022-06-30", "24.510000", "True"],
        ["2023-01-01", "MSFT", "revenue", "FY", "2022-06-30", "198.270000", "True"],
    ]
    # 2023-07-27: the restated FY2022 (198.30) replaces 198.27 the day it is filed, FY2023 is the
    # latest period; Tencent's derived Q4 was superseded the day it appeared, its reported Q4 stands.
    assert out["fund_2023-07-27"] == [
        ["2023-07-27", "0700.HK", "revenue", "FY", "2022-12-31", "554.550000", "True"],
        ["2023-07-27", "0700.HK", "revenue", "Q4", "2022-12-31", "144.950000", "True"],
        ["2023-07-27", "MSFT", "rd_expense", "FY", "2022-06-30", "24.510000", "True"],
        ["2023-07-27", "MSFT", "revenue", "FY", "2022-06-30", "198.300000", "False"],
        ["2023-07-27", "MSFT", "revenue", "FY", "2023-06-30", "211.920000", "True"],
    ]

    # Before the first trading day: no row.
    assert out["val_2023-01-04"] == []
    # Sunday 2023-01-08: MSFT's Friday (2 days stale), Tencent's Thursday (3 days).
    assert out["val_2023-01-08"] == [
        ["2023-01-08", "0700.HK", "2023-01-05", "3", "50.0"],
        ["2023-01-08", "MSFT", "2023-01-06", "2", "110.0"],
    ]
    # Monday 2023-01-09: Tencent traded that day, MSFT's last row is still Friday's.
    assert out["val_2023-01-09"] == [
        ["2023-01-09", "0700.HK", "2023-01-09", "0", "55.0"],
        ["2023-01-09", "MSFT", "2023-01-06", "3", "110.0"],
    ]

    assert out["quarantine"] == [
        ["landing_files", "not JSON", "1"],
        ["prices_daily", "high below low", "2"],
        ["prices_daily", "zero price", "1"],
    ]
    assert out["checks"] == [["gx_prices", "passed", "0"]]  # the later of the two results


def test_a_file_in_the_newest_format_is_refused_by_the_14_client(tmp_path):
    """Without the older storage version 1.4 cannot read the file: the client test above can fail."""
    db = make_warehouse(tmp_path / "aigap.duckdb", storage_version=NEWEST_STORAGE_VERSION)
    proc = subprocess.run(
        client_cmd(
            CLIENT_14, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True)", str(db)
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "version" in proc.stderr.lower(), proc.stderr


def test_the_published_parquet_copies_hold_the_marts(tiny_serving):
    parquet = tiny_serving.parent / "parquet"
    with duckdb.connect() as con:
        n = con.execute(f"SELECT count(*) FROM '{parquet / 'fct_fundamentals.parquet'}'").fetchone()[0]
    assert n == len(FUNDAMENTALS)


# -- the warehouse of a complete run ----------------------------------------------------------

EVERY_MART_SCRIPT = """
    import json, sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    marts = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
    counts, fetched = {}, {}
    for m in marts:
        counts[m] = con.execute(f'SELECT count(*) FROM marts."{m}"').fetchone()[0]
        # every column of every row, through the client's own readers
        fetched[m] = len(con.execute(f'SELECT * FROM marts."{m}"').fetchall())
    day = con.execute("SELECT max(date) FROM marts.fct_valuation_daily").fetchone()[0]
    helpers = {
        "valuation_on": con.execute(f"SELECT count(*) FROM valuation_on(DATE '{day}')").fetchone()[0],
        "companies": con.execute("SELECT count(DISTINCT ticker) FROM marts.fct_valuation_daily").fetchone()[0],
        "fundamentals_as_of": con.execute(
            f"SELECT count(*) FROM fundamentals_as_of(DATE '{day}')").fetchone()[0],
        "quarantine_summary": con.execute("SELECT count(*) FROM audit.quarantine_summary").fetchone()[0],
        "latest_check_results": con.execute("SELECT count(*) FROM audit.latest_check_results").fetchone()[0],
    }
    print(json.dumps({"version": duckdb.__version__, "counts": counts, "fetched": fetched,
                      "helpers": helpers, "day": str(day)}))
"""


@pytest.mark.slow
def test_a_15_client_reads_every_mart_of_a_published_run():
    base = baseline()
    out = run_client(CLIENT_15, EVERY_MART_SCRIPT, str(serving_db(base.root)))
    assert out["version"].startswith("1.5."), out["version"]
    assert out["counts"] == base.mart_counts
    assert out["fetched"] == base.mart_counts
    assert out["helpers"]["valuation_on"] == out["helpers"]["companies"] > 0
    # The same point-in-time rule, counted by the 2.x side straight from the mart.
    with duckdb.connect(str(serving_db(base.root)), read_only=True) as con:
        known = con.execute(
            "SELECT count(*) FROM marts.fct_fundamentals WHERE filed_date <= ? "
            "AND (superseded_date IS NULL OR superseded_date > ?)",
            [out["day"], out["day"]],
        ).fetchone()[0]
        quarantine_tables = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quarantine'"
        ).fetchone()[0]
    assert out["helpers"]["fundamentals_as_of"] == known > 0
    assert quarantine_tables > 0 and out["helpers"]["latest_check_results"] > 0


PUBLISHER_SCRIPT = """
import sys
from pathlib import Path
from ingestion.publish.serving import publish
root, n = Path(sys.argv[1]), int(sys.argv[2])
for _ in range(n):
    publish(root / "aigap.duckdb", root / "serving" / "aigap.duckdb", root / "serving" / "parquet")
"""


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


@pytest.mark.slow
def test_a_15_client_reads_while_the_serving_file_is_published_again(tmp_path):
    """The 1.5 reader (the lead's BI reader loop, run under the 1.5 client) queries the serving file
    while another process publishes it five times: the publish step of a run, which replaces the
    file. A whole run (~2 min) is what test_serving_readers does with the 2.x client."""
    base = baseline()
    root = clone_home(base.root, tmp_path / "home")
    out, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    reader = subprocess.Popen(
        client_cmd(CLIENT_15, "-m", "tests.support.pipeline_proc", "read-serving", "fresh")
        + [str(serving_db(root)), str(out), str(stop)],
        cwd=REPO_ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        while _lines(out) < 2:
            assert reader.poll() is None, "the 1.5 reader died before the publishes"
            assert time.monotonic() < deadline, "the 1.5 reader did not start within 120 s"
            time.sleep(0.1)
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        publisher = subprocess.run(
            [sys.executable, "-c", PUBLISHER_SCRIPT, str(working_db(root).parent), "5"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert publisher.returncode == 0, publisher.stderr[-3000:]
        after = _lines(out)
        deadline = time.monotonic() + 60
        while _lines(out) < after + 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.touch()
        assert reader.wait(60) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
    reads = [json.loads(line) for line in out.read_text().splitlines()][1:]  # after "ready"
    assert len(reads) >= 10, f"only {len(reads)} reads"
    assert [r["error"] for r in reads if "error" in r] == []
    for r in reads:
        assert r["valuation_rows"] == base.mart_counts["fct_valuation_daily"], r
        assert r["basket_rows"] == base.mart_counts["fct_basket_gap_daily"], r
        for _basket, cap, members_sum, members in r["baskets"]:
            assert members == 3, r
            assert cap == pytest.approx(members_sum, rel=1e-12), r
    inodes = [r["inode"] for r in reads]
    # the reader started on the cloned file and ended on the last published one
    assert inodes[0] != inodes[-1]
    assert inodes[-1] == serving_db(root).stat().st_ino
