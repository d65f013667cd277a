"""The gap report: PNG charts and one HTML page, drawn from a warehouse file opened read-only.

``python -m ingestion.report`` (``make report``) reads the serving copy ($AIGAP_HOME/serving/aigap.duckdb)
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
import hashlib
import html
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ingestion.config import load_settings

log = logging.getLogger(__name__)

# Bump when the drawing code changes in a way that should redraw charts whose data did not change.
DRAWING_VERSION = "1"
SAMPLE_STAMP = "SAMPLE DATA"
SAMPLE_EXPLANATION = "synthetic sample data, not the public record"
BASE_DATE = date(2022, 11, 30)
PAGE_NAME = "index.html"

BASKET_COLORS = {"US": "#1f4e9a", "CN": "#c0392b"}
TICKER_SHADES = {
    "US": ["#1f4e9a", "#3f7fd0", "#7fb0ef", "#0b2a5b"],
    "CN": ["#c0392b", "#e67e22", "#f1a58a", "#7b1e14"],
}
CLASS_COLORS = {"growth": "#2e8b57", "utility": "#7f8c8d", "mixed": "#e67e22"}


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
    """One input of a chart. ``tables`` must all exist; the SQL must return an ``is_sample`` column."""

    name: str
    sql: str
    tables: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class ChartSpec:
    name: str
    title: str
    caption: str
    queries: tuple[Query, ...]
    draw: Callable[[dict[str, Rows]], Figure]
    # when the query returned rows but none worth plotting (e.g. every ratio null): a note, else None
    empty_note: Callable[[dict[str, Rows]], str | None] | None = None


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


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".", 1)
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def _fetch(con: duckdb.DuckDBPyConnection, query: Query) -> Rows:
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


# ----------------------------------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def stamp_sample(fig: Figure) -> None:
    """Mark a figure as sample data: a watermark across it and a red line at the top."""
    fig.text(
        0.5,
        0.5,
        SAMPLE_STAMP,
        rotation=25,
        fontsize=64,
        fontweight="bold",
        color="#d62728",
        alpha=0.22,
        ha="center",
        va="center",
        zorder=1000,
    )
    fig.suptitle(f"{SAMPLE_STAMP}: {SAMPLE_EXPLANATION}", color="#d62728", fontweight="bold", fontsize=11)


def draw_chart(spec: ChartSpec, data: dict[str, Rows]) -> tuple[Figure, bool]:
    """The chart's figure, stamped when any plotted row is sample data; and whether it was."""
    fig = spec.draw(data)
    is_sample = any(rows.any_sample for rows in data.values())
    if is_sample:
        stamp_sample(fig)
    return fig, is_sample


def _by(rows: Rows, key: str) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = {}
    for record in rows.records():
        groups.setdefault(record[key], []).append(record)
    return groups


def _none_to_nan(values: Sequence[Any]) -> list[float]:
    return [float("nan") if v is None else float(v) for v in values]


def _mark_events(ax: Any, events: list[tuple[date, str]], span_days: int) -> None:
    """Vertical dashed lines at event dates, labelled with the event ids. Events closer together than
    2% of the plotted span share one label (ids stacked) so labels never print over each other."""
    min_gap = max(3, span_days // 50)
    clusters: list[tuple[date, list[str]]] = []
    for day, event_id in sorted(events):
        ax.axvline(day, color="#555555", lw=0.8, ls="--", alpha=0.7, zorder=1)
        if clusters and (day - clusters[-1][0]).days <= min_gap:
            clusters[-1][1].append(event_id)
        else:
            clusters.append((day, [event_id]))
    for day, ids in clusters:
        ax.text(
            day,
            0.985,
            "\n".join(ids),
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="right",
            va="top",
            fontsize=6.5,
            color="#333333",
        )


def _span_days(days: Sequence[date]) -> int:
    return (max(days) - min(days)).days if days else 0


def _ticker_colors(records: list[dict[str, Any]]) -> dict[str, str]:
    colors: dict[str, str] = {}
    for basket in ("US", "CN"):
        tickers = sorted({r["ticker"] for r in records if r.get("basket") == basket})
        for i, ticker in enumerate(tickers):
            colors[ticker] = TICKER_SHADES[basket][i % len(TICKER_SHADES[basket])]
    for r in records:
        colors.setdefault(r["ticker"], "#555555")
    return colors


def draw_basket_indices(data: dict[str, Rows]) -> Figure:
    fig = _figure(11, 5.8)
    ax = fig.add_subplot()
    for basket, records in sorted(_by(data["baskets"], "basket").items(), key=lambda kv: kv[0] != "US"):
        ax.plot(
            [r["date"] for r in records],
            _none_to_nan([r["index_2022_11_30"] for r in records]),
            label=f"{basket} basket",
            color=BASKET_COLORS.get(basket, "#555555"),
            lw=1.6,
        )
    ax.axhline(100, color="#999999", lw=0.8, ls=":")
    events = data.get("events")
    if events is not None and len(events):
        span = _span_days(data["baskets"].col("date"))
        _mark_events(ax, [(r["event_date"], r["event_id"]) for r in events.records()], span)
    ax.set_ylabel("Index, 2022-11-30 = 100 (sum of members' USD market caps)")
    ax.set_title("US vs CN basket market cap since 2022-11-30, export-control events marked", loc="left")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.25)
    return fig


