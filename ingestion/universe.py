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
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import duckdb
import pyarrow as pa

from ingestion.baskets import BASKETS_FILE, read_baskets
from ingestion.config import SEC_ALL_UNIVERSE, Settings
from ingestion.errors import BadSourceFile
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_loader import LoadReport, ensure_schemas, load_landed
from ingestion.raw_tables import arrow_schema
from ingestion.universe_resolution import (
    TickerIndex,
    default_benchmarks,
    resolve_lines,
    sec_all_listings,
    sec_filer_ciks,
)

log = logging.getLogger(__name__)


class UniverseError(ValueError):
    """The universe file has a row aigap refuses to use."""


_PATTERNS = {
    # US share classes are written with a dash as SEC and Yahoo do (BRK-B); a suffix names the market
    "ticker": re.compile(r"^[A-Z0-9]{1,6}(-[A-Z0-9]{1,2})?(\.[A-Z]{1,3})?$"),
    "price_symbol": re.compile(r"^[A-Z0-9]{1,8}(-[A-Z0-9]{1,2})?(\.[A-Z]{1,5})$"),
    "cik": re.compile(r"^\d{1,10}$"),
    "trading_currency": re.compile(r"^[A-Z]{3}$"),
    "reporting_currency": re.compile(r"^[A-Z]{3}$"),
    "country": re.compile(r"^[A-Z]{2}$"),
    "name": re.compile(r"^[\w .,&()'/\-]{1,120}$"),
    "exchange": re.compile(r"^[A-Za-z ]{2,20}$"),
    "benchmark": re.compile(r"^[A-Z0-9]{1,6}(-[A-Z0-9]{1,2})?(\.[A-Z]{1,3})?$"),
    # baskets are data (US, CN, hardware, saas, cn_adr ...): a plain name, never a path or SQL
    "basket": re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,29}$"),
}
_CHOICES = {"role": {"company", "benchmark"}, "filer": {"sec", "hkex", ""}}
# The columns of a universe file: only ticker and basket are required; every other one overrides
# what is resolved from SEC (ingestion/universe_resolution.py), and a full file (ingestion/universe.csv)
# gives them all.
FILE_COLUMNS = [
    "ticker", "name", "role", "basket", "country", "cik", "exchange", "trading_currency",
    "reporting_currency", "fiscal_year_end_month", "price_symbol", "filer", "benchmark",
]  # fmt: skip
REQUIRED_COLUMNS = ("ticker", "basket")
COLUMNS = arrow_schema("universe").names
# AIGAP_UNIVERSE=sec:all: every company of company_tickers.json that files 10-K or 20-F
SEC_ALL = SEC_ALL_UNIVERSE


@dataclass(frozen=True)
class Listing:
    ticker: str
    name: str | None
    role: str
    basket: str
    country: str | None
    cik: str | None
    exchange: str | None
    trading_currency: str | None
    reporting_currency: str | None
    fiscal_year_end_month: int | None
    price_symbol: str | None
    filer: str | None
    benchmark: str | None = None
    baskets: str | None = None
    universe_file: str | None = None
    line: int | None = None
    given_columns: str | None = None
    cik_source: str | None = None
    other_tickers: str | None = None
    cik_previous: str | None = None
    resolved_with: str | None = None
    refused: str | None = None

    @property
    def cik10(self) -> str | None:
        return self.cik.zfill(10) if self.cik else None

    @property
    def given(self) -> set[str]:
        return set((self.given_columns or "").split(";")) - {""}

    @property
    def hand_given(self) -> bool:
        """A line SEC cannot resolve: a benchmark, an HKEX filer, or a ticker of another market (0700.HK)."""
        return self.role == "benchmark" or self.filer == "hkex" or "." in self.ticker


