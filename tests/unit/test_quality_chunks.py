"""Row-level GX suites validated chunk by chunk on the rows a run loaded (ingestion/quality.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest

from ingestion import quality
from ingestion.raw_loader import ensure_schemas

INSERT = """
INSERT INTO raw.sec_companyfacts SELECT
    '0000000001', 'x', 'us-gaap', 'Revenues', 'USD', NULL, DATE '2024-12-31', i::DOUBLE,
    CASE WHEN i IN (7, 4100) THEN 'not-an-accession' ELSE '0000000001-24-000001' END,
    2024, 'FY', '10-K', DATE '2025-01-02', NULL, 'k', 'f', 's', now(), true, ?
FROM range(?) AS t(i)
"""


def test_rows_of_this_run_are_validated_in_chunks_and_the_counts_add_up(monkeypatch) -> None:
    monkeypatch.setattr(quality, "CHUNK_ROWS", 2048)  # one vector per chunk: 6,000 rows make three
    con = duckdb.connect()
    ensure_schemas(con)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    con.execute(INSERT.replace("'not-an-accession'", "'also-bad'"), [old, 100])  # an earlier run's rows
    con.execute(INSERT, [now, 6000])
    outcome = quality.validate_loaded_since(con, "sec_companyfacts", now.timestamp(), today=date(2026, 1, 2))
    assert outcome.rows == 6000  # the earlier run's 100 rows (and their 2 bad ones) are not read again
    assert not outcome.success and outcome.failing_rows == 2
    (failed,) = outcome.failed
    assert failed.column == "accession_number" and failed.partial_unexpected == ["not-an-accession"] * 2
    nothing_new = quality.validate_loaded_since(con, "sec_companyfacts", now.timestamp() + 1)
    assert nothing_new.success and nothing_new.rows == 0


def test_a_suite_with_table_wide_expectations_is_not_validated_in_part() -> None:
    with pytest.raises(ValueError, match="table-wide"):
        quality.validate_loaded_since(duckdb.connect(), "sec_filings", 0.0)
