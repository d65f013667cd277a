"""Every source aigap lands, as one kind of object, in one registry.

A :class:`Source` says where its files land (``landing/<name>``), how it fetches them in sample and
live mode, how one landed file parses, and which raw tables those rows fill. The raw loader
(``ingestion.raw_loader``) and the Dagster assets iterate :data:`SOURCES`; none of them needs to know
which source is which.

Order matters: SEC's company_tickers.json comes first (the universe resolves tickers to CIKs with
it), then the universe, because every other source reads the listings it holds (``raw.universe``) to
know what to fetch, and the loader checks their rows against it.

Price bars are the one source loaded by date rather than by file (``load_window``): reloading a window
replaces those days of each symbol, whichever file they came from before, so a day is never held
twice (see :func:`ingestion.raw_loader.load_window`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.config import Settings
from ingestion.errors import SourceUnreachable
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_loader import LoadReport, Parser, load_landed, load_window
from ingestion.sources import fedreg, fx, hkex, prices, sec, sec_bulk, sec_tickers
from ingestion.universe import (
    UNIVERSE_SOURCE,
    Listing,
    land_universe,
    load_universe,
    needs_company_tickers,
    parse_universe_file,
)

log = logging.getLogger(__name__)

# A date window, both ends included.
Window = tuple[date, date]
LandFn = Callable[[Settings, LandingZone, list[Listing], Window | None], list[LandedFile]]


@dataclass(frozen=True)
class Source:
    name: str  # the Dagster assets ``landing/<name>`` and ``raw_<name>``
    group: str  # the Dagster group: reference, filings, market, controls
    description: str
    raw_tables: tuple[str, ...]
    folder: str  # the landing folder (bars and events of one provider share one)
    # Which setting's mode (AIGAP_SOURCE_<X>) it follows; curated files are the same in every mode.
    follows: str | None
    land_sample: LandFn
    land_live: LandFn
    parse: Parser
    # The landing keys of the folder that are this source's (two sources may share a folder).
    key_prefixes: tuple[str, ...] | None = None
    # Loaded by date window instead of file by file (see the module doc): the loader of a window,
    # called as (con, zone, settings, listings, window, run_id).
    load_window: Callable[..., LoadReport] | None = None
    # Loads the source's files itself instead of file by file (the universe: resolved with
    # company_tickers.json; SEC: api documents or bulk archives), called as
    # (con, zone, settings, listings, run_id=, keys=).
    load_files: Callable[..., LoadReport] | None = None
    # Read before raw.universe exists (company_tickers.json, the universe itself): no listings needed.
    before_universe: bool = False

    @property
    def windowed(self) -> bool:
        return self.load_window is not None

    def mode(self, settings: Settings) -> str:
        return settings.mode(self.follows) if self.follows else "curated"

    def land(
        self, settings: Settings, zone: LandingZone, listings: list[Listing], window: Window | None = None
    ) -> list[LandedFile]:
        mode = self.mode(settings)
        log.info("landing %s (%s mode)%s", self.name, mode, f" {window[0]}..{window[1]}" if window else "")
        fetch = self.land_live if mode == "live" else self.land_sample
        try:
            return fetch(settings, zone, listings, window)
        except SourceUnreachable as exc:
            # One line: the setting that points at the host, and why the host cannot be reached.
            setting = settings.url_setting(exc.url, self.follows)
            raise SourceUnreachable(exc.url, exc.reason, setting) from exc

    def owns(self, key: str) -> bool:
        return self.key_prefixes is None or key.startswith(self.key_prefixes)

    def load(
        self,
        con: duckdb.DuckDBPyConnection,
        zone: LandingZone,
        settings: Settings,
        listings: list[Listing],
        *,
        run_id: str = "",
        window: Window | None = None,
        keys: set[str] | None = None,
    ) -> LoadReport:
        """Load the newest landed files of this source (of ``keys`` or of ``window``) into raw."""
        folder = self.folder
        if self.load_files is not None:
            return self.load_files(con, zone, settings, listings, run_id=run_id, keys=keys)
        if self.load_window is None:
            wanted = {k for k in zone.latest(folder) if self.owns(k) and (keys is None or k in keys)}
            return load_landed(
                con, zone, folder, self.parse, list(self.raw_tables), run_id=run_id, keys=wanted
            )
        return self.load_window(con, zone, settings, listings, window or ALL_DAYS, run_id)


ALL_DAYS: Window = (date(1900, 1, 1), date(2999, 12, 31))
PRICES = prices.SOURCE


def _whole(land: Callable[[Settings, LandingZone, list[Listing]], list[LandedFile]]) -> LandFn:
    """A source fetched whole on every run: the window does not apply."""
    return lambda settings, zone, listings, window: land(settings, zone, listings)


def _bars(live: bool) -> LandFn:
    def land(settings: Settings, zone: LandingZone, listings: list[Listing], window: Window | None):
        if not live:
            # The snapshot keeps one whole-history file per symbol; the loader takes the window's days.
            return prices.land_bars_sample(settings, zone, listings)
        start, end = window or (prices.DEFAULT_SINCE, None)
        return prices.land_bars_live(settings, zone, listings, start, end)

    return land


def _load_bars(
    con: duckdb.DuckDBPyConnection,
    zone: LandingZone,
    settings: Settings,
    listings: list[Listing],
    window: Window,
    run_id: str,
) -> LoadReport:
    """Replace the window's days of every symbol with the newest landed bars of that window.

    The whole range (``ALL_DAYS``, a load given no window) takes every symbol's whole-history file.
    In live mode a symbol's history landed again after a split (prices.restated_histories) then
    replaces every stored day of that symbol.
    """
    latest = zone.latest(PRICES)
    if settings.prices_provider == "eodhd" and settings.prices_eodhd_bulk and not settings.is_sample(PRICES):
        return _load_eodhd_bulk(con, zone, listings, latest, window, run_id)
    if window == ALL_DAYS:
        entries = prices.whole_history_entries(latest)
    else:
        keys = prices.bar_keys(settings, listings, *window)
        missing = [k for k in keys if k not in latest]
        if missing and (settings.is_sample(PRICES) or len(missing) == len(keys)):
            raise FileNotFoundError(
                f"no landed bars for {', '.join(missing)} ({window[0]}..{window[1]}): "
                "materialize landing/prices first"
            )
        if missing:
            # Live: a symbol Yahoo has no data for, or one a run of 429s left for the next run, is
            # flagged (quarantine.price_symbols); every other symbol's bars load.
            log.warning("%d of %d symbol(s) have no landed bars for %s..%s: flagged, the rest load",
                        len(missing), len(keys), *window)  # fmt: skip
        entries = [latest[k] for k in keys if k in latest]
    if not settings.is_sample(PRICES) and window != ALL_DAYS:
        prices.record_symbol_flags(con, zone, prices.bar_keys(settings, listings, *window), run_id)
    report = _bars_window(con, zone, entries, window, run_id)
    if not settings.is_sample(PRICES):
        newest = dict(
            con.execute(
                "SELECT symbol, max(fetched_at) FROM raw.prices_daily WHERE source_key LIKE '%/%/%' GROUP BY 1"
            ).fetchall()
        )
        restated = prices.restated_histories(latest, newest)
        if restated:
            report.merge(_bars_window(con, zone, restated, ALL_DAYS, run_id))
    return report


def _load_eodhd_bulk(
    con: duckdb.DuckDBPyConnection,
    zone: LandingZone,
    listings: list[Listing],
    latest: dict[str, LandedFile],
    window: Window,
    run_id: str,
) -> LoadReport:
    """Each symbol's backfilled history for the window, then each exchange's bulk days in it, oldest first.

    A bulk answer holds one day of every symbol of its exchange: only the universe's symbols are kept,
    and only its own day(s) are replaced (never the rest of the window).
    """
    syms = prices.symbols(listings)
    history = [latest[f"eod/{s}"] for s in syms if f"eod/{s}" in latest]
    report = _bars_window(con, zone, history, window, run_id)
    wanted = pa.array(syms)

    def members_only(entry: LandedFile, body: bytes) -> dict:
        bars = prices.parse(entry, body)["prices_daily"]
        return {"prices_daily": bars.filter(pc.is_in(bars["symbol"], value_set=wanted))}

    for entry in prices.bulk_entries(latest):
        try:
            days = members_only(entry, zone.read(entry))["prices_daily"]["date"]
        except Exception:  # noqa: BLE001 - load_window parses it again and quarantines it with its reason
            days = None
        if days is not None and len(days) == 0:
            continue  # none of the universe's symbols on this exchange that day
        first, last = window if days is None else (pc.min(days).as_py(), pc.max(days).as_py())
        start, end = max(first, window[0]), min(last, window[1])
        if start <= end:
            report.merge(
                load_window(con, zone, [entry], members_only, "prices_daily", entity_column="symbol",
                            date_column="date", start=start, end=end, run_id=run_id)
            )  # fmt: skip
    return report


def _bars_window(
    con: duckdb.DuckDBPyConnection, zone: LandingZone, entries: list[LandedFile], window: Window, run_id: str
) -> LoadReport:
    return load_window(
        con, zone, entries, prices.parse, "prices_daily",
        entity_column="symbol", date_column="date", start=window[0], end=window[1], run_id=run_id,
    )  # fmt: skip


def _land_sec_tickers(live: bool) -> LandFn:
    def land(settings: Settings, zone: LandingZone, listings: list[Listing], window: Window | None):
        if not live:
            return sec_tickers.land_sample(settings, zone)
        if not needs_company_tickers(settings):
            log.info(
                "sec_tickers: every SEC line of the universe gives its CIK, company_tickers.json not asked"
            )
            return []
        return sec_tickers.land_live(settings, zone)

    return land


def _load_universe(
    con: duckdb.DuckDBPyConnection, zone: LandingZone, settings: Settings, listings: list[Listing], **kw
) -> LoadReport:
    """The universe resolves from what landed (its file and company_tickers.json), not from listings."""
    return load_universe(con, zone, run_id=kw["run_id"])


SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            name=sec_tickers.SOURCE, folder=sec_tickers.SOURCE, group="reference",
            description="SEC's ticker -> CIK file (company_tickers.json): how a universe given by ticker "
            "finds each company's CIK and name.",
            raw_tables=tuple(sec_tickers.RAW_TABLES), follows="filings",
            land_sample=_land_sec_tickers(live=False), land_live=_land_sec_tickers(live=True),
            parse=sec_tickers.parse, before_universe=True,
        ),
        Source(
            name=UNIVERSE_SOURCE, folder=UNIVERSE_SOURCE, group="reference",
            description="The company universe (AIGAP_UNIVERSE), validated field by field: what every other "
            "source fetches and what their rows are checked against.",
            raw_tables=("universe",), follows=None,
            land_sample=_whole(land_universe), land_live=_whole(land_universe), parse=parse_universe_file,
            load_files=_load_universe, before_universe=True,
        ),
        Source(
            name=hkex.SOURCE, folder=hkex.SOURCE, group="reference",
            description="Curated figures of issuers that do not file with the SEC (Tencent, from its HKEX "
            "reports), each row with its source; the sample's synthetic file when filings are in sample mode.",
            raw_tables=tuple(hkex.RAW_TABLES), follows="filings",
            land_sample=_whole(hkex.land_sample), land_live=_whole(hkex.land_live), parse=hkex.parse,
        ),
        Source(
            name=sec.SOURCE, folder=sec.SOURCE, group="filings",
            description="SEC EDGAR XBRL companyfacts and submissions JSON of each SEC filer (per company, or "
            "from SEC's nightly bulk archives: AIGAP_SEC_MODE; facts, filings and the company fields of each "
            "submissions document), and the XBRL instance of each filing of the filers whose statements use "
            "extension concepts.",
            raw_tables=tuple(sec.RAW_TABLES), follows=sec.DOMAIN,
            land_sample=_whole(sec_bulk.land_sample), land_live=_whole(sec_bulk.land_live), parse=sec.parse,
            load_files=sec_bulk.load,
        ),
        Source(
            name=PRICES, folder=PRICES, group="market",
            description="Daily OHLCV bars per listing, by month: live, one request per symbol from the "
            "run's first month (Yahoo: up to now; a split found later lands the whole history again); "
            "sample, each symbol's whole-history file, loaded for the run's days.",
            raw_tables=("prices_daily",), follows="prices",
            land_sample=_bars(live=False), land_live=_bars(live=True), parse=prices.parse,
            key_prefixes=tuple(f"{k}/" for k in prices.BAR_KINDS),
            load_window=_load_bars,
        ),
        Source(
            name="price_events", folder=PRICES, group="market",
            description="Split and dividend events per listing.",
            raw_tables=("price_events",), follows="prices",
            land_sample=_whole(prices.land_events_sample), land_live=_whole(prices.land_events_live),
            parse=prices.parse, key_prefixes=tuple(f"{k}/" for k in prices.EVENT_KINDS),
        ),
        Source(
            name=fx.SOURCE, folder=fx.SOURCE, group="market",
            description="FRED daily USD/CNY (DEXCHUS) and USD/HKD (DEXHKUS).",
            raw_tables=tuple(fx.RAW_TABLES), follows="fx",
            land_sample=_whole(fx.land_sample), land_live=_whole(fx.land_live), parse=fx.parse,
        ),
        Source(
            name=fedreg.SOURCE, folder=fedreg.SOURCE, group="controls",
            description="Federal Register documents of the Bureau of Industry and Security, page by page.",
            raw_tables=tuple(fedreg.RAW_TABLES), follows="fedreg",
            land_sample=_whole(fedreg.land_sample), land_live=_whole(fedreg.land_live),
            parse=fedreg.parse,
        ),
    ]
}  # fmt: skip
