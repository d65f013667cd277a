"""The fedreg_unreviewed_documents sensor against small DuckDB files holding raw.federal_register_documents."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.raw_tables import create_table_sql
from orchestration import sensors

SEED_HEADER = (
    "event_id,event_date,published_date,effective_date,authority,kind,title,summary,fr_citation,"
    "fr_document_number,source_url,tpp_threshold,performance_density_threshold\n"
)


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
        "2025-01-01 00:00:00+00",
        False,
        f"{loaded_at} 00:00:00+00",
    )


def _warehouse(path: Path, docs: list[tuple]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(create_table_sql("federal_register_documents"))
        con.executemany(f"INSERT INTO raw.federal_register_documents VALUES ({', '.join('?' * 16)})", docs)
    return path


@pytest.fixture
def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "export_control_events.csv"
    path.write_text(
        SEED_HEADER
        + "bis_a,2022-10-07,2022-10-13,2022-10-07,BIS,rule,A,s,87 FR 62186,2022-21658,u,4800,\n"
        + "bis_b,2019-05-15,2019-05-21,2019-05-16,BIS,entity_list,B,s,84 FR 22961,,u,,\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sensors, "SEED_PATH", path)
    return path


def _point_at(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
    monkeypatch.setattr(sensors, "warehouse_paths", lambda: list(paths))


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


def test_lists_documents_the_seed_does_not_name(tmp_path: Path, seed: Path) -> None:
    db = _warehouse(tmp_path / "aigap.duckdb", DOCS)
    found = sensors.find_unreviewed_documents(db, seed)
    assert [c.document_number for c in found] == ["2024-00001", "2024-00002"]
    assert found[0].citation == "89 FR 100"


def test_sensor_warns_once_per_new_document(
    tmp_path: Path, seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _point_at(monkeypatch, _warehouse(tmp_path / "aigap.duckdb", DOCS))
    context = dg.build_sensor_context()
    first = sensors.fedreg_unreviewed_documents(context)
    assert isinstance(first, dg.SkipReason)
    assert first.skip_message.startswith("2 BIS document(s) to review, 2 new")
    assert json.loads(context.cursor) == ["2024-00001", "2024-00002"]

    again = sensors.fedreg_unreviewed_documents(dg.build_sensor_context(cursor=context.cursor))
    assert again.skip_message.startswith("2 BIS document(s) to review, 0 new")


def test_missing_warehouse_or_table_is_a_skip_not_an_error(
    tmp_path: Path, seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    _point_at(monkeypatch, tmp_path / "nope.duckdb", empty)
    result = sensors.fedreg_unreviewed_documents(dg.build_sensor_context())
    assert "no warehouse with raw.federal_register_documents" in result.skip_message


def test_reads_the_serving_copy_while_a_run_writes(
    tmp_path: Path, seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    working = _warehouse(tmp_path / "aigap.duckdb", DOCS)
    serving = _warehouse(tmp_path / "serving.duckdb", DOCS[:3])
    _point_at(monkeypatch, working, serving)
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
        result = sensors.fedreg_unreviewed_documents(dg.build_sensor_context())
    finally:
        writer.communicate("", timeout=30)
    assert result.skip_message.startswith(f"1 BIS document(s) to review, 1 new, in {serving}")
