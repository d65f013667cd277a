"""Figures kept by hand: the annual figures of issuers that do not file with the SEC.

Landed in every mode, so raw always shows which HKEX figures a run used (the universe, the other
file kept by hand, is its own source: ``ingestion.universe``):

- key ``hkex/tencent_annual``: a CSV whose header is exactly raw.hkex_fundamentals' columns ->
  raw.hkex_fundamentals. With filings in sample mode it is the snapshot's synthetic file
  (``is_sample``); in live mode the curated real figures, each naming its annual report and page.
  One key in both modes, so switching mode replaces the sample rows instead of adding to them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pyarrow as pa

from ingestion.config import REPO_ROOT, Settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources._parsing import csv_rows, decode_text, parse_number, parse_optional_date
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = "manual"
RAW_TABLES = ["hkex_fundamentals"]

HKEX_KEY = "hkex/tencent_annual"
SAMPLE_HKEX = "hkex/tencent_annual.csv"  # relative to the sample dir
CURATED_HKEX = REPO_ROOT / "ingestion" / "curated" / "hkex_fundamentals.csv"
HKEX_HEADER = arrow_schema("hkex_fundamentals").names
_YEAR = re.compile(r"^\d{4}$")


# -- landing -----------------------------------------------------------------------------


def land_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    return _land(settings, zone)


def land_live(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    return _land(settings, zone)


def _land(settings: Settings, zone: LandingZone) -> list[LandedFile]:
    landed: list[LandedFile] = []
    # The HKEX figures stand beside the SEC filings, so they follow the filings' mode.
    if settings.mode("filings") == "sample":
        path = settings.sample_dir / SAMPLE_HKEX
        if not path.is_file():
            raise SourceFetchError(f"sample snapshot has no {path} (Tencent's annual figures)")
        landed.append(
            zone.land(
                SOURCE,
                HKEX_KEY,
                path.read_bytes(),
                url=f"sample://{SAMPLE_HKEX}",
                suffix=".csv",
                is_sample=True,
            )
        )
    elif CURATED_HKEX.is_file():
        landed.append(
            zone.land(SOURCE, HKEX_KEY, CURATED_HKEX.read_bytes(), url=CURATED_HKEX.as_uri(), suffix=".csv")
        )
    else:
        log.warning(
            "filings are live but %s does not exist: no HKEX figures landed (raw keeps what it had, "
            "labelled by is_sample)",
            CURATED_HKEX,
        )
    return landed


# -- parsing -----------------------------------------------------------------------------


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    if entry.key.startswith("hkex/"):
        return {"hkex_fundamentals": parse_hkex_csv(body, entry.path)}
    raise BadSourceFile(entry.path, f"landing key {entry.key!r} is not hkex/<name>")


def parse_hkex_csv(body: bytes, path: str) -> pa.Table:
    what = "HKEX fundamentals CSV"
    text = decode_text(body, path, what)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    for lineno, fields in csv_rows(text, path, what, HKEX_HEADER):
        raw = dict(zip(HKEX_HEADER, fields, strict=True))
        row: dict[str, Any] = {name: raw[name] or None for name in HKEX_HEADER}  # empty text is null

        def where(column: str, lineno: int = lineno) -> str:
            return f"line {lineno}, column {column}"

        year = raw["fiscal_year"]
        if year and not _YEAR.match(year):
            raise BadSourceFile(path, f"{where('fiscal_year')}: {year!r} is not a year")
        row["fiscal_year"] = int(year) if year else None
        for column in ("period_start", "period_end", "filed_date"):
            row[column] = parse_optional_date(raw[column], path, where(column))
        row["value"] = parse_number(raw["value"], path, where("value"))
        # Amendments add a row with a later filed_date; the same figure twice as of one date is ambiguous.
        identity = (row["ticker"], row["metric"], row["fiscal_year"], row["fiscal_period"], row["filed_date"])
        if identity in seen:
            raise BadSourceFile(
                path, f"line {lineno} repeats line {seen[identity]}: {'/'.join(str(v) for v in identity)}"
            )
        seen[identity] = lineno
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=arrow_schema("hkex_fundamentals"))
