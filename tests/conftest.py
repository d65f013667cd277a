"""Test session set-up: every test run writes to its own temporary AIGAP_HOME.

Settings are read from the environment when a run starts (orchestration.resources.AigapSettings);
they are set here once, before any test module runs, so no test writes to a developer's warehouse.
"""

import os
import tempfile
from pathlib import Path

import pytest

from tests.support import pipeline_proc
from tests.support.pipeline_proc import SHARED_BASELINE_ENV

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="aigap-test-"))
os.environ["AIGAP_HOME"] = str(_SESSION_HOME / "warehouse")
os.environ["DAGSTER_HOME"] = str(_SESSION_HOME / "dagster")
os.environ.setdefault("AIGAP_SOURCE", "sample")
for _var in (
    "AIGAP_SAMPLE_DIR",
    "AIGAP_UNIVERSE",
    "AIGAP_SOURCE_FILINGS",
    "AIGAP_SOURCE_PRICES",
    "AIGAP_SOURCE_FX",
    "AIGAP_SOURCE_FEDREG",
):
    os.environ.pop(_var, None)
Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session", autouse=True)
def _shared_baseline_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Under pytest-xdist, one baseline run for all workers, in the folder above theirs (pytest rotates it)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ[SHARED_BASELINE_ENV] = str(tmp_path_factory.getbasetemp().parent / "baseline")


# The order pytest-xdist hands test files to its workers (make test: --dist loadfile, no reordering by
# size): the file that builds the shared baseline run first, then the long ones that do not need it,
# so that no worker waits idle for the baseline; the rest in collection order.
FIRST = (
    "integration/test_full_pipeline.py",  # builds the baseline
    "integration/test_universe_replay.py",  # builds the shared live replay run (tests/support/live_replay.py)
    "integration/test_lake.py",  # the lake run (minutes) last in it; compares with the baseline
    "integration/test_faults.py",  # needs the baseline
    "integration/test_prices_yahoo_replay.py",  # replay tests, then reads the live replay run
    "unit/test_controls_metrics.py",
    "unit/test_tencent_market_cap.py",
    "unit/test_gap_metrics.py",
    "integration/test_alphabet_real_filings.py",  # reads the live replay run
    "integration/test_serving_readers.py",
    "integration/test_dbt_unit_tests.py",
    "integration/test_faults_publish.py",
    "integration/test_dashboard.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.as_posix()
        return next((i for i, name in enumerate(FIRST) if path.endswith(name)), len(FIRST))

    items.sort(key=rank)  # stable: tests keep their order within a file


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before the test's fixtures: a test not marked slow may not start a whole pipeline run."""
    pipeline_proc.UNMARKED_TEST = None if item.get_closest_marker("slow") else item.nodeid


def pytest_runtest_teardown(item: pytest.Item) -> None:
    pipeline_proc.UNMARKED_TEST = None
