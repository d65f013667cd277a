"""make test-fast stays quick: a test not marked slow that starts a whole pipeline run fails at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import pipeline_proc


def test_an_unmarked_test_cannot_start_a_pipeline_run(tmp_path: Path) -> None:
    assert pipeline_proc.UNMARKED_TEST is not None and "test_an_unmarked_test" in pipeline_proc.UNMARKED_TEST
    run = pipeline_proc.PipelineRun(tmp_path)
    with pytest.raises(AssertionError, match=r"starts a whole pipeline run .*mark it @pytest\.mark\.slow"):
        run.start()
    assert run.proc is None  # nothing was started
    with pytest.raises(AssertionError, match=r"the shared baseline run"):
        pipeline_proc.baseline()


@pytest.mark.slow
def test_a_slow_test_is_let_through() -> None:
    assert pipeline_proc.UNMARKED_TEST is None
    pipeline_proc.require_slow("nothing")  # does not raise
