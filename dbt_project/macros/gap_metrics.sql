{#-
    Gap-metric formulas, defined once (the valuation formulas they build on are in metrics.sql).
    Each macro renders a plain SQL expression; docs/metrics.md explains every metric in words.
-#}

{#- The day the return-on-research "since" window and the basket indices start from: the last
    trading day before ChatGPT's public release (2022-11-30), the conventional start of the
    generative-AI rally. -#}
{% macro gap_base_date() -%}
    date '2022-11-30'
{%- endmacro %}

{#- How many calendar days an observation may lag the day it stands for (a market cap "at" a window
    boundary is the last valuation on or before that day): long enough to bridge Lunar New Year or
    Christmas closures, short enough that a stopped price series yields no value instead of a stale one.
    The same 10 days fct_basket_gap_daily allows a basket member. -#}
{% macro max_valuation_lag_days() -%}
    10
{%- endmacro %}

{#- A flow reported for [period_start, period_end] (both inclusive) spread evenly over its days:
    the amount per calendar day. -#}
{% macro per_day(amount, period_start, period_end) -%}
    (({{ amount }}) / (date_diff('day', {{ period_start }}, {{ period_end }}) + 1))
{%- endmacro %}

{#- Return on research: market value created per dollar of R&D over the same window.
    USD of market-cap change ÷ USD of R&D expensed; null unless R&D is positive. -#}
{% macro return_on_research(market_cap_change_usd, cumulative_rd_usd) -%}
    {{ safe_ratio(market_cap_change_usd, cumulative_rd_usd) }}
{%- endmacro %}

{#- Year-over-year growth of a flow, as a fraction (0.15 = 15%); null unless the prior year is positive. -#}
{% macro growth_rate(current, prior) -%}
    (case when ({{ prior }}) > 0 then {{ pct_change(current, prior) }} end)
{%- endmacro %}

{#- Growth-or-utility label of a company-year. Thresholds are dbt vars so an analyst can test another
    cut without editing SQL (`dbt build --vars '{gvu_growth_min_revenue_growth: 0.2}'`):
      growth   revenue growth >= 15% and P/E >= 25: the market pays a premium multiple for fast growth
      utility  revenue growth <  8% and P/E <  15: slow growth priced at a low multiple
      mixed    anything else with both inputs known (fast growth at a low multiple, or the reverse)
      unclassified  revenue growth or P/E unknown (no prior year, a loss, no price on the filing day)
-#}
{% macro growth_vs_utility_class(revenue_growth, pe_ttm) -%}
    (case
        when ({{ revenue_growth }}) is null or ({{ pe_ttm }}) is null then 'unclassified'
        when ({{ revenue_growth }}) >= {{ var('gvu_growth_min_revenue_growth', 0.15) }}
            and ({{ pe_ttm }}) >= {{ var('gvu_growth_min_pe', 25) }} then 'growth'
        when ({{ revenue_growth }}) < {{ var('gvu_utility_max_revenue_growth', 0.08) }}
            and ({{ pe_ttm }}) < {{ var('gvu_utility_max_pe', 15) }} then 'utility'
        else 'mixed'
    end)
{%- endmacro %}

{#- The fundamentals known on a date: a SELECT over fct_fundamentals giving, per company, metric and
    period, the latest version filed on or before `as_of_cte`.as_of_date, in force that day.
    A later filing that repeats a figure unchanged (a 10-K's prior-year comparatives) is a new version
    but not new knowledge: consecutive versions with the same value form a run, and filed_date /
    accession_number (document/page for HKEX figures) are those of the run's FIRST filing, i.e. when
    and where the number in force became public. latest_filed_date / latest_accession_number name the
    version itself; period_first_filed_date is the period's first publication whatever its value
    (before any restatement).
    Arguments: metrics and period_kinds as lists of strings; as_of_cte a relation with as_of_date. -#}
{% macro fundamentals_known_as_of(metrics, period_kinds, as_of_cte) -%}
    with filed as (
        select facts.*
        from {{ ref('fct_fundamentals') }} as facts
        cross join {{ as_of_cte }} as as_of
        where
            facts.metric in ({% for m in metrics %}'{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
            and facts.period_kind in ({% for k in period_kinds %}'{{ k }}'{% if not loop.last %}, {% endif %}{% endfor %})
            and facts.filed_date <= as_of.as_of_date
    ),

    ordered as (
        select
            *,
            lag(value) over same_period as previous_value,
            -- the period's first publication, whatever its value (e.g. before a restatement)
            min(filed_date) over same_period_all as period_first_filed_date
        from filed
        window
            same_period as (
                partition by ticker, metric, period_kind, fiscal_period, period_end
                order by filed_date, is_derived desc, accession_number nulls first
            ),
            same_period_all as (partition by ticker, metric, period_kind, fiscal_period, period_end)
    ),

    runs as (
        select
            *,
            sum(case when value is distinct from previous_value then 1 else 0 end) over (
                partition by ticker, metric, period_kind, fiscal_period, period_end
                order by filed_date, is_derived desc, accession_number nulls first
                rows between unbounded preceding and current row
            ) as run_number
        from ordered
    ),

    run_starts as (
        select
            ticker,
            metric,
            period_kind,
            fiscal_period,
            period_end,
            run_number,
            min(filed_date) as first_filed_date,
            arg_min(accession_number, filed_date) as first_accession_number,
            arg_min(document, filed_date) as first_document,
            arg_min(page, filed_date) as first_page
        from runs
        group by ticker, metric, period_kind, fiscal_period, period_end, run_number
    )

    select
        runs.ticker,
        runs.metric,
        runs.fiscal_year,
        runs.fiscal_period,
        runs.period_kind,
        runs.period_start,
        runs.period_end,
        runs.value,
        runs.currency,
        runs.value_usd,
        run_starts.first_filed_date as filed_date,
        run_starts.first_accession_number as accession_number,
        run_starts.first_document as document,
        run_starts.first_page as page,
        runs.filed_date as latest_filed_date,
        runs.accession_number as latest_accession_number,
        runs.period_first_filed_date,
        runs.source_confidence,
        runs.is_sample
    from runs
    cross join {{ as_of_cte }} as as_of
    inner join run_starts
        on runs.ticker = run_starts.ticker
        and runs.metric = run_starts.metric
        and runs.period_kind = run_starts.period_kind
        and runs.fiscal_period = run_starts.fiscal_period
        and runs.period_end = run_starts.period_end
        and runs.run_number = run_starts.run_number
    -- in force on as_of_date: no later version filed by then
    where runs.superseded_date is null or runs.superseded_date > as_of.as_of_date
{%- endmacro %}
