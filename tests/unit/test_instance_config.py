"""The dagster.yaml the project writes: the UI opens on the data (no newsletter modal), no telemetry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import yaml

from orchestration.instance import write_instance_config

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_written_file_turns_off_the_newsletter_modal_and_telemetry(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    path = write_instance_config(home)
    assert path == home / "dagster.yaml"
    assert yaml.safe_load(path.read_text()) == {"telemetry": {"enabled": False}, "nux": {"enabled": False}}


def test_dagster_loads_it_from_dagster_home(tmp_path: Path) -> None:
    """DagsterInstance.get() with that DAGSTER_HOME reads the file: nux off (a fresh instance has it on)."""
    home = tmp_path / "dagster"
    write_instance_config(home)
    code = (
        "import dagster as dg; i = dg.DagsterInstance.get(); "
        "print(i.nux_enabled, i.telemetry_enabled, i.get_settings('nux'))"
    )
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "False False {'enabled': False}"

    # The control: the same instance without the file shows the modal.
    bare = tmp_path / "bare"
    bare.mkdir()
    assert dg.DagsterInstance.from_config(str(bare)).nux_enabled is True


def test_a_users_own_settings_are_kept_and_only_missing_keys_added(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\nrun_queue:\n  max_concurrent_runs: 2\n")
    write_instance_config(home)
    assert yaml.safe_load((home / "dagster.yaml").read_text()) == {
        "telemetry": {"enabled": True},
        "run_queue": {"max_concurrent_runs": 2},
        "nux": {"enabled": False},
    }


def test_make_dev_gets_its_dagster_home_from_the_module_that_writes_the_file(tmp_path: Path) -> None:
    """``python -m orchestration.instance`` (what make dev runs) prints AIGAP_HOME's instance, prepared."""
    env = {**os.environ, "AIGAP_HOME": str(tmp_path / "warehouse")}
    env.pop("DAGSTER_HOME", None)
    out = subprocess.run(
        [sys.executable, "-m", "orchestration.instance"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    home = Path(out.stdout.strip())
    assert home == (tmp_path / "warehouse" / "dagster").resolve()
    assert yaml.safe_load((home / "dagster.yaml").read_text())["nux"] == {"enabled": False}
    assert "python -m orchestration.instance" in (REPO_ROOT / "Makefile").read_text()
