"""Great Expectations suites on the raw tables, as Dagster asset checks.

A blocking suite that fails stops every asset downstream of its table in the same run (and so
the serving file is not replaced).
"""

import dagster as dg

from ingestion import quality
from ingestion.audit import record_check
from orchestration.assets.ingestion import raw_key
from orchestration.resources import WarehouseResource


def _gx_check(table: str) -> dg.AssetChecksDefinition:
    suite = quality.SUITES[table]

    @dg.asset_check(
        asset=raw_key(table),
        name=f"gx_{table}",
        blocking=suite.blocking,
        description=f"Great Expectations suite raw.{table}: {suite.description}.",
    )
    def gx_check(context: dg.AssetCheckExecutionContext, duckdb: WarehouseResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            if table in quality.ROW_LEVEL:
                outcome = _validate_new_rows(context, con, table)
            else:
                outcome = quality.validate(table, con.execute(f"SELECT * FROM raw.{table}").df())
            failed = [
                {
                    "expectation": o.expectation,
                    "column": o.column,
                    "unexpected": o.unexpected_count,
                    "examples": o.partial_unexpected,
                }
                for o in outcome.failed
            ]
            record_check(
                con,
                run_id=context.run.run_id,
                check_name=f"gx_{table}",
                layer="raw",
                asset=f"raw.{table}",
                passed=outcome.success,
                blocking=suite.blocking,
                failing_rows=outcome.failing_rows,
                detail=failed,
            )
        for f in failed:
            context.log.warning(
                f"raw.{table}: {f['expectation']} on {f['column']} failed for {f['unexpected']} row(s)"
            )
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows": outcome.rows,
                "expectations": len(outcome.outcomes),
                "failed_expectations": len(failed),
                "failing_rows": outcome.failing_rows,
                "failures": dg.MetadataValue.json(failed),
            },
        )

    return gx_check


def _validate_new_rows(context: dg.AssetCheckExecutionContext, con, table: str) -> quality.SuiteOutcome:
    """A row-level suite on the rows this run loaded (the others were validated by the run that loaded
    them), a chunk of quality.CHUNK_ROWS at a time, never the whole table in one frame."""
    record = context.instance.get_run_record_by_id(context.run.run_id)
    started = record.start_time if record is not None and record.start_time else 0.0
    outcome = quality.validate_loaded_since(con, table, started)
    context.log.info(f"raw.{table}: {outcome.rows} row(s) loaded by this run validated")
    return outcome


RAW_CHECKS = [_gx_check(table) for table in quality.SUITES]
