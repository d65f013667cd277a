"""Prices in EODHD's shapes (bars, splits, dividends) and Yahoo's chart answer, for the sample."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from tools.sample.common import (
    HK_HOLIDAYS,
    US_HOLIDAYS,
    _nth_weekday,
    bridge_path,
    dump_json,
    next_weekday,
    prev_weekday,
    rng_for,
    trading_days,
    write,
)

# ----------------------------------------------------------------------------------------------------
# Prices (EODHD)
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceSpec:
    symbol: str
    anchors: str  # "date:level ..." in today's share units (post-split), in the trading currency
    sigma: float  # daily log volatility
    volume: float  # typical daily volume, today's share units
    hk: bool = False
    split: tuple[str, int] | None = None  # (first trading day on the new basis, new shares per old)


# fmt: off
PRICE_SPECS = [
    PriceSpec("MSFT.US", "2019-01-02:101.1 2020-02-10:188 2020-03-23:135 2021-11-19:343 2022-11-03:214 "
              "2022-11-30:255 2023-12-29:376 2024-07-05:467 2025-04-08:355 2025-10-28:540 2025-12-31:482",
              0.016, 25e6),
    PriceSpec("GOOGL.US", "2019-01-02:52.6 2020-03-23:53.5 2021-11-18:149 2022-07-15:112 2022-11-30:100.5 "
              "2023-12-29:139.7 2024-07-10:191 2025-04-08:146 2025-12-31:196",
              0.018, 30e6, split=("2022-07-18", 20)),
    PriceSpec("AMZN.US", "2019-01-02:76 2020-03-16:84 2021-07-08:186 2022-03-29:169 2022-06-03:122 "
              "2022-11-30:96.5 2023-12-29:151.9 2024-12-31:219.4 2025-04-08:171 2025-12-31:231",
              0.019, 70e6, split=("2022-06-06", 20)),
    PriceSpec("BABA.US", "2019-01-02:137 2020-10-27:311 2021-12-31:119 2022-10-24:61 2022-11-30:87.5 "
              "2023-12-29:77.5 2024-10-07:116 2025-03-14:145 2025-12-31:150",
              0.022, 18e6),
    PriceSpec("BIDU.US", "2019-01-02:160 2020-03-18:90 2021-02-22:335 2022-11-30:109 2023-12-29:119 "
              "2024-12-31:84 2025-12-31:121",
              0.024, 4e6),
    PriceSpec("0700.HK", "2019-01-02:310 2021-02-17:735 2022-10-24:206 2022-11-30:305 2023-12-29:293 "
              "2024-12-31:417 2025-12-31:605",
              0.019, 18e6, hk=True),
    PriceSpec("SPY.US", "2019-01-02:250.2 2020-02-19:338 2020-03-23:222.9 2021-12-31:474.9 2022-10-12:356.6 "
              "2022-11-30:407.7 2023-12-29:475.3 2024-12-31:586.1 2025-04-08:496.5 2025-12-31:650",
              0.010, 75e6),
    PriceSpec("2800.HK", "2019-01-02:26.5 2021-02-17:31.6 2022-10-31:15.2 2022-11-30:18.9 2023-12-29:17.1 "
              "2024-12-31:20.4 2025-12-31:26.3",
              0.013, 40e6, hk=True),
]
# fmt: on


def dividends(spec: PriceSpec, days: list[date], rng: random.Random) -> list[dict]:
    """Synthetic quarterly dividends: MSFT (ex-date near the 3rd Wednesday of Feb/May/Aug/Nov, raised
    each September) and SPY (ex-date the 3rd Friday of Mar/Jun/Sep/Dec). Others pay nothing here."""
    trading = set(days)
    events = []
    for year in range(2019, 2026):
        if spec.symbol == "MSFT.US":
            months, weekday = (2, 5, 8, 11), 2
        elif spec.symbol == "SPY.US":
            months, weekday = (3, 6, 9, 12), 4
        else:
            return []
        for month in months:
            ex = _nth_weekday(year, month, weekday, 3)
            while ex not in trading:
                ex += timedelta(days=1)
            if spec.symbol == "MSFT.US":
                raises = year - 2019 + (1 if month >= 11 else 0)
                value = round(0.46 * 1.10**raises, 2)
            else:
                value = round(1.23 * 1.045 ** (year - 2019) + rng.uniform(-0.08, 0.14), 4)
            events.append(
                {
                    "date": ex.isoformat(),
                    "declarationDate": prev_weekday(ex - timedelta(days=28 + rng.randint(0, 6))).isoformat(),
                    "recordDate": next_weekday(ex + timedelta(days=1)).isoformat(),
                    "paymentDate": next_weekday(ex + timedelta(days=28 + rng.randint(0, 6))).isoformat(),
                    "period": "Quarterly",
                    "value": value,
                    "unadjustedValue": value,
                    "currency": "USD",
                }
            )
    return events


def price_rows(spec: PriceSpec) -> tuple[str, list[dict], list[dict]]:
    """The EODHD eod CSV text, the splits list and the dividends list of one symbol."""
    rng = rng_for(f"prices:{spec.symbol}")
    days = trading_days(HK_HOLIDAYS if spec.hk else US_HOLIDAYS)
    closes = bridge_path(rng, days, spec.anchors, spec.sigma)  # today's share units
    split_day = date.fromisoformat(spec.split[0]) if spec.split else None
    factor = spec.split[1] if spec.split else 1

    bars = []
    for i, (d, close) in enumerate(zip(days, closes, strict=True)):
        prev = closes[i - 1] if i else close * math.exp(rng.gauss(0.0, spec.sigma))
        open_ = prev * math.exp(rng.gauss(0.0, spec.sigma * 0.4))
        high = max(open_, close) * math.exp(abs(rng.gauss(0.0, spec.sigma * 0.5)))
        low = min(open_, close) * math.exp(-abs(rng.gauss(0.0, spec.sigma * 0.5)))
        volume = int(spec.volume * math.exp(rng.gauss(0.0, 0.35)))
        raw = factor if split_day and d < split_day else 1  # the raw (unadjusted) price before the split
        o, h, lo, c = (round(v * raw, 4) for v in (open_, high, low, close))
        bars.append([d, o, max(h, o, c), min(lo, o, c), c, raw, volume])

    divs = dividends(spec, days, rng)
    # Adjusted_close: the raw close divided by later splits and scaled by (1 - dividend / previous close)
    # for every later ex-date, as EODHD (and CRSP) adjust.
    div_factor = [1.0] * len(bars)
    by_day = {d: i for i, d in enumerate(days)}
    for ev in divs:
        i = by_day[date.fromisoformat(ev["date"])]
        f = 1.0 - ev["value"] / bars[i - 1][4]
        for j in range(i):
            div_factor[j] *= f
    lines = ["Date,Open,High,Low,Close,Adjusted_close,Volume"]
    for (d, o, h, lo, c, raw, volume), f in zip(bars, div_factor, strict=True):
        adj = c / raw * f
        lines.append(f"{d},{o:.4f},{h:.4f},{lo:.4f},{c:.4f},{adj:.4f},{volume}")
    splits = [{"date": spec.split[0], "split": f"{factor:.6f}/1.000000"}] if spec.split else []
    return "\n".join(lines) + "\n", splits, divs


def _session_open(d: date, zone: ZoneInfo) -> int:
    """Yahoo stamps a daily bar with the session's opening time, 09:30 on the exchange's clock."""
    from datetime import datetime, time

    return int(datetime.combine(d, time(9, 30), tzinfo=zone).timestamp())


def yahoo_chart(spec: PriceSpec, csv_text: str, splits: list[dict], divs: list[dict]) -> dict:
    """The same bars and events as Yahoo's chart answer fetched after the snapshot's last day.

    Yahoo divides every price by every split up to the fetch, so a pre-split close is the EODHD close
    divided by the split ratio (6 decimals: multiplied back it gives the EODHD close). Volumes are in
    today's share units in both. meta.aigapSample labels the file as synthetic.
    """
    zone = ZoneInfo("Asia/Hong_Kong" if spec.hk else "America/New_York")
    factor = spec.split[1] if spec.split else 1
    split_day = date.fromisoformat(spec.split[0]) if spec.split else None
    stamps: list[int] = []
    quote: dict[str, list] = {"open": [], "high": [], "low": [], "close": [], "volume": []}
    adjclose: list[float] = []
    for line in csv_text.splitlines()[1:]:
        d_text, o, h, lo, c, adj, volume = line.split(",")
        d = date.fromisoformat(d_text)
        divisor = factor if split_day and d < split_day else 1
        stamps.append(_session_open(d, zone))
        for name, value in (("open", o), ("high", h), ("low", lo), ("close", c)):
            quote[name].append(round(float(value) / divisor, 6))
        quote["volume"].append(int(volume))
        adjclose.append(float(adj))
    events: dict[str, dict] = {}
    if divs:
        events["dividends"] = {
            str(t): {"amount": ev["value"], "date": t}
            for ev in divs
            for t in [_session_open(date.fromisoformat(ev["date"]), zone)]
        }
    if splits:
        t = _session_open(date.fromisoformat(spec.split[0]), zone)
        events["splits"] = {
            str(t): {"date": t, "numerator": factor, "denominator": 1, "splitRatio": f"{factor}:1"}
        }
    symbol = spec.symbol.removesuffix(".US")  # Yahoo's spelling, see ingestion/sources/yahoo.py
    meta = {
        "currency": "HKD" if spec.hk else "USD",
        "symbol": symbol,
        "exchangeName": "HKG" if spec.hk else "NMS",
        "instrumentType": "EQUITY",
        "gmtoffset": 28800 if spec.hk else -18000,
        "timezone": "HKT" if spec.hk else "EST",
        "exchangeTimezoneName": str(zone.key),
        "regularMarketPrice": quote["close"][-1],
        "chartPreviousClose": quote["close"][0],
        "priceHint": 3 if spec.hk else 2,
        "dataGranularity": "1d",
        "range": "",
        "aigapSample": "SYNTHETIC sample (aigap make_sample.py), not Yahoo data",
    }
    result = {"meta": meta, "timestamp": stamps, "events": events,
              "indicators": {"quote": [quote], "adjclose": [{"adjclose": adjclose}]}}  # fmt: skip
    return {"chart": {"result": [result], "error": None}}


def write_prices() -> None:
    for spec in PRICE_SPECS:
        csv_text, splits, divs = price_rows(spec)
        write(f"prices/eod/{spec.symbol}.csv", csv_text)
        write(f"prices/splits/{spec.symbol}.json", dump_json(splits))
        write(f"prices/div/{spec.symbol}.json", dump_json(divs))
        write(f"prices/chart/{spec.symbol}.json", dump_json(yahoo_chart(spec, csv_text, splits, divs)))
