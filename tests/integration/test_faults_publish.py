"""Faults around the publication (issue 7), beside the crash scenario of test_faults.py.

The publish step is killed (SIGKILL, at seeded-random moments) while it replaces the serving file, a
killed publish's temp files are cleaned up, and a failing blocking check stops the run before dbt.
Every run here works on a copy of the good warehouse (``baseline()``).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.integration.test_faults import DAY, SEED, key_figures
from tests.support.pipeline_proc import (
    REPO_ROOT,
    SAMPLE_DIR,
    PipelineRun,
    baseline,
    clone_home,
    group_members,
    job_started,
    serving_db,
    sha256_file,
    step_started,
    table_counts,
    working_db,
)

pytestmark = pytest.mark.slow

PUBLISH_KILLS = 8


@pytest.fixture(scope="module")
def good():
    base = baseline()
    return base, key_figures(serving_db(base.root))


PUBLISH = """
import sys
from pathlib import Path
from ingestion.publish.serving import publish
print("publishing", flush=True)
publish(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
print("published", flush=True)
"""


def start_publish(root: Path) -> tuple[subprocess.Popen, float]:
    """``publish`` of root's warehouse as the run's serving step calls it; returns once it has begun."""
    serving = serving_db(root)
    proc = subprocess.Popen(
        [sys.executable, "-c", PUBLISH, str(working_db(root)), str(serving), str(serving.parent / "parquet")],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,  # nothing but the two lines below: publish draws no progress bar
        text=True,
        start_new_session=True,
    )
    assert proc.stdout.readline().strip() == "publishing"
    return proc, time.monotonic()


def test_killed_while_publishing_serving_is_the_old_file_or_the_whole_new_one(tmp_path, good):
    base, _ = good
    root = clone_home(base.root, tmp_path / "home")
    # Mark the warehouse so the new file can be told from the old one.
    with duckdb.connect(str(working_db(root))) as con:
        con.execute("CREATE TABLE marts.fault_probe AS SELECT 42 AS answer")
    # One whole publish (of a copy) to time it.
    proc, began = start_publish(clone_home(root, tmp_path / "timing"))
    assert proc.stdout.readline().strip() == "published"
    assert proc.wait() == 0
    seconds = time.monotonic() - began

    rng = random.Random(SEED)
    seen, leftovers = [], 0
    for _ in range(PUBLISH_KILLS):
        proc, began = start_publish(root)
        # Up to a little past the end of a whole publish, so the rename itself can be hit too.
        time.sleep(max(0.0, rng.uniform(0, 1.2 * seconds) - (time.monotonic() - began)))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not group_members(proc.pid)
        sha = sha256_file(serving_db(root))
        with duckdb.connect(str(serving_db(root)), read_only=True) as con:
            probe = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fault_probe'"
            ).fetchone()[0]
            counts = {m: n for m, n in table_counts(serving_db(root), "marts").items() if m != "fault_probe"}
        assert counts == base.mart_counts
        if probe:
            seen.append("new")
        else:
            assert sha == base.serving_sha256  # the old file, byte for byte
            seen.append("old")
        leftovers += any(p.name.endswith(".tmp") for p in serving_db(root).parent.iterdir())
    print(f"publish killed {PUBLISH_KILLS} times over {seconds:.2f}s: {seen}, {leftovers} left a temp copy")
    # Once the new file is in place, it stays (a kill never brings the old one back).
    if "new" in seen:
        assert "old" not in seen[seen.index("new") :], seen
    # At least one kill came in the middle of the copy, when the temp file existed.
    assert leftovers >= 1, seen

    proc, _ = start_publish(root)
    assert proc.stdout.readline().strip() == "published"
    assert proc.wait() == 0
    # The next publish removed the dead publishes' temp files.
    assert sorted(p.name for p in serving_db(root).parent.iterdir()) == ["aigap.duckdb", "parquet"]
    parquet = sorted(p.name for p in (serving_db(root).parent / "parquet").iterdir())
    assert parquet == sorted(f"{m}.parquet" for m in [*base.mart_counts, "fault_probe"])


def test_publish_removes_the_temp_files_of_a_killed_publish_only(tmp_path):
    """Deterministic twin of the kills above: the temp copy of a dead publish is removed, a live one kept."""
    from ingestion.publish.serving import publish

    db, serving, parquet = tmp_path / "aigap.duckdb", tmp_path / "serving" / "aigap.duckdb", tmp_path / "pq"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.fct_x AS SELECT range AS i FROM range(5)")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid, live_pid = int(dead.stdout), os.getppid()  # the first has exited; the second runs
    serving.parent.mkdir(parents=True)
    parquet.mkdir()
    left = [serving.parent / f".aigap.duckdb.{dead_pid}.tmp", parquet / f".fct_x.parquet.{dead_pid}.tmp"]
    busy = serving.parent / f".aigap.duckdb.{live_pid}.tmp"
    for path in [*left, busy]:
        path.write_bytes(b"half a copy")

    publish(db, serving, parquet)

    assert [p.exists() for p in left] == [False, False]
    assert busy.read_bytes() == b"half a copy"  # another publish may still be writing it
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.fct_x").fetchone() == (5,)
    assert sorted(p.name for p in parquet.iterdir()) == ["fct_x.parquet"]


# -- a blocking check fails ----------------------------------------------------------------------


def test_failing_blocking_check_stops_dbt_and_leaves_serving_unchanged(tmp_path, good):
    base, _ = good
    root = clone_home(base.root, tmp_path / "home")
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, sample)
    # HKD per USD on DAY typed as 150 (a unit error: the peg keeps it within 7.75-7.85). Positive and
    # dated in the past, so no row rule quarantines it: it reaches raw.fx_rates, where the blocking
    # GX suite (rates within 1..20) must stop everything downstream.
    fx = sample / "fx" / "DEXHKUS.csv"
    text = fx.read_text()
    assert f"\n{DAY},7.8151\n" in text
    fx.write_text(text.replace(f"\n{DAY},7.8151\n", f"\n{DAY},150\n"))
    before = sha256_file(serving_db(root))
    assert before == base.serving_sha256

    run = PipelineRun(root, {"AIGAP_SAMPLE_DIR": str(sample)}).start()
    rc = run.wait()

    assert rc == 1, run.tail(40)
    assert "Asset check 'gx_fx_rates' on 'raw/fx_rates' did not pass" in run.output
    assert "blocking asset check failed with ERROR severity:\nraw/fx_rates: gx_fx_rates" in run.output
    # What BI tools read is the previous good file, byte for byte (and the run says so).
    assert sha256_file(serving_db(root)) == before
    assert "the serving file was not replaced" in run.output
    # Nothing downstream of raw.fx_rates ran in that run: not the dbt build, not the publication.
    refresh = run.output[job_started("refresh").search(run.output).start() :]
    assert not step_started("aigap_dbt").search(refresh)
    assert not step_started("serving__aigap").search(refresh)
    with duckdb.connect(str(working_db(root)), read_only=True) as con:
        # The bad rate reached raw (the check, not a parser, stopped it) ...
        assert con.execute(
            "SELECT value FROM raw.fx_rates WHERE series_id = 'DEXHKUS' AND date = ?", [DAY]
        ).fetchone() == (150.0,)
        # ... and the check recorded exactly that one failing row, as blocking.
        audit = con.execute(
            "SELECT status, blocking, failing_rows FROM audit.check_results "
            "WHERE check_name = 'gx_fx_rates' ORDER BY checked_at DESC LIMIT 1"
        ).fetchone()
        # No mart was rebuilt with it: Tencent's USD cap on DAY is still local cap / 7.8151.
        local, usd = con.execute(
            "SELECT market_cap_local, market_cap_usd FROM marts.fct_valuation_daily "
            "WHERE ticker = '0700.HK' AND date = ?",
            [DAY],
        ).fetchone()
    assert audit == ("failed", True, 1)
    assert usd == pytest.approx(local / 7.8151, rel=1e-9)
