"""SEC EDGAR: XBRL company facts and filing indexes, sample and live.

Landing keys, one per document and company (CIK zero-padded to 10 digits):

- ``companyfacts/CIK##########``  ``{base}/api/xbrl/companyfacts/CIK##########.json`` -> raw.sec_companyfacts
- ``submissions/CIK##########``   ``{base}/submissions/CIK##########.json``           -> raw.sec_filings
                                                                   and raw.sec_companies

and, for companies with extension concepts in the concept map, each filing's index and XBRL
instance from the EDGAR archive (``ingestion/sources/sec_instances.py``) -> raw.sec_instance_facts.

The sample snapshot keeps the same documents at ``<sample_dir>/sec/<kind>/CIK##########.json``.

SEC's fair-access rules ask for a User-Agent naming the requester and at most 10 requests per
second per requester (https://www.sec.gov/os/accessing-edgar-data); live mode enforces both.

Company facts are the hot path (1-10 MB per company, tens of thousands of facts): msgspec decodes
them into typed facts, checking every type as it reads, and every ~2,000 facts become an Arrow
batch, each column gathered in one C-level pass and handed to Arrow in one call; no dict is made
per fact and nothing passes through pandas (bench/bench_sec_parse.py measures the rate; the
target is >= 70 MB/s per core). Submissions are small and columnar already: orjson reads them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from operator import attrgetter
from typing import Annotated, Any, NoReturn

import msgspec
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.config import ConfigError, Settings, load_settings
from ingestion.errors import BadSourceFile, SourceFetchError, SourceUnreachable
from ingestion.http import fetch_to_landing, make_session
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources import sec_instances
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = sec_instances.SOURCE  # "sec": API documents, bulk archives and XBRL instances land in one folder
# The settings domain it shares with sec_tickers and hkex: AIGAP_SOURCE_FILINGS, AIGAP_SEC_BASE_URL.
DOMAIN = "filings"
RAW_TABLES = ["sec_companyfacts", "sec_filings", "sec_instance_facts", "sec_companies"]

# landing key prefix -> path of the document under the base URL (without /CIK##########.json)
KINDS = {"companyfacts": "api/xbrl/companyfacts", "submissions": "submissions"}
MAX_REQUESTS_PER_SECOND = 10.0  # SEC fair access: no more than 10 requests per second
WORKERS = 4  # a few connections in flight keep 10/s even when one answer is slow
RETRIES = 5
BACKOFF = 0.5  # seconds; the n-th consecutive retry waits BACKOFF * 2**(n-1)
USER_AGENT_HELP = "set SEC_USER_AGENT to 'Name email@example.com' as SEC fair-access rules require"

_KEY = re.compile(r"^(companyfacts|submissions)/CIK(\d{10})$")
# Older filings of a company with more than ~1,000: pages named in submissions' filings.files, fetched
# only where the XBRL instances of their filings are wanted (companies with extension concepts).
_PAGE_KEY = re.compile(r"^submissions-page/CIK(\d{10})/(CIK\d{10}-submissions-\d{3}\.json)$")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")

_COMPANYFACTS = "SEC companyfacts JSON"
_SUBMISSIONS = "SEC submissions JSON"


# -- which documents -------------------------------------------------------------------


def sec_listings(listings: list[Listing]) -> list[Listing]:
    """The listings that file with the SEC (and so have a CIK), each CIK once."""
    seen: set[str] = set()
    chosen = []
    for item in listings:
        if item.filer == "sec" and item.cik10 and item.cik10 not in seen:
            seen.add(item.cik10)
            chosen.append(item)
    return chosen


def landing_keys_for(listing: Listing, zone: LandingZone | None = None) -> list[str]:
    """The landing keys of one company's documents, e.g. to load one Dagster partition alone.

    Its older submissions pages, filing indexes and XBRL instances (one key per page or accession)
    are those in landing: ``zone``, or the landing zone of the current settings when not given.
    """
    if not listing.cik10:
        raise ValueError(f"{listing.ticker} has no CIK: it does not file with the SEC")
    zone = zone if zone is not None else LandingZone(load_settings().landing_dir)
    latest = zone.latest(SOURCE)
    pages = sorted(k for k in latest if (m := _PAGE_KEY.match(k)) and m[1] == listing.cik10)
    instances = sec_instances.landing_keys(latest, listing.cik10)
    return [f"{kind}/CIK{listing.cik10}" for kind in KINDS] + pages + instances


def _document(cik10: str) -> str:
    return f"CIK{cik10}.json"


# -- landing ---------------------------------------------------------------------------


def land_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    """Land the snapshot's documents of every SEC filer, as they are, labelled as sample."""
    landed: list[LandedFile] = []
    for listing in sec_listings(listings):
        for kind in KINDS:
            rel = f"sec/{kind}/{_document(listing.cik10 or '')}"
            path = settings.sample_dir / rel
            if not path.is_file():
                log.warning("sample snapshot has no %s for %s (CIK %s)", path, listing.ticker, listing.cik10)
                continue
            landed.append(
                zone.land(
                    SOURCE,
                    f"{kind}/CIK{listing.cik10}",
                    path.read_bytes(),
                    url=f"sample://{rel}",
                    suffix=".json",
                    content_type="application/json",
                    is_sample=True,
                )
            )
    for listing, submissions, pages in _extension_filers(listings, zone, sample=True):
        tables = [submissions]
        for name in pages:
            path = settings.sample_dir / "sec" / "submissions" / name
            if not path.is_file():
                log.warning("sample snapshot has no submissions page %s for %s", path, listing.ticker)
                continue
            entry = zone.land(
                SOURCE, f"submissions-page/CIK{listing.cik10}/{name}", path.read_bytes(),
                url=f"sample://sec/submissions/{name}", suffix=".json", content_type="application/json",
                is_sample=True,
            )  # fmt: skip
            landed.append(entry)
            tables.append(parse_submissions_page(zone.read(entry), entry.path, listing.cik10 or ""))
        filings = sec_instances.filings_with_instances(pa.concat_tables(tables))
        landed += sec_instances.land_sample(settings, zone, filings)
    return landed


