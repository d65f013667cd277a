"""The charts of the report, each reading the dbt models of ``dbt_project/models/marts/report``."""

from __future__ import annotations

from ingestion.publish.report.charts import (
    _no_ratio_note,
    draw_basket_indices,
    draw_compute_access,
    draw_ev_to_rd,
    draw_event_study,
    draw_growth_vs_utility,
    draw_return_on_research,
)
from ingestion.publish.report.model import ChartSpec, Query, Rows


def basket_members(data: dict[str, Rows]) -> str:
    """The members of each basket drawn, from the data: "US: AMZN, GOOGL, MSFT; CN: 0700.HK, BABA, BIDU".

    Baskets in the chart's order (US first, as drawn), members by ticker; empty when the members' model
    is not in the warehouse.
    """
    members = data.get("members")
    if members is None:
        return ""
    drawn = sorted(set(data["baskets"].col("basket")), key=lambda b: (b != "US", b))
    tickers: dict[str, list[str]] = {}
    for record in members.records():
        tickers.setdefault(record["basket"], []).append(record["ticker"])
    return "; ".join(f"{b}: {', '.join(sorted(tickers[b]))}" for b in drawn if b in tickers)


def _basket_caption(data: dict[str, Rows]) -> str:
    members = basket_members(data)
    return (
        f"Sum of the members' USD market caps{f' ({members})' if members else ''}, 100 on "
        "2022-11-30 (marts.fct_basket_gap_daily). Dashed lines: export-control and regulatory "
        "events on their announcement dates (marts.dim_export_control_event)."
    )


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        name="basket_indices",
        title="Basket indices since 2022-11-30 (US and CN: the essay's pair)",
        caption=_basket_caption,
        queries=(
            Query("baskets", "report.rpt_basket_indices", "basket, date"),
            Query("members", "report.rpt_basket_members", "basket, ticker", required=False),
            Query("events", "report.rpt_chart_events", "event_date, event_id", required=False),
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
        queries=(Query("valuations", "report.rpt_ev_to_rd", "ticker, date"),),
        draw=draw_ev_to_rd,
    ),
    ChartSpec(
        name="compute_access_ratio",
        title="Compute access ratio over time",
        caption=(
            "Best accelerator legally exportable to China ÷ best US accelerator, by TPP "
            "(marts.fct_compute_access_gap); dashed lines where the rule governing the line changes."
        ),
        queries=(Query("gap", "report.rpt_compute_access_ratio", "date"),),
        draw=draw_compute_access,
        empty_note=_no_ratio_note,
    ),
    ChartSpec(
        name="event_study_cars",
        title="Event-study CARs of the two baskets",
        caption=(
            "Cumulative abnormal returns of each equal-weighted basket around each event, per "
            "event window (marts.fct_event_study, entity_type = 'basket'); events in date order."
        ),
        queries=(
            Query(
                "cars", "report.rpt_event_study_cars", "event_id, window_first_day, window_last_day, entity"
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
        queries=(Query("ror", "report.rpt_return_on_research", "entity_type, entity"),),
        draw=draw_return_on_research,
    ),
    ChartSpec(
        name="growth_vs_utility",
        title="Growth vs utility",
        caption=(
            "Each company-year with a revenue growth and a P/E (marts.fct_growth_vs_utility), coloured "
            "by its classification (rule in the model's docs and docs/metrics.md)."
        ),
        queries=(Query("years", "report.rpt_growth_vs_utility", "ticker, fiscal_year"),),
        draw=draw_growth_vs_utility,
    ),
)
