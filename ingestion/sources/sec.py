"""SEC EDGAR: XBRL company facts and filing indexes, sample and live.

Landing keys, one per document and company (CIK zero-padded to 10 digits):

- ``companyfacts/CIK##########``  ``{base}/api/xbrl/companyfacts/CIK##########.json`` -> raw.sec_companyfacts
- ``submissions/CIK##########``   ``{base}/submissions/CIK##########.json``           -> raw.sec_filings

The sample snapshot keeps the same documents at ``<sample_dir>/sec/<kind>/CIK##########.json``.

SEC's fair-access rules ask for a User-Agent naming the requester and at most 10 requests per
second per requester (https://www.sec.gov/os/accessing-edgar-data); live mode enforces both.

Company facts are the hot path (1-10 MB per company, tens of thousands of facts): the document is
parsed once with orjson and every fact list is handed to Arrow in one call, so no Python loop runs
per fact and nothing passes through pandas (see bench/bench_sec_parse.py for the measured rate).
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.config import ConfigError, Settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.http import fetch_to_landing, make_session
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = "filings"
RAW_TABLES = ["sec_companyfacts", "sec_filings"]

# landing key prefix -> path of the document under the base URL (without /CIK##########.json)
KINDS = {"companyfacts": "api/xbrl/companyfacts", "submissions": "submissions"}
MAX_REQUESTS_PER_SECOND = 10.0  # SEC fair access: no more than 10 requests per second
WORKERS = 4  # a few connections in flight keep 10/s even when one answer is slow
RETRIES = 5
BACKOFF = 0.5  # seconds; the n-th consecutive retry waits BACKOFF * 2**(n-1)
USER_AGENT_HELP = "set SEC_USER_AGENT to 'Name email@example.com' as SEC fair-access rules require"

_KEY = re.compile(r"^(companyfacts|submissions)/CIK(\d{10})$")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")

_COMPANYFACTS = "SEC companyfacts JSON"
_SUBMISSIONS = "SEC submissions JSON"

# One fact as SEC writes it; Arrow reads each fact dict straight into this struct (extra keys
# are ignored), which is far cheaper than any Python loop over the facts.
_FACT_FIELDS = [
    ("start", pa.string()),
    ("end", pa.string()),
    ("val", pa.float64()),
    ("accn", pa.string()),
    ("fy", pa.int32()),
    ("fp", pa.string()),
    ("form", pa.string()),
    ("filed", pa.string()),
    ("frame", pa.string()),
]
_FACT = pa.struct(_FACT_FIELDS)
# For the rare document with an integer Arrow will not put in a float64 exactly (beyond 2**53).
_FACT_WITHOUT_VAL = pa.struct([f for f in _FACT_FIELDS if f[0] != "val"])
_REQUIRED_FACT_FIELDS = ("end", "val", "accn", "form", "filed")
_get_val = itemgetter("val")


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


def landing_keys_for(listing: Listing) -> list[str]:
    """The landing keys of one company's documents, e.g. to load one Dagster partition alone."""
    if not listing.cik10:
        raise ValueError(f"{listing.ticker} has no CIK: it does not file with the SEC")
    return [f"{kind}/CIK{listing.cik10}" for kind in KINDS]


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
    return landed


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
    base = settings.base_urls[SOURCE]
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
            except SourceFetchError as exc:
                log.error("%s", exc)
                failures.append(str(exc))
    if failures:
        raise SourceFetchError(
            f"SEC: {len(failures)} of {len(jobs)} document(s) could not be fetched: " + "; ".join(failures)
        )
    return landed


# -- parsing ---------------------------------------------------------------------------


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    match = _KEY.match(entry.key)
    if not match:
        raise BadSourceFile(
            entry.path,
            f"landing key {entry.key!r} is not companyfacts/CIK########## or submissions/CIK##########",
        )
    kind, cik10 = match.groups()
    if kind == "companyfacts":
        return {"sec_companyfacts": parse_companyfacts(body, entry.path, cik10, key=entry.key)}
    return {"sec_filings": parse_submissions(body, entry.path, cik10, key=entry.key)}


def _snippet(body: bytes, limit: int = 80) -> str:
    flat = " ".join(body[:400].decode("utf-8", "replace").split())
    return repr(flat[:limit] + ("…" if len(flat) > limit else ""))


