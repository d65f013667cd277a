"""Test session set-up: every test run writes to its own temporary AIGAP_HOME.

Settings are read from the environment when a run starts (orchestration.resources.AigapSettings);
they are set here once, before any test module runs, so no test writes to a developer's warehouse.
"""

import os
import tempfile
from pathlib import Path

import pytest

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
