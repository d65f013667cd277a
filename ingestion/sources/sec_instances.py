"""SEC EDGAR archive: each filing's own XBRL instance, for company extension concepts.

companyfacts keeps neither dimensional facts nor company extension concepts: Amazon's technology
and content expense (``amzn:TechnologyAndContentExpense``, later ``amzn:TechnologyAndInfrastructure
Expense``) is only in each filing's own XBRL instance. For every company that has a concept marked
``is_extension`` in ``dbt_project/seeds/concept_map.csv``, each 10-K, 10-Q and 20-F (amendments too)
listed in its submissions and filed since ``FIRST_FILED`` is fetched from the EDGAR archive:

- ``filing-index/CIK##########/<accession>``
  ``{archives}/Archives/edgar/data/<cik>/<accession without dashes>/index.json`` (the folder listing)
- ``instance/CIK##########/<accession>``
  the instance that listing names: ``<prefix>-<yyyymmdd>_htm.xml`` (extracted from inline XBRL) or
  ``<prefix>-<yyyymmdd>.xml`` (older filings) -> raw.sec_instance_facts

The requests go through the SEC session of ``ingestion.sources.sec`` (same User-Agent, the same
10 requests/s budget, conditional requests). An archived filing never changes, so an instance
already landed is not asked for again. The sample keeps the same documents under
``<sample_dir>/sec/Archives/edgar/data/...``, found through the sample submissions the same way.

Parsing streams the XML (``xml.etree.ElementTree.iterparse``) and keeps the NON-dimensional numeric
facts with their contexts' periods: a context with a segment or scenario (explicitMember,
typedMember) qualifies the fact by a dimension (a segment, a product, a share class); such facts
are parts, never totals, and are skipped, so nothing downstream can sum them into one.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import requests

from ingestion.config import REPO_ROOT, Settings
from ingestion.errors import BadSourceFile, SourceFetchError, SourceUnreachable
from ingestion.http import fetch_to_landing
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema

log = logging.getLogger(__name__)

# The SEC source's landing folder, ingestion.sources.sec.SOURCE (that module imports this one).
SOURCE = "sec"

CONCEPT_MAP = REPO_ROOT / "dbt_project" / "seeds" / "concept_map.csv"
FORMS = frozenset({"10-K", "10-K/A", "10-Q", "10-Q/A", "20-F", "20-F/A"})
FIRST_FILED = date(2019, 1, 1)  # the warehouse's figures start with FY2019
KINDS = ("filing-index", "instance")
KEY = re.compile(r"^(filing-index|instance)/CIK(\d{10})/(\d{10}-\d{2}-\d{6})$")

# Instance file names in a filing folder: inline XBRL filings carry the extracted instance
# <prefix>-<yyyymmdd>_htm.xml; older filings <prefix>-<yyyymmdd>.xml (linkbases end _cal/_def/...).
_INLINE_INSTANCE = re.compile(r"^[A-Za-z0-9.\-]+_htm\.xml$")
_PLAIN_INSTANCE = re.compile(r"^[A-Za-z0-9.]+(?:-[A-Za-z0-9.]+)*-\d{8}\.xml$")

XBRLI = "http://www.xbrl.org/2003/instance"
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_Q = f"{{{XBRLI}}}"
# Standard taxonomies by a fragment of their namespace (the year in it changes every release).
_STANDARD = (
    ("fasb.org/us-gaap/", "us-gaap"),
    ("xbrl.sec.gov/dei/", "dei"),
    ("fasb.org/srt/", "srt"),
    ("xbrl.ifrs.org/taxonomy/", "ifrs-full"),
)
_SKIP_NAMESPACES = frozenset(
    {
        XBRLI,
        "http://www.xbrl.org/2003/linkbase",
        "http://xbrl.org/2006/xbrldi",
        "http://www.w3.org/1999/xlink",
    }
)
# dei facts that describe the document (text, no unit): kept on every row of the instance.
_DOCUMENT_FIELDS = ("DocumentType", "DocumentFiscalYearFocus", "DocumentFiscalPeriodFocus")

_INDEX = "EDGAR filing index JSON"
_INSTANCE = "XBRL instance document"


# -- which filings -----------------------------------------------------------------------


def extension_concepts(path: Path = CONCEPT_MAP) -> dict[str, set[str]]:
    """ticker -> the ``prefix:Concept`` names the concept map marks as that company's extensions."""
    chosen: dict[str, set[str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if (row.get("is_extension") or "").strip().lower() != "true":
                continue
            ticker = (row.get("ticker") or "").strip()
            if not ticker:
                raise ValueError(f"{path}, line {line}: an extension concept must name its company (ticker)")
            chosen.setdefault(ticker, set()).add(f"{row['taxonomy'].strip()}:{row['concept'].strip()}")
    return chosen


@dataclass(frozen=True)
class InstanceFiling:
    cik10: str
    accession: str
    form: str
    filed: date

    @property
    def folder(self) -> str:
        """The filing's folder in the EDGAR archive (CIK without leading zeros, accession without dashes)."""
        return f"Archives/edgar/data/{int(self.cik10)}/{self.accession.replace('-', '')}"

    @property
    def index_key(self) -> str:
        return f"filing-index/CIK{self.cik10}/{self.accession}"

    @property
    def instance_key(self) -> str:
        return f"instance/CIK{self.cik10}/{self.accession}"


def filings_with_instances(submissions: pa.Table, *, since: date = FIRST_FILED) -> list[InstanceFiling]:
    """The 10-K/10-Q/20-F filings (and amendments) with XBRL in a parsed submissions table, oldest first."""
    keep = pc.and_(
        pc.and_(pc.is_in(submissions["form"], pa.array(sorted(FORMS))), submissions["is_xbrl"]),
        pc.greater_equal(submissions["filing_date"], pa.scalar(since, pa.date32())),
    )
    rows = submissions.filter(keep).select(["cik", "accession_number", "form", "filing_date"]).to_pylist()
    filings = {
        r["accession_number"]: InstanceFiling(r["cik"], r["accession_number"], r["form"], r["filing_date"])
        for r in rows
    }
    return sorted(filings.values(), key=lambda f: (f.filed, f.accession))


def instance_name(body: bytes, path: str) -> str:
    """The XBRL instance a filing index lists (raises BadSourceFile when there is none, or two)."""
    items = _index_items(body, path)
    names = [item["name"] for item in items]
    for pattern in (_INLINE_INSTANCE, _PLAIN_INSTANCE):
        found = [n for n in names if pattern.match(n)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise BadSourceFile(path, f"{_INDEX}: more than one XBRL instance listed ({', '.join(found)})")
    raise BadSourceFile(
        path, f"{_INDEX}: no XBRL instance (*_htm.xml or <prefix>-<yyyymmdd>.xml) among {len(names)} files"
    )


def _index_items(body: bytes, path: str) -> list[dict]:
    if not body or body.isspace():
        raise BadSourceFile(path, f"not JSON: empty body, expected {_INDEX}")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadSourceFile(path, f"not JSON ({exc}), expected {_INDEX}") from exc
    items = doc.get("directory", {}).get("item") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("name"), str) for i in items
    ):
        raise BadSourceFile(path, f"not {_INDEX}: expected directory.item, a list of {{'name': ...}}")
    return items


# -- landing -------------------------------------------------------------------------------


def _already_landed(latest: Mapping[str, LandedFile], filing: InstanceFiling, *, is_sample: bool) -> bool:
    entry = latest.get(filing.instance_key)
    return entry is not None and entry.is_sample == is_sample and entry.status == 200


def land_sample(settings: Settings, zone: LandingZone, filings: list[InstanceFiling]) -> list[LandedFile]:
    """Land the sample's filing indexes and the instances they name, as they are, labelled as sample."""
    landed: list[LandedFile] = []
    root = settings.sample_dir / "sec"
    for filing in filings:
        index_rel = f"{filing.folder}/index.json"
        index_path = root / index_rel
        if not index_path.is_file():
            log.warning(
                "sample snapshot has no filing index %s (%s %s)", index_path, filing.form, filing.accession
            )
            continue
        body = index_path.read_bytes()
        index = zone.land(
            SOURCE, filing.index_key, body, url=f"sample://sec/{index_rel}", suffix=".json",
            content_type="application/json", is_sample=True,
        )  # fmt: skip
        landed.append(index)
        name = instance_name(body, index.path)
        instance_rel = f"{filing.folder}/{name}"
        landed.append(
            zone.land(
                SOURCE,
                filing.instance_key,
                (root / instance_rel).read_bytes(),
                url=f"sample://sec/{instance_rel}",
                suffix=".xml",
                content_type="application/xml",
                is_sample=True,
            )  # fmt: skip
        )
    return landed


def _land_one(
    session: requests.Session,
    zone: LandingZone,
    base: str,
    filing: InstanceFiling,
    latest: Mapping[str, LandedFile],
) -> list[LandedFile]:
    """Index then instance of one filing (the index names the instance)."""
    index = fetch_to_landing(
        session, zone, source=SOURCE, key=filing.index_key,
        url=f"{base}/{filing.folder}/index.json", suffix=".json", latest=latest,
    )  # fmt: skip
    try:
        name = instance_name(zone.read(index), index.path)
    except BadSourceFile as exc:
        raise SourceFetchError(f"{filing.form} {filing.accession}: {exc}") from exc
    instance = fetch_to_landing(
        session, zone, source=SOURCE, key=filing.instance_key,
        url=f"{base}/{filing.folder}/{name}", suffix=".xml", latest=latest,
    )  # fmt: skip
    return [index, instance]


def land_live(
    session: requests.Session,
    zone: LandingZone,
    base: str,
    filings: list[InstanceFiling],
    pool: Executor,
    latest: Mapping[str, LandedFile],
) -> tuple[list[LandedFile], list[str]]:
    """Fetch the index and instance of each filing not landed yet, on the SEC session and its pool.

    Returns what landed and the failures (one message per filing), for the caller to report with
    the other SEC documents.
    """
    todo = [f for f in filings if not _already_landed(latest, f, is_sample=False)]
    log.info("XBRL instances: %d filing(s), %d already landed", len(filings), len(filings) - len(todo))
    futures = [pool.submit(_land_one, session, zone, base, f, latest) for f in todo]
    landed: list[LandedFile] = []
    failures: list[str] = []
    for filing, future in zip(todo, futures, strict=True):
        try:
            landed += future.result()
        except SourceUnreachable:
            raise  # the host is down for every request: fail the source now
        except SourceFetchError as exc:
            log.error("%s", exc)
            failures.append(f"{filing.form} {filing.accession}: {exc}")
    return landed, failures


def landing_keys(latest: Mapping[str, LandedFile], cik10: str) -> list[str]:
    """The instance and index keys of one company that are in landing."""
    return sorted(k for k in latest if (m := KEY.match(k)) and m[2] == cik10)


# -- parsing -------------------------------------------------------------------------------


def parse(entry: LandedFile, body: bytes) -> dict[str, pa.Table]:
    match = KEY.match(entry.key)
    if not match:
        raise BadSourceFile(
            entry.path, f"landing key {entry.key!r} is not {'|'.join(KINDS)}/CIK##########/<accession>"
        )
    kind, cik10, accession = match.groups()
    if kind == "filing-index":
        instance_name(body, entry.path)  # a listing without an instance is refused here, visibly
        return {}
    return {"sec_instance_facts": parse_instance(body, entry.path, cik10, accession)}


def _taxonomy(uri: str, prefixes: Mapping[str, str]) -> str:
    for fragment, name in _STANDARD:
        if fragment in uri:
            return name
    return prefixes.get(uri) or uri


def _day(text: str | None, path: str, where: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])  # XBRL allows a dateTime; the day is what counts
    except ValueError:
        raise BadSourceFile(path, f"{_INSTANCE}: {where}: {text.strip()!r} is not a date") from None