# (listing) -> (submissions body, the path to name in errors), or None when there is none
SubmissionsOf = Callable[[Listing], tuple[bytes, str] | None]


def _extension_filers(
    listings: list[Listing], zone: LandingZone, *, sample: bool, submissions_of: SubmissionsOf | None = None
) -> list[tuple[Listing, pa.Table, list[str]]]:
    """The SEC filers with extension concepts in the concept map, each with its landed submissions
    (filings.recent) and the names of its older submissions pages that reach back to FIRST_FILED.

    ``submissions_of`` gives a company's submissions document when it is not landed on its own (bulk
    mode reads it from the landed submissions.zip); by default the landed ``submissions/CIK...`` file.
    """
    wanted = sec_instances.extension_concepts()
    latest = zone.latest(SOURCE)
    chosen = []
    for listing in sec_listings(listings):
        if listing.ticker not in wanted:
            continue
        if submissions_of is not None:
            found = submissions_of(listing)
        else:
            entry = latest.get(f"submissions/CIK{listing.cik10}")
            found = None if entry is None or entry.is_sample != sample else (entry, entry.path)
        if found is None:
            log.warning(
                "%s has extension concepts but no landed submissions: no XBRL instances", listing.ticker
            )
            continue
        try:
            source, path = found
            body = zone.read(source) if isinstance(source, LandedFile) else source
            recent = parse_submissions(body, path, listing.cik10 or "")
            chosen.append((listing, recent, _older_pages(body, recent)))
        except BadSourceFile as exc:  # the loader quarantines that file and says why
            log.warning("%s: its submissions cannot list its XBRL instances: %s", listing.ticker, exc)
    return chosen


