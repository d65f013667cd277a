"""What the report is made of: chart specs, the rows they read, and what building them did."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import orjson
from matplotlib.figure import Figure

# Bump when the drawing code changes in a way that should redraw charts whose data did not change.
DRAWING_VERSION = "1"
SAMPLE_STAMP = "SAMPLE DATA"
SAMPLE_EXPLANATION = "synthetic sample data, not the public record"
BASE_DATE = date(2022, 11, 30)
PAGE_NAME = "index.html"


class ReportError(RuntimeError):
    """The report cannot be built at all (no warehouse file, or it cannot be opened)."""


# ----------------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """The result of one query: column names and rows, small enough to hold in memory."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def __len__(self) -> int:
        return len(self.rows)

    def col(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def any_sample(self) -> bool:
        return any(bool(v) for v in self.col("is_sample"))


@dataclass(frozen=True)
class Query:
    """One input of a chart: a dbt model of ``report`` (with an ``is_sample`` column), in a set order."""

    name: str
    model: str  # e.g. "report.rpt_basket_indices"
    order_by: str
    required: bool = True

    @property
    def sql(self) -> str:
        return f"SELECT * FROM {self.model} ORDER BY {self.order_by}"

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.model,)


@dataclass(frozen=True)
class ChartSpec:
    name: str
    title: str
    # a fixed text, or one written from the rows the chart plots (e.g. naming the baskets' members)
    caption: str | Callable[[dict[str, Rows]], str]
    queries: tuple[Query, ...]
    draw: Callable[[dict[str, Rows]], Figure]
    # when the query returned rows but none worth plotting (e.g. every ratio null): a note, else None
    empty_note: Callable[[dict[str, Rows]], str | None] | None = None

    def caption_for(self, data: dict[str, Rows]) -> str:
        return self.caption(data) if callable(self.caption) else self.caption


@dataclass
class ChartResult:
    name: str
    title: str
    status: str  # "drawn" | "unchanged" | "skipped"
    png: Path | None
    sidecar: Path | None
    rows: int
    is_sample: bool
    fingerprint: str | None
    note: str = ""
    caption: str = ""  # as written from the rows drawn (empty when the chart was skipped)


@dataclass
class ReportResult:
    db_path: Path
    out_dir: Path
    html: Path
    charts: list[ChartResult]

    @property
    def files(self) -> list[Path]:
        """Every file the report consists of: the page and the charts it shows."""
        return [self.html] + [c.png for c in self.charts if c.png is not None]


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".", 1)
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def fetch(con: duckdb.DuckDBPyConnection, query: Query) -> Rows:
    cursor = con.execute(query.sql)
    columns = tuple(d[0] for d in cursor.description)
    if "is_sample" not in columns:
        raise ValueError(f"query {query.name!r} has no is_sample column: the chart could not be labelled")
    return Rows(columns, cursor.fetchall())


def fingerprint(spec: ChartSpec, data: dict[str, Rows]) -> str:
    """SHA-256 of exactly what the chart plots, plus the drawing code's version."""
    payload = {
        "drawing_version": DRAWING_VERSION,
        "chart": spec.name,
        "inputs": {name: [list(rows.columns), rows.rows] for name, rows in sorted(data.items())},
    }
    return hashlib.sha256(orjson.dumps(payload, default=str)).hexdigest()
