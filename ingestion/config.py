"""Settings read from the environment, in one place.

Every path of the warehouse derives from ``AIGAP_HOME`` so that Dagster, dbt (through
``dbt_project/profiles.yml``) and the tests can never disagree about which file they open.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_SAMPLE_DIR = REPO_ROOT / "data" / "sample"
DEFAULT_UNIVERSE = REPO_ROOT / "ingestion" / "universe.csv"
SEC_ALL_UNIVERSE = "sec:all"

# The mode domains (AIGAP_SOURCE_<X>), not registry sources: "filings" sets the sources sec,
# sec_tickers and hkex together, "prices" both prices and price_events (ingestion/sources/registry.py).
SOURCES = ("filings", "prices", "fx", "fedreg")
MODES = ("sample", "live")

DEFAULT_BASE_URLS = {
    "filings": "https://data.sec.gov",
    "prices": "https://eodhd.com",  # replaced by PRICES_BASE_URLS[provider] below
    "fx": "https://fred.stlouisfed.org",
    "fedreg": "https://www.federalregister.gov",
}
_BASE_URL_ENV = {
    "filings": "AIGAP_SEC_BASE_URL",
    "prices": "AIGAP_PRICES_BASE_URL",
    "fx": "AIGAP_FX_BASE_URL",
    "fedreg": "AIGAP_FEDREG_BASE_URL",
}


# The EDGAR archive (each filing's folder and XBRL instance) is on www.sec.gov, not data.sec.gov.
DEFAULT_SEC_ARCHIVES_BASE_URL = "https://www.sec.gov"
# Daily prices: Yahoo's keyless chart endpoint by default in live mode, EODHD for users with a plan.
# The bundled sample is in EODHD's format; AIGAP_PRICES_PROVIDER=yahoo reads its Yahoo-format twin.
PRICES_PROVIDERS = ("yahoo", "eodhd")
PRICES_BASE_URLS = {"yahoo": "https://query1.finance.yahoo.com", "eodhd": "https://eodhd.com"}
# How SEC filings are fetched: per-company API documents, SEC's nightly bulk archives, or whichever
# suits the universe (auto: bulk above SEC_BULK_ABOVE filers; ingestion/sources/sec_bulk.py).
SEC_MODES = ("api", "bulk", "auto")
SEC_BULK_ABOVE = 50


class ConfigError(ValueError):
    """A setting is missing or has a value aigap cannot use."""


@dataclass(frozen=True)
class Settings:
    home: Path
    modes: dict[str, str]
    sample_dir: Path
    universe_path: Path | None  # None: AIGAP_UNIVERSE=sec:all (every 10-K/20-F filer of company_tickers.json)
    base_urls: dict[str, str]
    sec_user_agent: str | None
    prices_api_token: str | None
    sec_archives_base_url: str = DEFAULT_SEC_ARCHIVES_BASE_URL
    prices_provider: str = "eodhd"  # one of PRICES_PROVIDERS
    # EODHD: refresh by exchange (eod-bulk-last-day), each symbol's history backfilled once
    prices_eodhd_bulk: bool = False
    # Lake mode (ingestion/lake.py): the libpq conninfo of the DuckLake catalog (AIGAP_WAREHOUSE without its
    # "ducklake:postgres:" prefix; never a password) and where its Parquet files go. None: the embedded file.
    lake_catalog: str | None = None
    lake_data_path: str | None = None
    # Lake mode: the database of the catalog's server that holds Dagster's runs, events and schedules
    dagster_database: str = "aigap_dagster"
    # Lake mode: how many steps of a run execute at once, each in its own process (AIGAP_LAKE_WORKERS)
    lake_workers: int = 2

    @property
    def is_lake(self) -> bool:
        return self.lake_catalog is not None

    @property
    def extension_dir(self) -> Path:
        """DuckDB's extension directory for this warehouse: the PyPI wheels' extensions are put here."""
        return self.home / "duckdb_extensions"

    sec_mode: str = "auto"  # one of SEC_MODES (AIGAP_SEC_MODE)

    # -- derived paths: one definition each -------------------------------------------
    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def db_path(self) -> Path:
        return self.home / "aigap.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.home / "serving"

    @property
    def serving_db_path(self) -> Path:
        return self.serving_dir / "aigap.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.serving_dir / "parquet"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance (runs, logs, schedules) when DAGSTER_HOME does not name another."""
        return self.home / "dagster"

    @property
    def lock_path(self) -> Path:
        return self.home / ".run.lock"

    @property
    def dbt_parse_state(self) -> Path:
        """dbt's parse of the project as the last build of this warehouse saw it (partial_parse.msgpack).

        dbt reuses a parse only under the same profile, and the profile names the warehouse file, so
        the one `make manifest` leaves in dbt_project/target serves one AIGAP_HOME at most.
        """
        return self.home / "dbt" / "partial_parse.msgpack"

    def dbt_vars(self) -> list[str]:
        """The dbt CLI arguments that point dbt at this warehouse (dbt_project/profiles.yml): the file,
        or in lake mode the catalog (no password: libpq reads it from the environment), its data path
        and the extension directory."""
        values = {"aigap_db_path": str(self.db_path)}
        if self.is_lake:
            values |= {
                "aigap_lake_catalog": f"{LAKE_PREFIX}{self.lake_catalog}",
                "aigap_lake_data_path": self.lake_data_path,
                "aigap_extension_dir": str(self.extension_dir),
            }
        return ["--vars", json.dumps(values)]

    def mode(self, source: str) -> str:
        return self.modes[source]

    def is_sample(self, source: str) -> bool:
        return self.modes[source] == "sample"

    def url_setting(self, url: str, source: str | None = None) -> str | None:
        """The setting that points at ``url``'s host, as ``NAME=value`` (``source``'s own first).

        For error messages: a host that cannot be reached is named with the setting to change.
        """
        settings = [(_BASE_URL_ENV[s], self.base_urls[s]) for s in SOURCES]
        settings.insert(1, ("AIGAP_SEC_ARCHIVES_BASE_URL", self.sec_archives_base_url))
        if source in _BASE_URL_ENV:
            own = [(n, v) for n, v in settings if n == _BASE_URL_ENV[source]]
            if source == "filings":
                own.append(("AIGAP_SEC_ARCHIVES_BASE_URL", self.sec_archives_base_url))
            settings = own + [x for x in settings if x not in own]
        origin = _origin(url)
        return next((f"{name}={value}" for name, value in settings if _origin(value) == origin), None)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _mode(env: dict[str, str], source: str, default: str) -> str:
    key = f"AIGAP_SOURCE_{source.upper()}"
    value = env.get(key, default).strip().lower()
    if value not in MODES:
        raise ConfigError(f"{key}={value!r}: expected one of {', '.join(MODES)}")
    return value


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    default_mode = env.get("AIGAP_SOURCE", "sample").strip().lower()
    if default_mode not in MODES:
        raise ConfigError(f"AIGAP_SOURCE={default_mode!r}: expected one of {', '.join(MODES)}")
    home = Path(env.get("AIGAP_HOME") or REPO_ROOT / "warehouse").expanduser().resolve()
    sample_dir = Path(env.get("AIGAP_SAMPLE_DIR") or BUNDLED_SAMPLE_DIR).expanduser().resolve()
    universe = _universe(env.get("AIGAP_UNIVERSE"))
    modes = {s: _mode(env, s, default_mode) for s in SOURCES}
    provider = _prices_provider(env, modes["prices"])
    defaults = DEFAULT_BASE_URLS | {"prices": PRICES_BASE_URLS[provider]}
    base_urls = {s: env.get(_BASE_URL_ENV[s], defaults[s]).rstrip("/") for s in SOURCES}
    return Settings(
        home=home,
        modes=modes,
        sample_dir=sample_dir,
        universe_path=universe,
        base_urls=base_urls,
        sec_user_agent=env.get("SEC_USER_AGENT") or None,
        prices_api_token=env.get("AIGAP_PRICES_API_TOKEN") or None,
        sec_archives_base_url=(
            env.get("AIGAP_SEC_ARCHIVES_BASE_URL") or DEFAULT_SEC_ARCHIVES_BASE_URL
        ).rstrip("/"),
        prices_provider=provider,
        prices_eodhd_bulk=_flag(env, "AIGAP_PRICES_EODHD_BULK"),
        sec_mode=_sec_mode(env),
        **_lake(env),
    )