def draw_ev_to_rd(data: dict[str, Rows]) -> Figure:
    fig = _figure(11, 5.5)
    ax = fig.add_subplot()
    records = data["valuations"].records()
    colors = _ticker_colors(records)
    for ticker, rows in sorted(
        _by(data["valuations"], "ticker").items(), key=lambda kv: (kv[1][0]["basket"] != "US", kv[0])
    ):
        basket = rows[0]["basket"]
        ax.plot(
            [r["date"] for r in rows],
            _none_to_nan([r["ev_to_rd_ttm"] for r in rows]),
            label=f"{ticker} ({basket})",
            color=colors[ticker],
            lw=1.3,
            ls="-" if basket == "US" else "--",
        )
    ax.set_ylabel("Enterprise value ÷ TTM R&D (USD/USD)")
    ax.set_title("EV/R&D by company since 2022-11-30: what the market pays per dollar of R&D", loc="left")
    ax.legend(loc="upper left", ncols=2, fontsize=8)
    ax.grid(alpha=0.25)
    return fig


def draw_compute_access(data: dict[str, Rows]) -> Figure:
    fig = _figure(11, 5)
    ax = fig.add_subplot()
    records = data["gap"].records()
    ax.step(
        [r["date"] for r in records],
        _none_to_nan([r["compute_access_ratio"] for r in records]),
        where="post",
        color="#6a3d9a",
        lw=1.8,
    )
    changes: list[tuple[date, str]] = []
    previous = None
    for r in records:
        if r["governing_event_id"] != previous and r["governing_event_id"] is not None:
            changes.append((r["date"], r["governing_event_id"]))
        previous = r["governing_event_id"]
    _mark_events(ax, changes, _span_days([r["date"] for r in records]))
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("Best China-exportable TPP ÷ best US TPP")
    ax.set_title(
        "Compute access ratio (gaps: no exportable chip with a confirmed TPP in the seed)", loc="left"
    )
    ax.grid(alpha=0.25)
    return fig


def draw_event_study(data: dict[str, Rows]) -> Figure:
    records = data["cars"].records()
    # shortest window first: [-1,+1], [0,+5], [-5,+20]
    windows = sorted(
        {
            (r["window_last_day"] - r["window_first_day"], r["window_first_day"], r["event_window"])
            for r in records
        }
    )
    event_order = sorted({(r["event_date"] or date.max, r["event_id"]) for r in records})
    events = [event_id for _, event_id in event_order]
    fig = _figure(12, 1.6 + 0.3 * len(events))
    axes = fig.subplots(1, len(windows), sharey=True, squeeze=False)[0]
    y = {event_id: i for i, event_id in enumerate(events)}
    for ax, (_, _, window) in zip(axes, windows, strict=True):
        for offset, basket in ((-0.2, "US"), (0.2, "CN")):
            rows = [r for r in records if r["event_window"] == window and r["entity"] == basket]
            ys = [y[r["event_id"]] + offset for r in rows]
            cars = [100.0 * r["car"] for r in rows]
            ax.barh(ys, cars, height=0.38, color=BASKET_COLORS[basket], label=f"{basket} basket")
            for yy, car, r in zip(ys, cars, rows, strict=True):
                if r["t_stat"] is not None and abs(r["t_stat"]) >= 1.96:
                    ax.text(
                        car, yy, " *" if car >= 0 else "* ", va="center", ha="left" if car >= 0 else "right"
                    )
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_title(f"window {window} trading days", fontsize=10)
        ax.set_xlabel("CAR, %")
        ax.grid(axis="x", alpha=0.25)
    axes[0].set_yticks(range(len(events)), events, fontsize=7)
    axes[0].invert_yaxis()
    axes[0].legend(loc="lower left", fontsize=8)
    fig.supxlabel("* |t| >= 1.96 (market-model abnormal returns, equal-weighted basket)", fontsize=8)
    return fig


