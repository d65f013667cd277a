"""The dbt unit tests (``unit_tests:`` in the models' yml), run here rather than in every build.

A production ``dbt build`` excludes them (``orchestration.assets.dbt.PRODUCTION_BUILD``): they test
the SQL on fixed rows, so they belong where the SQL is tested. dbt needs the models' parents to exist
to type the fixtures, so they run on a copy of the working file of a complete run
(``baseline()``), in a ``dbt test`` of their own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_project import dbt_project
from tests.support.dbt_cli import dbt, run_results
from tests.support.pipeline_proc import baseline, working_db

pytestmark = pytest.mark.slow


def unit_tests_in_project() -> set[str]:
    manifest = json.loads(Path(dbt_project.manifest_path).read_bytes())
    return set(manifest.get("unit_tests", {}))


def test_the_production_build_leaves_the_unit_tests_out():
    assert unit_tests_in_project(), "the project declares no unit test: this test would prove nothing"
    with duckdb.connect(str(working_db(baseline().root)), read_only=True) as con:
        kinds = dict(
            con.execute(
                "select json_extract_string(detail, '$.kind'), count(*) from audit.check_results group by 1"
            ).fetchall()
        )
    assert kinds.get("test", 0) > 0, kinds  # the run's build did run and record the data tests
    assert "unit_test" not in kinds, kinds


def test_every_unit_test_passes(tmp_path: Path):
    expected = unit_tests_in_project()
    shutil.copyfile(working_db(baseline().root), tmp_path / "aigap.duckdb")
    run = dbt(tmp_path, "test", "--select", "test_type:unit")
    results = run_results(tmp_path)
    assert set(results) == expected, "dbt ran other nodes than the project's unit tests"
    failed = {uid: r["message"] for uid, r in results.items() if r["status"] != "pass"}
    assert not failed, f"unit tests that did not pass: {failed}"
    assert run.returncode == 0, run.stdout[-4000:]
