import multiprocessing as mp
import time

import pytest

from ingestion.locking import WarehouseBusy, warehouse_lock


def _hold(path, ready, release):
    with warehouse_lock(path, holder="holder-process"):
        ready.set()
        release.wait(10)


def test_second_writer_fails_naming_the_holder(tmp_path):
    path = tmp_path / ".run.lock"
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold, args=(path, ready, release))
    proc.start()
    try:
        assert ready.wait(20)
        started = time.monotonic()
        with (
            pytest.raises(WarehouseBusy, match="holder-process"),
            warehouse_lock(path, holder="me", wait_seconds=1),
        ):
            pass
        assert time.monotonic() - started >= 0.9  # it waited before giving up
    finally:
        release.set()
        proc.join(10)
    with warehouse_lock(path, holder="me"):  # released when the holder ended
        pass


def test_lock_released_when_holder_is_killed(tmp_path):
    path = tmp_path / ".run.lock"
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold, args=(path, ready, release))
    proc.start()
    assert ready.wait(20)
    proc.kill()
    proc.join(10)
    with warehouse_lock(path, holder="me", wait_seconds=5):
        pass
