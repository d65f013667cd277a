"""Resolving a universe by ticker: CIK and name from SEC's company_tickers.json, at the universe stage.

The fetchers need each SEC filer's CIK before they can ask for anything, so the CIK (and the name SEC
files it under) is resolved here, in Python, when the universe is loaded; the descriptive fields
(exchange, SIC, fiscal-year end, filer form, reporting currency) are resolved in dbt from the filings
themselves (``int_company_profile``), where a column the universe file gives overrides them.

Rules, each line of the file judged alone so that one bad line never stops the others:

- a line with its CIK written keeps it (``cik_source = 'universe file'``); a line without one is looked
  up by ticker in the newest landed company_tickers.json (``cik_source = 'company_tickers'``); a ticker
  SEC does not know is refused (``refused``: file, line and ticker; the loader quarantines the row);
- Hong Kong lines (``0700.HK``), HKEX filers and benchmark rows are never looked up: their fields are
  written by hand, as before;
- the same ticker twice in one basket: every such line is refused, naming them all; the same ticker in
  several baskets is one listing with every basket (``baskets``); two lines of one ticker that disagree
  on a field are refused, naming the lines and the column;
- two tickers of one filer (GOOGL and GOOG: one CIK, two share classes) are one company: the first line's
  ticker stays, the others are recorded in ``other_tickers`` and add their baskets;
- a ticker company_tickers now maps to another CIK than raw.universe held: the new CIK is taken and the
  old one kept in ``cik_previous`` (and logged), for as long as the listing stays;
- the price symbol defaults to ``<TICKER>.US``, the trading currency to USD (US listings).

``AIGAP_UNIVERSE=sec:all`` takes one listing per CIK of company_tickers.json (its first ticker in SEC's
order, basket ``market``); which of them are companies (10-K or 20-F filers, no funds, no ETFs) is known
only once their submissions are parsed: :func:`sec_filer_ciks` (and dbt's ``int_company_profile``) apply
that selection on ``raw.sec_companies``, however the submissions were fetched (per company or bulk).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from ingestion.universe import Listing

log = logging.getLogger(__name__)

# The annual report forms that make a company of an SEC registrant (funds file N-CSR/N-PORT, ETFs too).
FILER_FORMS = ("10-K", "10-K/A", "10-KT", "20-F", "20-F/A")
SEC_ALL_BASKET = "market"
_SEC_TICKER = re.compile(r"^[A-Z0-9]{1,6}(-[A-Z0-9]{1,2})?$")
# The fields two lines of one ticker must agree on (basket excepted: that is what several lines add).
_AGREE = ("name", "role", "country", "cik", "exchange", "trading_currency", "reporting_currency",
          "fiscal_year_end_month", "price_symbol", "filer", "benchmark")  # fmt: skip


@dataclass(frozen=True)
class TickerIndex:
    """company_tickers.json as the universe needs it: ticker -> (CIK, title), CIK -> its tickers."""

    by_ticker: dict[str, tuple[str, str]]
    by_cik: dict[str, list[str]]  # tickers in SEC's order (the first is the primary listing)
    sha256: str | None = None  # of the landed file, recorded on every row resolved with it

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str, str]], sha256: str | None = None) -> TickerIndex:
        """``rows``: (cik, ticker, title) in the file's order."""
        by_ticker: dict[str, tuple[str, str]] = {}
        by_cik: dict[str, list[str]] = defaultdict(list)
        for cik, ticker, title in rows:
            by_ticker.setdefault(ticker, (cik, title))
            by_cik[cik].append(ticker)
        return cls(by_ticker, dict(by_cik), sha256)

    @classmethod
    def from_bytes(cls, body: bytes, path: str = "company_tickers.json") -> TickerIndex:
        from ingestion.landing import sha256_hex
        from ingestion.sources.sec_tickers import parse_company_tickers

        table = parse_company_tickers(body, path)
        rows = list(zip(*(table[c].to_pylist() for c in ("cik", "ticker", "title")), strict=True))
        return cls.from_rows(rows, sha256_hex(body))

    @classmethod
    def from_raw(cls, con: duckdb.DuckDBPyConnection) -> TickerIndex | None:
        """The company_tickers.json raw.sec_company_tickers holds (its newest landed file), if any."""
        if not _table_exists(con, "sec_company_tickers"):
            return None
        rows = con.execute(
            "SELECT cik, ticker, title, sha256 FROM raw.sec_company_tickers ORDER BY position"
        ).fetchall()
        if not rows:
            return None
        return cls.from_rows([r[:3] for r in rows], rows[0][3])


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?",
            [table],
        ).fetchone()[0]
    )