@dataclass(frozen=True)
class _Context:
    start: date | None
    end: date | None
    dimensional: bool


def _context(elem: ET.Element, path: str, key_cik: str) -> _Context:
    cid = elem.get("id") or "?"
    identifier = (elem.findtext(f"{_Q}entity/{_Q}identifier") or "").strip()
    if identifier.isdigit() and int(identifier) != int(key_cik):
        raise BadSourceFile(
            path,
            f"{_INSTANCE}: context {cid} is about CIK {identifier} but the file was landed for CIK {key_cik}: "
            "refusing to file one company's numbers under another",
        )
    qualified = elem.find(f"{_Q}entity/{_Q}segment") is not None or elem.find(f"{_Q}scenario") is not None
    where = f"context {cid}"
    instant = _day(elem.findtext(f"{_Q}period/{_Q}instant"), path, where)
    if instant is not None:
        return _Context(None, instant, qualified)
    start = _day(elem.findtext(f"{_Q}period/{_Q}startDate"), path, where)
    end = _day(elem.findtext(f"{_Q}period/{_Q}endDate"), path, where)
    if end is None and elem.find(f"{_Q}period/{_Q}forever") is None:
        raise BadSourceFile(
            path, f"{_INSTANCE}: {where} has no period (instant, startDate/endDate or forever)"
        )
    return _Context(start, end, qualified)