def _older_pages(body: bytes, recent: pa.Table) -> list[str]:
    """The filings.files pages holding filings filed since FIRST_FILED that filings.recent does not."""
    first = sec_instances.FIRST_FILED.isoformat()
    oldest = pc.min(recent["filing_date"]).as_py()
    if oldest is not None and oldest.isoformat() <= first:
        return []  # filings.recent already reaches back far enough
    files = (orjson.loads(body).get("filings") or {}).get("files") or []
    return [
        f["name"]
        for f in files
        if isinstance(f, dict)
        and isinstance(f.get("name"), str)
        and re.fullmatch(r"CIK\d{10}-submissions-\d{3}\.json", f["name"])
        and str(f.get("filingTo") or "9999") >= first
    ]


def check_user_agent(user_agent: str | None) -> str:
    """SEC refuses anonymous clients; fail before the first request rather than after a 403."""
    if not user_agent or not _EMAIL.search(user_agent) or len(user_agent.split()) < 2:
        got = f" (got {user_agent!r})" if user_agent else ""
        raise ConfigError(f"SEC filings in live mode: {USER_AGENT_HELP}{got}")
    return user_agent


def land_live(
    settings: Settings,
    zone: LandingZone,
    listings: list[Listing],
    *,
    workers: int = WORKERS,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
) -> list[LandedFile]:
    """Fetch companyfacts and submissions of every SEC filer, at most 10 requests/s in all.

    Every document is attempted; failures are collected and raised together at the end so one
    company's outage neither hides the others' errors nor stops their documents from landing.
    """
    user_agent = check_user_agent(settings.sec_user_agent)
    base = settings.base_urls[DOMAIN]
    jobs = [
        (f"{kind}/CIK{item.cik10}", f"{base}/{path}/{_document(item.cik10 or '')}")
        for item in sec_listings(listings)
        for kind, path in KINDS.items()
    ]
    landed: list[LandedFile] = []
    failures: list[str] = []
    # Read the manifest once, before the threads start: each fetch needs the previous ETag.
    latest = zone.latest(SOURCE)
    with (
        make_session(
            user_agent=user_agent, per_second=MAX_REQUESTS_PER_SECOND, retries=retries, backoff=backoff
        ) as session,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sec-fetch") as pool,
    ):
        futures = [
            pool.submit(
                fetch_to_landing,
                session,
                zone,
                source=SOURCE,
                key=key,
                url=url,
                suffix=".json",
                latest=latest,
            )
            for key, url in jobs
        ]
        for future in futures:
            try:
                landed.append(future.result())
            except SourceUnreachable:
                raise  # the host is down for every request: fail the source now
            except SourceFetchError as exc:
                log.error("%s", exc)
                failures.append(str(exc))
        # Then each filing's own XBRL instance, for the companies with extension concepts: the
        # submissions just landed list the filings; same session, so the same 10/s budget.
        planned = []
        for listing, submissions, pages in _extension_filers(listings, zone, sample=False):
            tables = [submissions]
            for name in pages:
                key = f"submissions-page/CIK{listing.cik10}/{name}"
                try:
                    page = fetch_to_landing(
                        session, zone, source=SOURCE, key=key, url=f"{base}/submissions/{name}",
                        suffix=".json", latest=latest,
                    )  # fmt: skip
                    landed.append(page)
                    tables.append(parse_submissions_page(zone.read(page), page.path, listing.cik10 or ""))
                except SourceUnreachable:
                    raise  # the host is down for every request: fail the source now
                except (SourceFetchError, BadSourceFile) as exc:
                    log.error("%s", exc)
                    failures.append(f"{key}: {exc}")
            planned += sec_instances.filings_with_instances(pa.concat_tables(tables))
        archives = settings.sec_archives_base_url
        more, failed = sec_instances.land_live(session, zone, archives, planned, pool, zone.latest(SOURCE))
        landed += more
        failures += failed
    if failures:
        raise SourceFetchError(
            f"SEC: {len(failures)} of {len(jobs) + len(planned)} document(s) or filing(s) could not be "
            "fetched: " + "; ".join(failures)
        )
    return landed


