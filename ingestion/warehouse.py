"""Opening the warehouse of the settings: the embedded DuckDB file, or in lake mode the DuckLake catalog.

Either way the connection's default catalog is the warehouse (``aigap``), so callers write the same SQL.
"""

from __future__ import annotations

import duckdb

from ingestion import lake
from ingestion.config import Settings
from ingestion.raw_loader import connect as connect_file


def open_warehouse(settings: Settings, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if settings.is_lake:
        return lake.connect(settings, read_only=read_only)
    return connect_file(settings.db_path, read_only=read_only)


def describe(settings: Settings) -> str:
    """Where the warehouse is, for logs and summaries (no password: config.py refuses one)."""
    if settings.is_lake:
        return f"DuckLake catalog {settings.lake_catalog}, data in {settings.lake_data_path}"
    return str(settings.db_path)
