"""Run ``python -m orchestration.run`` as a real subprocess, watch it, and kill it like a crash would.

The fault and reader tests need what an in-process ``materialize`` cannot give: a run that is
SIGKILLed mid-way, two runs racing for the same warehouse, a reader in another process. Each run
here is ``make run`` minus make: ``python -m orchestration.run`` with its own ``AIGAP_HOME`` and
``DAGSTER_HOME``, started in a new session so that ``kill_group`` takes the run *and* the dbt
subprocess it spawned (a crash of the whole run, as the OOM killer or a closed terminal would do).

A run costs a minute or more on two cores (more when the machine is shared), so :func:`baseline`
builds one good warehouse per pytest process and the modules copy it (:func:`clone_home`) instead of
building their own.

``python -m tests.support.pipeline_proc read-serving fresh|held <serving.duckdb> <out.jsonl> <stop>``
is a read-only BI reader of the serving-readers test (see :func:`read_serving_loop`).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = REPO_ROOT / "data" / "sample"  # the bundled sample (moved from ingestion/sample/data)
UNIVERSE = REPO_ROOT / "ingestion" / "universe.csv"
# Settings a developer may have exported that would change what a test run reads.
_DROPPED_ENV = (
    "AIGAP_SAMPLE_DIR",
    "AIGAP_UNIVERSE",
    "AIGAP_SOURCE_FILINGS",
    "AIGAP_SOURCE_PRICES",
    "AIGAP_SOURCE_FX",
    "AIGAP_SOURCE_FEDREG",
)
RUN_TIMEOUT = 900.0  # seconds; a sample run takes a minute or two on 2 cores, more under load


# -- one run as a subprocess --------------------------------------------------------------


def run_env(root: Path, **extra: str) -> dict[str, str]:
    """Environment of a run whose AIGAP_HOME is ``root/warehouse`` (Dagster's under ``root/dagster``)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(
        AIGAP_HOME=str(root / "warehouse"),
        DAGSTER_HOME=str(root / "dagster"),
        AIGAP_SOURCE="sample",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    (root / "dagster").mkdir(parents=True, exist_ok=True)
    return env


def step_started(step: str) -> re.Pattern[str]:
    """The Dagster log line that a step of the run has started."""
    return re.compile(rf'STEP_START - Started execution of step "{re.escape(step)}"')


def job_started(job: str) -> re.Pattern[str]:
    """The Dagster log line that one of the runs of ``make run`` (a job) has started."""
    return re.compile(rf'RUN_START - Started execution of run for "{re.escape(job)}"')


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after it.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


# The test being run when it is not marked slow (tests/conftest.py sets it before each test's fixtures):
# a whole pipeline run started from it fails, so that make test-fast (-m "not slow") stays quick.
UNMARKED_TEST: str | None = None


def require_slow(what: str) -> None:
    if UNMARKED_TEST is not None:
        raise AssertionError(
            f"{UNMARKED_TEST} starts a whole pipeline run ({what}): mark it @pytest.mark.slow "
            "(or pytestmark = pytest.mark.slow), so that make test-fast stays quick"
        )


@dataclass
class PipelineRun:
    """``python -m orchestration.run`` in its own session, its output collected line by line."""

    root: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, line)
    started: float = 0.0
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _eof: bool = False

    def start(self) -> PipelineRun:
        require_slow("python -m orchestration.run")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "orchestration.run"],
            cwd=REPO_ROOT,
            env=run_env(self.root, **self.extra_env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the run and every child it starts
        )
        threading.Thread(target=self._pump, daemon=True).start()
        return self

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            with self._cond:
                self.lines.append((time.monotonic() - self.started, raw.decode(errors="replace").rstrip()))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def output(self) -> str:
        with self._cond:
            return "\n".join(line for _, line in self.lines)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = RUN_TIMEOUT, since: int = 0) -> int:
        """Block until a line (from line ``since`` on) matches; return its index. Fails if the run ends first."""
        deadline = time.monotonic() + timeout
        seen = since
        with self._cond:
            while True:
                for i in range(seen, len(self.lines)):
                    if pattern.search(self.lines[i][1]):
                        return i
                seen = max(seen, len(self.lines))
                if self._eof:
                    raise AssertionError(f"run ended before {pattern.pattern!r}:\n{self.tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {pattern.pattern!r} within {timeout:.0f}s:\n{self.tail()}")
                self._cond.wait(left)

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        assert self.proc is not None
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill_group()
            raise AssertionError(f"run did not finish within {timeout:.0f}s:\n{self.tail()}") from None
        with self._cond:
            self._cond.wait_for(lambda: self._eof, timeout=10)
        return rc

    def kill_group(self, timeout: float = 30.0) -> list[int]:
        """SIGKILL the whole process group; return when none of it is left. Returns who was in it."""
        assert self.proc is not None
        members = group_members(self.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.proc.wait(timeout)
        deadline = time.monotonic() + timeout
        while group_members(self.pid):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"processes of group {self.pid} survive SIGKILL: {group_members(self.pid)}"
                )
            time.sleep(0.05)
        return members

    def tail(self, n: int = 40) -> str:
        with self._cond:
            return "\n".join(line for _, line in self.lines[-n:])


