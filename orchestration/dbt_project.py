"""The dbt project Dagster runs: one place that owns the DbtProject and its manifest.

The manifest is prepared by ``make manifest`` (``dagster-dbt project prepare-and-package``) or,
under ``dagster dev``, by ``prepare_if_dev()``; nothing runs ``dbt parse`` at import time otherwise.
dbt finds the warehouse file through ``--vars`` (``dbt_project/profiles.yml``); parsing opens no
database, so the path handed to it there is the configured one, for completeness.
"""

from pathlib import Path

from dagster_dbt import DbtProject

from ingestion.config import load_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    prepare_project_cli_args=[
        "parse", "--quiet", *load_settings().dbt_vars(),
    ],
)  # fmt: skip
dbt_project.prepare_if_dev()