# -- parsing ---------------------------------------------------------------------------

_INT32 = msgspec.Meta(ge=-(2**31), le=2**31 - 1)  # raw.sec_companyfacts.fiscal_year is an INTEGER


class _Fact(msgspec.Struct, gc=False):
    """One fact as SEC writes it, checked by the decoder as it reads.

    A text or boolean value, a missing or null required field, a date that is not YYYY-MM-DD or
    does not exist: each is refused with its place in the document. Keys SEC may add are skipped.
    gc=False because millions are made and none can be part of a reference cycle.
    """

    end: date
    val: float  # JSON integers too (beyond 2**53 they round to the nearest float64); not true/false
    accn: str
    form: str
    filed: date
    start: date | None = None  # instants have no start
    fy: Annotated[int, _INT32] | None = None
    fp: str | None = None
    frame: str | None = None  # optional


class _Concept(msgspec.Struct, gc=False):
    # "label" and "description" are skipped unread. Each unit's list of facts is kept as its raw
    # bytes (checked as JSON, not yet decoded): parse_companyfacts decodes one list at a time.
    units: dict[str, msgspec.Raw]


class _CompanyFacts(msgspec.Struct, gc=False):
    cik: int | str
    entityName: str  # noqa: N815 (SEC's key)
    facts: dict[str, dict[str, _Concept]]


_decode_outline = msgspec.json.Decoder(_CompanyFacts).decode
_decode_facts = msgspec.json.Decoder(list[_Fact]).decode
# Facts per Arrow batch. Decoding a few fact lists, then turning them into columns while their
# objects are still in the CPU cache, was ~1.5x faster on the bench inputs than decoding the
# whole document first and building each column over all of it; 1024-4096 did about as well.
_BATCH_FACTS = 2048

# The fact columns of raw.sec_companyfacts, in table order: (attribute of _Fact, Arrow type).
_FACT_COLUMNS = [
    (attrgetter("start"), pa.date32()),
    (attrgetter("end"), pa.date32()),
    (attrgetter("val"), pa.float64()),
    (attrgetter("accn"), pa.string()),
    (attrgetter("fy"), pa.int32()),
    (attrgetter("fp"), pa.string()),
    (attrgetter("form"), pa.string()),
    (attrgetter("filed"), pa.date32()),
    (attrgetter("frame"), pa.string()),
]
_DATE_FIELDS = ("start", "end", "filed")


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    if sec_instances.KEY.match(entry.key):
        return sec_instances.parse(entry, body)
    if page := _PAGE_KEY.match(entry.key):
        return {"sec_filings": parse_submissions_page(body, entry.path, page[1])}
    match = _KEY.match(entry.key)
    if not match:
        raise BadSourceFile(
            entry.path,
            f"landing key {entry.key!r} is not companyfacts/CIK########## or submissions/CIK##########",
        )
    kind, cik10 = match.groups()
    if kind == "companyfacts":
        return {"sec_companyfacts": parse_companyfacts(body, entry.path, cik10, key=entry.key)}
    return parse_submissions_tables(body, entry.path, cik10, key=entry.key)


def _snippet(body: bytes, limit: int = 80) -> str:
    flat = " ".join(body[:400].decode("utf-8", "replace").split())
    return repr(flat[:limit] + ("…" if len(flat) > limit else ""))


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _check_not_empty(body: bytes, path: str, what: str) -> None:
    # isspace() stops at the first non-blank byte, so this costs nothing on a good body.
    if not body or body.isspace():
        raise BadSourceFile(path, f"not JSON: empty body, expected {what}")


