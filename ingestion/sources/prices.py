"""Daily prices and split/dividend events from EODHD (https://eodhd.com), sample and live.

Landing keys, one per provider document and symbol (the universe's ``price_symbol``):

- ``eod/<SYMBOL>``    CSV ``Date,Open,High,Low,Close,Adjusted_close,Volume`` -> raw.prices_daily
  (live: ``eod/<SYMBOL>/<from>_<to>``, one document per requested date range; the bars of a day are
  loaded by date, delete-then-insert, see ``ingestion.price_days``)
- ``splits/<SYMBOL>`` JSON ``[{"date": .., "split": "new/old"}]``              -> raw.price_events
- ``div/<SYMBOL>``    JSON ``[{"date": .., "value": .., ...}]``                -> raw.price_events

Close is the unadjusted close (what market caps need); Adjusted_close is kept as delivered.
"""

from __future__ import annotations

import logging
import re
from datetime import date

import pyarrow as pa

from ingestion.config import ConfigError, Settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.http import fetch_to_landing, make_session
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources._parsing import (
    csv_rows,
    decode_text,
    json_number,
    load_json,
    parse_date,
    parse_number,
)
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = "prices"
RAW_TABLES = ["prices_daily", "price_events"]

DEFAULT_SINCE = date(2019, 1, 1)
REQUESTS_PER_SECOND = 5.0
USER_AGENT = "aigap/0.1 (prices)"
EOD_HEADER = ["Date", "Open", "High", "Low", "Close", "Adjusted_close", "Volume"]
_SPLIT = re.compile(r"^\s*([0-9.]+)\s*/\s*([0-9.]+)\s*$")


def symbols(listings: list[Listing]) -> list[str]:
    """The provider symbols to fetch, each once, in universe order."""
    return list(dict.fromkeys(item.price_symbol for item in listings))


# -- landing -----------------------------------------------------------------------------


BAR_KINDS = {"eod": ".csv"}
EVENT_KINDS = {"splits": ".json", "div": ".json"}


def land_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    return land_bars_sample(settings, zone, listings) + land_events_sample(settings, zone, listings)


def land_live(
    settings: Settings,
    zone: LandingZone,
    listings: list[Listing],
    *,
    since: date = DEFAULT_SINCE,
    retries: int = 5,
    backoff: float = 0.5,
) -> list[LandedFile]:
    """Every bar since ``since`` and the whole event histories (what ``load_all`` and a full load want)."""
    token = _token(settings)
    requests_ = _bar_requests(settings, listings, token, since, None) + _event_requests(
        settings, listings, token, since
    )
    return _fetch_all(zone, requests_, retries=retries, backoff=backoff)


def _land_sample_kinds(
    settings: Settings, zone: LandingZone, listings: list[Listing], kinds: dict[str, str]
) -> list[LandedFile]:
    landed: list[LandedFile] = []
    for symbol in symbols(listings):
        for kind, suffix in kinds.items():
            rel = f"prices/{kind}/{symbol}{suffix}"
            path = settings.sample_dir / rel
            if not path.is_file():
                # Bars are required for every listed symbol; a symbol may have no split or dividend file.
                if kind == "eod":
                    raise SourceFetchError(
                        f"sample snapshot has no {path} for {symbol} (listed in the universe)"
                    )
                log.info("sample snapshot has no %s; %s has no %s events there", rel, symbol, kind)
                continue
            landed.append(
                zone.land(
                    SOURCE,
                    f"{kind}/{symbol}",
                    path.read_bytes(),
                    url=f"sample://{rel}",
                    suffix=suffix,
                    is_sample=True,
                )
            )
    return landed


def land_bars_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    """The snapshot keeps one whole-history CSV per symbol; the loader takes the days it is asked for."""
    return _land_sample_kinds(settings, zone, listings, BAR_KINDS)


def land_events_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    return _land_sample_kinds(settings, zone, listings, EVENT_KINDS)


def _token(settings: Settings) -> str:
    token = settings.prices_api_token
    if not token:
        raise ConfigError(
            "prices in live mode need an EODHD API token: set AIGAP_PRICES_API_TOKEN "
            "(or AIGAP_SOURCE_PRICES=sample to use the bundled sample)"
        )
    return token


def _fetch_all(
    zone: LandingZone,
    requests_: list[tuple[str, str, str, dict]],
    *,
    retries: int,
    backoff: float,
) -> list[LandedFile]:
    """Fetch (key, url, suffix, params) documents; land them all, then fail naming the ones that failed."""
    landed: list[LandedFile] = []
    failures: list[str] = []
    with make_session(
        user_agent=USER_AGENT, per_second=REQUESTS_PER_SECOND, retries=retries, backoff=backoff
    ) as session:
        latest = zone.latest(SOURCE)
        for key, url, suffix, params in requests_:
            try:
                landed.append(
                    fetch_to_landing(
                        session,
                        zone,
                        source=SOURCE,
                        key=key,
                        url=url,
                        params=params,
                        suffix=suffix,
                        latest=latest,
                    )
                )
            except SourceFetchError as exc:
                # One unknown symbol must not keep the others' prices out: land the rest, then fail.
                log.error("%s", exc)
                failures.append(str(exc))
    if failures:
        raise SourceFetchError(f"{len(failures)} EODHD request(s) failed: " + "; ".join(failures))
    return landed


def bar_key(symbol: str, start: date, end: date | None) -> str:
    """``eod/<SYMBOL>`` for the whole history, ``eod/<SYMBOL>/<from>_<to>`` for a date range."""
    return f"eod/{symbol}" if end is None else f"eod/{symbol}/{start.isoformat()}_{end.isoformat()}"