def _unit(elem: ET.Element) -> str:
    def names(parent: ET.Element | None) -> str:
        if parent is None:
            return ""
        return "*".join((m.text or "").strip().rsplit(":", 1)[-1] for m in parent.iter(f"{_Q}measure"))

    divide = elem.find(f"{_Q}divide")
    if divide is not None:
        return f"{names(divide.find(f'{_Q}unitNumerator'))}/{names(divide.find(f'{_Q}unitDenominator'))}"
    return names(elem)


def parse_instance(body: bytes, path: str, key_cik: str, accession: str) -> pa.Table:
    """One row per non-dimensional numeric fact of an XBRL instance (exact repeats once)."""
    if not body or body.isspace():
        raise BadSourceFile(path, f"not XML: empty body, expected an {_INSTANCE}")
    prefixes: dict[str, str] = {}
    contexts: dict[str, _Context] = {}
    units: dict[str, str] = {}
    facts: list[
        tuple[str, str, str, str, str | None, str | None]
    ] = []  # uri, name, context, unit, text, decimals
    document: dict[str, str] = {}
    root_seen = False
    try:
        for event, item in ET.iterparse(io.BytesIO(body), events=("start-ns", "start", "end")):
            if event == "start-ns":
                prefix, uri = item
                if prefix:
                    prefixes.setdefault(uri, prefix)
                continue
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if item.tag not in (f"{_Q}xbrl",):
                        raise BadSourceFile(
                            path, f"not an {_INSTANCE}: the root element is {item.tag!r}, not xbrli:xbrl"
                        )
                continue
            tag = item.tag
            if not isinstance(tag, str) or not tag.startswith("{"):
                continue
            uri, name = tag[1:].split("}", 1)
            if uri == XBRLI:
                if name == "context":
                    contexts[item.get("id") or ""] = _context(item, path, key_cik)
                    item.clear()
                elif name == "unit":
                    units[item.get("id") or ""] = _unit(item)
                    item.clear()
                continue
            if uri in _SKIP_NAMESPACES or item.get("contextRef") is None:
                continue
            if name in _DOCUMENT_FIELDS and _taxonomy(uri, prefixes) == "dei":
                document.setdefault(name, (item.text or "").strip())
            unit = item.get("unitRef")
            if unit is not None and item.get(_XSI_NIL) not in ("true", "1"):
                facts.append((uri, name, item.get("contextRef") or "", unit, item.text, item.get("decimals")))
            item.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise BadSourceFile(
            path, f"not XML ({exc}), expected an {_INSTANCE}; line {line}, column {column}"
        ) from exc
    if not root_seen:
        raise BadSourceFile(path, f"not XML: no element, expected an {_INSTANCE}")
    return _table(facts, contexts, units, prefixes, document, path, key_cik, accession)


