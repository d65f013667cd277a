"""``make run``: the full_refresh job in one process, then a short summary.

Runs are recorded in the Dagster instance at ``DAGSTER_HOME`` (the Makefile points it at
``$AIGAP_HOME/dagster``), so ``make dev`` shows them with their logs, metadata and checks.
"""

from __future__ import annotations

import sys
import time

import dagster as dg

from ingestion.summary import print_summary
from orchestration.definitions import defs
from orchestration.settings import SETTINGS


def main() -> int:
    started = time.monotonic()
    instance = dg.DagsterInstance.get()
    result = defs.resolve_job_def("full_refresh").execute_in_process(instance=instance, raise_on_error=False)
    wall = time.monotonic() - started
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(
            f"\nrun {result.run_id} FAILED in {wall:.0f}s at step(s): {', '.join(failed) or 'unknown'}",
            file=sys.stderr,
        )
        print(f"the serving file was not replaced: {SETTINGS.serving_db_path}", file=sys.stderr)
        print("see the run's logs with `make dev` (Runs tab)", file=sys.stderr)
        return 1
    print_summary(SETTINGS, run_id=result.run_id, wall_seconds=wall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
