"""Processes of the lake-mode tests: an ingestion worker and a reader, each its own DuckDB client.

``python -m tests.support.lake_worker load <source> <part-of-key>...`` loads the landed files of one
source whose landing keys contain one of the given parts (a CIK, a symbol) into the lake of the environment's settings
(AIGAP_WAREHOUSE, AIGAP_LAKE_DATA_PATH, AIGAP_HOME for the landing zone), as one ingestion step of a
lake-mode run does (``Source.load``), and prints one JSON line with its report.

``python -m tests.support.lake_worker read <out.jsonl> <stop-file>`` attaches the lake read-only and
counts the rows of every raw table in a loop until the stop file exists, one JSON line per pass
(``{"counts": {...}}`` or ``{"error": "..."}``); ``read-marts <out.jsonl> <stop-file>`` does the same
for every mart there is, and calls the analysts' macro ``fundamentals_as_of`` once it is there.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ingestion.config import load_settings
from ingestion.lake import lake_connection
from ingestion.landing import LandingZone
from ingestion.sources.registry import SOURCES
from ingestion.universe import loaded_listings


def load(source_name: str, parts: list[str]) -> None:
    settings = load_settings()
    source = SOURCES[source_name]
    zone = LandingZone(settings.landing_dir)
    keys = {k for k in zone.latest(source.folder) if source.owns(k) and any(p in k for p in parts)}
    with lake_connection(settings) as con:
        listings = loaded_listings(con)
        report = source.load(con, zone, settings, listings, run_id=f"worker-{source_name}", keys=keys)
    print(
        json.dumps({"loaded": len(report.loaded), "rows": report.rows, "rejected": report.rejected}),
        flush=True,
    )


def read(out: Path, stop: Path, tables: list[str]) -> None:
    settings = load_settings()
    with out.open("a") as fh, lake_connection(settings, read_only=True) as con:
        while not stop.exists():
            try:
                counts = {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in tables}
                fh.write(json.dumps({"counts": counts}) + "\n")
            except Exception as exc:  # every error is the finding: written down, the loop goes on
                fh.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            fh.flush()
            time.sleep(0.05)


def read_marts(out: Path, stop: Path) -> None:
    """Every mart of the lake (as many as exist yet) counted in a loop, and the analysts' macro once there."""
    settings = load_settings()
    with out.open("a") as fh, lake_connection(settings, read_only=True) as con:
        while not stop.exists():
            try:
                con.execute("BEGIN TRANSACTION")  # one snapshot per pass
                marts = [
                    r[0]
                    for r in con.execute(
                        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'aigap' AND schema_name = 'marts'"
                    ).fetchall()
                ]
                counts = {m: con.execute(f'SELECT count(*) FROM marts."{m}"').fetchone()[0] for m in marts}
                macro = con.execute(
                    "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'fundamentals_as_of'"
                ).fetchone()[0]
                as_of = (
                    con.execute("SELECT count(*) FROM fundamentals_as_of(DATE '2023-06-30')").fetchone()[0]
                    if macro
                    else None
                )
                con.execute("COMMIT")
                fh.write(json.dumps({"counts": counts, "fundamentals_as_of": as_of}) + "\n")
            except Exception as exc:
                con.execute("ROLLBACK")
                fh.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            fh.flush()
            time.sleep(0.5)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "load":
        load(args[0], args[1:])
    elif command == "read-marts":
        read_marts(Path(args[0]), Path(args[1]))
    elif command == "read":
        read(Path(args[0]), Path(args[1]), args[2:])
    else:
        sys.exit(f"unknown command {command!r}: load or read")
