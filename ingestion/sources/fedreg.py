"""Federal Register documents of the Bureau of Industry and Security (export controls), sample and live.

The API pages its answer; each page is landed as it came, key ``documents/page-NNNN``, and parsed
into raw.federal_register_documents. Live mode asks for the oldest documents first, so a page that
was complete stays the same page on the next run and its conditional request can answer 304.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import orjson
import pyarrow as pa

from ingestion.config import Settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.http import fetch_to_landing, make_session
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources._parsing import load_json, parse_optional_date
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = "fedreg"
RAW_TABLES = ["federal_register_documents"]

AGENCY = "industry-and-security-bureau"
DEFAULT_SINCE = date(2019, 1, 1)
DEFAULT_PER_PAGE = 100
MAX_PAGES = 1000  # a server that keeps sending next_page_url must not keep us fetching forever
REQUESTS_PER_SECOND = 5.0
USER_AGENT = "aigap/0.1 (fedreg)"
# The API's field names are the raw columns' names.
FIELDS = arrow_schema("federal_register_documents").names
_TEXT_FIELDS = ("title", "type", "abstract", "citation", "html_url")
WHAT = "Federal Register documents.json page"


def page_key(page: int) -> str:
    return f"documents/page-{page:04d}"


# -- landing -----------------------------------------------------------------------------


def land_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    pages = sorted((settings.sample_dir / "fedreg").glob("documents-page-*.json"))
    if not pages:
        raise SourceFetchError(
            f"sample snapshot has no {settings.sample_dir / 'fedreg'}/documents-page-*.json"
        )
    landed: list[LandedFile] = []
    for path in pages:
        key = "documents/" + path.stem.removeprefix("documents-")
        rel = path.relative_to(settings.sample_dir).as_posix()
        landed.append(
            zone.land(SOURCE, key, path.read_bytes(), url=f"sample://{rel}", suffix=".json", is_sample=True)
        )
    return landed


def land_live(
    settings: Settings,
    zone: LandingZone,
    listings: list[Listing],
    *,
    since: date = DEFAULT_SINCE,
    per_page: int = DEFAULT_PER_PAGE,
    max_pages: int = MAX_PAGES,
    retries: int = 5,
    backoff: float = 0.5,
) -> list[LandedFile]:
    """Land every page of BIS documents published on or after ``since``, following next_page_url."""
    base = settings.base_urls[SOURCE]
    url = f"{base}/api/v1/documents.json"
    params: dict[str, str | list[str]] | None = {
        "conditions[agencies][]": AGENCY,
        "conditions[publication_date][gte]": since.isoformat(),
        "order": "oldest",
        "per_page": str(per_page),
        "fields[]": FIELDS,  # a list: requests repeats the parameter once per field
    }
    landed: list[LandedFile] = []
    with make_session(
        user_agent=USER_AGENT, per_second=REQUESTS_PER_SECOND, retries=retries, backoff=backoff
    ) as session:
        latest = zone.latest(SOURCE)
        for page in range(1, max_pages + 1):
            entry = fetch_to_landing(
                session,
                zone,
                source=SOURCE,
                key=page_key(page),
                url=url,
                params=params,
                suffix=".json",
                latest=latest,
            )
            landed.append(entry)
            # zone.read, not the response: a 304 answer points at the bytes landed earlier.
            next_url = _next_page_url(zone.read(entry), entry)
            if next_url is None:
                return landed
            check_same_origin(next_url, base)
            url, params = next_url, None  # next_page_url carries every query parameter
    raise SourceFetchError(
        f"{base}: still a next_page_url after {max_pages} pages; raise max_pages if that is real"
    )


def check_same_origin(url: str, base: str) -> None:
    """Refuse to follow a link off the configured host: the base URL is the only host we trust."""
    got, want = urlsplit(url), urlsplit(base)
    if (got.scheme.lower(), got.netloc.lower()) != (want.scheme.lower(), want.netloc.lower()):
        raise SourceFetchError(
            f"Federal Register next_page_url {url!r} is outside the configured base {base!r}; not followed"
        )


def _next_page_url(body: bytes, entry: LandedFile) -> str | None:
    """The page's next_page_url, or None on the last page or when the page is not the API's JSON.

    A page that is not the API's JSON stays landed and is quarantined by the loader with the
    parser's reason; there is no next page to find in it.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        log.error("%s (%s) is not JSON; paging stops here", entry.path, entry.key)
        return None
    if not isinstance(data, dict):
        log.error("%s (%s) is not a %s; paging stops here", entry.path, entry.key, WHAT)
        return None
    next_url = data.get("next_page_url")
    return next_url if isinstance(next_url, str) and next_url else None


# -- parsing -----------------------------------------------------------------------------


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    return {"federal_register_documents": parse_documents_page(body, entry.path)}


def parse_documents_page(body: bytes, path: str) -> pa.Table:
    data = load_json(body, path, WHAT)
    if not isinstance(data, dict) or not ("results" in data or "count" in data):
        raise BadSourceFile(path, f"expected a {WHAT}: an object with 'count' and 'results'")
    results = data.get("results")
    if results is None:
        # Only an empty answer may leave 'results' out; otherwise documents would vanish silently.
        if data.get("count") != 0:
            raise BadSourceFile(path, f"no 'results' but count is {data.get('count')!r} ({WHAT})")
        results = []
    if not isinstance(results, list):
        raise BadSourceFile(path, f"'results' is {type(results).__name__}, expected a list ({WHAT})")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(results):
        if not isinstance(item, dict):
            raise BadSourceFile(path, f"results[{i}] is {type(item).__name__}, expected an object")
        number = item.get("document_number")
        if not isinstance(number, str) or not number.strip():
            raise BadSourceFile(path, f"results[{i}] has no document_number")
        if number in seen:
            raise BadSourceFile(path, f"results[{i}]: document_number {number} appears twice on this page")
        seen.add(number)
        rows.append(_document(item, path, f"results[{i}] ({number})"))
    return pa.Table.from_pylist(rows, schema=arrow_schema("federal_register_documents"))


def _document(item: dict[str, Any], path: str, where: str) -> dict[str, Any]:
    row: dict[str, Any] = {"document_number": item["document_number"].strip()}
    for name in _TEXT_FIELDS:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise BadSourceFile(path, f"{where}, {name}: {value!r} is not text")
        row[name] = value
    for name in ("publication_date", "effective_on"):
        row[name] = parse_optional_date(item.get(name), path, f"{where}, {name}")
    start_page = item.get("start_page")
    if start_page is not None and (isinstance(start_page, bool) or not isinstance(start_page, int)):
        raise BadSourceFile(path, f"{where}, start_page: {start_page!r} is not a whole number")
    row["start_page"] = start_page
    row["agencies"] = _agency_slugs(item.get("agencies"), path, where)
    return row


def _agency_slugs(agencies: Any, path: str, where: str) -> str | None:
    if agencies is None:
        return None
    if not isinstance(agencies, list) or not all(isinstance(a, dict) for a in agencies):
        raise BadSourceFile(path, f"{where}, agencies: expected a list of objects")
    # An agency the Federal Register has no record for comes with raw_name only: keep its name.
    return ";".join(str(a.get("slug") or a.get("name") or a.get("raw_name") or "") for a in agencies)