def draw_return_on_research(data: dict[str, Rows]) -> Figure:
    records = data["ror"].records()
    records.sort(key=lambda r: (r["entity_type"] != "basket", r["basket"] != "US", r["entity"]))
    fig = _figure(10, 1.4 + 0.42 * len(records))
    ax = fig.add_subplot()
    labels = [f"{r['entity']} basket" if r["entity_type"] == "basket" else r["entity"] for r in records]
    values = [r["return_on_research"] for r in records]
    bars = ax.barh(
        range(len(records)),
        _none_to_nan(values),
        color=[BASKET_COLORS.get(r["basket"], "#555555") for r in records],
        alpha=0.95,
    )
    for bar, r in zip(bars, records, strict=True):
        if r["entity_type"] == "basket":
            bar.set_hatch("//")
            bar.set_edgecolor("white")
        if r["return_on_research"] is not None:
            ax.text(
                bar.get_width(),
                bar.get_y() + bar.get_height() / 2,
                f" {r['return_on_research']:.1f} ",
                va="center",
                ha="left" if r["return_on_research"] >= 0 else "right",
                fontsize=8,
            )
    ax.set_yticks(range(len(records)), labels)
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.8)
    end = max(r["window_end"] for r in records)
    ax.set_xlabel(f"USD of market-cap change per USD of R&D, 2022-11-30 to {end}")
    ax.set_title("Return on research since 2022-11-30", loc="left")
    ax.grid(axis="x", alpha=0.25)
    return fig


def draw_growth_vs_utility(data: dict[str, Rows]) -> Figure:
    records = data["years"].records()
    fig = _figure(10, 6)
    ax = fig.add_subplot()
    markers = {"US": "o", "CN": "^"}
    latest = {}
    for r in records:
        latest[r["ticker"]] = max(latest.get(r["ticker"], r["fiscal_year"]), r["fiscal_year"])
    for r in records:
        is_latest = r["fiscal_year"] == latest[r["ticker"]]
        ax.scatter(
            100.0 * r["revenue_growth"],
            r["pe_ttm"],
            color=CLASS_COLORS.get(r["classification"], "#555555"),
            marker=markers.get(r["basket"], "s"),
            s=70 if is_latest else 34,
            edgecolor="black" if is_latest else "white",
            zorder=3,
        )
        if is_latest:  # one label per company keeps the plot readable; the mart has every year
            ax.annotate(
                f"{r['ticker']} FY{r['fiscal_year']}",
                (100.0 * r["revenue_growth"], r["pe_ttm"]),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=7.5,
            )
    for cls, color in CLASS_COLORS.items():
        ax.scatter([], [], color=color, label=cls)
    for basket, marker in markers.items():
        ax.scatter([], [], color="#555555", marker=marker, label=f"{basket} basket")
    ax.set_xlabel("Revenue growth, % (fiscal year, reporting currency)")
    ax.set_ylabel("P/E on the day the year's results were published")
    ax.set_title(
        "Growth vs utility: how the market priced each company-year (latest year outlined)", loc="left"
    )
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.25)
    return fig


def _no_ratio_note(data: dict[str, Rows]) -> str | None:
    if all(v is None for v in data["gap"].col("compute_access_ratio")):
        return "marts.fct_compute_access_gap has no day with a compute access ratio (no chip with a confirmed TPP)."
    return None


