"""The gap report on a tiny hand-made warehouse: files, SAMPLE DATA stamps, skips, redraws.

The fixture holds only the mart columns the report reads, a few rows each. Which charts are sample is
decided here row by row, so every stamp assertion can fail.
"""

import hashlib
import html
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from ingestion.publish import report
from ingestion.publish.report import CHARTS, ReportError, build_report, main
from ingestion.publish.report.model import SAMPLE_STAMP

REPORT_MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts" / "report"
SAMPLE_CHARTS = {"basket_indices", "ev_to_rd", "event_study_cars", "return_on_research", "growth_vs_utility"}
ALL_CHARTS = {spec.name for spec in CHARTS}


def create_report_views(con: duckdb.DuckDBPyConnection) -> None:
    """The report's dbt models, from their own SQL (``ref`` resolved to the marts or to another report
    model), as dbt builds them: each after the models it reads."""
    con.execute("CREATE SCHEMA IF NOT EXISTS report")
    pending = {}
    for model in sorted(REPORT_MODELS.glob("rpt_*.sql")):
        text = model.read_text()
        refs = set(re.findall(r"\{\{\s*ref\('(\w+)'\)\s*\}\}", text))
        sql = re.sub(
            r"\{\{\s*ref\('(\w+)'\)\s*\}\}",
            lambda m: f"{'report' if m.group(1).startswith('rpt_') else 'marts'}.{m.group(1)}",
            text,
        )
        sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
        pending[model.stem] = ({r for r in refs if r.startswith("rpt_")}, sql)
    while pending:
        ready = [name for name, (needs, _) in pending.items() if not needs & pending.keys()]
        assert ready, f"report models that read each other in a cycle: {sorted(pending)}"
        for name in ready:
            con.execute(f"CREATE VIEW report.{name} AS {pending.pop(name)[1]}")


