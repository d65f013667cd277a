"""The gap report: PNG charts and one HTML page, drawn from a warehouse file opened read-only.

``python -m ingestion.publish.report`` (``make report``) reads the serving copy ($AIGAP_HOME/serving/aigap.duckdb)
and writes ``$AIGAP_HOME/reports/index.html`` with one PNG per chart beside it:

- the US and CN basket indices since 2022-11-30, export-control events marked by their event ids;
- EV/R&D by company since 2022-11-30;
- the compute access ratio (best China-exportable accelerator vs best US one) over time;
- event-study CARs of the two baskets around each event;
- return on research since 2022-11-30, per basket and company;
- growth vs utility: revenue growth against P/E, per company-year.

Rules the report keeps:

- The warehouse is opened read-only, once, so every chart comes from the same published run.
- Every chart whose rows include ``is_sample = true`` is stamped SAMPLE DATA (a watermark across the
  plot, a red title line and the PNG's Description metadata), so synthetic numbers cannot pass for the
  public record.
- A mart that is missing or has no rows for a chart skips that chart with a note in the page; an
  earlier PNG of it is removed so no stale chart stays next to the page.
- A chart is redrawn only when its input changed: ``<chart>.json`` next to ``<chart>.png`` keeps the
  SHA-256 of the rows the chart plots (and of DRAWING_VERSION, bumped when drawing code changes).

Plain Python, no Dagster: the Dagster asset ``reports/html`` calls :func:`build_report`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
from matplotlib.figure import Figure

from ingestion.config import load_settings
from ingestion.publish.report.charts import draw_chart
from ingestion.publish.report.model import (
    DRAWING_VERSION,
    PAGE_NAME,
    SAMPLE_EXPLANATION,
    SAMPLE_STAMP,
    ChartResult,
    ChartSpec,
    ReportError,
    ReportResult,
    Rows,
    fetch,
    fingerprint,
    table_exists,
)
from ingestion.publish.report.page import render_html
from ingestion.publish.report.specs import CHARTS

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------------------


def _write_atomic(path: Path, body: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(body)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _save_png(fig: Figure, path: Path, title: str, is_sample: bool) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    description = f"{SAMPLE_STAMP}: {SAMPLE_EXPLANATION}" if is_sample else "aigap gap report"
    try:
        fig.savefig(tmp, format="png", metadata={"Title": title, "Description": description})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        return orjson.loads(path.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None


def _remove_stale(out_dir: Path, name: str) -> None:
    for suffix in (".png", ".json"):
        (out_dir / f"{name}{suffix}").unlink(missing_ok=True)


def _skip(spec: ChartSpec, out_dir: Path, note: str, rows: int = 0) -> ChartResult:
    log.warning("report: %s not drawn: %s", spec.name, note)
    _remove_stale(out_dir, spec.name)
    return ChartResult(spec.name, spec.title, "skipped", None, None, rows, False, None, note)


def _build_chart(con: duckdb.DuckDBPyConnection, spec: ChartSpec, out_dir: Path) -> ChartResult:
    data: dict[str, Rows] = {}
    for query in spec.queries:
        missing = [t for t in query.tables if not table_exists(con, t)]
        if missing:
            if query.required:
                return _skip(spec, out_dir, f"{', '.join(missing)} is not in the warehouse.")
            continue
        try:
            data[query.name] = fetch(con, query)
        except duckdb.Error as exc:
            return _skip(spec, out_dir, f"query on {', '.join(query.tables)} failed: {exc}")
        if query.required and not len(data[query.name]):
            return _skip(spec, out_dir, f"{query.tables[0]} has no rows for this chart.")
    n_rows = sum(len(rows) for rows in data.values())
    if spec.empty_note is not None and (note := spec.empty_note(data)):
        return _skip(spec, out_dir, note, n_rows)

    digest = fingerprint(spec, data)
    png, sidecar = out_dir / f"{spec.name}.png", out_dir / f"{spec.name}.json"
    previous = _read_sidecar(sidecar)
    is_sample = any(rows.any_sample for rows in data.values())
    caption = spec.caption_for(data)
    if previous and previous.get("fingerprint") == digest and png.is_file() and png.stat().st_size > 0:
        return ChartResult(
            spec.name, spec.title, "unchanged", png, sidecar, n_rows, is_sample, digest, caption=caption
        )

    fig, is_sample = draw_chart(spec, data)
    _save_png(fig, png, spec.title, is_sample)
    # the sidecar last: a crash in between leaves an old fingerprint, so the next run redraws
    meta = {
        "chart": spec.name,
        "fingerprint": digest,
        "drawing_version": DRAWING_VERSION,
        "rows": {name: len(rows) for name, rows in data.items()},
        "tables": sorted({t for q in spec.queries for t in q.tables}),
        "is_sample": is_sample,
        "drawn_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _write_atomic(sidecar, orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    log.info("report: drew %s (%d rows%s)", png, n_rows, ", sample data" if is_sample else "")
    return ChartResult(
        spec.name, spec.title, "drawn", png, sidecar, n_rows, is_sample, digest, caption=caption
    )


def build_report(db_path: Path, out_dir: Path, charts: Sequence[ChartSpec] = CHARTS) -> ReportResult:
    """Draw every chart whose input changed and write the page; returns what was done per chart."""
    db_path, out_dir = Path(db_path), Path(out_dir)
    if not db_path.is_file():
        raise ReportError(f"{db_path}: no warehouse file here; run `make run` first or pass --db")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"{db_path}: cannot open read-only: {exc}") from exc
    try:
        results = [_build_chart(con, spec, out_dir) for spec in charts]
    finally:
        con.close()
    result = ReportResult(db_path, out_dir, out_dir / PAGE_NAME, results)
    _write_atomic(result.html, render_html(result, datetime.now(UTC)).encode("utf-8"))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.publish.report",
        description="Draw the gap report (PNG charts + one HTML page).",
    )
    parser.add_argument(
        "--db", type=Path, help="DuckDB file to read (default: $AIGAP_HOME/serving/aigap.duckdb)"
    )
    parser.add_argument("--out", type=Path, help="output directory (default: $AIGAP_HOME/reports)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    try:
        result = build_report(args.db or settings.serving_db_path, args.out or settings.reports_dir)
    except ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    for chart in result.charts:
        where = chart.png if chart.png is not None else chart.name
        label = f"{chart.status}{' (sample data)' if chart.is_sample else ''}"
        print(f"{label:<24} {where}{'  ' + chart.note if chart.note else ''}")
    print(f"{'written':<24} {result.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
