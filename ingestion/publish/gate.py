"""The publish gate: aggregate rules over the whole market, read from ``marts.fct_publish_gate``.

One company's bad figures flag that company (quality_flag, fct_fundamentals_anomalies, warn-level
tests) and never stop the publish; only aggregate rules do (docs/publish_rules.md): a basket with too
few members valued on the last trading day, a core metric missing for too many companies, a basket
losing a member overnight without a reason. dbt computes the rules (the model holds the SQL); this
module reads the result and refuses to publish with the failing rules' messages, which name the
basket or metric and the companies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

GATE_TABLE = "marts.fct_publish_gate"


class PublishBlocked(RuntimeError):
    """An aggregate publish rule failed: the serving file stays as it was."""


@dataclass(frozen=True)
class RuleResult:
    rule: str
    subject: str
    passed: bool
    message: str


def rule_results(con: duckdb.DuckDBPyConnection) -> list[RuleResult]:
    """Every rule's result, failing ones first; empty when the warehouse has no gate mart."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'marts' AND table_name = 'fct_publish_gate'"
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute(
        f"SELECT rule, subject, passed, message FROM {GATE_TABLE} ORDER BY passed, rule, subject"
    ).fetchall()
    return [RuleResult(*row) for row in rows]


def check_publish_rules(
    db_path: Path,
    *,
    connect: Callable[[], duckdb.DuckDBPyConnection] | None = None,
    where: str | None = None,
) -> list[RuleResult]:
    """The rules' results of the warehouse; raises PublishBlocked when any failed.

    ``db_path``: the embedded warehouse file; ``connect``: how to open another warehouse (the lake),
    ``where`` naming it in messages.
    """
    where = where or str(db_path)
    # the run's own connection settings (read-write), as publish() uses: an instance the run's process
    # still holds is then shared rather than refused for a different configuration
    with connect() if connect else duckdb.connect(str(db_path)) as con:
        results = rule_results(con)
    if not results:
        raise PublishBlocked(
            f"{where}: {GATE_TABLE} is missing or empty, so the publish rules (docs/publish_rules.md) "
            "cannot be checked: run the dbt build first"
        )
    failed = [r for r in results if not r.passed]
    if failed:
        raise PublishBlocked(
            f"publish blocked by {len(failed)} aggregate rule(s) of docs/publish_rules.md "
            f"({GATE_TABLE} in {where}); the serving file stays as it was:\n"
            + "\n".join(f"- {r.rule}: {r.message}" for r in failed)
        )
    log.info("publish rules: %d held", len(results))
    return results
