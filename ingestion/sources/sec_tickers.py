"""SEC's ticker -> CIK file (``company_tickers.json``), landed like any source.

Landing key ``company_tickers``: ``{AIGAP_SEC_ARCHIVES_BASE_URL}/files/company_tickers.json`` (default
https://www.sec.gov) in live mode, ``<sample_dir>/sec/company_tickers.json`` in sample mode; it follows
the filings' mode (``AIGAP_SOURCE_FILINGS``) and, live, the same User-Agent, rate limit and retries as
every SEC call, asked conditionally (ETag / Last-Modified). -> ``raw.sec_company_tickers``.

The file is one JSON object whose values are rows ``{"cik_str": 789019, "ticker": "MSFT", "title":
"MICROSOFT CORP"}`` keyed by their position (``"0"``, ``"1"``, ...): CIKs are integers, one CIK can carry
several tickers (GOOGL and GOOG; preferreds), funds and ETFs are in it (SPY), Hong Kong lines are not.
The universe (``ingestion.universe_resolution``) resolves tickers to CIKs and names with it.

In live mode the file is asked only when the universe needs it (a line without its CIK, or
``AIGAP_UNIVERSE=sec:all``): a universe written out in full makes no extra request.
"""

from __future__ import annotations

import logging

import msgspec
import pyarrow as pa

from ingestion.config import Settings
from ingestion.errors import BadSourceFile
from ingestion.http import fetch_to_landing, make_session
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema

log = logging.getLogger(__name__)

SOURCE = "sec_tickers"
KEY = "company_tickers"
RAW_TABLES = ["sec_company_tickers"]
PATH = "files/company_tickers.json"
_WHAT = "SEC company_tickers.json ({'0': {'cik_str', 'ticker', 'title'}, ...})"


class _Row(msgspec.Struct, gc=False):
    cik_str: int
    ticker: str
    title: str


_decode = msgspec.json.Decoder(dict[str, _Row]).decode


def land_sample(settings: Settings, zone: LandingZone) -> list[LandedFile]:
    path = settings.sample_dir / "sec" / "company_tickers.json"
    if not path.is_file():
        log.warning("sample snapshot has no %s: tickers without a CIK cannot be resolved", path)
        return []
    body = path.read_bytes()
    return [
        zone.land(
            SOURCE, KEY, body, url="sample://sec/company_tickers.json", suffix=".json",
            content_type="application/json", is_sample=True,
        )
    ]  # fmt: skip


def land_live(
    settings: Settings, zone: LandingZone, *, retries: int = 5, backoff: float = 0.5
) -> list[LandedFile]:
    """One conditional GET on the SEC session (User-Agent, <= 10 requests/s, retries)."""
    from ingestion.sources import sec  # the SEC session's settings live there (and sec imports universe)

    user_agent = sec.check_user_agent(settings.sec_user_agent)
    url = f"{settings.sec_archives_base_url}/{PATH}"
    with make_session(
        user_agent=user_agent, per_second=sec.MAX_REQUESTS_PER_SECOND, retries=retries, backoff=backoff
    ) as session:
        return [fetch_to_landing(session, zone, source=SOURCE, key=KEY, url=url, suffix=".json")]


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    if entry.key != KEY:
        raise BadSourceFile(entry.path, f"landing key {entry.key!r} is not {KEY!r}")
    return {"sec_company_tickers": parse_company_tickers(body, entry.path)}


def parse_company_tickers(body: bytes, path: str) -> pa.Table:
    """One row per (position, CIK, ticker, title), in the file's order; types checked as read."""
    if not body or body.isspace():
        raise BadSourceFile(path, f"not JSON: empty body, expected {_WHAT}")
    if body.lstrip()[:1] == b"<":
        flat = " ".join(body[:200].decode("utf-8", "replace").split())[:80]
        raise BadSourceFile(path, f"not JSON: an HTML/XML page where {_WHAT} was expected: {flat!r}")
    try:
        rows = _decode(body)
    except msgspec.ValidationError as exc:
        raise BadSourceFile(path, f"not {_WHAT}: {exc}") from exc
    except msgspec.DecodeError as exc:
        tail = body[-40:].decode("utf-8", "replace")
        raise BadSourceFile(path, f"not JSON ({exc}), expected {_WHAT}; the body ends {tail!r}") from exc
    if not rows:
        raise BadSourceFile(path, f"no rows: expected {_WHAT}")
    positions, ciks, tickers, titles = [], [], [], []
    for position, row in rows.items():
        if not position.isdigit():
            raise BadSourceFile(path, f"row key {position!r} is not a position number, expected {_WHAT}")
        if not 0 < row.cik_str < 10**10:
            raise BadSourceFile(path, f"row {position}: cik_str {row.cik_str} is not a CIK (1 to 10 digits)")
        positions.append(int(position))
        ciks.append(f"{row.cik_str:010d}")
        tickers.append(row.ticker.strip().upper())
        titles.append(row.title.strip())
    return pa.Table.from_arrays(
        [pa.array(positions, pa.int32()), pa.array(ciks), pa.array(tickers), pa.array(titles)],
        schema=arrow_schema("sec_company_tickers"),
    )
