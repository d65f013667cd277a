"""The sample generator's shared parts: output folder, seed, writing helpers, calendars, random paths."""

from __future__ import annotations

import calendar
import json
import math
import random
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "data" / "sample"
SEED = 20221130
START, END = date(2019, 1, 2), date(2025, 12, 31)
SNAPSHOT = date(2025, 12, 31)  # the sample is a snapshot as of this day: nothing filed later is in it
M = 1_000_000  # SEC money facts are whole millions (filings are presented in millions)


def rng_for(section: str) -> random.Random:
    """One independent, reproducible stream per section, so editing one section never shifts another."""
    return random.Random(f"{SEED}:{section}")


def write(rel: str, text: str) -> None:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def dump_json(obj: object) -> str:
    """Compact JSON, as SEC and EODHD serve it; key order is the insertion order, fixed by this code."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# ----------------------------------------------------------------------------------------------------
# Calendars
# ----------------------------------------------------------------------------------------------------


def _dates(text: str) -> set[date]:
    return {date.fromisoformat(s) for s in text.split()}


GOOD_FRIDAYS = _dates("2019-04-19 2020-04-10 2021-04-02 2022-04-15 2023-04-07 2024-03-29 2025-04-18")
# NYSE full-day closures 2019-2025 (incl. Good Friday and the 2025-01-09 national day of mourning).
US_HOLIDAYS = GOOD_FRIDAYS | _dates("""
    2019-01-01 2019-01-21 2019-02-18 2019-05-27 2019-07-04 2019-09-02 2019-11-28 2019-12-25
    2020-01-01 2020-01-20 2020-02-17 2020-05-25 2020-07-03 2020-09-07 2020-11-26 2020-12-25
    2021-01-01 2021-01-18 2021-02-15 2021-05-31 2021-07-05 2021-09-06 2021-11-25 2021-12-24
    2022-01-17 2022-02-21 2022-05-30 2022-06-20 2022-07-04 2022-09-05 2022-11-24 2022-12-26
    2023-01-02 2023-01-16 2023-02-20 2023-05-29 2023-06-19 2023-07-04 2023-09-04 2023-11-23 2023-12-25
    2024-01-01 2024-01-15 2024-02-19 2024-05-27 2024-06-19 2024-07-04 2024-09-02 2024-11-28 2024-12-25
    2025-01-01 2025-01-09 2025-01-20 2025-02-17 2025-05-26 2025-06-19 2025-07-04 2025-09-01 2025-11-27
    2025-12-25
""")
# A sample HK calendar: New Year, Lunar New Year, Ching Ming, Easter, Labour Day, HKSAR Day, National Day,
# Christmas. Not the official HKEX list; enough that the US and HK calendars differ.
HK_HOLIDAYS = GOOD_FRIDAYS | _dates("""
    2019-01-01 2019-02-05 2019-02-06 2019-02-07 2019-04-05 2019-04-22 2019-05-01 2019-07-01 2019-10-01
    2019-12-25 2019-12-26
    2020-01-01 2020-01-27 2020-01-28 2020-04-13 2020-05-01 2020-07-01 2020-10-01 2020-12-25
    2021-01-01 2021-02-12 2021-02-15 2021-04-05 2021-04-06 2021-07-01 2021-10-01 2021-12-27
    2022-02-01 2022-02-02 2022-02-03 2022-04-05 2022-04-18 2022-05-02 2022-07-01 2022-10-04 2022-12-26
    2022-12-27
    2023-01-02 2023-01-23 2023-01-24 2023-01-25 2023-04-05 2023-04-10 2023-05-01 2023-10-02 2023-12-25
    2023-12-26
    2024-01-01 2024-02-12 2024-02-13 2024-04-01 2024-04-04 2024-05-01 2024-07-01 2024-10-01 2024-12-25
    2024-12-26
    2025-01-01 2025-01-29 2025-01-30 2025-01-31 2025-04-04 2025-04-21 2025-05-01 2025-07-01 2025-10-01
    2025-12-25 2025-12-26
""")


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def _observed(d: date) -> date:
    return d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1) if d.weekday() == 6 else d


# Days FRED's H.10 series have no observation: federal holidays (NYSE closures less Good Friday and the
# 2025 day of mourning, plus Columbus Day and Veterans Day).
FED_HOLIDAYS = (US_HOLIDAYS - GOOD_FRIDAYS - _dates("2025-01-09")) | {
    d for y in range(2019, 2026) for d in (_nth_weekday(y, 10, 0, 2), _observed(date(y, 11, 11)))
}


def weekdays(first: date, last: date) -> list[date]:
    days, d = [], first
    while d <= last:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def trading_days(holidays: set[date]) -> list[date]:
    return [d for d in weekdays(START, END) if d not in holidays]


def next_weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def prev_weekday(d: date) -> date:
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return d


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(d: date, months: int) -> date:
    """The month end ``months`` after the month end ``d``."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return month_end(y, m + 1)


# ----------------------------------------------------------------------------------------------------
# Random paths pinned to anchors
# ----------------------------------------------------------------------------------------------------


def bridge_path(rng: random.Random, days: list[date], anchors: str, sigma: float) -> list[float]:
    """A log-space random walk over ``days`` that passes exactly through each ``date:level`` anchor.

    Between two anchors it is a Brownian bridge: a random walk with its end error spread linearly.
    An anchor date maps to the first day on or after it; the first and last anchors pin the ends.
    """
    points = [(date.fromisoformat(a), float(v)) for a, v in (p.split(":") for p in anchors.split())]
    idx = [next(i for i, d in enumerate(days) if d >= a) for a, _ in points]
    idx[-1] = len(days) - 1
    assert idx[0] == 0, "the first anchor must pin the first day"
    logs = [math.log(level) for _, level in points]
    out = [0.0] * len(days)
    out[0] = logs[0]
    for (i0, i1), (l0, l1) in zip(pairwise(idx), pairwise(logs), strict=True):
        n = i1 - i0
        walk = [0.0]
        for _ in range(n):
            walk.append(walk[-1] + rng.gauss(0.0, sigma))
        for k in range(1, n + 1):
            out[i0 + k] = l0 + (l1 - l0) * k / n + walk[k] - walk[n] * k / n
    return [math.exp(v) for v in out]
