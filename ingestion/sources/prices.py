"""Daily prices and split/dividend events: the provider-neutral part (symbols, sample, dispatch).

``AIGAP_PRICES_PROVIDER`` picks the provider (``ingestion/sources/yahoo.py``, the default when
prices are live, or ``ingestion/sources/eodhd.py``); each module holds its client and parsers.
Landing keys, one per provider document and symbol (the universe's ``price_symbol``):

=========================== ======================================================= ==================
key                         document                                                raw table
=========================== ======================================================= ==================
``eod/<S>[/<from>_<to>]``   EODHD eod CSV, whole history or a date range            prices_daily
``splits/<S>``, ``div/<S>`` EODHD split and dividend JSON                           price_events
``chart/<S>/<from>_<to>``   Yahoo chart JSON asked from ``from`` up to the fetch    prices_daily
``chart/<S>``               Yahoo chart JSON since 2019 up to the fetch (the whole  prices_daily
                            history: the sample, and a re-landing after a split)
``events/<S>``              Yahoo chart JSON since 2019 up to the fetch, read for   price_events
                            its events
=========================== ======================================================= ==================

Bars of a window are loaded by date (delete-then-insert per symbol and day, see
``ingestion.raw_loader.load_window``). Every bar row keeps its ``close_basis`` ('unadjusted' for
EODHD, 'split_adjusted' for Yahoo) and its ``fetched_at``; ``stg_prices__daily`` turns both into the
unadjusted close, so nothing downstream knows which provider delivered a bar.

A split Yahoo reports after bars of the symbol were landed changes all of those bars (Yahoo
divides the whole history by it): the symbol's whole history is landed again (``chart/<S>``, and
its events, ``events/<S>``) and ``restated_histories`` tells the loader to replace every day of
the symbol with it.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import orjson
import pyarrow as pa

from ingestion.config import Settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.landing import LandedFile, LandingIntegrityError, LandingZone
from ingestion.sources import eodhd, yahoo
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = "prices"
RAW_TABLES = ["prices_daily", "price_events"]

DEFAULT_SINCE = date(2019, 1, 1)

# Landing kinds per provider; bars kinds keep whole histories (one slash) and windows (two).
PROVIDER_BAR_KINDS = {"eodhd": {"eod": ".csv"}, "yahoo": {"chart": ".json"}}
PROVIDER_EVENT_KINDS = {"eodhd": dict(eodhd.EVENT_KINDS), "yahoo": {"events": ".json"}}
BAR_KINDS = {k: v for kinds in PROVIDER_BAR_KINDS.values() for k, v in kinds.items()}
EVENT_KINDS = {k: v for kinds in PROVIDER_EVENT_KINDS.values() for k, v in kinds.items()}
# Where the bundled snapshot keeps each kind: the Yahoo sample has one chart file per symbol,
# landed as its bars and as its events document.
_SAMPLE_FILES = {
    "eod": "prices/eod/{}.csv",
    "splits": "prices/splits/{}.json",
    "div": "prices/div/{}.json",
    "chart": "prices/chart/{}.json",
    "events": "prices/chart/{}.json",
}


def symbols(listings: list[Listing]) -> list[str]:
    """The provider symbols to fetch, each once, in universe order."""
    return list(dict.fromkeys(item.price_symbol for item in listings))


def _bar_kind(provider: str) -> str:
    return next(iter(PROVIDER_BAR_KINDS[provider]))


def bar_key(symbol: str, start: date, end: date | None, provider: str = "eodhd") -> str:
    """``<kind>/<SYMBOL>`` for the whole history, ``<kind>/<SYMBOL>/<from>_<to>`` for a date range."""
    kind = _bar_kind(provider)
    return f"{kind}/{symbol}" if end is None else f"{kind}/{symbol}/{start.isoformat()}_{end.isoformat()}"


def bar_keys(settings: Settings, listings: list[Listing], start: date, end: date) -> list[str]:
    """The landing keys holding the bars of ``start``..``end`` in the current mode and provider."""
    provider = settings.prices_provider
    if settings.is_sample(SOURCE):
        return [bar_key(s, start, None, provider) for s in symbols(listings)]
    return [bar_key(s, start, end, provider) for s in symbols(listings)]


def whole_history_entries(latest: dict[str, LandedFile]) -> list[LandedFile]:
    """The newest whole-history bar file of every symbol and provider (keys ``eod/<S>``, ``chart/<S>``)."""
    return [e for k, e in sorted(latest.items()) if k.split("/", 1)[0] in BAR_KINDS and k.count("/") == 1]


def restated_histories(
    latest: dict[str, LandedFile], newest_window_fetch: dict[str, datetime]
) -> list[LandedFile]:
    """Live whole-history Yahoo files newer than every window row of their symbol in raw.

    ``newest_window_fetch``: per symbol, the newest ``fetched_at`` of raw rows that came from window
    files. A history landed after them (after a split) replaces every day of the symbol; once a
    newer window has been loaded, the history is not loaded again.
    """
    chosen = []
    for entry in whole_history_entries(latest):
        if entry.is_sample or not entry.key.startswith("chart/"):
            continue
        symbol = entry.key.split("/", 1)[1]
        newest = newest_window_fetch.get(symbol)
        if newest is None or datetime.fromisoformat(entry.fetched_at) > newest:
            chosen.append(entry)
    return chosen


# -- sample ----------------------------------------------------------------------------------


def _land_sample_kinds(
    settings: Settings, zone: LandingZone, listings: list[Listing], kinds: dict[str, str]
) -> list[LandedFile]:
    landed: list[LandedFile] = []
    for symbol in symbols(listings):
        for kind, suffix in kinds.items():
            rel = _SAMPLE_FILES[kind].format(symbol)
            path = settings.sample_dir / rel
            if not path.is_file():
                # Bars are required for every listed symbol; a symbol may have no split or dividend file.
                if kind in BAR_KINDS or kind == "events":
                    raise SourceFetchError(
                        f"sample snapshot has no {path} for {symbol} (listed in the universe; "
                        f"AIGAP_PRICES_PROVIDER={settings.prices_provider})"
                    )
                log.info("sample snapshot has no %s; %s has no %s events there", rel, symbol, kind)
                continue
            landed.append(
                zone.land(
                    SOURCE, f"{kind}/{symbol}", path.read_bytes(), url=f"sample://{rel}", suffix=suffix,
                    is_sample=True,
                )
            )  # fmt: skip
    return landed


def land_bars_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    """The snapshot keeps one whole-history file per symbol; the loader takes the days it is asked for."""
    return _land_sample_kinds(settings, zone, listings, PROVIDER_BAR_KINDS[settings.prices_provider])


def land_events_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    return _land_sample_kinds(settings, zone, listings, PROVIDER_EVENT_KINDS[settings.prices_provider])


# -- live ------------------------------------------------------------------------------------


def land_bars_live(
    settings: Settings,
    zone: LandingZone,
    listings: list[Listing],
    start: date,
    end: date | None,
    *,
    retries: int = 5,
    backoff: float = 0.5,
    now: datetime | None = None,
) -> list[LandedFile]:
    """Daily bars of every symbol between ``start`` and ``end`` (inclusive), one request per symbol.

    Yahoo is asked from ``start`` up to now, so the answer lists every split that divides its bars;
    a split after earlier bars of the symbol were landed re-lands the symbol's whole history.
    """
    syms = symbols(listings)
    if settings.prices_provider == "eodhd" and settings.prices_eodhd_bulk:
        return _land_eodhd_bulk(settings, zone, syms, now or datetime.now(UTC), retries, backoff)
    if settings.prices_provider == "eodhd":
        key_of = lambda s: bar_key(s, start, end)  # noqa: E731
        requests_ = eodhd.bar_requests(settings, syms, key_of, start, end)
        return eodhd.fetch_all(zone, requests_, retries=retries, backoff=backoff)
    now = now or datetime.now(UTC)
    with yahoo.session(retries=retries, backoff=backoff) as http:  # one pace for both batches
        return _land_yahoo_bars(settings, zone, syms, start, end, now, http)


def _land_yahoo_bars(
    settings: Settings, zone: LandingZone, syms: list[str], start: date, end: date | None, now: datetime, http
) -> yahoo.ChartBatch:
    """Resumable: a symbol whose window answer (or whole history landed since) already holds its last
    complete session is not asked again; a run of 429s stops the fetch with what it has."""
    latest = zone.latest(SOURCE)
    windows, skipped = [], []
    for s in syms:
        key = bar_key(s, start, end, "yahoo")
        if yahoo.up_to_date(zone, latest.get(key), now):
            skipped.append(s)
        else:
            windows.append((key, s, start))
    if skipped:
        log.info(
            "Yahoo bars: %d of %d symbol(s) already landed up to their last complete session, not asked "
            "again; asking %d", len(skipped), len(syms), len(windows),
        )  # fmt: skip
    oldest = _oldest_unrestated_fetch(zone, syms)
    landed = yahoo.fetch_charts(zone, settings, windows, now=now, http=http)
    landed.skipped = skipped
    stale = []
    for entry in landed:
        symbol = entry.key.split("/")[1]
        try:
            splits = yahoo.split_days(entry, zone.read(entry), symbol)
        except (BadSourceFile, LandingIntegrityError):
            continue  # the loader quarantines it; nothing to compare
        since = oldest.get(symbol)
        if since is not None and any(day >= since for day in splits):
            log.warning(
                "%s: Yahoo lists a split (%s) on or after %s, when bars of it were landed: "
                "landing its whole history again",
                symbol, ", ".join(map(str, splits)), since,
            )  # fmt: skip
            stale.append(symbol)
    if stale and not landed.stopped_by_429:
        again = [(f"{kind}/{s}", s, DEFAULT_SINCE) for s in stale for kind in ("chart", "events")]
        landed += yahoo.fetch_charts(zone, settings, again, now=now, http=http)
    elif stale:
        log.warning("re-landing the histories of %s waits for the next run (Yahoo answers 429)", stale)
    log.info("Yahoo bars: %s", landed.metadata(len(syms)))
    return landed


def exchanges(syms: list[str]) -> list[str]:
    """The exchanges of EODHD symbols (``MSFT.US`` -> ``US``, ``0700.HK`` -> ``HK``), each once."""
    return list(dict.fromkeys(s.rsplit(".", 1)[1] for s in syms if "." in s))


def _land_eodhd_bulk(
    settings: Settings, zone: LandingZone, syms: list[str], now: datetime, retries: int, backoff: float
) -> list[LandedFile]:
    """EODHD at breadth: each symbol's history once (``eod/<S>``, since 2019, the per-symbol endpoint),
    then one ``eod-bulk-last-day`` request per exchange and day (``bulk/<EXCHANGE>/<day>``); what the
    manifest already holds is not asked again."""
    latest = zone.latest(SOURCE)
    backfill = [s for s in syms if f"eod/{s}" not in latest]
    requests_ = eodhd.bar_requests(settings, backfill, lambda s: f"eod/{s}", DEFAULT_SINCE, None)
    today = now.astimezone(UTC).date()
    bulk = [eodhd.bulk_request(settings, ex, today) for ex in exchanges(syms)]
    fresh = [r for r in bulk if r[0] not in latest]
    log.info(
        "EODHD bulk: %d symbol(s) to backfill (of %d), %d exchange(s) to refresh for %s (%d already landed)",
        len(backfill), len(syms), len(fresh), today, len(bulk) - len(fresh),
    )  # fmt: skip
    return eodhd.fetch_all(zone, requests_ + fresh, retries=retries, backoff=backoff)


def bulk_entries(latest: dict[str, LandedFile]) -> list[LandedFile]:
    """Every exchange's bulk answers, oldest fetch first (a newer day replaces an older one's rows)."""
    return sorted((e for k, e in latest.items() if k.startswith("bulk/")), key=lambda e: e.fetched_at)


def _oldest_unrestated_fetch(zone: LandingZone, syms: list[str]) -> dict[str, date]:
    """Per symbol, the UTC day of the oldest live Yahoo bar file whose rows may still be in raw.

    Files landed before the symbol's newest whole history were replaced by it when it was loaded.
    """
    files: dict[str, list[LandedFile]] = {}
    for entry in zone.manifest(SOURCE):
        parts = entry.key.split("/")
        if parts[0] == "chart" and entry.status == 200 and not entry.is_sample and parts[1] in syms:
            files.setdefault(parts[1], []).append(entry)
    oldest = {}
    for symbol, entries in files.items():
        wholes = [e.fetched_at for e in entries if e.key.count("/") == 1]
        since = max(wholes) if wholes else ""
        live = [e.fetched_at for e in entries if e.fetched_at >= since]
        # A split is dated on the exchange's clock, the fetch on UTC's, which can be a day ahead:
        # take the day before, since re-landing once too often is harmless and missing a split is not.
        oldest[symbol] = date.fromisoformat(min(live)[:10]) - timedelta(days=1)
    return oldest


def land_events_live(
    settings: Settings,
    zone: LandingZone,
    listings: list[Listing],
    *,
    since: date = DEFAULT_SINCE,
    retries: int = 5,
    backoff: float = 0.5,
) -> list[LandedFile]:
    """Split and dividend histories of every symbol (fetched whole, up to now)."""
    syms = symbols(listings)
    if settings.prices_provider == "eodhd":
        requests_ = eodhd.event_requests(settings, syms, since)
        return eodhd.fetch_all(zone, requests_, retries=retries, backoff=backoff)
    now = datetime.now(UTC)
    latest = zone.latest(SOURCE)
    charts = [
        (f"events/{s}", s, since) for s in syms if not yahoo.up_to_date(zone, latest.get(f"events/{s}"), now)
    ]
    landed = yahoo.fetch_charts(zone, settings, charts, retries=retries, backoff=backoff)
    landed.skipped = [s for s in syms if s not in {c[1] for c in charts}]
    return landed


# -- symbols without prices -------------------------------------------------------------------

FLAGS_DDL = """
CREATE TABLE IF NOT EXISTS quarantine.price_symbols (
    symbol VARCHAR, reason VARCHAR, http_status INTEGER, source_key VARCHAR, source_file VARCHAR,
    url VARCHAR, fetched_at TIMESTAMPTZ, run_id VARCHAR, detected_at TIMESTAMPTZ
)"""


def symbol_flags(zone: LandingZone, keys: list[str]) -> list[dict]:
    """The bar keys of a window without a usable landed answer, and why (the newest answer's words).

    A 404 "No data found" is Yahoo saying the symbol has no prices (delisted, mistyped); a key never
    answered is one a run of 429s left for the next run.
    """
    good = zone.latest(SOURCE)
    newest = zone.latest(SOURCE, status_ok_only=False)
    flags = []
    for key in keys:
        if key in good and newest[key].status in (200, 304):
            continue
        symbol = key.split("/")[1]
        entry = newest.get(key)
        if entry is None:
            flags.append({"symbol": symbol, "reason": f"no answer landed for {key} yet (a run of 429s "
                          "stopped the fetch before it; the next run asks)", "key": key, "entry": None})  # fmt: skip
            continue
        try:
            error = orjson.loads(zone.read(entry))["chart"]["error"]
            detail = f"{error['code']}: {error['description']}"
        except Exception:  # noqa: BLE001 - any other body: name its status only
            detail = "no usable answer"
        reason = f"prices cannot be had: HTTP {entry.status} {detail} ({entry.url}; kept at {entry.path})"
        flags.append({"symbol": symbol, "reason": reason, "key": key, "entry": entry})
    return flags


def record_symbol_flags(con, zone: LandingZone, keys: list[str], run_id: str) -> list[dict]:
    """Replace the flags of these symbols in ``quarantine.price_symbols`` with the current ones."""
    con.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    con.execute(FLAGS_DDL)
    flags = symbol_flags(zone, keys)
    symbols_ = [k.split("/")[1] for k in keys]
    con.execute("DELETE FROM quarantine.price_symbols WHERE symbol IN (SELECT unnest(?))", [symbols_])
    now = datetime.now(UTC)
    for flag in flags:
        e = flag["entry"]
        con.execute(
            "INSERT INTO quarantine.price_symbols VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [flag["symbol"], flag["reason"], e.status if e else None, flag["key"], e.path if e else None,
             e.url if e else None, e.fetched_at if e else None, run_id, now],
        )  # fmt: skip
        log.warning("%s: %s", flag["symbol"], flag["reason"])
    return flags


# -- parsing ---------------------------------------------------------------------------------


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    kind, _, rest = entry.key.partition("/")
    symbol = rest.split("/", 1)[0]  # window bar keys carry their date range after the symbol
    if kind == "eod":
        return {"prices_daily": eodhd.parse_eod_csv(body, entry.path, symbol)}
    if kind == "splits":
        return {"price_events": eodhd.parse_splits_json(body, entry.path, symbol)}
    if kind == "div":
        return {"price_events": eodhd.parse_dividends_json(body, entry.path, symbol)}
    if kind == "bulk":
        return {"prices_daily": eodhd.parse_bulk_json(body, entry.path, symbol)}  # symbol: the exchange
    if kind == "chart":
        return {"prices_daily": yahoo.parse_bars(entry, body, symbol)}
    if kind == "events":
        return {"price_events": yahoo.parse_events(entry, body, symbol)}
    raise BadSourceFile(
        entry.path,
        f"landing key {entry.key!r} is not one of eod/, splits/, div/, chart/, events/<SYMBOL> or bulk/<EXCHANGE>/<day>",
    )
