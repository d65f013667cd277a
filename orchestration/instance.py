"""The Dagster instance beside the warehouse (``$AIGAP_HOME/dagster``), which ``make run`` records into and
``make dev`` opens, and the ``dagster.yaml`` the project writes for it.

The file turns off what a data engineer on this machine never wants: telemetry (no endpoint is reachable
from here) and the newsletter sign-up modal (``nux``) the UI shows on every fresh browser, so the UI opens
on the data. Settings a user wrote in the file are kept; only keys it does not set are added.

Lake mode (AIGAP_WAREHOUSE) also sets its ``storage``: runs, event logs and schedules in PostgreSQL
(``dagster-postgres``), in the database AIGAP_DAGSTER_DATABASE of the catalog's server, so every worker,
``make run`` and ``make dev`` see the same runs. The URL names no password: libpq reads it from PGPASSWORD,
~/.pgpass or the service file, as for the catalog.

``python -m orchestration.instance`` prepares the instance (DAGSTER_HOME, else the one beside the
warehouse) and prints its folder (``make dev``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import quote, urlencode

import yaml

from ingestion.config import ConfigError, Settings, load_settings

log = logging.getLogger(__name__)

DEFAULTS: dict[str, dict[str, bool]] = {"telemetry": {"enabled": False}, "nux": {"enabled": False}}
_URL_KEYS = ("user", "host", "port", "dbname")


def write_instance_config(home: Path, settings: Settings | None = None) -> Path:
    """Create ``home`` and its ``dagster.yaml`` with :data:`DEFAULTS` for the keys it does not set; in lake
    mode (``settings.is_lake``) with its PostgreSQL ``storage``, which follows the settings."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    config = (yaml.safe_load(path.read_text()) if path.exists() else None) or {}
    if not isinstance(config, dict):
        raise ValueError(
            f"{path}: expected a mapping of Dagster instance settings, got {type(config).__name__}"
        )
    missing = {key: value for key, value in DEFAULTS.items() if key not in config}
    if settings is not None and settings.is_lake:
        storage = lake_storage(settings)
        if config.get("storage") != storage:
            ensure_dagster_database(settings)
            missing["storage"] = storage
    if missing or not path.exists():
        path.write_text(yaml.safe_dump({**config, **missing}, sort_keys=False))
    return path


def lake_storage(settings: Settings) -> dict:
    return {"postgres": {"postgres_url": dagster_postgres_url(settings)}}


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
    """DAGSTER_HOME, else the one beside the warehouse, with its dagster.yaml written."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home)
    write_instance_config(home, settings)
    return home


def main() -> None:
    print(prepare_home(load_settings()))


if __name__ == "__main__":
    main()
