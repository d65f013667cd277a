"""The company universe: which tickers aigap follows, validated before anything uses it.

The universe CSV may come from a user (``AIGAP_UNIVERSE``), so every field is checked against a
strict pattern: a ticker like ``../../etc/passwd`` or ``x'; DROP TABLE`` is rejected with the file,
line and column named, long before it could become a path or reach SQL. Two listings on one
``price_symbol`` (they would share one price series) or one CIK (one filer's figures twice) are refused
the same way, and every company names the benchmark series it is measured against (``benchmark``, the
ticker of a ``role=benchmark`` row): the event study uses that series, never one guessed from the
trading currency.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import duckdb
import pyarrow as pa

from ingestion.baskets import BASKETS_FILE, NAME_PATTERN, read_baskets
from ingestion.config import Settings
from ingestion.errors import BadSourceFile
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema


class UniverseError(ValueError):
    """The universe file has a row aigap refuses to use."""


_PATTERNS = {
    "ticker": re.compile(r"^[A-Z0-9]{1,6}(\.[A-Z]{1,3})?$"),
    "price_symbol": re.compile(r"^[A-Z0-9]{1,8}(\.[A-Z]{1,5})$"),
    "cik": re.compile(r"^\d{1,10}$"),
    "trading_currency": re.compile(r"^[A-Z]{3}$"),
    "reporting_currency": re.compile(r"^[A-Z]{3}$"),
    "country": re.compile(r"^[A-Z]{2}$"),
    "name": re.compile(r"^[\w .,&()'\-]{1,120}$"),
    "exchange": re.compile(r"^[A-Za-z ]{2,20}$"),
    "benchmark": re.compile(r"^[A-Z0-9]{1,6}(\.[A-Z]{1,3})?$"),
}
_CHOICES = {"role": {"company", "benchmark"}, "filer": {"sec", "hkex", ""}}
COLUMNS = arrow_schema("universe").names


@dataclass(frozen=True)
class Listing:
    ticker: str
    name: str
    role: str
    basket: str
    country: str
    cik: str | None
    exchange: str
    trading_currency: str
    reporting_currency: str
    fiscal_year_end_month: int | None
    price_symbol: str
    filer: str | None
    benchmark: str | None = None

    @property
    def cik10(self) -> str | None:
        return self.cik.zfill(10) if self.cik else None


def parse_universe(body: bytes, path: str, baskets: Iterable[str] | None = None) -> list[Listing]:
    """The listings of a universe file; ``baskets``: the basket names allowed (default: the basket file)."""
    allowed = list(read_baskets()) if baskets is None else list(baskets)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UniverseError(f"{path}: not UTF-8 text ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UniverseError(f"{path}: missing column(s) {', '.join(missing)}")
    listings: list[Listing] = []
    seen: set[str] = set()
    # first line each value was seen on, for the duplicate checks
    first_line: dict[str, dict[str, int]] = {"price_symbol": {}, "cik": {}}
    benchmark_refs: list[tuple[int, str, str]] = []  # (line, company ticker, benchmark named)
    for lineno, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}

        def bad(column: str, why: str, lineno: int = lineno, row: dict = row) -> UniverseError:
            return UniverseError(f"{path}, line {lineno}, column {column}: {row.get(column)!r} {why}")

        for column, pattern in _PATTERNS.items():
            value = row[column]
            if value and not pattern.match(value):
                raise bad(column, f"does not match {pattern.pattern}")
        for column, choices in _CHOICES.items():
            if row[column] not in choices:
                raise bad(column, f"is not one of {sorted(c for c in choices if c)}")
        if not NAME_PATTERN.match(row["basket"]):
            raise bad("basket", f"does not match {NAME_PATTERN.pattern}")
        if row["basket"] not in allowed:
            raise bad(
                "basket",
                f"is not a basket of {BASKETS_FILE.name} ({', '.join(allowed)}): add it there "
                "(name, description, benchmark price symbol) or name one of those",
            )
        for column in ("ticker", "name", "price_symbol", "trading_currency"):
            if not row[column]:
                raise bad(column, "is required")
        month = row["fiscal_year_end_month"]
        if month and not (month.isdigit() and 1 <= int(month) <= 12):
            raise bad("fiscal_year_end_month", "is not a month 1-12")
        if row["role"] == "company" and not month:
            raise bad("fiscal_year_end_month", "is required for a company")
        if row["filer"] == "sec" and not row["cik"]:
            raise bad("cik", "is required for an SEC filer")
        if row["ticker"] in seen:
            raise bad("ticker", "appears twice")
        seen.add(row["ticker"])
        for column, key in (("price_symbol", row["price_symbol"]), ("cik", row["cik"].zfill(10))):
            if row[column] and key in first_line[column]:
                raise bad(
                    column,
                    f"is also on line {first_line[column][key]}: two listings cannot share one {column}",
                )
            if row[column]:
                first_line[column][key] = lineno
        if row["role"] == "company":
            if not row["benchmark"]:
                raise bad(
                    "benchmark",
                    f"is required for company {row['ticker']}: name the ticker of the benchmark row "
                    "it is measured against (e.g. SPY)",
                )
            benchmark_refs.append((lineno, row["ticker"], row["benchmark"]))
        elif row["benchmark"]:
            raise bad(
                "benchmark", "must be empty for a benchmark row (a benchmark is not measured against another)"
            )
        listings.append(
            Listing(
                ticker=row["ticker"],
                name=row["name"],
                role=row["role"],
                basket=row["basket"],
                country=row["country"],
                cik=row["cik"].zfill(10) if row["cik"] else None,
                exchange=row["exchange"],
                trading_currency=row["trading_currency"],
                reporting_currency=row["reporting_currency"] or row["trading_currency"],
                fiscal_year_end_month=int(month) if month else None,
                price_symbol=row["price_symbol"],
                filer=row["filer"] or None,
                benchmark=row["benchmark"] or None,
            )
        )
    if not listings:
        raise UniverseError(f"{path}: no rows")
    roles = {item.ticker: item.role for item in listings}
    for lineno, ticker, benchmark in benchmark_refs:
        # a benchmark named but absent from the file is left to the dbt test
        # event_study_company_names_a_benchmark (a universe may be used without the event study)
        if roles.get(benchmark, "benchmark") != "benchmark":
            raise UniverseError(
                f"{path}, line {lineno}, column benchmark: {benchmark!r} (benchmark of {ticker}) "
                f"is a {roles[benchmark]}, not a row with role benchmark"
            )
    return listings


def read_universe(path: Path) -> list[Listing]:
    return parse_universe(path.read_bytes(), str(path))


def universe_table(listings: list[Listing]) -> pa.Table:
    return pa.Table.from_pylist(
        [{c: getattr(item, c) for c in COLUMNS} for item in listings], schema=arrow_schema("universe")
    )


# -- the universe as a source: landed first, loaded into raw.universe, read back from there -------

UNIVERSE_SOURCE = "universe"
UNIVERSE_KEY = "universe"


def land_universe(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    """The AIGAP_UNIVERSE file, byte for byte, the same in every mode (it is never sample data)."""
    path = settings.universe_path
    return [zone.land(UNIVERSE_SOURCE, UNIVERSE_KEY, path.read_bytes(), url=path.as_uri(), suffix=".csv")]


def parse_universe_file(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    try:
        # Name the file the user edits, not only its copy in landing.
        origin = url2pathname(urlsplit(entry.url).path) if entry.url.startswith("file:") else entry.url
        return {"universe": universe_table(parse_universe(body, origin))}
    except UniverseError as exc:
        raise BadSourceFile(entry.path, str(exc)) from exc


def loaded_listings(con: duckdb.DuckDBPyConnection) -> list[Listing]:
    """The listings of raw.universe: what every source after the universe fetches and checks against."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = 'universe'"
    ).fetchone()[0]
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM raw.universe").fetchall() if exists else []
    if not rows:
        raise UniverseError("raw.universe is empty: load the universe (landing/universe, raw_universe) first")
    return [Listing(**dict(zip(COLUMNS, row, strict=True))) for row in rows]