def _load_object(body: bytes, path: str, what: str) -> dict[str, Any]:
    # isspace() stops at the first non-blank byte, so this costs nothing on a good body.
    if not body or body.isspace():
        raise BadSourceFile(path, f"not JSON: empty body, expected {what}")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if body.lstrip()[:1] == b"<":
            # SEC answers throttled or blocked clients with an HTML page, sometimes with status 200.
            reason = f"not JSON: an HTML/XML page where {what} was expected: {_snippet(body)}"
        else:
            tail = body[-40:].decode("utf-8", "replace")
            reason = (
                f"not JSON ({exc}), expected {what}; the {len(body)}-byte body ends {tail!r} (truncated?)"
            )
        raise BadSourceFile(path, reason) from exc
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


def _check_cik(value: Any, path: str, key: str, key_cik: str) -> str:
    """The document's CIK as 10 digits, after checking it is the company its landing key names."""
    if isinstance(value, int) and not isinstance(value, bool):
        inner = value
    elif isinstance(value, str) and value.strip().isdigit():
        inner = int(value)
    else:
        raise BadSourceFile(path, f"'cik' is {value!r}, expected a number")
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
    """One row per fact of a companyfacts document (all taxonomies, concepts and units)."""
    doc = _load_object(body, path, _COMPANYFACTS)
    _check_shape(doc, path, _COMPANYFACTS, {"cik": object, "entityName": str, "facts": dict})
    key = key or f"companyfacts/CIK{key_cik}"
    cik10 = _check_cik(doc["cik"], path, key, key_cik)

    # Gather every fact list into one Python list (C-level extends) and remember which
    # (taxonomy, concept, unit) each run of facts belongs to.
    items: list[Any] = []
    groups: list[tuple[str, str, str]] = []
    run_ends: list[int] = []
    for taxonomy, concepts in doc["facts"].items():
        if not isinstance(concepts, dict):
            raise BadSourceFile(path, f"facts/{taxonomy} is a {type(concepts).__name__}, expected an object")
        for concept, info in concepts.items():
            units = info.get("units") if isinstance(info, dict) else None
            if not isinstance(units, dict):
                raise BadSourceFile(path, f"facts/{taxonomy}/{concept} has no 'units' object")
            for unit, facts in units.items():
                if not isinstance(facts, list):
                    raise BadSourceFile(
                        path,
                        f"facts/{taxonomy}/{concept}/units/{unit} is a {type(facts).__name__}, expected a list",
                    )
                if facts:
                    items += facts
                    groups.append((taxonomy, concept, unit))
                    run_ends.append(len(items))

    def locate(i: int) -> str:
        g = bisect_right(run_ends, i)
        taxonomy, concept, unit = groups[g]
        start = run_ends[g - 1] if g else 0
        return f"facts/{taxonomy}/{concept}/units/{unit}[{i - start}]"

    n = len(items)
    try:
        facts_arr = pa.array(items, type=_FACT)
        value = facts_arr.field("val")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Either a very large integer value or a malformed fact: read the facts without their
        # values, then the values apart (each step names the culprit if there is one).
        try:
            facts_arr = pa.array(items, type=_FACT_WITHOUT_VAL)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise BadSourceFile(path, _explain_bad_fact(items, locate, exc)) from exc
        value = _values_apart(items, path, locate)
    if facts_arr.null_count:
        i = next(i for i, item in enumerate(items) if not isinstance(item, dict))
        raise BadSourceFile(path, f"{locate(i)} is {items[i]!r}, expected a fact object")
    fields = {name: facts_arr.field(name) for name in _FACT_WITHOUT_VAL.names}
    fields["val"] = value
    for name in _REQUIRED_FACT_FIELDS:
        if fields[name].null_count:
            i = fields[name].is_null().index(True).as_py()
            raise BadSourceFile(path, f"{locate(i)} has no {name!r}")
    _reject_booleans(items, value, path, locate)

    def runs(values: list[str]) -> pa.Array:
        if not n:
            return pa.array([], pa.string())
        ree = pa.RunEndEncodedArray.from_arrays(pa.array(run_ends, pa.int32()), pa.array(values, pa.string()))
        return pc.run_end_decode(ree)

    columns = [
        pa.repeat(cik10, n),
        pa.repeat(doc["entityName"], n),
        runs([g[0] for g in groups]),
        runs([g[1] for g in groups]),
        runs([g[2] for g in groups]),
        _dates(fields["start"], path, "start", locate),
        _dates(fields["end"], path, "end", locate),
        value,
        fields["accn"],
        fields["fy"],
        fields["fp"],
        fields["form"],
        _dates(fields["filed"], path, "filed", locate),
        fields["frame"],
    ]
    return pa.Table.from_arrays(columns, schema=arrow_schema("sec_companyfacts"))


