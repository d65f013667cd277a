"""Faults a run must survive (issue 7): SIGKILL at random points, a failing blocking check, two runs at once.

Every run here is ``python -m orchestration.run`` (what ``make run`` starts) in a subprocess with its
own session, against a copy of one good warehouse built once per pytest process
(``tests/support/pipeline_proc.py``). Expected values come from that good warehouse and from the
input files, hashed and edited here by hand.

The crash scenario is one story, told once because each run costs minutes: the daily run finds new
bytes for every document (the bundled sample re-serialised: same data, other bytes, so landing, raw
and dbt all have work to do), and is killed -9 (its whole process group, dbt included) at a
seeded-random moment in landing, in the raw load and in the dbt build. After each kill the serving
file must be the previous good one and open read-only. Then two runs start at once, as two
schedulers or an impatient user would, and a third while the survivor runs dbt: the extra ones must
fail fast naming the lock's holder, the survivor must complete the recovery, and the warehouse must
hold every document once and every raw row once.

Killing a whole run in its publishing step would cost another full run for a window of half a
second; the publishing kills instead SIGKILL the process doing exactly that step
(``ingestion.publish.serving.publish`` on a copy of the good warehouse) at random moments, several times:
those, and a failing blocking check, are in test_faults_publish.py (another file, so that pytest-xdist
runs them beside this scenario rather than after it).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion.landing import LandingZone, sha256_hex
from tests.support.pipeline_proc import (
    SAMPLE_DIR,
    UNIVERSE,
    PipelineRun,
    baseline,
    clone_home,
    job_started,
    serving_db,
    sha256_file,
    step_started,
    table_counts,
    working_db,
)

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("AIGAP_FAULT_SEED", "20221130"))
# (phase, the job whose start comes first or None, the step whose start arms the kill, delay range in s)
KILL_POINTS = [
    ("landing", None, "landing__sec", (0.0, 0.3)),
    ("raw", None, "raw_sec", (0.0, 1.0)),
    ("dbt", "refresh", "aigap_dbt", (5.0, 25.0)),
]
DAY = "2022-11-30"
BUSY = re.compile(r"another aigap run is writing to (\S+) \((pid (\d+)[^)]*)\)")


# -- inputs ---------------------------------------------------------------------------------


def reserialised_sample(dest: Path) -> Path:
    """The bundled sample with other bytes but the same data: JSON re-indented (trailing blank line), CSV in CRLF."""
    for src in sorted(SAMPLE_DIR.rglob("*")):
        if not src.is_file():
            continue
        target = dest / src.relative_to(SAMPLE_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        body = src.read_bytes()
        if src.suffix == ".json":
            new = (json.dumps(json.loads(body), indent=1) + "\n\n").encode()
        elif src.suffix == ".csv":
            new = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        else:
            new = body
        assert new != body or src.suffix not in (".json", ".csv"), f"{src} kept its bytes"
        target.write_bytes(new)
    return dest


def landing_files(root: Path) -> list[Path]:
    """Every file under landing/<source>/ (the manifests under landing/_manifest/ excluded)."""
    landing = root / "warehouse" / "landing"
    return sorted(p for p in landing.rglob("*") if p.is_file() and "_manifest" not in p.parts)


def inputs_sha256(sample_dir: Path) -> set[str]:
    """The bytes a sample run lands: every sample file but the Yahoo-format twin of the bars
    (``prices/chart``, read only with AIGAP_PRICES_PROVIDER=yahoo) and the sample's README, and the
    universe."""
    files = [
        p
        for p in sample_dir.rglob("*")
        if p.is_file() and "chart" not in p.relative_to(sample_dir).parts and p.name != "README.md"
    ]
    return {sha256_hex(p.read_bytes()) for p in files} | {sha256_hex(UNIVERSE.read_bytes())}


# -- what the serving file says --------------------------------------------------------------


def key_figures(db: Path) -> dict[str, float]:
    """A few published numbers, read-only: basket caps and one member on DAY and the last day."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT basket || ' ' || strftime(date, '%Y-%m-%d'), market_cap_usd FROM marts.fct_basket_gap_daily "
            "WHERE date IN (DATE '2022-11-30', (SELECT max(date) FROM marts.fct_basket_gap_daily))"
        ).fetchall()
        msft = con.execute(
            "SELECT market_cap_usd FROM marts.fct_valuation_daily WHERE ticker = 'MSFT' AND date = ?", [DAY]
        ).fetchone()[0]
    return {**dict(rows), "MSFT " + DAY: msft}


def assert_same_content(db: Path, good: dict[str, float], mart_counts: dict[str, int]) -> None:
    assert table_counts(db, "marts") == mart_counts
    figures = key_figures(db)
    assert figures.keys() == good.keys()
    for name, value in good.items():
        assert figures[name] == pytest.approx(value, rel=1e-12), name


@dataclass
class Kill:
    phase: str
    delay: float
    killed_at: float  # seconds after the run started
    last_step: str  # the last step the run had started when it was killed
    returncode: int
    group: list[int]  # processes in the run's group just before the kill
    serving_sha256: str | None
    serving_error: str | None
    landing_error: str | None