def _not_json(body: bytes, what: str, exc: Exception) -> str:
    if body.lstrip()[:1] == b"<":
        # SEC answers throttled or blocked clients with an HTML page, sometimes with status 200.
        return f"not JSON: an HTML/XML page where {what} was expected: {_snippet(body)}"
    tail = body[-40:].decode("utf-8", "replace")
    return f"not JSON ({exc}), expected {what}; the {len(body)}-byte body ends {tail!r} (truncated?)"


def _load_object(body: bytes, path: str, what: str) -> dict[str, Any]:
    _check_not_empty(body, path, what)
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadSourceFile(path, _not_json(body, what, exc)) from exc
    if not isinstance(doc, dict):
        raise BadSourceFile(
            path, f"expected {what}: a JSON object at the top level, got {type(doc).__name__}"
        )
    return doc


def _check_shape(doc: dict[str, Any], path: str, what: str, required: dict[str, type]) -> None:
    for name, typ in required.items():
        if name not in doc:
            keys = ", ".join(list(doc)[:8]) or "none"
            raise BadSourceFile(path, f"not {what}: no {name!r} at the top level (keys: {keys})")
        if not isinstance(doc[name], typ):
            raise BadSourceFile(
                path, f"{what}: {name!r} is a {type(doc[name]).__name__}, expected {typ.__name__}"
            )


