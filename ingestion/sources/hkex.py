"""The hkex source: curated annual figures of issuers that file in Hong Kong, not with the SEC.

Source id, landing folder (``landing/hkex/``), this module and the dbt staging prefix
(``stg_hkex__``) share one name. Until 2026-12 the folder was ``landing/manual/`` (module
``manual.py``): files landed there stay as they were (landing is append-only), and since this source
lands on every run (from the curated file or the sample), an older warehouse re-lands it into
``landing/hkex/`` on its next run. The landing key is unchanged, so those rows replace the raw rows
of the old folder instead of adding to them.

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
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pyarrow as pa

from ingestion.config import REPO_ROOT, Settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources._parsing import csv_rows, decode_text, parse_number, parse_optional_date
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = "hkex"
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
        # Provenance errors also name the curated file the user edits, not only its landed copy.
        return {"hkex_fundamentals": parse_hkex_csv(body, entry.path, origin=_origin(entry.url))}
    raise BadSourceFile(entry.path, f"landing key {entry.key!r} is not hkex/<name>")


def _origin(url: str) -> str:
    """A file:// url as a plain path, for messages; any other url as it is."""
    parts = urlsplit(url)
    return url2pathname(parts.path) if parts.scheme == "file" else url


CONFIDENCES = ("official", "secondary")


def _check_provenance(raw: dict[str, str], path: str, origin: str, lineno: int) -> None:
    """No figure without its source and a known confidence (ingestion/curated/README.md).

    Every row names its document and where in it (page) or where it was read (source_url); a
    `secondary` figure (press, broker, aggregator quoting the issuer) also carries the URL and the
    quoted words, so a reader can check it without trusting us.
    """
    at = f"{origin}, line {lineno}"
    confidence = raw["confidence"].strip()
    if confidence not in CONFIDENCES:
        raise BadSourceFile(
            path, f"{at}, column confidence: {confidence!r} is not one of {', '.join(CONFIDENCES)}"
        )
    if not raw["document"].strip():
        raise BadSourceFile(path, f"{at}, column document: a figure without its source document")
    if not (raw["page"].strip() or raw["source_url"].strip()):
        raise BadSourceFile(path, f"{at}: neither a page nor a source_url says where the figure was read")
    if confidence == "secondary" and not (raw["source_url"].strip() and raw["quoted_text"].strip()):
        raise BadSourceFile(
            path, f"{at}: a secondary figure needs the source_url and the quoted_text it was read from"
        )


def parse_hkex_csv(body: bytes, path: str, origin: str | None = None) -> pa.Table:
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
        _check_provenance(raw, path, origin or path, lineno)
        # Amendments add a row with a later filed_date; the same figure twice as of one date is ambiguous.
        identity = (row["ticker"], row["metric"], row["fiscal_year"], row["fiscal_period"], row["filed_date"])
        if identity in seen:
            raise BadSourceFile(
                path, f"line {lineno} repeats line {seen[identity]}: {'/'.join(str(v) for v in identity)}"
            )
        seen[identity] = lineno
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=arrow_schema("hkex_fundamentals"))
