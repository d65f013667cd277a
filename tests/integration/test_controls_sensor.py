"""The fedreg_unreviewed_documents sensor on small DuckDB files holding dbt's review list.

The list itself is dbt's ``int_fedreg_documents_to_review``: each test warehouse builds it from the
model's own SQL (and its staging model's) over hand-made raw documents and a hand-made seed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.raw_tables import create_table_sql
from orchestration import sensors
from orchestration.resources import AigapSettings

MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"
SEED = "event_id,fr_citation,fr_document_number\nbis_a,87 FR 62186,2022-21658\nbis_b,84 FR 22961,\n"


def _doc(number: str, title: str, abstract: str, citation: str, loaded_at: str = "2025-01-01") -> tuple:
    return (
        number,
        title,
        "Rule",
        abstract,
        date(2024, 1, 2),
        None,
        citation,
        1,
        f"https://fr.test/d/{number}",
        "industry-and-security-bureau",
        "documents/page-0001",
        "fedreg/x.json",
        "0" * 64,
        f"{loaded_at} 00:00:00+00",
        False,
        f"{loaded_at} 00:00:00+00",
    )


def _sql(model: Path) -> str:
    """A dbt model as plain SQL: ref()/source() become the test warehouse's relations."""
    sql = re.sub(r"\{\{\s*source\('raw', '(\w+)'\)\s*\}\}", r"raw.\1", model.read_text())
    sql = re.sub(r"\{\{\s*ref\('(export_control_events)'\)\s*\}\}", r"seeds.\1", sql)
    return re.sub(r"\{\{\s*ref\('(\w+)'\)\s*\}\}", r"staging.\1", sql)


def _warehouse(path: Path, docs: list[tuple], tmp: Path) -> Path:
    seed = tmp / f"{path.stem}_seed.csv"
    seed.write_text(SEED, encoding="utf-8")
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "staging", "seeds", "intermediate"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute(create_table_sql("federal_register_documents"))
        con.executemany(f"INSERT INTO raw.federal_register_documents VALUES ({', '.join('?' * 16)})", docs)
        con.execute(
            f"CREATE TABLE seeds.export_control_events AS SELECT * FROM read_csv('{seed}', all_varchar=true)"
        )
        staging = MODELS / "staging" / "fedreg" / "stg_fedreg__documents.sql"
        review = MODELS / "intermediate" / "controls" / "int_fedreg_documents_to_review.sql"
        con.execute(f"CREATE VIEW staging.stg_fedreg__documents AS {_sql(staging)}")
        con.execute(f"CREATE TABLE intermediate.int_fedreg_documents_to_review AS {_sql(review)}")
    return path


def _home(tmp_path: Path) -> AigapSettings:
    """An AIGAP_HOME for the sensor: its working file and serving copy are written by the tests."""
    (tmp_path / "home" / "serving").mkdir(parents=True)
    return AigapSettings(home=str(tmp_path / "home"))


DOCS = [
    # in the seed by number: not for review
    _doc("2022-21658", "Implementation of Additional Export Controls: Advanced Computing", "", "87 FR 62186"),
    # in the seed by citation only (extra space in the landed citation): not for review
    _doc("2019-10616", "Addition of Entities to the Entity List", "", "84  FR 22961"),
    # keyword only in the abstract, any case: for review
    _doc("2024-00001", "Revisions to the EAR", "Controls on SEMICONDUCTOR manufacturing items", "89 FR 100"),
    # landed twice (two pages): reported once
    _doc("2024-00002", "Additions to the Entity List", "", "89 FR 200", loaded_at="2025-01-01"),
    _doc("2024-00002", "Additions to the Entity List", "", "89 FR 200", loaded_at="2025-02-01"),
    # no keyword: not for review
    _doc("2024-00003", "Firearms Export Controls", "Revisions for firearms", "89 FR 300"),
]


def test_lists_documents_the_seed_does_not_name(tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "aigap.duckdb", DOCS, tmp_path)
    found = sensors.find_unreviewed_documents(db)
    assert [c.document_number for c in found] == ["2024-00001", "2024-00002"]
    assert found[0].citation == "89 FR 100"


def test_sensor_warns_once_per_new_document(tmp_path: Path) -> None:
    settings = _home(tmp_path)
    _warehouse(settings.get().db_path, DOCS, tmp_path)
    context = dg.build_sensor_context(resources={"settings": settings})
    first = sensors.fedreg_unreviewed_documents(context)
    assert isinstance(first, dg.SkipReason)
    assert first.skip_message.startswith("2 BIS document(s) to review, 2 new")
    assert json.loads(context.cursor) == ["2024-00001", "2024-00002"]

    again = sensors.fedreg_unreviewed_documents(
        dg.build_sensor_context(cursor=context.cursor, resources={"settings": settings})
    )
    assert again.skip_message.startswith("2 BIS document(s) to review, 0 new")


def test_missing_warehouse_or_model_is_a_skip_not_an_error(tmp_path: Path) -> None:
    settings = _home(tmp_path)
    duckdb.connect(str(settings.get().serving_db_path)).close()  # a file without the model; no working file
    result = sensors.fedreg_unreviewed_documents(dg.build_sensor_context(resources={"settings": settings}))
    assert "no warehouse with intermediate.int_fedreg_documents_to_review yet" in result.skip_message


def test_reads_the_serving_copy_while_a_run_writes(tmp_path: Path) -> None:
    settings = _home(tmp_path)
    working = _warehouse(settings.get().db_path, DOCS, tmp_path)
    serving = _warehouse(settings.get().serving_db_path, DOCS[:3], tmp_path)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(working)!r})
            print("open", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        result = sensors.fedreg_unreviewed_documents(
            dg.build_sensor_context(resources={"settings": settings})
        )
    finally:
        writer.communicate("", timeout=30)
    assert result.skip_message.startswith(f"1 BIS document(s) to review, 1 new, in {serving}")