def parse_lines(body: bytes, path: str, baskets: Iterable[str] | None = None) -> list[Listing]:
    """Every line of a universe file as written (one per line), each field checked.

    A field that is not what its column holds raises UniverseError naming file, line and column: the
    whole file is refused, as a typo could otherwise become a path or reach SQL. Which lines SEC
    knows, duplicates and share classes of one filer are for :func:`resolve_lines`. ``baskets``: the
    basket names a line may name (default: the basket file, ``dbt_project/seeds/baskets.csv``).
    """
    allowed = list(read_baskets()) if baskets is None else list(baskets)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UniverseError(f"{path}: not UTF-8 text ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UniverseError(
            f"{path}: missing column(s) {', '.join(missing)} (a universe file needs ticker and basket; "
            f"optional: {', '.join(c for c in FILE_COLUMNS if c not in REQUIRED_COLUMNS)})"
        )
    unknown = [c for c in header if c not in FILE_COLUMNS]
    if unknown:
        raise UniverseError(
            f"{path}: unknown column(s) {', '.join(unknown)} (known: {', '.join(FILE_COLUMNS)})"
        )
    listings: list[Listing] = []
    # first line each value was seen on, for the duplicate checks
    first_line: dict[str, dict[str, tuple[int, str]]] = {"price_symbol": {}, "cik": {}}
    benchmark_refs: list[tuple[int, str, str]] = []  # (line, company ticker, benchmark named)
    for lineno, raw in enumerate(reader, start=2):
        row = {c: (raw.get(c) or "").strip() for c in FILE_COLUMNS}
        given = [c for c in FILE_COLUMNS if row[c]]

        def bad(column: str, why: str, lineno: int = lineno, row: dict = row) -> UniverseError:
            return UniverseError(f"{path}, line {lineno}, column {column}: {row.get(column)!r} {why}")

        for column in REQUIRED_COLUMNS:
            if not row[column]:
                raise bad(column, "is required")
        for column, pattern in _PATTERNS.items():
            value = row[column]
            if value and not pattern.match(value):
                raise bad(column, f"does not match {pattern.pattern}")
        if row["basket"] not in allowed:
            raise bad(
                "basket",
                f"is not a basket of {BASKETS_FILE.name} ({', '.join(allowed)}): add it there "
                "(name, description, benchmark price symbol) or name one of those",
            )
        row["role"] = row["role"] or "company"
        for column, choices in _CHOICES.items():
            if row[column] not in choices:
                raise bad(column, f"is not one of {sorted(c for c in choices if c)}")
        month = row["fiscal_year_end_month"]
        if month and not (month.isdigit() and 1 <= int(month) <= 12):
            raise bad("fiscal_year_end_month", "is not a month 1-12")
        by_hand = row["role"] == "benchmark" or row["filer"] == "hkex" or "." in row["ticker"]
        if by_hand:
            # SEC does not know it: what resolution would give must be written by hand
            required = ["name", "price_symbol", "trading_currency"]
            required += ["fiscal_year_end_month"] if row["role"] == "company" else []
            for column in required:
                if not row[column]:
                    raise bad(
                        column,
                        f"is required for {row['ticker']}: SEC does not know it "
                        f"({'a benchmark' if row['role'] == 'benchmark' else 'not an SEC filer'})",
                    )
        for column, key in (("price_symbol", row["price_symbol"]), ("cik", row["cik"].zfill(10))):
            seen = first_line[column].get(key) if row[column] else None
            if seen and seen[1] != row["ticker"]:
                raise bad(
                    column,
                    f"is also on line {seen[0]}: two listings cannot share one {column}",
                )
            if row[column] and not seen:
                first_line[column][key] = (lineno, row["ticker"])
        if row["role"] == "company":
            # an empty benchmark takes its basket's benchmark row (universe_resolution.default_benchmarks)
            if row["benchmark"]:
                benchmark_refs.append((lineno, row["ticker"], row["benchmark"]))
        elif row["benchmark"]:
            raise bad(
                "benchmark", "must be empty for a benchmark row (a benchmark is not measured against another)"
            )
        listings.append(
            Listing(
                ticker=row["ticker"],
                name=row["name"] or None,
                role=row["role"],
                basket=row["basket"],
                country=row["country"] or None,
                cik=row["cik"].zfill(10) if row["cik"] else None,
                exchange=row["exchange"] or None,
                trading_currency=row["trading_currency"] or None,
                reporting_currency=row["reporting_currency"]
                or (row["trading_currency"] if by_hand else "")
                or None,
                fiscal_year_end_month=int(month) if month else None,
                price_symbol=row["price_symbol"] or None,
                filer=row["filer"] or None,
                benchmark=row["benchmark"] or None,
                baskets=row["basket"],
                universe_file=path,
                line=lineno,
                given_columns=";".join(given),
                cik_source="universe file" if row["cik"] else None,
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


def parse_universe(
    body: bytes,
    path: str,
    index: TickerIndex | None = None,
    previous: dict[str, str] | None = None,
    *,
    baskets: Iterable[str] | None = None,
) -> list[Listing]:
    """The universe's listings, one per company or benchmark, resolved against SEC's ``index``.

    Lines SEC must resolve (no CIK written) are refused when ``index`` is None or does not know them;
    refused lines come back with ``refused`` set (the loader sends them to quarantine.universe).
    ``previous``: ticker -> CIK as raw.universe held it, to record a CIK company_tickers moved.
    """
    listings = resolve_lines(parse_lines(body, path, baskets), path, index, previous or {})
    return default_benchmarks(listings, path, strict=b"benchmark" in body.split(b"\n", 1)[0])


def read_universe(path: Path, index: TickerIndex | None = None) -> list[Listing]:
    """The accepted listings of a universe file (refused lines left out, see parse_universe)."""
    return [x for x in parse_universe(path.read_bytes(), str(path), index) if not x.refused]


def universe_table(listings: list[Listing]) -> pa.Table:
    return pa.Table.from_pylist(
        [{c: getattr(item, c) for c in COLUMNS} for item in listings], schema=arrow_schema("universe")
    )


# -- the universe as a source: landed first, loaded into raw.universe, read back from there -------

UNIVERSE_SOURCE = "universe"
UNIVERSE_KEY = "universe"


def land_universe(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    """The AIGAP_UNIVERSE file, byte for byte, the same in every mode (it is never sample data).

    ``AIGAP_UNIVERSE=sec:all`` has no file: the setting itself is landed (``sec:all``), and the listings
    come from company_tickers.json when it is loaded.
    """
    path = settings.universe_path
    if path is None:
        return [zone.land(UNIVERSE_SOURCE, UNIVERSE_KEY, SEC_ALL.encode(), url=f"setting:AIGAP_UNIVERSE={SEC_ALL}",
                          suffix=".txt")]  # fmt: skip
    return [zone.land(UNIVERSE_SOURCE, UNIVERSE_KEY, path.read_bytes(), url=path.as_uri(), suffix=".csv")]


def needs_company_tickers(settings: Settings) -> bool:
    """Whether the universe has a line only company_tickers.json can resolve (or is sec:all).

    A file that cannot be read or parsed says yes: the universe's own load then names what is wrong.
    """
    if settings.universe_path is None:
        return True
    try:
        lines = parse_lines(settings.universe_path.read_bytes(), str(settings.universe_path))
    except (OSError, UniverseError):
        return True
    return any(x.cik is None and not x.hand_given for x in lines)


def _origin(entry: LandedFile) -> str:
    # Name the file the user edits, not only its copy in landing.
    if entry.url.startswith("file:"):
        return url2pathname(urlsplit(entry.url).path)
    return SEC_ALL if entry.url.startswith("setting:") else entry.url


def universe_parser(
    index: TickerIndex | None, previous: dict[str, tuple[str | None, str | None]] | None = None
) -> Callable[[LandedFile, bytes], dict[str, pa.Table]]:
    """The parser of the landed universe, resolving with ``index`` (company_tickers.json)."""

    def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
        origin = _origin(entry)
        try:
            if body.strip() == SEC_ALL.encode() and entry.url.startswith("setting:"):
                if index is None:
                    raise UniverseError(
                        f"AIGAP_UNIVERSE={SEC_ALL}: no company_tickers.json is landed (landing/sec_tickers)"
                    )
                return {"universe": universe_table(sec_all_listings(index))}
            return {"universe": universe_table(parse_universe(body, origin, index, previous))}
        except UniverseError as exc:
            raise BadSourceFile(entry.path, str(exc)) from exc

    return parse


# Without company_tickers.json: lines without a CIK are refused (tests, and callers loading it alone).
parse_universe_file = universe_parser(None)


def previous_ciks(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str | None]]:
    """ticker -> (CIK, cik_previous) as raw.universe holds them now, before a reload replaces them."""
    if not _has_universe(con):
        return {}
    rows = con.execute("SELECT ticker, cik, cik_previous FROM raw.universe").fetchall()
    return {ticker: (cik, before) for ticker, cik, before in rows}


def load_universe(con: duckdb.DuckDBPyConnection, zone: LandingZone, *, run_id: str = "") -> LoadReport:
    """Load the newest landed universe, resolved with the company_tickers.json raw holds.

    The universe is judged again when either changed: a new universe file (the loader sees its sha256)
    or a new company_tickers.json (``resolved_with`` differs from the sha256 raw now holds).
    """
    ensure_schemas(con)
    index = TickerIndex.from_raw(con)
    previous = previous_ciks(con)
    used = {sha for (sha,) in con.execute(
        "SELECT DISTINCT resolved_with FROM raw.universe WHERE resolved_with IS NOT NULL"
    ).fetchall()}  # fmt: skip
    if used and index is not None and used != {index.sha256}:
        log.info("company_tickers.json changed since the universe was resolved: resolving it again")
        for schema in ("raw", "quarantine"):
            con.execute(f"DELETE FROM {schema}.universe")
    parse = universe_parser(index, previous)
    return load_landed(con, zone, UNIVERSE_SOURCE, parse, ["universe"], run_id=run_id)


def _has_universe(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = 'universe'"
        ).fetchone()[0]
    )


def loaded_listings(con: duckdb.DuckDBPyConnection) -> list[Listing]:
    """The listings of raw.universe: what every source after the universe fetches and checks against.

    Under ``AIGAP_UNIVERSE=sec:all``, once submissions are loaded, only the 10-K / 20-F filers among them
    (funds and ETFs drop out); before, every CIK (their submissions must be fetched to know).
    """
    rows = (
        con.execute(f"SELECT {', '.join(COLUMNS)} FROM raw.universe").fetchall() if _has_universe(con) else []
    )
    if not rows:
        raise UniverseError("raw.universe is empty: load the universe (landing/universe, raw_universe) first")
    listings = [Listing(**dict(zip(COLUMNS, row, strict=True))) for row in rows]
    if any(x.universe_file == SEC_ALL for x in listings):
        filers = sec_filer_ciks(con)
        if filers is not None:
            listings = [x for x in listings if x.universe_file != SEC_ALL or x.cik in filers]
    return listings