def _universe(value: str | None) -> Path | None:
    """AIGAP_UNIVERSE: a universe file, or ``sec:all`` (None) for every SEC filer of company_tickers.json."""
    if value and value.strip().lower() == SEC_ALL_UNIVERSE:
        return None
    universe = Path(value or DEFAULT_UNIVERSE).expanduser().resolve()
    if not universe.is_file():
        raise ConfigError(f"AIGAP_UNIVERSE={universe}: no such file (a universe CSV, or {SEC_ALL_UNIVERSE})")
    return universe


def _flag(env: dict[str, str], name: str) -> bool:
    value = env.get(name, "0").strip().lower()
    if value not in ("0", "1", "true", "false", ""):
        raise ConfigError(f"{name}={value!r}: expected 1 or 0")
    return value in ("1", "true")


LAKE_PREFIX = "ducklake:postgres:"
# libpq keywords that carry a secret: they would show in DuckDB's error messages, dbt's and Dagster's logs.
_SECRET_KEYS = re.compile(r"(^|\s|[?&])(password|sslpassword)\s*=|://[^/@\s]*:[^/@\s]*@", re.IGNORECASE)


def _lake(env: dict[str, str]) -> dict[str, str | None]:
    """AIGAP_WAREHOUSE and AIGAP_LAKE_DATA_PATH, checked: both or neither, and no password in either."""
    warehouse = (env.get("AIGAP_WAREHOUSE") or "").strip()
    if not warehouse:
        return {}
    if not warehouse.startswith(LAKE_PREFIX):
        raise ConfigError(
            f"AIGAP_WAREHOUSE: expected {LAKE_PREFIX}<libpq conninfo> (a DuckLake catalog in PostgreSQL), "
            f"or unset for the embedded DuckDB file; got a value starting {warehouse[:18]!r}"
        )
    catalog = warehouse[len(LAKE_PREFIX) :].strip()
    if _SECRET_KEYS.search(catalog):
        raise ConfigError(
            "AIGAP_WAREHOUSE holds a password: it would show in error messages and logs. Give the conninfo "
            "without it and put the password in PGPASSWORD, a ~/.pgpass file (PGPASSFILE) or a libpq service "
            "file (PGSERVICEFILE, then AIGAP_WAREHOUSE=ducklake:postgres:service=<name>)"
        )
    if not catalog:
        raise ConfigError(f"AIGAP_WAREHOUSE={LAKE_PREFIX!r}: the conninfo of the catalog database is missing")
    data_path = (env.get("AIGAP_LAKE_DATA_PATH") or "").strip()
    if not data_path:
        raise ConfigError(
            "AIGAP_LAKE_DATA_PATH is not set: lake mode (AIGAP_WAREHOUSE) needs the folder or s3://bucket/prefix "
            "that holds the lake's Parquet files"
        )
    if not data_path.startswith("s3://"):
        data_path = str(Path(data_path).expanduser().resolve())
    dagster_db = (env.get("AIGAP_DAGSTER_DATABASE") or "aigap_dagster").strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", dagster_db):
        raise ConfigError(f"AIGAP_DAGSTER_DATABASE={dagster_db!r}: expected a PostgreSQL database name")
    workers = (env.get("AIGAP_LAKE_WORKERS") or "2").strip()
    if not workers.isdigit() or int(workers) < 1:
        raise ConfigError(f"AIGAP_LAKE_WORKERS={workers!r}: expected a whole number of processes, 1 or more")
    return {
        "lake_workers": int(workers),
        "lake_catalog": catalog,
        "lake_data_path": data_path.rstrip("/") + "/",
        "dagster_database": dagster_db,
    }


def _sec_mode(env: dict[str, str]) -> str:
    value = (env.get("AIGAP_SEC_MODE") or "auto").strip().lower()
    if value not in SEC_MODES:
        raise ConfigError(f"AIGAP_SEC_MODE={value!r}: expected one of {', '.join(SEC_MODES)}")
    return value


def _prices_provider(env: dict[str, str], mode: str) -> str:
    """AIGAP_PRICES_PROVIDER, else yahoo when prices are live (no key needed) and eodhd for the sample."""
    value = (env.get("AIGAP_PRICES_PROVIDER") or ("yahoo" if mode == "live" else "eodhd")).strip().lower()
    if value not in PRICES_PROVIDERS:
        raise ConfigError(f"AIGAP_PRICES_PROVIDER={value!r}: expected one of {', '.join(PRICES_PROVIDERS)}")
    return value