def _refuse(item: Listing, why: str) -> Listing:
    log.error("%s, line %s: ticker %s refused: %s", item.universe_file, item.line, item.ticker, why)
    return dataclasses.replace(
        item, refused=f"{item.universe_file}, line {item.line}: ticker {item.ticker} {why}"
    )


def _lines(items: list[Listing]) -> str:
    numbers = [str(x.line) for x in items]
    return ", ".join(numbers[:-1]) + f" and {numbers[-1]}" if len(numbers) > 1 else numbers[0]


def _resolve_one(
    item: Listing, index: TickerIndex | None, previous: dict[str, tuple[str | None, str | None]]
) -> Listing:
    if item.hand_given:
        return item
    changes: dict[str, object] = {"filer": "sec"}
    known = index.by_ticker.get(item.ticker) if index else None
    if item.cik is None:
        if index is None:
            return _refuse(item, "has no CIK and no company_tickers.json is landed to resolve it")
        if known is None:
            return _refuse(item, "is not in SEC's company_tickers.json (SEC does not know it)")
        changes |= {"cik": known[0], "cik_source": "company_tickers", "resolved_with": index.sha256}
        old_cik, old_previous = previous.get(item.ticker, (None, None))
        if old_cik and old_cik != known[0]:
            log.warning(
                "%s, line %s: ticker %s moved from CIK %s to CIK %s in the newest company_tickers.json",
                item.universe_file, item.line, item.ticker, old_cik, known[0],
            )  # fmt: skip
            changes["cik_previous"] = old_cik
        elif old_cik == known[0] and old_previous:
            changes["cik_previous"] = old_previous  # the change stays on record
    if item.name is None:
        changes["name"] = known[1] if known else item.ticker
    if item.price_symbol is None:
        changes["price_symbol"] = f"{item.ticker}.US"
    if item.trading_currency is None:
        changes["trading_currency"] = "USD"
    return dataclasses.replace(item, **changes)


def resolve_lines(
    lines: list[Listing],
    path: str,
    index: TickerIndex | None,
    previous: dict[str, tuple[str | None, str | None]],
) -> list[Listing]:
    """One listing per company or benchmark (accepted), plus every refused line (``refused`` set)."""
    refused: list[Listing] = []
    by_ticker: dict[str, list[Listing]] = defaultdict(list)
    for item in lines:
        by_ticker[item.ticker].append(item)
    merged: list[Listing] = []
    for items in by_ticker.values():
        by_basket: dict[str, list[Listing]] = defaultdict(list)
        for item in items:
            by_basket[item.basket].append(item)
        twice = [group for group in by_basket.values() if len(group) > 1]
        if twice:
            group = twice[0]
            refused += [
                _refuse(x, f"is listed twice in basket {x.basket} (lines {_lines(group)})") for x in items
            ]
            continue
        clash = next(
            (c for c in _AGREE if len({getattr(x, c) for x in items if getattr(x, c) is not None}) > 1), None
        )
        if clash:
            refused += [_refuse(x, f"has different {clash} on lines {_lines(items)}") for x in items]
            continue
        base = items[0]
        fields = {c: next((getattr(x, c) for x in items if getattr(x, c) is not None), None) for c in _AGREE}
        given = {c for x in items for c in x.given}
        merged.append(
            dataclasses.replace(
                base, **fields, baskets=";".join(x.basket for x in items),
                given_columns=";".join(sorted(given)),
            )
        )  # fmt: skip
    resolved = []
    for item in merged:
        out = _resolve_one(item, index, previous)
        (refused if out.refused else resolved).append(out)
    return _fold_share_classes(resolved) + refused


