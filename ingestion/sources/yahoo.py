"""Yahoo Finance's keyless chart endpoint (``/v8/finance/chart/<SYMBOL>``): client and parser.

One answer per request holds the daily bars of the asked window and the split and dividend events
of the same window. Its prices are **split-adjusted as of the moment of the fetch**: every split up
to that moment divides every earlier bar, including splits outside the asked window (the NVDA
recording of 2021 bars carries the 10:1 split of 2024 although its events list only the 4:1 split
of 2021). So the client always asks up to now (``period2`` = fetch time), the landing manifest keeps
the fetch time, and staging rebuilds the unadjusted close from the splits between each bar's day
and its fetch (``close_basis = 'split_adjusted'`` on every row).

What the real answers hold, and how each is read (recordings in ``../shared/realdata/yahoo``):

- the trading day of a bar is its timestamp (session open, or the last trade time for the newest
  bar) in ``meta.exchangeTimezoneName`` (America/New_York, Asia/Hong_Kong), never ``gmtoffset``,
  which is the offset of the fetch day;
- ``null`` in the quote arrays; a bar with no value at all is not a bar (dropped); a bar with
  some values but no close reaches the row rules (quarantined as "close is missing");
- events are objects keyed by epoch strings, splits with ``numerator``/``denominator``;
- a bar whose day is not over in the exchange's time zone at the fetch is not final (dropped: the
  next fetch brings it);
- Hong Kong answers hold flat zero-volume bars on half-day sessions (24 and 31 December, Lunar New
  Year's eve): placeholders, not trades; the row rule ``placeholder_bar`` keeps them out of raw;
- an unknown symbol is HTTP 404 with ``{"chart": {"result": null, "error": {...}}}``; a rate
  limit is HTTP 429 with the plain text "Too Many Requests".
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import requests

from ingestion.config import Settings
from ingestion.errors import BadSourceFile, SourceFetchError, SourceUnreachable
from ingestion.http import fetch_to_landing, make_session
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources._parsing import json_number, load_json

log = logging.getLogger(__name__)

REQUESTS_PER_SECOND = 2.0
# Yahoo refuses or throttles clients that do not look like a browser.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
CLOSE_BASIS = "split_adjusted"
WHAT = "Yahoo chart JSON"
_QUOTE = ("open", "high", "low", "close", "volume")


def yahoo_symbol(price_symbol: str) -> str:
    """The universe's provider symbol as Yahoo spells it: ``MSFT.US`` -> ``MSFT``, ``0700.HK`` stays.

    The one place the two spellings meet (the universe keeps EODHD's, which the sample uses).
    """
    return price_symbol[:-3] if price_symbol.upper().endswith(".US") else price_symbol


# -- client ----------------------------------------------------------------------------------


def chart_request(settings: Settings, symbol: str, start: date, now: datetime) -> tuple[str, dict]:
    """URL and query of one symbol's bars and events from ``start`` up to ``now`` (the fetch time)."""
    period1 = int(datetime.combine(start, time(0), tzinfo=UTC).timestamp())
    params = {
        "period1": period1,
        "period2": int(now.timestamp()),
        "interval": "1d",
        "events": "div,splits",
    }
    return f"{settings.base_urls['prices']}/v8/finance/chart/{quote(yahoo_symbol(symbol))}", params


def session(*, retries: int = 5, backoff: float = 0.5) -> requests.Session:
    """A paced session (<= 2 requests/s, retries included) that backs off on 429 and 5xx."""
    return make_session(
        user_agent=USER_AGENT, per_second=REQUESTS_PER_SECOND, retries=retries, backoff=backoff
    )


# A run of this many symbols in a row answered 429 after their retries stops the fetch (Yahoo's rate
# limit, not the symbols): what was landed is kept and loaded, the next run asks for the rest.
STOP_AFTER_429 = 5
# Progress in the logs every this many symbols.
PROGRESS_EVERY = 100
NO_DATA = "No data found"


class ChartBatch(list):
    """The files one fetch landed (a list of LandedFile), with how far it got.

    ``left``: symbols not asked (or answered 429) when a run of 429s stopped the fetch;
    ``unavailable``: symbol -> Yahoo's reason (HTTP 404 "No data found"), landed and flagged, not fatal;
    ``skipped``: symbols already landed up to their last complete session (not asked again).
    """

    def __init__(self, items=()):
        super().__init__(items)
        self.asked: list[str] = []
        self.left: list[str] = []
        self.unavailable: dict[str, str] = {}
        self.skipped: list[str] = []
        self.stopped_by_429 = False

    def metadata(self, total: int) -> dict:
        return {
            "symbols_total": total,
            "symbols_done": total - len(self.left),
            "symbols_left": len(self.left),
            "symbols_skipped_up_to_date": len(self.skipped),
            "symbols_unavailable": len(self.unavailable),
            "stopped_by_429": self.stopped_by_429,
        }


def fetch_charts(
    zone: LandingZone,
    settings: Settings,
    requests_: list[tuple[str, str, date]],
    *,
    now: datetime | None = None,
    retries: int = 5,
    backoff: float = 0.5,
    http: requests.Session | None = None,
    stop_after_429: int = STOP_AFTER_429,
) -> ChartBatch:
    """Fetch (key, symbol, start) charts up to now; land them all, then fail naming the failures.

    One symbol Yahoo does not know must not keep the others' prices out: its 404 "No data found" is
    landed and listed in ``unavailable`` (flagged downstream), not raised. ``stop_after_429`` symbols
    in a row answered 429 after the retry budget stop the fetch cleanly: what was landed is returned,
    the symbols not fetched are in ``left`` and a warning names how many. Other failures (a 429 that
    is not part of such a run, a 5xx) are raised after every other symbol was landed. Pass ``http``
    to share one session (and so one pace) between several calls.
    """
    if http is None:
        with session(retries=retries, backoff=backoff) as own:
            return fetch_charts(zone, settings, requests_, now=now, http=own, stop_after_429=stop_after_429)
    now = now or datetime.now(UTC)
    batch = ChartBatch()
    failures: list[tuple[str, str, int]] = []  # (symbol, message, status)
    run_of_429: list[str] = []
    latest = zone.latest("prices")
    symbols_ = list(dict.fromkeys(symbol for _, symbol, _ in requests_))
    for i, (key, symbol, start) in enumerate(requests_):
        url, params = chart_request(settings, symbol, start, now)
        try:
            batch.append(
                fetch_to_landing(
                    http, zone, source="prices", key=key, url=url, params=params, suffix=".json",
                    latest=latest,
                )
            )  # fmt: skip
            run_of_429 = []
        except SourceUnreachable:
            raise  # the host is down for every request: fail the source now
        except SourceFetchError as exc:
            entry = zone.latest("prices", status_ok_only=False).get(key)
            status = entry.status if entry is not None else 0
            message = _explain(zone, key, symbol) or str(exc)
            if status == 404 and NO_DATA.lower() in message.lower():
                log.warning("%s: flagged as without prices, the others go on", message)
                batch.unavailable[symbol] = message
                run_of_429 = []
                continue
            log.error("%s", message)
            failures.append((symbol, message, status))
            run_of_429 = run_of_429 + [symbol] if status == 429 else []
            if stop_after_429 and len(run_of_429) >= stop_after_429:
                rest = [s for _, s, _ in requests_[i + 1 :]]
                batch.left = list(dict.fromkeys(run_of_429 + rest))
                batch.stopped_by_429 = True
                failures = [f for f in failures if f[0] not in batch.left]
                log.warning(
                    "Yahoo answered 429 (Too Many Requests) to %d symbols in a row after %d retries each: "
                    "fetch stopped with %d symbol(s) left of %d (%s%s); what was landed is kept and "
                    "loaded, the next run asks for the rest",
                    len(run_of_429), retries, len(batch.left), len(symbols_),
                    ", ".join(batch.left[:10]), ", ..." if len(batch.left) > 10 else "",
                )  # fmt: skip
                break
        finally:
            if (i + 1) % PROGRESS_EVERY == 0:
                log.info(
                    "Yahoo charts: %d of %d asked, %d left", i + 1, len(requests_), len(requests_) - i - 1
                )
    batch.asked = [s for _, s, _ in requests_]
    if failures:
        raise SourceFetchError(
            f"{len(failures)} Yahoo chart request(s) failed: " + "; ".join(m for _, m, _ in failures)
        )
    return batch


def up_to_date(zone: LandingZone, entry: LandedFile | None, now: datetime) -> bool:
    """Whether a landed chart answer already holds every session that could be final at ``now``.

    An answer keeps the bars of the days before its fetch day on the exchange's clock (the fetch
    day's bar is not final, see ``parse_bars``); a newer answer could add a bar only if a weekday
    lies between its fetch day and today on that clock. The clock is the answer's own
    ``meta.exchangeTimezoneName``. A holiday makes it ask once more than needed, never less.
    """
    if entry is None or entry.is_sample or entry.status not in (200, 304):
        return False
    fetched = datetime.fromisoformat(entry.fetched_at)
    if (now - fetched).days > 7 or not zone.path_of(entry).is_file():
        return False
    try:
        meta = orjson.loads(zone.read(entry))["chart"]["result"][0]["meta"]
        tz = ZoneInfo(meta["exchangeTimezoneName"])
    except Exception:  # noqa: BLE001 - an unreadable answer is asked again (and quarantined if it stays so)
        return False
    day, today = fetched.astimezone(tz).date(), now.astimezone(tz).date()
    while day < today:
        if day.weekday() < 5:
            return False
        day = day.fromordinal(day.toordinal() + 1)
    return True


def _explain(zone: LandingZone, key: str, symbol: str) -> str | None:
    """Yahoo's own words for a refused request (its error answer was landed just before)."""
    entry = zone.latest("prices", status_ok_only=False).get(key)
    if entry is None or entry.status == 200:
        return None
    body = zone.read(entry)
    try:
        error = orjson.loads(body)["chart"]["error"]
        detail = f"{error['code']}: {error['description']}"
    except (orjson.JSONDecodeError, KeyError, TypeError):
        detail = " ".join(body.decode("utf-8", "replace").split())[:80]
    if entry.status == 404:
        return (
            f"Yahoo does not know symbol {yahoo_symbol(symbol)!r} (universe price_symbol {symbol}): "
            f"HTTP 404 {detail} ({entry.url}; answer kept at {entry.path})"
        )
    return f"{entry.url}: HTTP {entry.status} {detail!r} after retries (answer kept at {entry.path})"


# -- parsing ---------------------------------------------------------------------------------


def _chart_result(body: bytes, path: str, symbol: str) -> dict:
    data = load_json(body, path, WHAT)
    chart = data.get("chart") if isinstance(data, dict) else None
    if not isinstance(chart, dict):
        raise BadSourceFile(path, f"no 'chart' object, expected {WHAT}")
    error = chart.get("error")
    if error:
        raise BadSourceFile(path, f"Yahoo answered an error for {symbol}: {error}")
    result = chart.get("result")
    if not isinstance(result, list) or len(result) != 1 or not isinstance(result[0], dict):
        raise BadSourceFile(path, f"chart.result is {type(result).__name__}, expected one result ({WHAT})")
    meta = result[0].get("meta")
    if not isinstance(meta, dict):
        raise BadSourceFile(path, f"no chart.result[0].meta ({WHAT})")
    expected = yahoo_symbol(symbol)
    if str(meta.get("symbol", "")).upper() != expected.upper():
        raise BadSourceFile(path, f"answer for symbol {meta.get('symbol')!r}, expected {expected!r}")
    return result[0]


def _zone(meta: dict, path: str) -> ZoneInfo:
    name = meta.get("exchangeTimezoneName")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, TypeError, ValueError) as exc:
        raise BadSourceFile(path, f"meta.exchangeTimezoneName {name!r} is not a time zone") from exc


