"""The dashboard holds no SQL of its own: it reads dbt models by name (ingestion/publish/dashboard.py, EXTRACTS).

A query under ``dashboard/`` that reads a mart, or repeats what a dbt model computes, would drift from the
report and from what an analyst gets by querying the model: these tests fail when one comes back.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import orjson
import pytest

from ingestion.publish.dashboard import EXTRACTS, PROJECT_DIR, DashboardError, Extract, extract_data
from orchestration.dbt_project import dbt_project

# What the build writes or installs there, not what the project holds.
NOT_SOURCES = {"node_modules", "dist", "data", ".observablehq"}
# SQL reading a mart: `from marts.x`, `join "marts"."x"`, ...
READS_MARTS = re.compile(r"\b(from|join)\s+\"?marts\"?\s*\.", re.IGNORECASE)
SQL_CELL = re.compile(r"^```\s*sql\b", re.IGNORECASE | re.MULTILINE)
# Views the publish step writes over the check results and quarantine (ingestion/publish/serving.py).
PUBLISHED_VIEWS = {"audit.latest_check_results", "audit.quarantine_summary"}


def dashboard_files() -> list[Path]:
    files = []
    for path in PROJECT_DIR.rglob("*"):
        parts = set(path.relative_to(PROJECT_DIR).parts)
        if path.is_file() and not parts & NOT_SOURCES and path.name != "package-lock.json":
            files.append(path)
    return files


def test_the_scan_sees_the_pages():
    names = {p.relative_to(PROJECT_DIR).as_posix() for p in dashboard_files()}
    assert {"src/index.md", "src/baskets/index.md", "observablehq.config.js"} <= names


def test_no_file_under_dashboard_holds_sql():
    offenders = {}
    for path in dashboard_files():
        text = path.read_text(errors="replace")
        if path.suffix == ".sql":
            offenders[path] = "a .sql file"
        elif READS_MARTS.search(text):
            offenders[path] = f"reads a mart: {READS_MARTS.search(text).group(0)!r}"
        elif SQL_CELL.search(text):
            offenders[path] = "an SQL cell"
    assert offenders == {}, (
        "put the query in a dbt model (dbt_project/models/marts/dashboard) and list it in EXTRACTS"
    )


def test_the_scan_would_catch_a_query_of_marts():
    assert READS_MARTS.search("select * FROM marts.fct_basket_gap_daily")
    assert READS_MARTS.search('x join "marts"."fct_event_study" as e')
    assert not READS_MARTS.search("(`report.rpt_ev_to_rd` over `marts.fct_valuation_daily`)")


def manifest() -> dict:
    return orjson.loads(Path(dbt_project.manifest_path).read_bytes())


def test_every_extract_is_a_contracted_dbt_model_and_the_exposure_lists_them():
    nodes = manifest()["nodes"]
    models = {f"{n['schema']}.{n['name']}": n for n in nodes.values() if n["resource_type"] == "model"}
    read = {e.model for e in EXTRACTS}
    assert len(read) == len(EXTRACTS), "two extracts of one model"
    for model in read - PUBLISHED_VIEWS:
        assert model in models, f"{model} is not a dbt model"
        node = models[model]
        assert node["config"]["contract"]["enforced"], f"{model} has no enforced contract"
        assert node["description"], f"{model} is not documented"
        assert node["schema"] in {"report", "dashboard"}, f"{model}: the dashboard reads consumer views only"
    exposure = manifest()["exposures"]["exposure.aigap.dashboard"]
    listed = {f"{nodes[uid]['schema']}.{nodes[uid]['name']}" for uid in exposure["depends_on"]["nodes"]}
    assert listed == read - PUBLISHED_VIEWS


def test_an_extract_is_every_row_of_its_model_in_order(tmp_path: Path):
    db = tmp_path / "serving.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA report")
        con.execute(
            "CREATE TABLE report.base AS SELECT * FROM (VALUES (2, 'b'), (1, 'a'), (3, NULL)) t(n, s)"
        )
        con.execute("CREATE VIEW report.rpt_x AS SELECT n, s, n * 10 AS m FROM report.base")
    data = tmp_path / "data"
    rows = extract_data(db, data, (Extract("x", "report.rpt_x", "n"),))
    assert rows == {"x": 3}
    assert orjson.loads((data / "x.json").read_bytes()) == [
        {"n": 1, "s": "a", "m": 10},
        {"n": 2, "s": "b", "m": 20},
        {"n": 3, "s": None, "m": 30},
    ]


def test_a_model_missing_from_the_serving_file_is_named(tmp_path: Path):
    db = tmp_path / "serving.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA report")
        con.execute("CREATE VIEW report.rpt_x AS SELECT 1 AS n")
    extracts = (Extract("x", "report.rpt_x", "n"), Extract("y", "dashboard.dash_y", "n"))
    with pytest.raises(
        DashboardError, match=r"has no dashboard\.dash_y: the dashboard reads these dbt models"
    ):
        extract_data(db, tmp_path / "data", extracts)