def make_warehouse(path: Path) -> Path:
    """Every mart the report reads, and the report's views over them. compute_access_gap is all real
    (is_sample false); in return_on_research a single sample row among real ones must still stamp the
    chart."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.fct_basket_gap_daily (date DATE, basket VARCHAR, index_2022_11_30 DOUBLE, "
        "market_cap_usd DOUBLE, median_ev_to_rd_ttm DOUBLE, is_sample BOOLEAN)"
    )
    days = [date(2022, 11, 30) + timedelta(days=i) for i in range(10)]
    for i, day in enumerate(days):
        con.execute(
            "INSERT INTO marts.fct_basket_gap_daily VALUES (?, 'US', ?, ?, 80.0, true)",
            [day, 100.0 + i, 4000.0 + 40 * i],
        )
        con.execute(
            "INSERT INTO marts.fct_basket_gap_daily VALUES (?, 'CN', ?, ?, 30.0, true)",
            [day, 100.0 - i, 1000.0 - 10 * i],
        )
    # a day before the base date is not plotted
    con.execute(
        "INSERT INTO marts.fct_basket_gap_daily VALUES ('2022-11-29', 'US', 99.0, 3960.0, 80.0, true)"
    )
    con.execute(
        "CREATE TABLE marts.dim_export_control_event (event_id VARCHAR, event_date DATE, title VARCHAR, "
        "kind VARCHAR, fr_citation VARCHAR, is_sample BOOLEAN)"
    )
    con.execute(
        "INSERT INTO marts.dim_export_control_event VALUES ('bis_a', '2022-12-03', 'a', 'rule', NULL, false), "
        "('bis_b', '2022-12-04', 'b', 'rule', NULL, false), ('bis_old', '2022-10-07', 'old', 'rule', NULL, false)"
    )
    con.execute(
        "CREATE TABLE marts.fct_valuation_daily (ticker VARCHAR, basket VARCHAR, date DATE, ev_to_rd_ttm DOUBLE, "
        "is_sample BOOLEAN)"
    )
    for i, day in enumerate(days):
        con.execute(
            "INSERT INTO marts.fct_valuation_daily VALUES ('MSFT', 'US', ?, ?, true)", [day, 80.0 + i]
        )
        con.execute(
            "INSERT INTO marts.fct_valuation_daily VALUES ('BABA', 'CN', ?, ?, true)", [day, 30.0 - i]
        )
        # members without an EV/R&D: not in its chart, but in their baskets (and the caption)
        con.execute("INSERT INTO marts.fct_valuation_daily VALUES ('GOOGL', 'US', ?, NULL, true)", [day])
        con.execute("INSERT INTO marts.fct_valuation_daily VALUES ('PDD', 'CN', ?, NULL, true)", [day])
    con.execute(
        "CREATE TABLE marts.fct_compute_access_gap (date DATE, compute_access_ratio DOUBLE, best_us_chip VARCHAR, "
        "best_china_chip VARCHAR, governing_event_id VARCHAR, is_sample BOOLEAN)"
    )
    con.execute(
        "INSERT INTO marts.fct_compute_access_gap VALUES ('2022-10-01', 1.0, 'A100', 'A100', NULL, false), "
        "('2022-10-07', NULL, 'A100', NULL, 'bis_old', false), ('2022-11-08', 0.3, 'H100', 'A800', 'bis_old', false)"
    )
    con.execute(
        "CREATE TABLE marts.fct_event_study (event_id VARCHAR, entity VARCHAR, entity_type VARCHAR, basket VARCHAR, "
        "event_window VARCHAR, window_first_day INTEGER, window_last_day INTEGER, day_zero_date DATE, "
        "car DOUBLE, t_stat DOUBLE, is_sample BOOLEAN)"
    )
    for event_id, day0 in (("bis_a", "2022-12-05"), ("bis_b", "2022-12-06")):
        for window, first, last in (("[-1,+1]", -1, 1), ("[0,+5]", 0, 5)):
            con.execute(
                "INSERT INTO marts.fct_event_study VALUES (?, 'BABA', 'company', 'CN', ?, ?, ?, ?, -0.02, -1.0, true)",
                [event_id, window, first, last, day0],
            )
            for basket, car, t in (("US", 0.01, 0.5), ("CN", -0.04, -2.5)):
                con.execute(
                    "INSERT INTO marts.fct_event_study VALUES (?, ?, 'basket', ?, ?, ?, ?, NULL, ?, ?, true)",
                    [event_id, basket, basket, window, first, last, car, t],
                )
    con.execute(
        "CREATE TABLE marts.fct_return_on_research (entity VARCHAR, entity_type VARCHAR, basket VARCHAR, "
        "window_kind VARCHAR, window_start DATE, window_end DATE, market_cap_change_usd DOUBLE, cumulative_rd_usd DOUBLE, "
        "return_on_research DOUBLE, rd_days_estimated BIGINT, is_sample BOOLEAN)"
    )
    con.execute(
        "INSERT INTO marts.fct_return_on_research VALUES "
        "('US', 'basket', 'US', 'since_2022_11_30', '2022-11-30', '2022-12-09', 300.0, 100.0, 3.0, 0, false), "
        "('MSFT', 'company', 'US', 'since_2022_11_30', '2022-11-30', '2022-12-09', 300.0, 100.0, 3.0, 0, false), "
        "('CN', 'basket', 'CN', 'since_2022_11_30', '2022-11-30', '2022-12-09', -50.0, 100.0, -0.5, 0, false), "
        "('BABA', 'company', 'CN', 'since_2022_11_30', '2022-11-30', '2022-12-09', -50.0, 100.0, -0.5, 0, true), "
        # another window kind: not plotted
        "('MSFT', 'company', 'US', 'fiscal_year', '2021-06-30', '2022-06-30', 1.0, 1.0, 1.0, 0, false)"
    )
    con.execute(
        "CREATE TABLE marts.fct_growth_vs_utility (ticker VARCHAR, basket VARCHAR, fiscal_year INTEGER, "
        "revenue_growth DOUBLE, pe_ttm DOUBLE, classification VARCHAR, is_sample BOOLEAN)"
    )
    con.execute(
        "INSERT INTO marts.fct_growth_vs_utility VALUES ('MSFT', 'US', 2023, 0.2, 30.0, 'growth', true), "
        "('MSFT', 'US', 2024, 0.16, 35.0, 'growth', true), ('BIDU', 'CN', 2024, 0.03, 10.0, 'utility', true), "
        "('BABA', 'CN', 2024, 0.1, NULL, 'unclassified', true)"
    )
    create_report_views(con)
    con.close()
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "serving.duckdb")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, report.ReportResult]:
    """One report drawn for the tests that only read it (drawing is the slow part)."""
    root = tmp_path_factory.mktemp("built")
    db = make_warehouse(root / "serving.duckdb")
    return db, root / "reports", build_report(db, root / "reports")


def png_description(path: Path) -> str:
    with Image.open(path) as img:
        return img.info.get("Description", "")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_chart_and_the_page_are_written(built):
    _, out, result = built

    assert {c.name: c.status for c in result.charts} == dict.fromkeys(ALL_CHARTS, "drawn")
    page = (out / "index.html").read_text()
    for chart in result.charts:
        assert chart.png == out / f"{chart.name}.png"
        assert chart.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert chart.png.stat().st_size > 5000
        assert (out / f"{chart.name}.json").stat().st_size > 0
        assert f'src="{chart.name}.png?v=' in page
    assert result.files == [out / "index.html"] + [out / f"{c.name}.png" for c in result.charts]
    # rows counted are the plotted ones: 10 + 10 basket days after the base date, 4 members, 2 events in range
    by_name = {c.name: c for c in result.charts}
    assert by_name["basket_indices"].rows == 26
    assert by_name["return_on_research"].rows == 4
    assert by_name["growth_vs_utility"].rows == 3


def test_the_basket_caption_names_the_members_the_data_holds(built):
    _, out, result = built
    # members as fct_valuation_daily holds them (MSFT, GOOGL in US; BABA, PDD in CN), not a fixed list
    caption = next(c.caption for c in result.charts if c.name == "basket_indices")
    assert "(US: GOOGL, MSFT; CN: BABA, PDD)" in caption
    assert "Tencent" not in caption and "AMZN" not in caption
    assert html.escape(caption) in (out / "index.html").read_text()


def test_a_new_member_is_named_in_the_caption_and_redraws_the_chart(warehouse: Path, tmp_path: Path):
    out = tmp_path / "reports"
    [first] = build_report(warehouse, out, charts=CHARTS[:1]).charts
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "INSERT INTO marts.fct_valuation_daily VALUES ('0700.HK', 'CN', '2022-12-01', NULL, false)"
        )
    [second] = build_report(warehouse, out, charts=CHARTS[:1]).charts
    assert "CN: BABA, PDD)" in first.caption
    assert "(US: GOOGL, MSFT; CN: 0700.HK, BABA, PDD)" in second.caption
    assert second.status == "drawn" and second.fingerprint != first.fingerprint
    # without the members' model the chart is still drawn, its caption naming nobody
    with duckdb.connect(str(warehouse)) as con:
        con.execute("DROP VIEW report.rpt_basket_members")
    [third] = build_report(warehouse, out, charts=CHARTS[:1]).charts
    assert third.status == "drawn"
    assert third.caption.startswith("Sum of the members' USD market caps, 100 on 2022-11-30")


def test_sample_data_is_stamped_exactly_where_a_plotted_row_is_sample(built):
    warehouse, out, result = built

    stamped = {c.name for c in result.charts if c.is_sample}
    assert stamped == SAMPLE_CHARTS
    for chart in result.charts:
        assert (SAMPLE_STAMP in png_description(chart.png)) == (chart.name in SAMPLE_CHARTS), chart.name
    page = (out / "index.html").read_text()
    assert SAMPLE_STAMP in page
    assert "Compute access ratio over time</a></li>" in page  # listed without "(sample data)"

    # the figure itself carries the watermark and the red title line
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        spec = next(s for s in CHARTS if s.name == "return_on_research")
        data = {q.name: report.fetch(con, q) for q in spec.queries}
        fig, is_sample = report.draw_chart(spec, data)
        assert is_sample
        assert SAMPLE_STAMP in [t.get_text() for t in fig.texts]  # the watermark
        assert fig.get_suptitle().startswith(SAMPLE_STAMP)
        compute = next(s for s in CHARTS if s.name == "compute_access_ratio")
        fig, is_sample = report.draw_chart(compute, {q.name: report.fetch(con, q) for q in compute.queries})
        assert not is_sample
        assert not any(SAMPLE_STAMP in t.get_text() for t in fig.texts)
        assert fig.get_suptitle() == ""
    finally:
        con.close()


def test_a_chart_is_redrawn_only_when_its_rows_change(warehouse: Path, tmp_path: Path):
    out = tmp_path / "reports"
    first = {c.name: c for c in build_report(warehouse, out).charts}
    stamps = {name: (c.png.stat().st_mtime_ns, sha(c.png)) for name, c in first.items()}

    second = {c.name: c for c in build_report(warehouse, out).charts}
    assert {n: c.status for n, c in second.items()} == dict.fromkeys(ALL_CHARTS, "unchanged")
    assert {n: (c.png.stat().st_mtime_ns, sha(c.png)) for n, c in second.items()} == stamps

    con = duckdb.connect(str(warehouse))
    con.execute(
        "UPDATE marts.fct_return_on_research SET return_on_research = 4.0 "
        "WHERE entity = 'MSFT' AND window_kind = 'since_2022_11_30'"
    )
    con.execute("UPDATE marts.fct_growth_vs_utility SET pe_ttm = 99.0 WHERE ticker = 'BABA'")
    # rows a chart does not plot (before the base date) change nothing
    con.execute("UPDATE marts.fct_basket_gap_daily SET index_2022_11_30 = 1.0 WHERE date < DATE '2022-11-30'")
    con.close()
    third = {c.name: c for c in build_report(warehouse, out).charts}

    assert third["return_on_research"].status == "drawn"
    assert third["return_on_research"].fingerprint != first["return_on_research"].fingerprint
    assert sha(third["return_on_research"].png) != stamps["return_on_research"][1]
    # BABA's P/E is now known, so growth_vs_utility plots one more row: redrawn too
    assert third["growth_vs_utility"].status == "drawn"
    assert third["growth_vs_utility"].rows == 4
    unchanged = ALL_CHARTS - {"return_on_research", "growth_vs_utility"}
    assert {n for n, c in third.items() if c.status == "unchanged"} == unchanged
    for name in unchanged:
        assert (third[name].png.stat().st_mtime_ns, sha(third[name].png)) == stamps[name]


def test_a_deleted_png_is_drawn_again_even_if_its_rows_did_not_change(warehouse: Path, tmp_path: Path):
    out = tmp_path / "reports"
    build_report(warehouse, out, charts=CHARTS[:1])
    (out / "basket_indices.png").unlink()
    result = build_report(warehouse, out, charts=CHARTS[:1])
    assert result.charts[0].status == "drawn"
    assert (out / "basket_indices.png").stat().st_size > 0


def test_missing_or_empty_marts_are_noted_and_old_charts_removed(warehouse: Path, tmp_path: Path):
    out = tmp_path / "reports"
    build_report(warehouse, out)
    con = duckdb.connect(str(warehouse))
    con.execute("DROP VIEW report.rpt_event_study_cars")
    con.execute("DELETE FROM marts.fct_growth_vs_utility")
    con.execute("UPDATE marts.fct_compute_access_gap SET compute_access_ratio = NULL")
    con.execute("DROP VIEW report.rpt_chart_events")  # optional input: the chart is still drawn
    con.close()

    result = {c.name: c for c in build_report(warehouse, out).charts}

    assert result["event_study_cars"].status == "skipped"
    assert result["event_study_cars"].note == "report.rpt_event_study_cars is not in the warehouse."
    assert result["growth_vs_utility"].status == "skipped"
    assert result["growth_vs_utility"].note == "report.rpt_growth_vs_utility has no rows for this chart."
    assert result["compute_access_ratio"].status == "skipped"
    assert "no day with a compute access ratio" in result["compute_access_ratio"].note
    assert result["basket_indices"].status == "drawn"  # redrawn without the event lines
    for name in ("event_study_cars", "growth_vs_utility", "compute_access_ratio"):
        assert result[name].png is None
        assert not (out / f"{name}.png").exists()
        assert not (out / f"{name}.json").exists()
    page = (out / "index.html").read_text()
    assert "Not drawn: report.rpt_event_study_cars is not in the warehouse." in page
    assert "Not drawn: report.rpt_growth_vs_utility has no rows for this chart." in page
    assert 'src="event_study_cars.png' not in page


def test_the_warehouse_file_is_only_read(warehouse: Path, tmp_path: Path):
    before = sha(warehouse)
    build_report(warehouse, tmp_path / "reports", charts=CHARTS[:2])
    assert sha(warehouse) == before
    assert not warehouse.with_name(warehouse.name + ".wal").exists()


def test_no_warehouse_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    missing = tmp_path / "serving" / "aigap.duckdb"
    with pytest.raises(ReportError, match=str(missing)):
        build_report(missing, tmp_path / "reports")
    assert main(["--db", str(missing), "--out", str(tmp_path / "reports")]) == 1
    assert f"report: {missing}: no warehouse file here" in capsys.readouterr().err
    assert not (tmp_path / "reports" / "index.html").exists()


def test_main_prints_every_file_of_the_report(built, capsys: pytest.CaptureFixture[str]):
    db, out, _ = built
    assert main(["--db", str(db), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].split() == ["written", str(out / "index.html")]
    # the charts were drawn by the fixture from the same rows: main finds them unchanged
    for spec in CHARTS:
        status = "unchanged (sample data)" if spec.name in SAMPLE_CHARTS else "unchanged"
        assert any(
            line.startswith(status + " ") and line.endswith(str(out / f"{spec.name}.png")) for line in lines
        )


def test_charts_draw_a_third_basket_in_its_own_color():
    """Baskets are data: a hardware basket beside US and CN gets its own line and color."""
    from datetime import date

    from ingestion.publish.report.charts import basket_colors, draw_basket_indices, draw_event_study
    from ingestion.publish.report.model import Rows

    days = [date(2022, 11, 30), date(2022, 12, 1)]
    baskets = Rows(
        ("date", "basket", "index_2022_11_30", "is_sample"),
        [(d, b, 100.0 + i, True) for b in ("hardware", "CN", "US") for i, d in enumerate(days)],
    )
    fig = draw_basket_indices({"baskets": baskets})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines() if "basket" in line.get_label()] == [
        "US basket",
        "CN basket",
        "hardware basket",
    ]
    colors = basket_colors(["US", "CN", "hardware"])
    assert len(set(colors.values())) == 3 and colors["US"] == "#1f4e9a" and colors["CN"] == "#c0392b"
    cars = Rows(
        ("event_id", "event_date", "entity", "event_window", "window_first_day", "window_last_day", "car",
         "t_stat", "is_sample"),
        [("e1", days[0], b, "[-1,+1]", -1, 1, 0.01 * (k + 1), 1.0, True) for k, b in enumerate(("US", "CN", "hardware"))],
    )  # fmt: skip
    fig = draw_event_study({"cars": cars})
    bars = [p for p in fig.axes[0].patches]
    assert len(bars) == 3  # one bar per basket for the one event