def _cik_number(value: Any, path: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise BadSourceFile(path, f"'cik' is {value!r}, expected a number")


def _check_cik(value: Any, path: str, key: str, key_cik: str) -> str:
    """The document's CIK as 10 digits, after checking it is the company its landing key names."""
    inner = _cik_number(value, path)
    if inner != int(key_cik):
        raise BadSourceFile(
            path,
            f"the document is about CIK {inner:010d} but was landed under key {key} (CIK {key_cik}): "
            "refusing to file one company's numbers under another",
        )
    return f"{inner:010d}"


def _dates(values: pa.Array, path: str, field: str, locate: Any) -> pa.Array:
    try:
        return values.cast(pa.date32())
    except pa.ArrowInvalid:
        pass
    # Slow path, only for a bad file: find the first value Arrow refused, to name it.
    for i, value in enumerate(values.to_pylist()):
        if value is None:
            continue
        try:
            pa.array([value]).cast(pa.date32())
        except pa.ArrowInvalid:
            raise BadSourceFile(path, f"{locate(i)}: {field} {value!r} is not a date YYYY-MM-DD") from None
    raise AssertionError("unreachable: a cast failed but no single value fails")  # pragma: no cover


def parse_companyfacts(body: bytes, path: str, key_cik: str, *, key: str = "") -> pa.Table:
    """One row per fact of a companyfacts document (all taxonomies, concepts and units).

    msgspec reads the outline of the document, then each unit's fact list into typed facts
    (checking every type as it reads); every ~2,000 facts become one Arrow record batch, each
    column gathered in one C-level pass and handed to Arrow in one call; the batches are joined
    into one table at the end.
    """
    _check_not_empty(body, path, _COMPANYFACTS)
    try:
        doc = _decode_outline(body)
    except msgspec.ValidationError as exc:
        _refuse_companyfacts(body, path, exc)
    except msgspec.DecodeError as exc:
        raise BadSourceFile(path, _not_json(body, _COMPANYFACTS, exc)) from exc
    key = key or f"companyfacts/CIK{key_cik}"
    cik10 = _check_cik(doc.cik, path, key, key_cik)

    schema = arrow_schema("sec_companyfacts")
    batches: list[pa.RecordBatch] = []
    # The facts of the batch being filled (C-level extends), and which (taxonomy, concept, unit)
    # each run of them belongs to: those three columns are run-end decoded, not built per fact.
    facts: list[_Fact] = []
    groups: list[tuple[str, str, str]] = []
    run_ends: list[int] = []
    for taxonomy, concepts in doc.facts.items():
        for concept, info in concepts.items():
            for unit, raw in info.units.items():
                try:
                    facts += _decode_facts(raw)
                except msgspec.DecodeError as exc:
                    where = f"facts/{taxonomy}/{concept}/units/{unit}"
                    raise BadSourceFile(path, _explain(raw, where, exc)) from exc
                if len(facts) > (run_ends[-1] if run_ends else 0):
                    groups.append((taxonomy, concept, unit))
                    run_ends.append(len(facts))
                if len(facts) >= _BATCH_FACTS:
                    batches.append(_batch(schema, cik10, doc.entityName, facts, groups, run_ends))
                    facts, groups, run_ends = [], [], []
    if facts:
        batches.append(_batch(schema, cik10, doc.entityName, facts, groups, run_ends))
    # One chunk per column (a memory copy): DuckDB inserts that faster than many small batches.
    return pa.Table.from_batches(batches, schema=schema).combine_chunks()


def _batch(
    schema: pa.Schema,
    cik10: str,
    entity_name: str,
    facts: list[_Fact],
    groups: list[tuple[str, str, str]],
    run_ends: list[int],
) -> pa.RecordBatch:
    n = len(facts)
    ends = pa.array(run_ends, pa.int32())

    def runs(part: int) -> pa.Array:
        values = pa.array([group[part] for group in groups], pa.string())
        return pc.run_end_decode(pa.RunEndEncodedArray.from_arrays(ends, values))

    columns = [
        pa.repeat(cik10, n),
        pa.repeat(entity_name, n),
        runs(0),
        runs(1),
        runs(2),
        # One pass over the facts per column; the decoder checked the types, so Arrow only copies.
        *(pa.array(list(map(get, facts)), typ) for get, typ in _FACT_COLUMNS),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


# -- why a companyfacts document was refused (bad files only: slow is fine) --------------

_AT = re.compile(r"(.*) - at `\$(.*)`", re.DOTALL)
_MISSING = re.compile(r"Object missing required field `(.*)`")
_IN_LIST = re.compile(r"\[(\d+)\](?:\.(\w+))?")


class _FactsRaw(msgspec.Struct):
    facts: dict[str, msgspec.Raw]


def _refuse_companyfacts(body: bytes, path: str, exc: msgspec.ValidationError) -> NoReturn:
    """Turn the decoder's complaint about the outline into a BadSourceFile naming the place.

    The decoder says where by position only (``$.facts[...][...].units``), so the document is
    decoded again level by level, keys in hand, down to the part it refuses.
    """
    problem, where = _split(exc)
    if not where.startswith(".facts["):
        # The top level: the same checks and messages as for any JSON document of SEC's.
        doc = _load_object(body, path, _COMPANYFACTS)
        _check_shape(doc, path, _COMPANYFACTS, {"cik": object, "entityName": str, "facts": dict})
        _cik_number(doc["cik"], path)
        raise BadSourceFile(path, f"not {_COMPANYFACTS}: {problem} at {where or 'the top level'}")
    try:
        taxonomies = msgspec.json.decode(body, type=_FactsRaw).facts
    except msgspec.DecodeError as again:  # a refused fact in a document that is cut short, too
        raise BadSourceFile(path, _not_json(body, _COMPANYFACTS, again)) from exc
    for taxonomy, raw_concepts in taxonomies.items():
        concepts = _decode_part(raw_concepts, dict[str, msgspec.Raw], path, f"facts/{taxonomy}")
        for concept, raw_concept in concepts.items():
            _decode_part(raw_concept, _Concept, path, f"facts/{taxonomy}/{concept}")
    raise BadSourceFile(path, f"{_COMPANYFACTS}: {exc}")  # pragma: no cover (the walk finds it)


def _split(exc: msgspec.DecodeError) -> tuple[str, str]:
    """('Expected `float`, got `bool`', '[3].val') from msgspec's message."""
    match = _AT.fullmatch(str(exc))
    return (match[1], match[2]) if match else (str(exc), "")


def _decode_part(raw: msgspec.Raw, typ: Any, path: str, where: str) -> Any:
    try:
        return msgspec.json.decode(raw, type=typ)
    except msgspec.ValidationError as exc:
        raise BadSourceFile(path, _explain(raw, where, exc)) from exc


def _explain(raw: msgspec.Raw, where: str, exc: msgspec.DecodeError) -> str:
    """Why the decoder refused the part of the document at ``where`` (raw: that part's bytes)."""
    if not isinstance(exc, msgspec.ValidationError):
        return f"{where}: not JSON ({exc})"
    problem, rest = _split(exc)
    missing = _MISSING.fullmatch(problem)
    in_list = _IN_LIST.fullmatch(rest)
    if not in_list:  # the taxonomy, concept or unit object itself
        place = where + rest.replace(".", "/")
        if missing:
            return f"{place} has no {missing[1]!r}"
        return f"{place}: {problem[0].lower()}{problem[1:]}"
    i, field = int(in_list[1]), in_list[2]
    place = f"{where}[{i}]"
    if missing:
        return f"{place} has no {missing[1]!r}"
    try:
        # the standard library keeps any integer whole, so even a value too big for a float shows
        fact = json.loads(bytes(raw))[i]
        value = fact if field is None else fact[field]
    except (ValueError, LookupError, TypeError):  # pragma: no cover (the decoder read it already)
        return f"{place}{'.' + field if field else ''}: {problem}"
    if field is None:
        return f"{place} is not a fact object: {_short(fact)}"
    if value is None:  # a null where SEC always writes a value: as good as missing
        return f"{place} has no {field!r}"
    if field == "val":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{place}: val {_short(value)} is beyond the range of a float64"
        return f"{place}: val {_short(value)} is not a number"
    if field in _DATE_FIELDS:
        return f"{place}: {field} {_short(value)} is not a date YYYY-MM-DD"
    return f"{place}: {field} {_short(value)} is refused ({problem})"


def parse_submissions(body: bytes, path: str, key_cik: str, *, key: str = "") -> pa.Table:
    """One row per filing in filings.recent (SEC's newest ~1,000 filings of the company)."""
    doc = _load_object(body, path, _SUBMISSIONS)
    _check_shape(doc, path, _SUBMISSIONS, {"cik": object, "name": str, "filings": dict})
    key = key or f"submissions/CIK{key_cik}"
    cik10 = _check_cik(doc["cik"], path, key, key_cik)
    recent = doc["filings"].get("recent")
    if not isinstance(recent, dict):
        raise BadSourceFile(path, f"{_SUBMISSIONS}: filings.recent is missing or not an object")
    return _filings_table(recent, path, cik10, doc["name"], "filings.recent")


def parse_submissions_tables(body: bytes, path: str, key_cik: str, *, key: str = "") -> dict[str, pa.Table]:
    """A submissions document's raw tables: its filings (raw.sec_filings) and its company (raw.sec_companies).

    The one entry point for a submissions document however it was fetched (per company or a member of
    SEC's bulk submissions.zip): both tables come from one read of the JSON.
    """
    doc = _load_object(body, path, _SUBMISSIONS)
    _check_shape(doc, path, _SUBMISSIONS, {"cik": object, "name": str, "filings": dict})
    key = key or f"submissions/CIK{key_cik}"
    cik10 = _check_cik(doc["cik"], path, key, key_cik)
    recent = doc["filings"].get("recent")
    if not isinstance(recent, dict):
        raise BadSourceFile(path, f"{_SUBMISSIONS}: filings.recent is missing or not an object")
    filings = _filings_table(recent, path, cik10, doc["name"], "filings.recent")
    return {"sec_filings": filings, "sec_companies": _company_table(doc, path, cik10, filings)}


def _company_table(doc: dict[str, Any], path: str, cik10: str, filings: pa.Table) -> pa.Table:
    """The company-level fields of a submissions document, one row: what the universe resolves from."""

    def text(name: str) -> str | None:
        value = doc.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise BadSourceFile(path, f"{_SUBMISSIONS}: {name!r} is a {type(value).__name__}, expected text")
        return str(value).strip()

    def joined(name: str) -> str | None:
        values = doc.get(name) or []
        if not isinstance(values, list) or not all(isinstance(v, str) or v is None for v in values):
            raise BadSourceFile(path, f"{_SUBMISSIONS}: {name!r} is not a list of strings")
        return ";".join(v for v in values if v) or None

    fiscal_year_end = text("fiscalYearEnd")
    if fiscal_year_end is not None and not re.fullmatch(
        r"(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", fiscal_year_end
    ):
        raise BadSourceFile(path, f"{_SUBMISSIONS}: fiscalYearEnd {fiscal_year_end!r} is not MMDD")
    forms = sorted(set(pc.unique(filings["form"]).to_pylist()) - {None, ""})
    row = {
        "cik": cik10,
        "name": doc["name"].strip(),
        "entity_type": text("entityType"),
        "sic": text("sic"),
        "sic_description": text("sicDescription"),
        "fiscal_year_end": fiscal_year_end,
        "exchanges": joined("exchanges"),
        "tickers": joined("tickers"),
        "forms": ";".join(forms) or None,
        "state_of_incorporation": text("stateOfIncorporation"),
    }
    return pa.Table.from_pylist([row], schema=arrow_schema("sec_companies"))


def parse_submissions_page(body: bytes, path: str, key_cik: str) -> pa.Table:
    """One row per filing of an older submissions page (``CIK##########-submissions-001.json``):
    the same parallel arrays as filings.recent, at the top level, with no company name."""
    doc = _load_object(body, path, "SEC submissions page JSON")
    return _filings_table(doc, path, key_cik, None, "the page")


def _filings_table(
    recent: dict[str, Any], path: str, cik10: str, entity_name: str | None, where: str
) -> pa.Table:
    wanted = {
        "accessionNumber": pa.string(),
        "form": pa.string(),
        "filingDate": pa.string(),
        "reportDate": pa.string(),
        "acceptanceDateTime": pa.string(),
        "primaryDocument": pa.string(),
        "isXBRL": pa.int8(),
    }
    arrays: dict[str, pa.Array] = {}
    for name, typ in wanted.items():
        values = recent.get(name)
        if not isinstance(values, list):
            raise BadSourceFile(path, f"{_SUBMISSIONS}: {where}.{name} is missing or not a list")
        try:
            arrays[name] = pa.array(values, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise BadSourceFile(path, f"{_SUBMISSIONS}: {where}.{name} holds a wrong value ({exc})") from exc
    lengths = {name: len(arr) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise BadSourceFile(
            path, f"{_SUBMISSIONS}: the parallel arrays of {where} differ in length {lengths}"
        )
    n = lengths["accessionNumber"]
    for name in ("accessionNumber", "form", "filingDate"):
        if arrays[name].null_count:
            i = arrays[name].is_null().index(True).as_py()
            raise BadSourceFile(path, f"{where}.{name}[{i}] is null")

    def locate(i: int) -> str:
        return f"{where}[{i}] ({arrays['accessionNumber'][i].as_py()})"

    # SEC writes "" where a filing has no report date (e.g. Form 4, SC 13G).
    report_date = pc.if_else(pc.equal(arrays["reportDate"], ""), None, arrays["reportDate"])
    columns = [
        pa.repeat(cik10, n),
        pa.repeat(entity_name, n) if entity_name is not None else pa.nulls(n, pa.string()),
        arrays["accessionNumber"],
        arrays["form"],
        _dates(arrays["filingDate"], path, "filingDate", locate),
        _dates(report_date, path, "reportDate", locate),
        arrays["acceptanceDateTime"],
        arrays["primaryDocument"],
        pc.not_equal(arrays["isXBRL"], 0),
    ]
    return pa.Table.from_arrays(columns, schema=arrow_schema("sec_filings"))
