"""The one Settings object the Dagster code location uses (read once, at load)."""

import os

from ingestion.config import load_settings

SETTINGS = load_settings()
# dbt runs as a subprocess and reads AIGAP_HOME in profiles.yml: hand it the resolved path so a
# default chosen here is the path dbt opens too.
os.environ["AIGAP_HOME"] = str(SETTINGS.home)