def last_step_started(run: PipelineRun) -> str:
    steps = re.findall(r'STEP_START - Started execution of step "([^"]+)"', run.output)
    return steps[-1] if steps else "(none)"


def check_landing(root: Path) -> str | None:
    """None if every manifest line's bytes are in landing, unchanged; else what is wrong."""
    zone = LandingZone(root / "warehouse" / "landing")
    try:
        for manifest in sorted((zone.root / "_manifest").glob("*.jsonl")):
            for entry in zone.manifest(manifest.stem):
                zone.read(entry)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def serving_state(root: Path) -> tuple[str | None, str | None]:
    path = serving_db(root)
    try:
        sha = sha256_file(path)
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("SELECT count(*) FROM marts.fct_valuation_daily").fetchone()
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return sha, None


# -- the crash scenario ------------------------------------------------------------------------


@dataclass
class Scenario:
    root: Path
    variant: Path
    kills: list[Kill]
    runs: list[PipelineRun]  # the two runs started at once
    finished: list[float]  # when each of them ended, seconds after both started
    good_figures: dict[str, float]
    late: PipelineRun | None  # a third run, started as the survivor's dbt build began
    late_finished: float | None


# dbt's own progress line for a node it has begun to build: it holds the warehouse file from then on.
DBT_NODE_STARTED = re.compile(r"\d+ of \d+ START ")


def in_dbt_build(run: PipelineRun) -> bool:
    output = run.output
    job = job_started("refresh").search(output)
    return bool(job and DBT_NODE_STARTED.search(output, job.end()))


@pytest.fixture(scope="module")
def good():
    base = baseline()
    return base, key_figures(serving_db(base.root))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, good) -> Scenario:
    base, figures = good
    root = clone_home(base.root, tmp_path_factory.mktemp("crash"))
    variant = reserialised_sample(tmp_path_factory.mktemp("sample-reserialised"))
    env = {"AIGAP_SAMPLE_DIR": str(variant)}
    rng = random.Random(SEED)
    kills = []
    started: list[PipelineRun] = []
    try:
        for phase, job, step, (low, high) in KILL_POINTS:
            run = PipelineRun(root, env).start()
            started.append(run)
            since = run.wait_for(job_started(job)) if job else 0
            run.wait_for(step_started(step), since=since)
            delay = rng.uniform(low, high)
            time.sleep(delay)
            killed_at = time.monotonic() - run.started
            group = run.kill_group()
            sha, error = serving_state(root)
            print(f"kill in {phase}: {delay:.2f}s after {step} started, {killed_at:.1f}s into the run")
            kills.append(
                Kill(
                    phase=phase,
                    delay=delay,
                    killed_at=killed_at,
                    last_step=last_step_started(run),
                    returncode=run.proc.returncode,
                    group=group,
                    serving_sha256=sha,
                    serving_error=error,
                    landing_error=check_landing(root),
                )
            )
        # Two runs at once: the recovery run, and a second one started in the same instant.
        runs = [PipelineRun(root, env).start(), PipelineRun(root, env).start()]
        started += runs
        t0 = min(r.started for r in runs)
        ended: dict[int, float] = {}  # index in runs -> seconds after t0
        late: PipelineRun | None = None
        while len(ended) < len(runs):
            for i, run in enumerate(runs):
                if i not in ended and run.proc.poll() is not None:
                    ended[i] = time.monotonic() - t0
            # A third run started once the survivor's dbt build works on the warehouse file (a user's
            # `make run` during a scheduled run): dbt holds DuckDB's own lock on it for a while.
            if late is None and any(in_dbt_build(r) for r in runs[:2]):
                late = PipelineRun(root, env).start()
                runs.append(late)
                started.append(late)
            assert time.monotonic() - t0 < 900, "the runs did not finish within 15 minutes"
            time.sleep(0.1)
        for run in runs:
            run.wait()
        print(f"runs at once: ended after {[round(ended[i]) for i in sorted(ended)]} s")
    finally:  # nothing left running if the scenario stopped half-way
        for run in started:
            if run.proc.poll() is None:
                run.kill_group()
    return Scenario(root, variant, kills, runs[:2], [ended[0], ended[1]], figures, late, ended.get(2))


def test_each_kill_took_the_whole_run_in_its_phase(scenario):
    assert [k.phase for k in scenario.kills] == [p for p, _, _, _ in KILL_POINTS]
    for kill in scenario.kills:
        # -9: killed, not finished; kill_group has already waited until no process of the group was left.
        assert kill.returncode == -9, kill
        assert kill.group, kill
    dbt_kill = next(k for k in scenario.kills if k.phase == "dbt")
    # The dbt subprocess was in the group when it was killed (the run itself is one process).
    assert dbt_kill.last_step == "aigap_dbt", dbt_kill
    assert len(dbt_kill.group) > 1, dbt_kill


