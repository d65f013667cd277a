"""The Dagster instance of a run: where its runs, event logs and schedules are kept.

Embedded mode keeps Dagster's default SQLite storage beside the warehouse (orchestration/run.py).
Lake mode (AIGAP_WAREHOUSE) keeps them in PostgreSQL (``dagster-postgres``), in the database
AIGAP_DAGSTER_DATABASE of the catalog's server, from a ``dagster.yaml`` written here from the settings:
every worker, ``make run`` and ``make dev`` then see the same runs. The file names no password: libpq
reads it from PGPASSWORD, ~/.pgpass or the service file, as for the catalog.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import quote, urlencode

from ingestion.config import ConfigError, Settings

log = logging.getLogger(__name__)

MARKER = "# Written by aigap from its settings (orchestration/instance.py); rewritten at each run."
_URL_KEYS = ("user", "host", "port", "dbname")


def dagster_postgres_url(settings: Settings) -> str:
    """The SQLAlchemy URL of the Dagster database: the catalog's conninfo with another dbname (psycopg2,
    the driver dagster-postgres installs; SQLAlchemy 2.1 would pick psycopg 3 for postgresql://)."""
    from psycopg2.extensions import parse_dsn

    try:
        parts = parse_dsn(settings.lake_catalog)
    except Exception as exc:  # psycopg2.ProgrammingError: not a conninfo
        raise ConfigError(f"AIGAP_WAREHOUSE: the catalog's conninfo does not parse: {exc}") from None
    user = quote(parts.get("user", ""))
    host = parts.get("host", "")
    netloc = f"{user}@" if user else ""
    netloc += f"[{host}]" if ":" in host else host
    if parts.get("port"):
        netloc += f":{parts['port']}"
    params = {k: v for k, v in parts.items() if k not in _URL_KEYS}
    query = f"?{urlencode(params, quote_via=quote)}" if params else ""
    return f"postgresql+psycopg2://{netloc}/{settings.dagster_database}{query}"


def lake_instance_yaml(settings: Settings) -> str:
    return (
        f"{MARKER}\n"
        "telemetry:\n  enabled: false\n"
        "storage:\n  postgres:\n"
        f"    postgres_url: {dagster_postgres_url(settings)!r}\n".replace("'", '"')
    )


def ensure_dagster_database(settings: Settings) -> None:
    """Create the Dagster database on the catalog's server when it is not there yet."""
    import psycopg2

    try:
        con = psycopg2.connect(settings.lake_catalog)
    except psycopg2.Error as exc:
        raise ConfigError(
            f"AIGAP_WAREHOUSE: cannot reach the catalog's server for Dagster's storage: {exc}"
        ) from None
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings.dagster_database])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{settings.dagster_database}"')
                log.info("created the Dagster database %s", settings.dagster_database)
    except psycopg2.Error as exc:
        raise ConfigError(
            f"AIGAP_DAGSTER_DATABASE={settings.dagster_database}: not there and cannot be created: {exc}"
        ) from None
    finally:
        con.close()


def prepare_home(settings: Settings) -> Path:
    """DAGSTER_HOME, else the one beside the warehouse; in lake mode with its PostgreSQL dagster.yaml.

    A dagster.yaml someone else wrote (without this module's first line) is left as it is.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    if settings.is_lake:
        config = home / "dagster.yaml"
        if config.exists() and not config.read_text().startswith(MARKER):
            log.warning("%s was not written by aigap: its storage settings are kept", config)
        else:
            ensure_dagster_database(settings)
            config.write_text(lake_instance_yaml(settings))
    return home


if __name__ == "__main__":  # `make dev`: the instance's folder, prepared
    from ingestion.config import load_settings

    print(prepare_home(load_settings()))
