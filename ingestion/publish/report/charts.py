"""Drawing: one matplotlib figure per chart, stamped SAMPLE DATA when it plots sample rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ingestion.baskets import basket_order
from ingestion.publish.report.model import SAMPLE_EXPLANATION, SAMPLE_STAMP, ChartSpec, Rows

# Baskets are data (dbt_project/seeds/baskets.csv): styles go by a basket's place in basket_order(),
# the default pair's long and short baskets first (US blue, CN red), then the others by name.
_PALETTE = [
    ("#1f4e9a", ["#1f4e9a", "#3f7fd0", "#7fb0ef", "#0b2a5b"]),
    ("#c0392b", ["#c0392b", "#e67e22", "#f1a58a", "#7b1e14"]),
    ("#2e8b57", ["#2e8b57", "#58b47f", "#9ad3b0", "#145a32"]),
    ("#8e44ad", ["#8e44ad", "#b07cc6", "#d7bde2", "#4a235a"]),
    ("#b7950b", ["#b7950b", "#d4ac0d", "#f7dc6f", "#7d6608"]),
    ("#17a589", ["#17a589", "#48c9b0", "#a3e4d7", "#0e6655"]),
]
_MARKERS = ["o", "^", "s", "D", "v", "P"]
_LINESTYLES = ["-", "--", "-.", ":"]


def _style(order: list[str], basket: str | None, styles: Sequence[Any]) -> Any:
    return styles[order.index(basket) % len(styles)] if basket in order else None


def basket_colors(baskets: Sequence[str]) -> dict[str, str]:
    order = basket_order(baskets)
    return {b: _style(order, b, _PALETTE)[0] for b in order}


CLASS_COLORS = {"growth": "#2e8b57", "utility": "#7f8c8d", "mixed": "#e67e22"}


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
    order = basket_order([r["basket"] for r in records if r.get("basket")])
    for basket in order:
        shades = _style(order, basket, _PALETTE)[1]
        tickers = sorted({r["ticker"] for r in records if r.get("basket") == basket})
        for i, ticker in enumerate(tickers):
            colors[ticker] = shades[i % len(shades)]
    for r in records:
        colors.setdefault(r["ticker"], "#555555")
    return colors


def draw_basket_indices(data: dict[str, Rows]) -> Figure:
    fig = _figure(11, 5.8)
    ax = fig.add_subplot()
    by_basket = _by(data["baskets"], "basket")
    order = basket_order(list(by_basket))
    colors = basket_colors(order)
    for basket in order:
        records = by_basket[basket]
        ax.plot(
            [r["date"] for r in records],
            _none_to_nan([r["index_2022_11_30"] for r in records]),
            label=f"{basket} basket",
            color=colors[basket],
            lw=1.6,
        )
    ax.axhline(100, color="#999999", lw=0.8, ls=":")
    events = data.get("events")
    if events is not None and len(events):
        span = _span_days(data["baskets"].col("date"))
        _mark_events(ax, [(r["event_date"], r["event_id"]) for r in events.records()], span)
    ax.set_ylabel("Index, 2022-11-30 = 100 (sum of members' USD market caps)")
    ax.set_title(
        f"{' vs '.join(order)} basket market cap since 2022-11-30, export-control events marked", loc="left"
    )
    ax.legend(loc="upper left")
    ax.grid(alpha=0.25)
    return fig


def draw_ev_to_rd(data: dict[str, Rows]) -> Figure:
    fig = _figure(11, 5.5)
    ax = fig.add_subplot()
    records = data["valuations"].records()
    colors = _ticker_colors(records)
    order = basket_order([r["basket"] for r in records])
    for ticker, rows in sorted(
        _by(data["valuations"], "ticker").items(), key=lambda kv: (order.index(kv[1][0]["basket"]), kv[0])
    ):
        basket = rows[0]["basket"]
        ax.plot(
            [r["date"] for r in rows],
            _none_to_nan([r["ev_to_rd_ttm"] for r in rows]),
            label=f"{ticker} ({basket})",
            color=colors[ticker],
            lw=1.3,
            ls=_style(order, basket, _LINESTYLES),
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
    order = basket_order([r["entity"] for r in records])
    colors = basket_colors(order)
    height = 0.8 / max(len(order), 1)  # the baskets share each event's row
    for ax, (_, _, window) in zip(axes, windows, strict=True):
        for i, basket in enumerate(order):
            offset = -0.4 + height * (i + 0.5)
            rows = [r for r in records if r["event_window"] == window and r["entity"] == basket]
            ys = [y[r["event_id"]] + offset for r in rows]
            cars = [100.0 * r["car"] for r in rows]
            ax.barh(ys, cars, height=height * 0.95, color=colors[basket], label=f"{basket} basket")
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
    order = basket_order([r["basket"] for r in records])
    colors = basket_colors(order)
    records.sort(key=lambda r: (r["entity_type"] != "basket", order.index(r["basket"]), r["entity"]))
    fig = _figure(10, 1.4 + 0.42 * len(records))
    ax = fig.add_subplot()
    labels = [f"{r['entity']} basket" if r["entity_type"] == "basket" else r["entity"] for r in records]
    values = [r["return_on_research"] for r in records]
    bars = ax.barh(
        range(len(records)),
        _none_to_nan(values),
        color=[colors.get(r["basket"], "#555555") for r in records],
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
    order = basket_order([r["basket"] for r in records])
    markers = {b: _style(order, b, _MARKERS) for b in order}
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