def _reject_booleans(items: list[Any], value: pa.Array, path: str, locate: Any) -> None:
    """Refuse a JSON true/false as a value: Arrow would have read it as 1.0/0.0 without a word.

    Only facts whose value came out exactly 0 or 1 can be booleans, so only those are looked at.
    """
    candidates = pc.indices_nonzero(pc.is_in(value, value_set=pa.array([0.0, 1.0])))
    for i in candidates.to_pylist():
        if isinstance(items[i]["val"], bool):
            raise BadSourceFile(path, f"{locate(i)}: val {items[i]['val']!r} is not a number")


def _values_apart(items: list[Any], path: str, locate: Any) -> pa.Array:
    """The 'val' of every fact as float64, read apart from the rest of the fact (slow path)."""
    try:
        vals = list(map(_get_val, items))
    except (KeyError, TypeError):
        i = next(i for i, item in enumerate(items) if not isinstance(item, dict) or "val" not in item)
        raise BadSourceFile(path, f"{locate(i)} has no 'val'") from None
    # This path is only taken for a document the fast path refused, so a Python loop is fine here.
    for i, v in enumerate(vals):
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float)
            or (isinstance(v, int) and abs(v) >= 2**1023)
        ):
            raise BadSourceFile(path, f"{locate(i)}: val {v!r} is not a number")
    # float64 is the raw contract; integers beyond 2**53 round to the nearest float64.
    return pa.array([float(v) for v in vals], type=pa.float64())


def _explain_bad_fact(items: list[Any], locate: Any, exc: Exception) -> str:
    """Find the fact Arrow refused (slow path, bad files only) and say what is wrong with it."""
    for i, item in enumerate(items):
        try:
            pa.array([item], type=_FACT)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as one:
            return f"{locate(i)} is not a fact as SEC writes it ({one}): {orjson.dumps(item)[:200]!r}"
    return f"a fact is not as SEC writes it ({exc})"


def parse_submissions(body: bytes, path: str, key_cik: str, *, key: str = "") -> pa.Table:
    """One row per filing in filings.recent (SEC's newest ~1,000 filings of the company)."""
    doc = _load_object(body, path, _SUBMISSIONS)
    _check_shape(doc, path, _SUBMISSIONS, {"cik": object, "name": str, "filings": dict})
    key = key or f"submissions/CIK{key_cik}"
    cik10 = _check_cik(doc["cik"], path, key, key_cik)
    recent = doc["filings"].get("recent")
    if not isinstance(recent, dict):
        raise BadSourceFile(path, f"{_SUBMISSIONS}: filings.recent is missing or not an object")
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
            raise BadSourceFile(path, f"{_SUBMISSIONS}: filings.recent.{name} is missing or not a list")
        try:
            arrays[name] = pa.array(values, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise BadSourceFile(
                path, f"{_SUBMISSIONS}: filings.recent.{name} holds a wrong value ({exc})"
            ) from exc
    lengths = {name: len(arr) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise BadSourceFile(
            path, f"{_SUBMISSIONS}: the parallel arrays of filings.recent differ in length {lengths}"
        )
    n = lengths["accessionNumber"]
    for name in ("accessionNumber", "form", "filingDate"):
        if arrays[name].null_count:
            i = arrays[name].is_null().index(True).as_py()
            raise BadSourceFile(path, f"filings.recent.{name}[{i}] is null")

    def locate(i: int) -> str:
        return f"filings.recent[{i}] ({arrays['accessionNumber'][i].as_py()})"

    # SEC writes "" where a filing has no report date (e.g. Form 4, SC 13G).
    report_date = pc.if_else(pc.equal(arrays["reportDate"], ""), None, arrays["reportDate"])
    columns = [
        pa.repeat(cik10, n),
        pa.repeat(doc["name"], n),
        arrays["accessionNumber"],
        arrays["form"],
        _dates(arrays["filingDate"], path, "filingDate", locate),
        _dates(report_date, path, "reportDate", locate),
        arrays["acceptanceDateTime"],
        arrays["primaryDocument"],
        pc.not_equal(arrays["isXBRL"], 0),
    ]
    return pa.Table.from_arrays(columns, schema=arrow_schema("sec_filings"))