def _local_days(epochs: list, zone: ZoneInfo) -> pa.Array:
    """Epoch seconds -> the date on the exchange's clock (vectorised)."""
    stamps = pa.array(epochs, type=pa.int64()).cast(pa.timestamp("s", tz=str(zone.key)))
    return pc.local_timestamp(stamps).cast(pa.date32())


def _column(values: list, n: int, path: str, name: str) -> pa.Array:
    if not isinstance(values, list) or len(values) != n:
        got = len(values) if isinstance(values, list) else type(values).__name__
        raise BadSourceFile(path, f"indicators.quote[0].{name} has {got} values for {n} timestamps")
    try:
        return pa.array(values, type=pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise BadSourceFile(path, f"indicators.quote[0].{name}: not numbers ({exc})") from exc


def parse_bars(entry: LandedFile, body: bytes, symbol: str) -> pa.Table:
    """The final daily bars of one chart answer, on Yahoo's split-adjusted basis as of the fetch."""
    path = entry.path
    result = _chart_result(body, path, symbol)
    zone = _zone(result["meta"], path)
    epochs = result.get("timestamp")
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    if not isinstance(quotes, list) or len(quotes) != 1 or not isinstance(quotes[0], dict):
        raise BadSourceFile(path, f"indicators.quote is {quotes!r:.60}, expected one object ({WHAT})")
    quote_ = quotes[0]
    if epochs is None:
        # Yahoo's answer for a window without trading (a holiday): meta only, and an empty quote.
        if quote_:
            raise BadSourceFile(path, f"indicators.quote has values but there is no timestamp ({WHAT})")
        return pa.Table.from_pylist([], schema=arrow_schema("prices_daily"))
    if not isinstance(epochs, list) or not all(isinstance(t, int) for t in epochs):
        raise BadSourceFile(path, f"timestamp is not a list of epoch seconds ({WHAT})")
    n = len(epochs)
    if not quote_:
        raise BadSourceFile(path, f"{n} timestamps but an empty indicators.quote: no prices ({WHAT})")
    columns = {name: _column(quote_.get(name), n, path, name) for name in _QUOTE}
    adj = indicators.get("adjclose")
    if isinstance(adj, list) and adj and isinstance(adj[0], dict) and "adjclose" in adj[0]:
        adjusted = _column(adj[0]["adjclose"], n, path, "adjclose")
    else:
        adjusted = pa.nulls(n, pa.float64())
    days = _local_days(epochs, zone)
    table = pa.table(
        {
            "symbol": pa.array([symbol] * n, pa.string()),
            "date": days,
            "open": columns["open"],
            "high": columns["high"],
            "low": columns["low"],
            "close": columns["close"],
            "adjusted_close": adjusted,
            "volume": columns["volume"],
            "close_basis": pa.array([CLOSE_BASIS] * n, pa.string()),
        }
    )
    # A timestamp whose every value is null is Yahoo's way of saying "no bar".
    some_value = pc.or_(
        pc.or_(pc.is_valid(columns["open"]), pc.is_valid(columns["close"])),
        pc.or_(pc.is_valid(columns["high"]), pc.is_valid(columns["low"])),
    )
    # Not final: the exchange's day had not ended when the answer was fetched.
    fetched = datetime.fromisoformat(entry.fetched_at).astimezone(zone).date()
    final = pc.less(days, pa.scalar(fetched, pa.date32()))
    keep = pc.and_(some_value, final)
    dropped = n - pc.sum(keep.cast(pa.int64())).as_py()
    if dropped:
        log.info("%s: %d of %d bar(s) without values or not final at the fetch dropped", path, dropped, n)
    return table.filter(keep).cast(arrow_schema("prices_daily"))


def parse_events(entry: LandedFile, body: bytes, symbol: str) -> pa.Table:
    """The split and dividend events of one chart answer (dated on the exchange's clock)."""
    path = entry.path
    result = _chart_result(body, path, symbol)
    zone = _zone(result["meta"], path)
    events = result.get("events") or {}
    if not isinstance(events, dict):
        raise BadSourceFile(path, f"events is {type(events).__name__}, expected an object ({WHAT})")
    rows = []
    for kind, group in (("split", events.get("splits")), ("dividend", events.get("dividends"))):
        if group is None:
            continue
        if not isinstance(group, dict):
            raise BadSourceFile(path, f"events.{kind}s is not an object keyed by epoch ({WHAT})")
        for key, item in group.items():
            where = f"events.{kind}s[{key!r}]"
            if not isinstance(item, dict):
                raise BadSourceFile(path, f"{where} is not an object")
            stamp = item.get("date", key)
            try:
                day = datetime.fromtimestamp(int(stamp), zone).date()
            except (TypeError, ValueError, OverflowError) as exc:
                raise BadSourceFile(path, f"{where}: date {stamp!r} is not epoch seconds") from exc
            row = {"symbol": symbol, "date": day, "kind": kind}
            if kind == "split":
                # numerator/denominator: 4/1 = four new shares for one old (splitRatio "4:1")
                row["split_to"] = json_number(item.get("numerator"), path, f"{where}.numerator")
                row["split_from"] = json_number(item.get("denominator"), path, f"{where}.denominator")
            else:
                row["dividend"] = json_number(item.get("amount"), path, f"{where}.amount")
            rows.append(row)
    rows.sort(key=lambda r: (r["date"], r["kind"]))
    return pa.Table.from_pylist(rows, schema=arrow_schema("price_events"))


def split_days(entry: LandedFile, body: bytes, symbol: str) -> list[date]:
    """The split days one landed answer lists (for deciding whether to re-land a history)."""
    events = parse_events(entry, body, symbol)
    mask = pc.equal(events["kind"], "split")
    return events.filter(mask)["date"].to_pylist()