BASE = BASE_DATE.isoformat()

CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        name="basket_indices",
        title="US and CN basket indices since 2022-11-30",
        caption=(
            "Sum of the members' USD market caps (MSFT, GOOGL, AMZN; BABA, BIDU, Tencent), 100 on "
            "2022-11-30 (marts.fct_basket_gap_daily). Dashed lines: export-control and regulatory "
            "events on their announcement dates (marts.dim_export_control_event)."
        ),
        queries=(
            Query(
                "baskets",
                f"SELECT date, basket, index_2022_11_30, is_sample FROM marts.fct_basket_gap_daily "
                f"WHERE date >= DATE '{BASE}' AND index_2022_11_30 IS NOT NULL ORDER BY basket, date",
                ("marts.fct_basket_gap_daily",),
            ),
            Query(
                "events",
                f"SELECT event_id, event_date, is_sample FROM marts.dim_export_control_event "
                f"WHERE event_date >= DATE '{BASE}' AND event_date <= "
                f"(SELECT max(date) FROM marts.fct_basket_gap_daily) ORDER BY event_date, event_id",
                ("marts.dim_export_control_event", "marts.fct_basket_gap_daily"),
                required=False,
            ),
        ),
        draw=draw_basket_indices,
    ),
    ChartSpec(
        name="ev_to_rd",
        title="EV/R&D by company",
        caption=(
            "Enterprise value ÷ trailing-twelve-month R&D, both in USD, daily from 2022-11-30 "
            "(marts.fct_valuation_daily.ev_to_rd_ttm): point in time, from figures filed by each day. "
            "AMZN's R&D is a proxy (technology and content/infrastructure expense), so its EV/R&D is low."
        ),
        queries=(
            Query(
                "valuations",
                f"SELECT ticker, basket, date, ev_to_rd_ttm, is_sample FROM marts.fct_valuation_daily "
                f"WHERE date >= DATE '{BASE}' AND ev_to_rd_ttm IS NOT NULL ORDER BY ticker, date",
                ("marts.fct_valuation_daily",),
            ),
        ),
        draw=draw_ev_to_rd,
    ),
    ChartSpec(
        name="compute_access_ratio",
        title="Compute access ratio over time",
        caption=(
            "Best accelerator legally exportable to China ÷ best US accelerator, by TPP "
            "(marts.fct_compute_access_gap); dashed lines where the rule governing the line changes."
        ),
        queries=(
            Query(
                "gap",
                "SELECT date, compute_access_ratio, governing_event_id, is_sample "
                "FROM marts.fct_compute_access_gap ORDER BY date",
                ("marts.fct_compute_access_gap",),
            ),
        ),
        draw=draw_compute_access,
        empty_note=_no_ratio_note,
    ),
    ChartSpec(
        name="event_study_cars",
        title="Event-study CARs of the two baskets",
        caption=(
            "Cumulative abnormal returns of the equal-weighted US and CN baskets around each event, per "
            "event window (marts.fct_event_study, entity_type = 'basket'); events in date order."
        ),
        queries=(
            Query(
                "cars",
                # day 0 is on the listings' rows: take the event's date from them before keeping baskets
                "SELECT event_id, event_date, entity, event_window, window_first_day, window_last_day, car, "
                "t_stat, is_sample FROM (SELECT *, min(day_zero_date) OVER (PARTITION BY event_id) AS event_date "
                "FROM marts.fct_event_study) WHERE entity_type = 'basket' AND car IS NOT NULL "
                "ORDER BY event_id, window_first_day, window_last_day, entity",
                ("marts.fct_event_study",),
            ),
        ),
        draw=draw_event_study,
    ),
    ChartSpec(
        name="return_on_research",
        title="Return on research since 2022-11-30",
        caption=(
            "Change in USD market cap ÷ USD R&D expensed over the same window, from 2022-11-30 to the "
            "last valuation day (marts.fct_return_on_research, window_kind = 'since_2022_11_30'). "
            "Hatched: baskets (sum of members). R&D after the last reported period is a run rate."
        ),
        queries=(
            Query(
                "ror",
                "SELECT entity, entity_type, basket, window_end, market_cap_change_usd, cumulative_rd_usd, "
                "return_on_research, rd_days_estimated, is_sample FROM marts.fct_return_on_research "
                "WHERE window_kind = 'since_2022_11_30' ORDER BY entity_type, entity",
                ("marts.fct_return_on_research",),
            ),
        ),
        draw=draw_return_on_research,
    ),
    ChartSpec(
        name="growth_vs_utility",
        title="Growth vs utility",
        caption=(
            "Each company-year with a revenue growth and a P/E (marts.fct_growth_vs_utility), coloured "
            "by its classification (rule in the model's docs and docs/metrics.md)."
        ),
        queries=(
            Query(
                "years",
                "SELECT ticker, basket, fiscal_year, revenue_growth, pe_ttm, classification, is_sample "
                "FROM marts.fct_growth_vs_utility WHERE revenue_growth IS NOT NULL AND pe_ttm IS NOT NULL "
                "ORDER BY ticker, fiscal_year",
                ("marts.fct_growth_vs_utility",),
            ),
        ),
        draw=draw_growth_vs_utility,
    ),
)


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
        missing = [t for t in query.tables if not _table_exists(con, t)]
        if missing:
            if query.required:
                return _skip(spec, out_dir, f"{', '.join(missing)} is not in the warehouse.")
            continue
        try:
            data[query.name] = _fetch(con, query)
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
    if previous and previous.get("fingerprint") == digest and png.is_file() and png.stat().st_size > 0:
        return ChartResult(spec.name, spec.title, "unchanged", png, sidecar, n_rows, is_sample, digest)

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
    return ChartResult(spec.name, spec.title, "drawn", png, sidecar, n_rows, is_sample, digest)


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
.meta { color: #666; font-size: 0.9em; }
.sample { background: #fdecea; border: 2px solid #d62728; color: #a01c1c; padding: 0.6em 1em;
          font-weight: bold; margin: 1em 0; }
.note { background: #f4f4f4; border-left: 4px solid #999; padding: 0.6em 1em; }
figure { margin: 0; }
img { max-width: 100%; border: 1px solid #ddd; }
.caption { color: #444; font-size: 0.92em; }
section { margin: 2.2em 0; }
"""


def render_html(result: ReportResult, generated_at: datetime) -> str:
    esc = html.escape
    any_sample = any(c.is_sample for c in result.charts if c.status != "skipped")
    specs = {spec.name: spec for spec in CHARTS}
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>aigap: the US/CN generative-AI capital gap</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>aigap: the US/CN generative-AI capital gap</h1>",
        f'<p class="meta">Generated {esc(generated_at.isoformat(timespec="seconds"))} from '
        f"<code>{esc(str(result.db_path))}</code> (opened read-only). Metric definitions: docs/metrics.md.</p>",
    ]
    if any_sample:
        parts.append(
            f'<div class="sample">{SAMPLE_STAMP}: charts stamped so are drawn from {SAMPLE_EXPLANATION}. '
            "Set AIGAP_SOURCE=live for real figures.</div>"
        )
    parts.append("<ul>")
    for chart in result.charts:
        suffix = (
            " (not drawn)" if chart.status == "skipped" else (" (sample data)" if chart.is_sample else "")
        )
        parts.append(f'<li><a href="#{esc(chart.name)}">{esc(chart.title)}</a>{esc(suffix)}</li>')
    parts.append("</ul>")
    for chart in result.charts:
        spec = specs.get(chart.name)
        parts.append(f'<section id="{esc(chart.name)}"><h2>{esc(chart.title)}</h2>')
        if chart.status == "skipped" or chart.png is None:
            parts.append(f'<p class="note">Not drawn: {esc(chart.note)}</p>')
        else:
            version = (chart.fingerprint or "")[:12]
            parts.append(
                f'<figure><img src="{esc(chart.png.name)}?v={version}" alt="{esc(chart.title)}">'
                f'<figcaption class="caption">{esc(spec.caption if spec else "")}'
                f"{' <strong>' + SAMPLE_STAMP + '.</strong>' if chart.is_sample else ''}"
                "</figcaption></figure>"
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


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
        prog="python -m ingestion.report", description="Draw the gap report (PNG charts + one HTML page)."
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