def _table(
    facts: list[tuple[str, str, str, str, str | None, str | None]],
    contexts: Mapping[str, _Context],
    units: Mapping[str, str],
    prefixes: Mapping[str, str],
    document: Mapping[str, str],
    path: str,
    key_cik: str,
    accession: str,
) -> pa.Table:
    fiscal_year = document.get("DocumentFiscalYearFocus", "")
    columns: dict[str, list] = {name: [] for name in arrow_schema("sec_instance_facts").names}
    seen: set[tuple] = set()
    dimensional = 0
    for uri, name, context_id, unit_id, text, decimals in facts:
        context = contexts.get(context_id)
        if context is None:
            raise BadSourceFile(
                path, f"{_INSTANCE}: fact {name} refers to context {context_id!r}, which is not defined"
            )
        if context.dimensional:
            dimensional += 1
            continue
        unit = units.get(unit_id)
        if unit is None:
            raise BadSourceFile(
                path, f"{_INSTANCE}: fact {name} refers to unit {unit_id!r}, which is not defined"
            )
        try:
            value = float((text or "").strip())
        except ValueError:
            raise BadSourceFile(
                path, f"{_INSTANCE}: fact {name} in context {context_id}: value {text!r} is not a number"
            ) from None
        taxonomy = _taxonomy(uri, prefixes)
        same = (taxonomy, name, context.start, context.end, unit, value)
        if same in seen:  # inline XBRL repeats a fact wherever the document shows it again
            continue
        seen.add(same)
        for column, v in (
            ("cik", key_cik), ("accession_number", accession), ("taxonomy", taxonomy), ("concept", name),
            ("unit", unit), ("period_start", context.start), ("period_end", context.end), ("value", value),
            ("decimals", decimals), ("context_id", context_id),
        ):  # fmt: skip
            columns[column].append(v)
    n = len(columns["cik"])
    columns["document_type"] = [document.get("DocumentType") or None] * n
    columns["fiscal_year"] = [int(fiscal_year) if fiscal_year.isdigit() else None] * n
    columns["fiscal_period"] = [document.get("DocumentFiscalPeriodFocus") or None] * n
    log.debug("%s: %d non-dimensional facts kept, %d dimensional skipped", path, n, dimensional)
    schema = arrow_schema("sec_instance_facts")
    # from_arrays, not from_pydict: the latter imports pandas, seconds for one small table
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in schema], schema=schema)
