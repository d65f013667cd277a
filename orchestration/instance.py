"""The Dagster instance beside the warehouse (``$AIGAP_HOME/dagster``), which ``make run`` records into and
``make dev`` opens, and the ``dagster.yaml`` the project writes for it.

The file turns off what a data engineer on this machine never wants: telemetry (no endpoint is reachable
from here) and the newsletter sign-up modal (``nux``) the UI shows on every fresh browser, so the UI opens
on the data. Settings a user wrote in the file are kept; only keys it does not set are added.

``python -m orchestration.instance`` prepares the instance and prints its folder (``make dev``).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ingestion.config import load_settings

DEFAULTS: dict[str, dict[str, bool]] = {"telemetry": {"enabled": False}, "nux": {"enabled": False}}


def write_instance_config(home: Path) -> Path:
    """Create ``home`` and its ``dagster.yaml`` with :data:`DEFAULTS` for the keys it does not set."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    config = (yaml.safe_load(path.read_text()) if path.exists() else None) or {}
    if not isinstance(config, dict):
        raise ValueError(
            f"{path}: expected a mapping of Dagster instance settings, got {type(config).__name__}"
        )
    missing = {key: value for key, value in DEFAULTS.items() if key not in config}
    if missing or not path.exists():
        path.write_text(yaml.safe_dump({**config, **missing}, sort_keys=False))
    return path


def main() -> None:
    home = load_settings().dagster_home
    write_instance_config(home)
    print(home)


if __name__ == "__main__":
    main()
