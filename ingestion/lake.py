"""Lake mode: the warehouse as a DuckLake catalog in PostgreSQL with its data as Parquet files.

``AIGAP_WAREHOUSE=ducklake:postgres:<libpq conninfo>`` and ``AIGAP_LAKE_DATA_PATH`` switch it on
(ingestion/config.py); unset, the warehouse is the embedded DuckDB file. Every connection here is an
in-memory DuckDB with the lake attached as ``aigap`` and made the default catalog, so the same SQL
(``raw.prices_daily``, ``marts.fct_...``) reads and writes either warehouse, and dbt attaches the same
catalog under the same name (dbt_project/profiles.yml, output ``lake``).

No machine of ours reaches DuckDB's extension host: the ``ducklake``, ``postgres_scanner`` and
``httpfs`` extensions come from their PyPI wheels (DuckDB's signed builds, pinned in uv.lock), and
:func:`install_extensions` puts their files where DuckDB looks for installed extensions
(``<extension_directory>/v<version>/<platform>/<name>.duckdb_extension``). dbt-duckdb runs ``INSTALL``
before an attach that needs an extension; with the file already there, that is a no-op.

The password is never part of a string this module builds: libpq reads it from PGPASSWORD, a
``~/.pgpass`` file or a service file (config.py refuses a conninfo that holds one).
"""

from __future__ import annotations

import contextlib
import importlib.resources
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ingestion.config import LAKE_PREFIX, ConfigError, Settings

log = logging.getLogger(__name__)

ALIAS = "aigap"  # the lake's name in every connection, as the embedded file's (aigap.duckdb) is
# extension name -> the PyPI package that ships it
WHEELS = {
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "httpfs": "duckdb_extension_httpfs",
}


class LakeUnavailable(ConfigError):
    """The DuckLake catalog cannot be attached (server unreachable, wrong credentials, no database)."""


def duckdb_platform() -> str:
    with duckdb.connect() as con:
        return con.execute("PRAGMA platform").fetchone()[0]


def wheel_extension(name: str) -> Path:
    """The extension file inside its installed wheel, for the DuckDB of this environment."""
    package = WHEELS[name]
    version = f"v{duckdb.__version__}"
    try:
        path = Path(
            str(importlib.resources.files(package) / "extensions" / version / f"{name}.duckdb_extension")
        )
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"lake mode needs the PyPI package {package.replace('_', '-')} (uv sync installs it): {exc}"
        ) from exc
    if not path.is_file():
        raise ConfigError(
            f"{path}: the {package} wheel holds no {name} extension for DuckDB {duckdb.__version__}; "
            "pin the extension wheels to the duckdb version in pyproject.toml"
        )
    return path


def install_extensions(extension_dir: Path, names: tuple[str, ...] = tuple(WHEELS)) -> Path:
    """Put the wheels' extension files into ``extension_dir`` in DuckDB's layout; that layout's folder.

    A hard link when the folder is on the same file system as the virtualenv, else a copy; written
    under a temporary name and renamed, so a DuckDB loading it at the same time sees a whole file.
    """
    target = extension_dir / f"v{duckdb.__version__}" / duckdb_platform()
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = wheel_extension(name)
        dest = target / source.name
        if dest.is_file() and dest.stat().st_size == source.stat().st_size:
            continue
        staged = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        staged.unlink(missing_ok=True)
        try:
            os.link(source, staged)
        except OSError:
            shutil.copyfile(source, staged)
        os.replace(staged, dest)
        log.info("installed the %s extension from its wheel into %s", name, target)
    return target


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def attach_sql(settings: Settings, *, read_only: bool = False, alias: str = ALIAS) -> str:
    options = [f"DATA_PATH {_quote(settings.lake_data_path)}"]
    if read_only:
        options.append("READ_ONLY")
    return f"ATTACH {_quote(LAKE_PREFIX + settings.lake_catalog)} AS {alias} ({', '.join(options)})"


def _s3_secret(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """S3 credentials for an s3:// data path, from the AWS variables of the environment (never logged)."""
    if not settings.lake_data_path.startswith("s3://"):
        return
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        raise ConfigError(
            f"AIGAP_LAKE_DATA_PATH={settings.lake_data_path}: an s3:// data path needs AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY in the environment"
        )
    parts = [f"KEY_ID {_quote(key)}", f"SECRET {_quote(secret)}"]
    parts.append(
        f"REGION {_quote(os.environ.get('AWS_REGION') or os.environ.get('AWS_DEFAULT_REGION') or 'us-east-1')}"
    )
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:  # a local or non-AWS object store
        scheme, _, host = endpoint.partition("://")
        parts += [
            f"ENDPOINT {_quote(host.rstrip('/'))}",
            "URL_STYLE 'path'",
            f"USE_SSL {str(scheme == 'https').lower()}",
        ]
    con.execute(f"CREATE OR REPLACE SECRET aigap_lake_s3 (TYPE s3, {', '.join(parts)})")


def connect(settings: Settings, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the lake attached as ``aigap`` and in use.

    Raises LakeUnavailable naming AIGAP_WAREHOUSE when the catalog cannot be attached; nothing has
    been written then.
    """
    if not settings.is_lake:
        raise ConfigError("AIGAP_WAREHOUSE is not set: this warehouse is the embedded DuckDB file")
    install_extensions(settings.extension_dir)
    con = duckdb.connect(config={"extension_directory": str(settings.extension_dir)})
    try:
        con.execute("LOAD ducklake")
        con.execute("LOAD postgres_scanner")
        if settings.lake_data_path.startswith("s3://"):
            con.execute("LOAD httpfs")
        _s3_secret(con, settings)
        try:
            con.execute(attach_sql(settings, read_only=read_only))
        except duckdb.Error as exc:
            raise LakeUnavailable(
                f"AIGAP_WAREHOUSE: cannot attach the DuckLake catalog (catalog {settings.lake_catalog}, data "
                f"AIGAP_LAKE_DATA_PATH={settings.lake_data_path}): {exc}. The password comes from PGPASSWORD, "
                "~/.pgpass (PGPASSFILE) or a libpq service file (PGSERVICEFILE)"
            ) from None
        con.execute(f"USE {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def lake_connection(settings: Settings, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(settings, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def main() -> None:
    """``python -m ingestion.lake``: put the extensions in place for a dbt run by hand, and check the attach."""
    from ingestion.config import load_settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    print(install_extensions(settings.extension_dir))
    if settings.is_lake:
        with lake_connection(settings, read_only=True) as con:
            n = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = ?", [ALIAS]
            ).fetchone()[0]
        print(f"attached {LAKE_PREFIX}{settings.lake_catalog}: {n} table(s)")


if __name__ == "__main__":
    main()