def _bar_requests(
    settings: Settings, listings: list[Listing], token: str, start: date, end: date | None
) -> list[tuple[str, str, str, dict]]:
    base = settings.base_urls[SOURCE]
    window = {"from": start.isoformat()} | ({"to": end.isoformat()} if end else {})
    return [
        (
            bar_key(symbol, start, end),
            f"{base}/api/eod/{symbol}",
            ".csv",
            {"api_token": token, "period": "d", "fmt": "csv", **window},
        )
        for symbol in symbols(listings)
    ]


def _event_requests(
    settings: Settings, listings: list[Listing], token: str, since: date
) -> list[tuple[str, str, str, dict]]:
    base = settings.base_urls[SOURCE]
    return [
        (
            f"{kind}/{symbol}",
            f"{base}/api/{kind}/{symbol}",
            suffix,
            {"api_token": token, "from": since.isoformat(), "fmt": "json"},
        )
        for symbol in symbols(listings)
        for kind, suffix in EVENT_KINDS.items()
    ]


def land_bars_live(
    settings: Settings,
    zone: LandingZone,
    listings: list[Listing],
    start: date,
    end: date | None,
    *,
    retries: int = 5,
    backoff: float = 0.5,
) -> list[LandedFile]:
    """Daily bars of every symbol between ``start`` and ``end`` (inclusive), one request per symbol."""
    requests_ = _bar_requests(settings, listings, _token(settings), start, end)
    return _fetch_all(zone, requests_, retries=retries, backoff=backoff)


def land_events_live(
    settings: Settings,
    zone: LandingZone,
    listings: list[Listing],
    *,
    since: date = DEFAULT_SINCE,
    retries: int = 5,
    backoff: float = 0.5,
) -> list[LandedFile]:
    """Split and dividend histories of every symbol (small documents, fetched whole)."""
    requests_ = _event_requests(settings, listings, _token(settings), since)
    return _fetch_all(zone, requests_, retries=retries, backoff=backoff)


# -- parsing -----------------------------------------------------------------------------


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    kind, _, rest = entry.key.partition("/")
    symbol = rest.split("/", 1)[0]  # live bar keys carry their date range after the symbol
    if kind == "eod":
        return {"prices_daily": parse_eod_csv(body, entry.path, symbol)}
    if kind == "splits":
        return {"price_events": parse_splits_json(body, entry.path, symbol)}
    if kind == "div":
        return {"price_events": parse_dividends_json(body, entry.path, symbol)}
    raise BadSourceFile(entry.path, f"landing key {entry.key!r} is not one of eod/, splits/, div/<SYMBOL>")


def parse_eod_csv(body: bytes, path: str, symbol: str) -> pa.Table:
    what = "EODHD eod CSV"
    text = decode_text(body, path, what)
    columns: dict[str, list] = {name: [] for name in arrow_schema("prices_daily").names}
    seen: set[date] = set()
    for lineno, fields in csv_rows(text, path, what, EOD_HEADER):
        day = parse_date(fields[0], path, f"line {lineno}, column Date")
        if day in seen:
            raise BadSourceFile(path, f"line {lineno}: {symbol} has a second row for {day}")
        seen.add(day)
        columns["symbol"].append(symbol)
        columns["date"].append(day)
        for name, raw in zip(EOD_HEADER[1:], fields[1:], strict=True):
            columns[name.lower()].append(parse_number(raw, path, f"line {lineno}, column {name}"))
    return pa.Table.from_pydict(columns, schema=arrow_schema("prices_daily"))


def _events(body: bytes, path: str, what: str) -> list[dict]:
    data = load_json(body, path, what)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise BadSourceFile(path, f"expected {what}: a JSON array of objects, got {type(data).__name__}")
    return data


def parse_splits_json(body: bytes, path: str, symbol: str) -> pa.Table:
    what = "EODHD splits JSON"
    rows = []
    seen: set[date] = set()
    for i, item in enumerate(_events(body, path, what)):
        day = parse_date(item.get("date"), path, f"item {i}, date")
        if day in seen:
            # Two splits on one day would be applied twice downstream: refuse rather than guess.
            raise BadSourceFile(path, f"item {i}: {symbol} has a second split on {day}")
        seen.add(day)
        ratio = item.get("split")
        match = _SPLIT.match(ratio) if isinstance(ratio, str) else None
        if not match:
            raise BadSourceFile(
                path, f"item {i}, split: {ratio!r} is not 'new/old' like '20.000000/1.000000'"
            )
        # EODHD writes new/old: "20/1" means 20 new shares for 1 old one.
        split_to = parse_number(match.group(1), path, f"item {i}, split")
        split_from = parse_number(match.group(2), path, f"item {i}, split")
        rows.append(
            {"symbol": symbol, "date": day, "kind": "split", "split_from": split_from, "split_to": split_to}
        )
    return pa.Table.from_pylist(rows, schema=arrow_schema("price_events"))


def parse_dividends_json(body: bytes, path: str, symbol: str) -> pa.Table:
    what = "EODHD div JSON"
    rows = []
    for i, item in enumerate(_events(body, path, what)):
        day = parse_date(item.get("date"), path, f"item {i}, date")
        if "value" not in item:
            raise BadSourceFile(path, f"item {i}: no 'value' ({what})")
        # "value" is EODHD's split-adjusted amount per share, as delivered.
        rows.append(
            {
                "symbol": symbol,
                "date": day,
                "kind": "dividend",
                "dividend": json_number(item["value"], path, f"item {i}, value"),
            }
        )
    return pa.Table.from_pylist(rows, schema=arrow_schema("price_events"))
