"""One writer at a time: a run holds an exclusive lock on ``AIGAP_HOME/.run.lock``.

DuckDB itself refuses a second writing process, but with an error about file locks that does not
say which run is in the way. This lock is taken first and names the holder.

A full refresh is one Dagster run, whose warehouse resource takes the lock once for the whole run.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another run is writing to the same warehouse."""


@contextmanager
def warehouse_lock(path: Path, *, holder: str, wait_seconds: float = 0.0) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    current = os.pread(fd, 512, 0).decode(errors="replace").strip() or "unknown"
                    raise WarehouseBusy(
                        f"another aigap run is writing to {path.parent} ({current}); "
                        f"wait for it to finish or stop it, then start again"
                    ) from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.pwrite(
            fd, f"pid {os.getpid()}, {holder}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC".encode(), 0
        )
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the process is killed
