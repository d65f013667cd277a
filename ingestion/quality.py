"""Great Expectations suites for the raw tables, and one function to validate a frame.

Each suite is generated from its table's declaration in ``ingestion/raw_tables.py`` (columns, unique
keys, not-null columns, value sets, formats, bands): properties of the whole table. Row rules
(``ingestion/row_rules.py``) keep rows out of raw before these run and are not restated here.

The GX context is ephemeral and built once per process (building it costs seconds). Frames
are validated in memory (pandas), not through SQLAlchemy on DuckDB. Each suite is either
``blocking`` (a failure makes downstream numbers wrong, so downstream must not run) or a
warning (suspicious but possible).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pyarrow as pa

from ingestion.raw_tables import DECLARED, LINEAGE, Band, RawTable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suite:
    table: str
    blocking: bool
    description: str


def _values(value_set) -> list[str]:
    return list(value_set() if callable(value_set) else value_set)


def _bands(decl: RawTable) -> list[tuple[str, Band]]:
    """(column, band) pairs: a column may have several bands, each on some of its rows."""
    return [
        (col, band)
        for col, bands in decl.bands.items()
        for band in (bands if isinstance(bands, tuple) else (bands,))
    ]


def describe(decl: RawTable) -> str:
    """The suite in one line (the Dagster check's description), from the table's declaration."""
    parts = ["columns as declared"]
    parts += [f"unique ({', '.join(key)})" for key in decl.unique_keys]
    if decl.not_null:
        parts.append(f"not null: {', '.join(decl.not_null)}")
    parts += [f"{col} in {{{', '.join(_values(vs))}}}" for col, vs in decl.value_sets.items()]
    parts += [f"{col} formatted {regex}" for col, regex in decl.patterns.items()]
    for col, band in _bands(decl):
        low = "" if band.min is None else f"{band.min:g} {'<' if band.strict_min else '<='} "
        high = "" if band.max is None else f" <= {band.max:g}"
        where = f" where {band.only[0]} = {band.only[1]}" if band.only else ""
        parts.append(f"{low}{col}{high}{where}")
    parts += [f"{col} not in the future" for col in decl.not_in_future]
    return "; ".join(parts)


SUITES: dict[str, Suite] = {
    table: Suite(table, decl.blocking, describe(decl)) for table, decl in DECLARED.items()
}


# Suites whose every expectation is about one row at a time (no uniqueness, no table-wide property):
# a row validated when it was loaded stays valid, so a run validates only the rows it loaded, a chunk
# at a time (at 5,000 companies raw.sec_companyfacts holds tens of millions of rows: never one frame).
# Derived from the declarations (no unique key), so a key declared later takes a table out of it.
ROW_LEVEL = frozenset(t for t in ("sec_companyfacts", "sec_instance_facts") if not DECLARED[t].unique_keys)
CHUNK_ROWS = 1_000_000


def merge_outcomes(parts: list[SuiteOutcome]) -> SuiteOutcome:
    """One outcome for a table validated chunk by chunk with the same suite (row-level suites only)."""
    first = parts[0]
    outcomes = []
    for i, o in enumerate(first.outcomes):
        same = [p.outcomes[i] for p in parts]
        counts = [x.unexpected_count for x in same if x.unexpected_count is not None]
        outcomes.append(
            ExpectationOutcome(
                expectation=o.expectation,
                column=o.column,
                success=all(x.success for x in same),
                unexpected_count=sum(counts) if counts else None,
                partial_unexpected=[v for x in same for v in x.partial_unexpected][:5],
            )
        )
    return SuiteOutcome(
        table=first.table,
        blocking=first.blocking,
        success=all(p.success for p in parts),
        rows=sum(p.rows for p in parts),
        outcomes=outcomes,
    )


def validate_loaded_since(con, table: str, since_epoch: float, *, today: date | None = None) -> SuiteOutcome:
    """A row-level suite (ROW_LEVEL) on the rows of raw.<table> loaded since ``since_epoch`` (seconds),
    CHUNK_ROWS at a time: memory stays that of one chunk whatever the table holds."""
    if table not in ROW_LEVEL:
        raise ValueError(f"raw.{table}: its suite has table-wide expectations, validate the whole table")
    con.execute(f"SELECT * FROM raw.{table} WHERE loaded_at >= to_timestamp(?)", [since_epoch])
    parts = []
    while True:
        frame = con.fetch_df_chunk(max(1, CHUNK_ROWS // 2048))  # DuckDB hands over vectors of 2,048 rows
        if not len(frame) and parts:
            break
        parts.append(validate(table, frame, today=today))
        if not len(frame):
            break
    return merge_outcomes(parts)


def _expectations(table: str, today: date) -> list:
    """The table's suite, generated from its declaration in ingestion/raw_tables.py."""
    import great_expectations as gx

    E = gx.expectations
    try:
        decl = DECLARED[table]
    except KeyError:
        raise KeyError(f"no GX suite for raw.{table}: declare it in ingestion/raw_tables.py") from None
    expectations = [
        E.ExpectTableColumnsToMatchSet(
            column_set=[name for name, _ in decl.columns + LINEAGE], exact_match=True
        ),
        *[E.ExpectColumnValuesToNotBeNull(column=c) for c in decl.not_null],
    ]
    for key in decl.unique_keys:
        expectations.append(
            E.ExpectColumnValuesToBeUnique(column=key[0])
            if len(key) == 1
            else E.ExpectCompoundColumnsToBeUnique(column_list=list(key))
        )
    for col, value_set in decl.value_sets.items():
        expectations.append(E.ExpectColumnValuesToBeInSet(column=col, value_set=_values(value_set)))
    for col, regex in decl.patterns.items():
        expectations.append(E.ExpectColumnValuesToMatchRegex(column=col, regex=regex))
    for col, band in _bands(decl):
        where = (
            {"row_condition": f'{band.only[0]}=="{band.only[1]}"', "condition_parser": "pandas"}
            if band.only
            else {}
        )
        expectations.append(
            E.ExpectColumnValuesToBeBetween(
                column=col, min_value=band.min, max_value=band.max, strict_min=band.strict_min, **where
            )
        )
    for col in decl.not_in_future:
        expectations.append(E.ExpectColumnValuesToBeBetween(column=col, max_value=pd.Timestamp(today)))
    return expectations


@functools.cache
def _context():
    import great_expectations as gx

    log.info("building the Great Expectations context (once per process)")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Progress bars would interleave with Dagster's log lines.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context, context.data_sources.add_pandas(name="raw")


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    partial_unexpected: list = field(default_factory=list)


@dataclass
class SuiteOutcome:
    table: str
    blocking: bool
    success: bool
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def failing_rows(self) -> int:
        return sum(o.unexpected_count or 0 for o in self.failed)


def _for_gx(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    # GX compares dates as timestamps; DuckDB hands DATE columns over as objects or datetime64.
    frame = frame.copy()
    for col, typ in DECLARED[table].columns:
        if typ == pa.date32() and col in frame.columns:
            frame[col] = pd.to_datetime(frame[col])
    return frame


def _plain(value: object) -> object:
    """An example value as JSON can hold it (dates and timestamps as ISO text) for check metadata."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    item = getattr(value, "item", None)  # numpy scalars: float64 subclasses float but is not JSON to orjson
    return _plain(item()) if callable(item) else str(value)


def validate(table: str, frame: pd.DataFrame, *, today: date | None = None) -> SuiteOutcome:
    """Validate one raw table's rows against its suite."""
    import great_expectations as gx

    context, datasource = _context()
    today = today or date.today()
    # "not in the future" is relative to a day: one suite per table and day, so a long-lived process
    # (dagster dev) and a test asking about another day never reuse a suite built for a different one
    suite_name = f"raw.{table}@{today.isoformat()}"
    try:
        suite = context.suites.get(suite_name)
    except Exception:  # GX raises its own not-found error type
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
        for expectation in _expectations(table, today):
            suite.add_expectation(expectation)
    try:
        asset = datasource.get_asset(table)
    except LookupError:
        asset = datasource.add_dataframe_asset(name=table)
    try:
        batch_def = asset.get_batch_definition("whole")
    except KeyError:
        batch_def = asset.add_batch_definition_whole_dataframe("whole")
    result = batch_def.get_batch(batch_parameters={"dataframe": _for_gx(table, frame)}).validate(suite)
    outcomes = [
        ExpectationOutcome(
            expectation=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column"),
            success=bool(r.success),
            unexpected_count=r.result.get("unexpected_count"),
            partial_unexpected=[_plain(v) for v in list(r.result.get("partial_unexpected_list") or [])[:5]],
        )
        for r in result.results
    ]
    return SuiteOutcome(
        table=table,
        blocking=DECLARED[table].blocking,
        success=bool(result.success),
        rows=len(frame),
        outcomes=outcomes,
    )
