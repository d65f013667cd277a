"""Sensors: Federal Register BIS documents that the curated export-control timeline does not list.

``fedreg_unreviewed_documents`` starts no run. It reads ``raw.federal_register_documents`` through a
read-only DuckDB connection, lists the BIS documents whose title or abstract mentions advanced
computing, semiconductors or the Entity List and that ``dbt_project/seeds/export_control_events.csv``
does not name (by document number or citation), logs a warning for each one it has not reported
before and says how many there are in its skip reason. A human reviews them and, if relevant, adds
them to the seed with a source. dbt's ``int_fedreg_documents_to_review`` holds the same list.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.config import REPO_ROOT
from orchestration.settings import SETTINGS

log = logging.getLogger(__name__)

SEED_PATH = REPO_ROOT / "dbt_project" / "seeds" / "export_control_events.csv"
KEYWORDS = ("advanced computing", "semiconductor", "entity list")
_MAX_LISTED = 20  # documents named in one skip reason; the log has every new one


@dataclass(frozen=True)
class ReviewCandidate:
    document_number: str
    publication_date: date | None
    title: str | None
    citation: str | None
    html_url: str | None


def _citation_key(citation: str | None) -> str | None:
    return re.sub(r"\s+", " ", citation.strip()) if citation and citation.strip() else None


def curated_references(seed_path: Path) -> tuple[set[str], set[str]]:
    """Federal Register document numbers and citations the curated seed already lists."""
    numbers: set[str] = set()
    citations: set[str] = set()
    with seed_path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row.get("fr_document_number") or "").strip():
                numbers.add(row["fr_document_number"].strip())
            if key := _citation_key(row.get("fr_citation")):
                citations.add(key)
    return numbers, citations


def find_unreviewed_documents(db_path: Path, seed_path: Path) -> list[ReviewCandidate] | None:
    """BIS documents in the warehouse that mention the keywords and are not in the seed.

    None when the warehouse file or the raw table does not exist yet. Raises duckdb.IOException
    when another process writes to the file (the caller decides what to read instead).
    """
    if not db_path.exists():
        return None
    numbers, citations = curated_references(seed_path)
    pattern = "|".join(KEYWORDS)
    with duckdb.connect(str(db_path), read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = 'federal_register_documents'"
        ).fetchone()[0]
        if not exists:
            return None
        rows = con.execute(
            """
            SELECT document_number, publication_date, title, citation, html_url
            FROM raw.federal_register_documents
            WHERE regexp_matches(lower(coalesce(title, '') || ' ' || coalesce(abstract, '')), ?)
            QUALIFY row_number() OVER (PARTITION BY document_number ORDER BY loaded_at DESC) = 1
            ORDER BY publication_date, document_number
            """,
            [pattern],
        ).fetchall()
    return [
        ReviewCandidate(*row)
        for row in rows
        if row[0] not in numbers and _citation_key(row[3]) not in citations
    ]


def warehouse_paths() -> list[Path]:
    """Where to read from, in order: the working file (freshest), then the published serving copy.

    The serving copy is the fallback while a run holds the working file; it is replaced
    atomically, so reading it never blocks a writer.
    """
    return [SETTINGS.db_path, SETTINGS.serving_db_path]


def _read_candidates() -> tuple[list[ReviewCandidate] | None, str]:
    busy: list[str] = []
    for path in warehouse_paths():
        try:
            found = find_unreviewed_documents(path, SEED_PATH)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:  # a run is writing to it
            busy.append(f"{path} ({exc.__class__.__name__})")
            continue
        if found is not None:
            return found, str(path)
    if busy:
        return None, "warehouse busy: " + "; ".join(busy)
    return None, "no warehouse with raw.federal_register_documents yet (run the ingestion first)"


@dg.sensor(
    name="fedreg_unreviewed_documents",
    minimum_interval_seconds=6 * 60 * 60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Lists Federal Register BIS documents mentioning advanced computing, semiconductors or the "
        "Entity List that dbt_project/seeds/export_control_events.csv does not name, for a human to "
        "review. Starts no run; warns once per new document (the cursor remembers what was reported)."
    ),
)
def fedreg_unreviewed_documents(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    candidates, where = _read_candidates()
    if candidates is None:
        return dg.SkipReason(where)
    reported: set[str] = set(json.loads(context.cursor)) if context.cursor else set()
    new = [c for c in candidates if c.document_number not in reported]
    for c in new:
        context.log.warning(
            f"Federal Register document {c.document_number} ({c.publication_date}, {c.citation}) "
            f"is not in export_control_events: {c.title} {c.html_url or ''}".rstrip()
        )
    if new:
        context.update_cursor(json.dumps(sorted(reported | {c.document_number for c in new})))
    if not candidates:
        return dg.SkipReason(f"no BIS documents to review in {where}")
    listed = "; ".join(f"{c.document_number} {c.title}" for c in candidates[:_MAX_LISTED])
    more = f" (+{len(candidates) - _MAX_LISTED} more)" if len(candidates) > _MAX_LISTED else ""
    return dg.SkipReason(
        f"{len(candidates)} BIS document(s) to review, {len(new)} new, in {where}: {listed}{more}"
    )
