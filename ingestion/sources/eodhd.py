"""EODHD (https://eodhd.com, a paid plan for history before last year): client and parsers.

- ``eod/<SYMBOL>[/<from>_<to>]`` CSV ``Date,Open,High,Low,Close,Adjusted_close,Volume``: Close is
  the unadjusted close, the price as traded (``close_basis = 'unadjusted'``);
- ``splits/<SYMBOL>`` JSON ``[{"date": .., "split": "new/old"}]``;
- ``div/<SYMBOL>`` JSON ``[{"date": .., "value": .., ...}]``;
- ``eod-bulk-last-day/<EXCHANGE>`` JSON (paid plan): the last trading day of every symbol of one exchange
  in one answer, for the daily refresh at breadth (``AIGAP_PRICES_EODHD_BULK=1``). Its items, as EODHD
  documents them ("Bulk API for EOD, Splits and Dividends",
  https://eodhd.com/financial-apis/bulk-api-eod-splits-dividends, and the announcement
  https://eodhd.com/financial-apis-blog/updated-bulk-api-for-eod-splits-and-dividends:
  ``http://eodhd.com/api/eod-bulk-last-day/US?api_token={YOUR_API_KEY}``, ``fmt=json`` for JSON):
  ``code``, ``exchange_short_name``, ``date``, ``open``, ``high``, ``low``, ``close``,
  ``adjusted_close``, ``volume`` (other fields, if any, are ignored). ``close`` is the unadjusted close,
  as on the per-symbol eod endpoint, so both land in ``raw.prices_daily`` with the same basis. A
  symbol is ``<code>.<EXCHANGE>``, the universe's spelling (``MSFT.US``).
"""

from __future__ import annotations

import logging
import re
from datetime import date

import pyarrow as pa

from ingestion.config import ConfigError, Settings
from ingestion.errors import BadSourceFile, SourceFetchError, SourceUnreachable
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

log = logging.getLogger(__name__)

REQUESTS_PER_SECOND = 5.0
USER_AGENT = "aigap/0.1 (prices)"
CLOSE_BASIS = "unadjusted"
EOD_HEADER = ["Date", "Open", "High", "Low", "Close", "Adjusted_close", "Volume"]
EVENT_KINDS = {"splits": ".json", "div": ".json"}
_SPLIT = re.compile(r"^\s*([0-9.]+)\s*/\s*([0-9.]+)\s*$")

# (landing key, url, suffix, query)
Request = tuple[str, str, str, dict]


def token(settings: Settings) -> str:
    value = settings.prices_api_token
    if not value:
        raise ConfigError(
            "AIGAP_PRICES_PROVIDER=eodhd needs an EODHD API token: set AIGAP_PRICES_API_TOKEN, or use "
            "AIGAP_PRICES_PROVIDER=yahoo (no key), or AIGAP_SOURCE_PRICES=sample for the bundled sample"
        )
    return value


def bar_requests(
    settings: Settings, symbols: list[str], key_of, start: date, end: date | None
) -> list[Request]:
    base = settings.base_urls["prices"]
    window = {"from": start.isoformat()} | ({"to": end.isoformat()} if end else {})
    secret = token(settings)
    return [
        (key_of(symbol), f"{base}/api/eod/{symbol}", ".csv",
         {"api_token": secret, "period": "d", "fmt": "csv", **window})
        for symbol in symbols
    ]  # fmt: skip


def event_requests(settings: Settings, symbols: list[str], since: date) -> list[Request]:
    base = settings.base_urls["prices"]
    secret = token(settings)
    return [
        (f"{kind}/{symbol}", f"{base}/api/{kind}/{symbol}", suffix,
         {"api_token": secret, "from": since.isoformat(), "fmt": "json"})
        for symbol in symbols
        for kind, suffix in EVENT_KINDS.items()
    ]  # fmt: skip


def fetch_all(
    zone: LandingZone, requests_: list[Request], *, retries: int, backoff: float
) -> list[LandedFile]:
    """Fetch every document; land them all, then fail naming the ones that failed."""
    landed: list[LandedFile] = []
    failures: list[str] = []
    with make_session(
        user_agent=USER_AGENT, per_second=REQUESTS_PER_SECOND, retries=retries, backoff=backoff
    ) as session:
        latest = zone.latest("prices")
        for key, url, suffix, params in requests_:
            try:
                landed.append(
                    fetch_to_landing(
                        session, zone, source="prices", key=key, url=url, params=params,
                        suffix=suffix, latest=latest,
                    )
                )  # fmt: skip
            except SourceUnreachable:
                raise  # the host is down for every request: fail the source now
            except SourceFetchError as exc:
                # One unknown symbol must not keep the others' prices out: land the rest, then fail.
                log.error("%s", exc)
                failures.append(str(exc))
    if failures:
        raise SourceFetchError(f"{len(failures)} EODHD request(s) failed: " + "; ".join(failures))
    return landed


def bulk_request(settings: Settings, exchange: str, day: date) -> Request:
    """One exchange's last trading day, landed under ``bulk/<EXCHANGE>/<UTC day of the fetch>``."""
    base = settings.base_urls["prices"]
    return (
        f"bulk/{exchange}/{day.isoformat()}", f"{base}/api/eod-bulk-last-day/{exchange}", ".json",
        {"api_token": token(settings), "fmt": "json"},
    )  # fmt: skip


BULK_FIELDS = ("code", "date", "open", "high", "low", "close", "adjusted_close", "volume")


def parse_bulk_json(body: bytes, path: str, exchange: str) -> pa.Table:
    """Every item of one exchange's bulk answer as a daily bar of ``<code>.<EXCHANGE>``."""
    what = f"EODHD eod-bulk-last-day JSON of {exchange}"
    items = _events(body, path, what)
    columns: dict[str, list] = {name: [] for name in arrow_schema("prices_daily").names}
    for i, item in enumerate(items):
        missing = [f for f in BULK_FIELDS if f not in item]
        if missing:
            raise BadSourceFile(path, f"item {i}: no {', '.join(missing)} ({what})")
        code = item["code"]
        if not isinstance(code, str) or not code:
            raise BadSourceFile(path, f"item {i}: code {code!r} is not a symbol ({what})")
        columns["symbol"].append(f"{code}.{exchange}")
        columns["date"].append(parse_date(item["date"], path, f"item {i}, date"))
        for name in ("open", "high", "low", "close", "adjusted_close", "volume"):
            value = item[name]
            columns[name].append(None if value is None else json_number(value, path, f"item {i}, {name}"))
        columns["close_basis"].append(CLOSE_BASIS)
    return pa.Table.from_pydict(columns, schema=arrow_schema("prices_daily"))


# -- parsing ---------------------------------------------------------------------------------


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
        columns["close_basis"].append(CLOSE_BASIS)
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