def _fold_share_classes(listings: list[Listing]) -> list[Listing]:
    """GOOGL and GOOG (one CIK): one company under the first line's ticker."""
    first: dict[str, int] = {}
    out: list[Listing] = []
    for item in listings:
        if item.role != "company" or item.filer != "sec" or not item.cik:
            out.append(item)
            continue
        if item.cik not in first:
            first[item.cik] = len(out)
            out.append(item)
            continue
        at = first[item.cik]
        head = out[at]
        log.info(
            "%s, line %s: %s is the same SEC filer as %s (CIK %s): one company, listed as %s",
            item.universe_file, item.line, item.ticker, head.ticker, item.cik, head.ticker,
        )  # fmt: skip
        baskets = list(
            dict.fromkeys((head.baskets or head.basket).split(";") + (item.baskets or "").split(";"))
        )
        others = [t for t in (head.other_tickers or "").split(";") if t] + [item.ticker]
        out[at] = dataclasses.replace(
            head, baskets=";".join(b for b in baskets if b), other_tickers=";".join(others)
        )
    return out


def default_benchmarks(listings: list[Listing], path: str, *, strict: bool) -> list[Listing]:
    """Each company without a benchmark takes its basket's benchmark row: the one trading in its
    currency (KWEB, not 2800.HK, for a US-listed ADS of the CN basket), else the basket's first.

    ``strict`` (the file has a benchmark column): a company left without one is an error naming its
    line; without the column, it stays empty when the file has no benchmark row for its basket.
    """
    from ingestion.universe import UniverseError

    rows: dict[str, list[Listing]] = defaultdict(list)
    for item in listings:
        if item.role == "benchmark" and not item.refused:
            for basket in (item.baskets or item.basket).split(";"):
                rows[basket].append(item)
    out = []
    for item in listings:
        if item.role == "company" and not item.benchmark and not item.refused:
            candidates = rows.get(item.basket, [])
            same = [b for b in candidates if b.trading_currency == item.trading_currency]
            chosen = (same or candidates or [None])[0]
            if chosen is None and strict:
                raise UniverseError(
                    f"{path}, line {item.line}, column benchmark: '' is required for company {item.ticker}: "
                    f"name the ticker of the benchmark row it is measured against (e.g. SPY), or add a "
                    f"benchmark row to basket {item.basket}"
                )
            item = dataclasses.replace(item, benchmark=chosen.ticker if chosen else None)
        out.append(item)
    return out


def sec_all_listings(index: TickerIndex) -> list[Listing]:
    """AIGAP_UNIVERSE=sec:all: one listing per CIK of company_tickers.json, its first usable ticker."""
    from ingestion.universe import SEC_ALL, Listing

    listings = []
    for position, (cik, tickers) in enumerate(index.by_cik.items()):
        ticker = next((t for t in tickers if _SEC_TICKER.match(t)), None)
        if ticker is None:
            log.warning(
                "sec:all: CIK %s has no ticker aigap can use as a symbol (%s)", cik, ", ".join(tickers)
            )
            continue
        listings.append(
            Listing(
                ticker=ticker, name=index.by_ticker[ticker][1], role="company", basket=SEC_ALL_BASKET,
                country=None, cik=cik, exchange=None, trading_currency="USD", reporting_currency=None,
                fiscal_year_end_month=None, price_symbol=f"{ticker}.US", filer="sec", benchmark=None,
                baskets=SEC_ALL_BASKET, universe_file=SEC_ALL, line=position + 1, given_columns="",
                cik_source="company_tickers",
                other_tickers=";".join(t for t in tickers if t != ticker) or None,
                resolved_with=index.sha256,
            )
        )  # fmt: skip
    return listings


def filer_forms_sql(forms_column: str) -> str:
    """SQL: true when a ';'-joined list of forms holds a 10-K or 20-F (the sec:all selection)."""
    quoted = ", ".join(f"'{f}'" for f in FILER_FORMS)
    return f"list_has_any(string_split(coalesce({forms_column}, ''), ';'), [{quoted}])"


def sec_filer_ciks(con: duckdb.DuckDBPyConnection) -> set[str] | None:
    """CIKs whose parsed submissions show 10-K or 20-F filings; None while no submissions are loaded."""
    if not _table_exists(con, "sec_companies"):
        return None
    rows = con.execute(f"SELECT cik, {filer_forms_sql('forms')} FROM raw.sec_companies").fetchall()
    if not rows:
        return None
    return {cik for cik, files in rows if files}
