"""Sensors: Federal Register BIS documents that the curated export-control timeline does not list.

``fedreg_unreviewed_documents`` starts no run. It reads dbt's ``int_fedreg_documents_to_review``
(the one home of that list: documents mentioning advanced computing, semiconductors or the Entity
List that ``export_control_events`` does not name by document number or citation) through a
read-only connection, logs a warning for each document it has not reported before and says how many
there are in its skip reason. A human reviews them and, if relevant, adds them to the seed with a
source.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.config import Settings
from orchestration.resources import AigapSettings

REVIEW_MODEL = "intermediate.int_fedreg_documents_to_review"
_MAX_LISTED = 20  # documents named in one skip reason; the log has every new one


@dataclass(frozen=True)
class ReviewCandidate:
    document_number: str
    publication_date: date | None
    title: str | None
    citation: str | None
    html_url: str | None


def find_unreviewed_documents(db_path: Path) -> list[ReviewCandidate] | None:
    """The documents of dbt's review list in ``db_path``; None when the file or the model is not there yet.

    Raises duckdb.IOException when another process writes to the file (the caller reads elsewhere).
    """
    if not db_path.exists():
        return None
    schema, name = REVIEW_MODEL.split(".")
    with duckdb.connect(str(db_path), read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchone()[0]
        if not exists:
            return None
        rows = con.execute(
            f"SELECT document_number, publication_date, title, citation, html_url FROM {REVIEW_MODEL} "
            "ORDER BY publication_date, document_number"
        ).fetchall()
    return [ReviewCandidate(*row) for row in rows]


def _read_candidates(settings: Settings) -> tuple[list[ReviewCandidate] | None, str]:
    """The working file first (freshest), else the serving copy (a run may hold the working file)."""
    busy: list[str] = []
    for path in (settings.db_path, settings.serving_db_path):
        try:
            found = find_unreviewed_documents(path)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:  # a run is writing to it
            busy.append(f"{path} ({exc.__class__.__name__})")
            continue
        if found is not None:
            return found, str(path)
    if busy:
        return None, "warehouse busy: " + "; ".join(busy)
    return None, f"no warehouse with {REVIEW_MODEL} yet (run the refresh first)"


@dg.sensor(
    name="fedreg_unreviewed_documents",
    minimum_interval_seconds=6 * 60 * 60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Lists Federal Register BIS documents mentioning advanced computing, semiconductors or the "
        "Entity List that dbt_project/seeds/export_control_events.csv does not name, for a human to "
        "review (dbt's int_fedreg_documents_to_review). Starts no run; warns once per new document "
        "(the cursor remembers what was reported)."
    ),
)
def fedreg_unreviewed_documents(
    context: dg.SensorEvaluationContext, settings: AigapSettings
) -> dg.SkipReason:
    candidates, where = _read_candidates(settings.get())
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