def test_after_each_kill_serving_is_the_previous_good_file_and_opens(scenario, good):
    base, _ = good
    for kill in scenario.kills:
        assert kill.serving_error is None, kill
        assert kill.serving_sha256 == base.serving_sha256, kill


def test_after_each_kill_every_manifest_line_has_its_bytes(scenario):
    for kill in scenario.kills:
        assert kill.landing_error is None, kill


def test_two_runs_at_once_the_second_fails_fast_naming_the_holder(scenario):
    rcs = [r.proc.returncode for r in scenario.runs]
    assert sorted(rcs) == [0, 1], [r.tail(30) for r in scenario.runs]
    winner, loser = (scenario.runs[rcs.index(0)], scenario.runs[rcs.index(1)])
    won, lost = scenario.finished[rcs.index(0)], scenario.finished[rcs.index(1)]
    match = BUSY.search(loser.output)
    assert match, loser.tail(40)
    assert Path(match.group(1)) == (scenario.root / "warehouse").resolve()
    # The holder named is the run that went on to complete.
    assert int(match.group(3)) == winner.pid, match.group(2)
    # Failing fast: the loser gave up while the winner was still at work, long before it ended.
    assert lost < won - 20, (lost, won)


def test_a_run_started_during_another_runs_dbt_fails_fast_naming_the_holder(scenario):
    winner = next(r for r in scenario.runs if r.proc.returncode == 0)
    late = scenario.late
    assert late is not None, "the surviving run never reached dbt"
    assert late.proc.returncode == 1, late.tail(40)
    match = BUSY.search(late.output)
    assert match, late.tail(40)
    assert int(match.group(3)) == winner.pid, match.group(2)
    # It did not wait for the winner (and did not get in its way).
    won = scenario.finished[scenario.runs.index(winner)]
    assert scenario.late_finished < won, (scenario.late_finished, won)


def test_the_next_run_completes_and_serving_holds_a_normal_runs_content(scenario, good):
    base, _ = good
    winner = next(r for r in scenario.runs if r.proc.returncode == 0)
    assert "succeeded" in winner.output
    # The winner published: the serving file is a new file, with the good data.
    assert sha256_file(serving_db(scenario.root)) != base.serving_sha256
    assert_same_content(serving_db(scenario.root), scenario.good_figures, base.mart_counts)
    serving_dir = serving_db(scenario.root).parent
    assert sorted(p.name for p in serving_dir.iterdir()) == ["aigap.duckdb", "parquet"]
    parquet = sorted(p.name for p in (serving_dir / "parquet").iterdir())
    assert parquet == sorted(f"{m}.parquet" for m in base.mart_counts)


def test_landing_holds_every_document_once(scenario):
    files = landing_files(scenario.root)
    names = {}
    for path in files:
        digest = sha256_file(path)
        # Named by its own bytes (the suffix after the hash), and no file a second time.
        assert path.name.split(".")[0] == digest, path
        assert digest not in names, (path, names.get(digest))
        names[digest] = path
    # Exactly the inputs' bytes: the bundled sample (the baseline run) and its re-serialised copy.
    assert set(names) == inputs_sha256(SAMPLE_DIR) | inputs_sha256(scenario.variant)
    assert check_landing(scenario.root) is None


def test_raw_holds_landed_versions_and_no_row_twice(scenario, good):
    base, _ = good
    zone = LandingZone(scenario.root / "warehouse" / "landing")
    manifests = [m.stem for m in (zone.root / "_manifest").glob("*.jsonl")]
    latest = {(e.key, e.sha256) for m in manifests for e in zone.latest(m).values()}
    landed = {(e.key, e.sha256) for m in manifests for e in zone.manifest(m)}
    with duckdb.connect(str(working_db(scenario.root)), read_only=True) as con:

        def versions(tables):
            sql = " UNION ".join(f"SELECT DISTINCT source_key, sha256 FROM raw.{t}" for t in tables)
            return set(con.execute(sql).fetchall())

        def duplicates(table, key):
            return con.execute(
                f"SELECT count(*) FROM (SELECT {key} FROM raw.{table} GROUP BY ALL HAVING count(*) > 1)"
            ).fetchone()[0]

        per_key = versions(sorted(set(base.raw_counts) - {"prices_daily"}))
        bars = versions(["prices_daily"])
        dups = {
            "prices_daily": duplicates("prices_daily", "symbol, date"),
            "fx_rates": duplicates("fx_rates", "series_id, date"),
        }
    # Tables loaded per document hold the newest landed version of each key, the re-serialised bytes
    # (the universe excepted: not part of the sample, it kept its bytes).
    assert per_key <= latest
    assert {sha for _, sha in per_key} <= inputs_sha256(scenario.variant)
    # Price bars are loaded per day: old days keep the version they were loaded from, any landed one.
    assert bars <= landed
    assert dups == {"prices_daily": 0, "fx_rates": 0}
    # Same data, loaded again after three killed runs: exactly the rows of one clean run.
    assert table_counts(working_db(scenario.root), "raw") == base.raw_counts


# -- killed while publishing ----------------------------------------------------------------------
