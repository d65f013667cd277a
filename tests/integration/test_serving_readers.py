"""BI tools read the serving file during a run (issue 6): no error, no half run, and they see the switch.

Two reader processes (``python -m tests.support.pipeline_proc read-serving``) query the serving
file read-only in a loop while ``python -m orchestration.run`` rebuilds the warehouse in a third:
one reconnects for every query, the other keeps the connection it opened before the run.
The rebuild (a daily run) reads a copy of the sample where FRED's HKD per USD on 2022-11-30 is
7.8000 instead of 7.8151, so every answer is provably the old file or the new one:

- Tencent's USD market cap that day is the old figure or exactly old x 7.8151/7.8000 (its HKD cap
  is unchanged);
- each basket's cap that day equals the sum of its members read in the same connection, and the CN
  basket is the old one or the old one + (new - old Tencent cap);
- row counts are the good run's;
- once the new file was seen, the old one never comes back, and the connection held open since
  before the run keeps answering from the old file to the end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.pipeline_proc import (
    REPO_ROOT,
    SAMPLE_DIR,
    PipelineRun,
    baseline,
    clone_home,
    serving_db,
    table_counts,
)

pytestmark = pytest.mark.slow

DAY = "2022-11-30"
OLD_RATE, NEW_RATE = "7.8151", "7.8000"


def moved_sample(dest: Path) -> Path:
    shutil.copytree(SAMPLE_DIR, dest)
    fx = dest / "fx" / "DEXHKUS.csv"
    text = fx.read_text()
    assert text.count(f"\n{DAY},{OLD_RATE}\n") == 1
    # Still inside the peg band (7.75-7.85): no rule or check has reason to object.
    fx.write_text(text.replace(f"\n{DAY},{OLD_RATE}\n", f"\n{DAY},{NEW_RATE}\n"))
    return dest


def lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


@pytest.fixture(scope="module")
def observed(tmp_path_factory):
    base = baseline()
    root = clone_home(base.root, tmp_path_factory.mktemp("readers"))
    sample = moved_sample(tmp_path_factory.mktemp("sample") / "data")
    work = tmp_path_factory.mktemp("reader")
    stop = work / "stop"
    outs = {mode: work / f"{mode}.jsonl" for mode in ("fresh", "held")}
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-m", "tests.support.pipeline_proc", "read-serving", mode]
            + [str(serving_db(root)), str(out), str(stop)],
            cwd=REPO_ROOT,
        )
        for mode, out in outs.items()
    }
    try:
        deadline = time.monotonic() + 60
        while min(lines(out) for out in outs.values()) < 2:  # "ready" and a first read of the old file
            assert all(r.poll() is None for r in readers.values()), "a reader died before the run started"
            assert time.monotonic() < deadline, "the readers did not start within 60 s"
            time.sleep(0.1)
        run = PipelineRun(root, {"AIGAP_SAMPLE_DIR": str(sample)}).start()
        rc = run.wait()
        # A few more reads after the run, of the published file.
        after = {mode: lines(out) for mode, out in outs.items()}
        deadline = time.monotonic() + 60
        while any(lines(outs[m]) < after[m] + 5 for m in outs) and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.touch()
        codes = {mode: r.wait(60) for mode, r in readers.items()}
    finally:
        for r in readers.values():
            if r.poll() is None:
                r.kill()
    reads = {
        mode: [json.loads(line) for line in out.read_text().splitlines()][1:]  # after "ready"
        for mode, out in outs.items()
    }
    return base, run, rc, reads, codes, root


def test_the_run_completes_while_a_reader_holds_the_file_open(observed):
    base, run, rc, reads, codes, root = observed
    assert rc == 0, run.tail(40)
    assert codes == {"fresh": 0, "held": 0}
    # Readers never block the writer, and the published file is the new one.
    assert table_counts(serving_db(root), "marts") == base.mart_counts


def test_every_read_is_whole_and_either_the_old_or_the_new_file(observed):
    base, run, rc, reads, _, _ = observed
    fresh = reads["fresh"]
    assert len(fresh) >= 20, f"only {len(fresh)} reads during the run"
    errors = [r["error"] for r in fresh if "error" in r]
    assert errors == []
    old = fresh[0]
    old_cap = old["probe_cap"]
    # Tencent's USD cap is its HKD cap x USD per HKD that day: only the rate moved.
    new_cap = old_cap * float(OLD_RATE) / float(NEW_RATE)
    old_cn = {b: cap for b, cap, _, _ in old["baskets"]}["CN"]
    for r in fresh:
        assert r["valuation_rows"] == base.mart_counts["fct_valuation_daily"], r
        assert r["basket_rows"] == base.mart_counts["fct_basket_gap_daily"], r
        assert [b for b, _, _, _ in r["baskets"]] == ["CN", "US"], r
        for _basket, cap, members_sum, members in r["baskets"]:
            assert members == 3, r
            assert cap == pytest.approx(members_sum, rel=1e-12), r  # basket = sum of its members
        cn = {b: cap for b, cap, _, _ in r["baskets"]}["CN"]
        if r["probe_cap"] == pytest.approx(old_cap, rel=1e-12):
            assert cn == pytest.approx(old_cn, rel=1e-12), r
        else:
            assert r["probe_cap"] == pytest.approx(new_cap, rel=1e-12), r
            assert cn == pytest.approx(old_cn + new_cap - old_cap, rel=1e-12), r


def test_readers_see_the_switch_once_and_never_go_back(observed):
    _, _, _, reads, _, root = observed
    fresh = reads["fresh"]
    old_cap = fresh[0]["probe_cap"]
    states = ["old" if r["probe_cap"] == pytest.approx(old_cap, rel=1e-12) else "new" for r in fresh]
    switch = states.index("new") if "new" in states else None
    assert switch is not None and switch > 0, "no read saw the new file"
    assert set(states[switch:]) == {"new"}, "a read after the switch saw the old file again"
    # The new file is another inode (a rename, not a rewrite in place), the one now at the path.
    old_inodes = {r["inode"] for r in fresh[:switch]}
    new_inodes = {r["inode"] for r in fresh[switch:] if r["stable"]}
    assert len(old_inodes) == 1
    assert new_inodes == {serving_db(root).stat().st_ino}
    assert not old_inodes & new_inodes


def test_a_connection_opened_before_the_run_keeps_reading_the_old_file(observed):
    _, _, _, reads, _, _ = observed
    fresh, held = reads["fresh"], reads["held"]
    assert len(held) >= 20, f"only {len(held)} reads during the run"
    assert [r.get("error") for r in held] == [None] * len(held)
    first = fresh[0]
    assert all(r["probe_cap"] == first["probe_cap"] and r["baskets"] == first["baskets"] for r in held)
    # ... also after the new file was published: the held reader's last read came after the fresh
    # reader's first read of the new file.
    switched = next((r["t"] for r in fresh if r["probe_cap"] != first["probe_cap"]), None)
    assert switched is not None and held[-1]["t"] > switched