def run_to_end(root: Path, **extra_env: str) -> PipelineRun:
    """A complete run; fails with the run's output if it does not succeed."""
    run = PipelineRun(root, dict(extra_env)).start()
    rc = run.wait()
    assert rc == 0, f"run in {root} exited {rc}:\n{run.tail(60)}"
    return run


# -- what a warehouse holds ---------------------------------------------------------------


def warehouse_dir(root: Path) -> Path:
    return root / "warehouse"


def serving_db(root: Path) -> Path:
    return root / "warehouse" / "serving" / "aigap.duckdb"


def working_db(root: Path) -> Path:
    return root / "warehouse" / "aigap.duckdb"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def table_counts(db: Path, schema: str) -> dict[str, int]:
    """Rows per base table of ``schema``, read through a read-only connection."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY 1",
                [schema],
            ).fetchall()
        ]
        return {t: con.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0] for t in tables}


@dataclass(frozen=True)
class Baseline:
    """One good warehouse built by a complete run, and what it held."""

    root: Path
    serving_sha256: str
    mart_counts: dict[str, int]
    raw_counts: dict[str, int]
    seconds: float


def _rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def baseline() -> Baseline:
    """Build (once per pytest process) a warehouse with a complete run on the bundled sample.

    Only tests marked slow may ask for it (``require_slow``), even when it is built already.
    """
    require_slow("the shared baseline run")
    return _baseline()


@functools.cache
def _baseline() -> Baseline:
    """The baseline, built once per pytest process.

    ``AIGAP_TEST_BASELINE=<dir>`` reuses a baseline built earlier by this function (its ``root``,
    kept as it is), to iterate on these tests without paying for the first run each time.
    """
    reuse = os.environ.get("AIGAP_TEST_BASELINE")
    shared = os.environ.get(SHARED_BASELINE_ENV)
    if reuse:
        root, seconds = Path(reuse), 0.0
        assert serving_db(root).is_file(), f"AIGAP_TEST_BASELINE={reuse}: no serving file there"
    elif shared:
        root, seconds = _shared_baseline(Path(shared))
    else:
        root = Path(tempfile.mkdtemp(prefix="aigap-baseline-"))
        atexit.register(_rmtree, root)
        seconds = _build(root)
    return Baseline(
        root=root,
        serving_sha256=sha256_file(serving_db(root)),
        mart_counts=table_counts(serving_db(root), "marts"),
        raw_counts=table_counts(working_db(root), "raw"),
        seconds=seconds,
    )


# pytest-xdist workers share one baseline (tests/conftest.py names its folder): the first to need it
# builds it under an exclusive lock, the others wait for it and read it.
SHARED_BASELINE_ENV = "AIGAP_TEST_SHARED_BASELINE"


def _build(root: Path) -> float:
    run = run_to_end(root)
    return run.lines[-1][0] if run.lines else 0.0


def _shared_baseline(root: Path) -> tuple[Path, float]:
    return _built_once(root, _build)


def _built_once(root: Path, build: Callable[[Path], float]) -> tuple[Path, float]:
    """``build(root)`` unless another process has already built ``root``; its seconds either way."""
    root.parent.mkdir(parents=True, exist_ok=True)
    done = root / "built-in-seconds"
    with open(root.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the worker dies
        if not done.is_file():
            _rmtree(root)  # a worker that died half-way left a partial one
            root.mkdir()
            done.write_text(f"{build(root):.1f}")
    return root, float(done.read_text())


@functools.cache
def shared_run(name: str, build: Callable[[Path], float]) -> Path:
    """A run that several test files read, built once per test session (``build(root)``, which returns
    its seconds): under pytest-xdist in the folder beside the shared baseline, whichever worker asks
    first building it while the others wait; otherwise in a temporary folder of this process.
    Only tests marked slow may ask for it."""
    require_slow(f"the shared run {name!r}")
    shared = os.environ.get(SHARED_BASELINE_ENV)
    if shared:
        return _built_once(Path(shared).with_name(name), build)[0]
    root = Path(tempfile.mkdtemp(prefix=f"aigap-{name}-"))
    atexit.register(_rmtree, root)
    build(root)
    return root


def clone_home(source: Path, dest: Path) -> Path:
    """Copy a built AIGAP_HOME (landing, working and serving files) and its DAGSTER_HOME under ``dest``.

    With Dagster's record of the loaded price days, the next run is a daily run (only the latest
    day of prices), as it would be for a user; without it every day would be loaded again.
    """
    shutil.copytree(warehouse_dir(source), warehouse_dir(dest), symlinks=True)
    shutil.copytree(source / "dagster", dest / "dagster", symlinks=True)
    return dest


# -- a read-only BI reader in a loop --------------------------------------------------------

READER_SQL = {
    "valuation_rows": "SELECT count(*) FROM marts.fct_valuation_daily",
    "basket_rows": "SELECT count(*) FROM marts.fct_basket_gap_daily",
    # Per basket on one day: the published basket market cap and the sum of its members, read in
    # the same connection. A file holding one run's baskets and another run's members differs.
    "baskets": """
        SELECT b.basket, b.market_cap_usd, sum(v.market_cap_usd), count(v.ticker)
        FROM marts.fct_basket_gap_daily AS b
        JOIN marts.fct_valuation_daily AS v ON v.basket = b.basket AND v.date = b.date
        WHERE b.date = DATE '2022-11-30'
        GROUP BY b.basket, b.market_cap_usd
        ORDER BY b.basket""",
    "probe": """
        SELECT market_cap_usd FROM marts.fct_valuation_daily
        WHERE ticker = '0700.HK' AND date = DATE '2022-11-30'""",
}


def read_serving_once(con) -> dict:
    out = {
        "valuation_rows": con.execute(READER_SQL["valuation_rows"]).fetchone()[0],
        "basket_rows": con.execute(READER_SQL["basket_rows"]).fetchone()[0],
        "baskets": [list(r) for r in con.execute(READER_SQL["baskets"]).fetchall()],
    }
    probe = con.execute(READER_SQL["probe"]).fetchone()
    out["probe_cap"] = probe[0] if probe else None
    return out


def read_serving_loop(mode: str, path: Path, out: Path, stop_file: Path, pause: float = 0.1) -> None:
    """Query the serving file read-only until ``stop_file`` exists, one JSON line per query.

    ``fresh``: open the file anew for every query (a BI tool reconnecting, a new `duckdb -readonly`
    session). ``held``: one connection opened before the loop (a dashboard left open), which must
    keep reading the file it opened even after the file was replaced. They need two processes:
    DuckDB shares one database instance per file among a process's connections, so while the held
    connection is open a "fresh" connect in the same process would reuse the old file.
    """
    import duckdb

    held = duckdb.connect(str(path), read_only=True) if mode == "held" else None
    with open(out, "a") as sink:
        sink.write(json.dumps({"kind": "ready", "t": time.time()}) + "\n")
        sink.flush()
        while not stop_file.exists():
            record: dict = {"kind": mode, "t": time.time()}
            try:
                if held is not None:
                    record.update(read_serving_once(held))
                else:
                    before = os.stat(path)
                    with duckdb.connect(str(path), read_only=True) as con:
                        record.update(read_serving_once(con))
                    record["inode"] = before.st_ino
                    record["stable"] = before.st_ino == os.stat(path).st_ino  # not replaced while read
            except Exception as exc:  # the test asserts there are none, with the message
                record["error"] = f"{type(exc).__name__}: {exc}"
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            time.sleep(pause)
    if held is not None:
        held.close()


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "read-serving" and sys.argv[2] in ("fresh", "held"):
        read_serving_loop(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
    else:
        sys.exit(
            f"usage: python -m {__spec__.name} read-serving fresh|held <serving.duckdb> <out.jsonl> <stop-file>"
        )
