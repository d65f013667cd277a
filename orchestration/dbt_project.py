"""The dbt project Dagster runs: one place that owns the DbtProject and its manifest.

The manifest is prepared by ``make manifest`` (``dagster-dbt project prepare-and-package``) or,
under ``dagster dev``, by ``prepare_if_dev()``; nothing runs ``dbt parse`` at import time otherwise.
"""

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
