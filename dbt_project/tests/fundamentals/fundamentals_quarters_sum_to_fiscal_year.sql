{{ config(severity='warn') }}
-- The four current quarters of a flow add up to the current FY figure. Q4 (and for cash flows Q2, Q3)
-- are derived from year-to-date figures, so this checks that the REPORTED three-month quarters agree
-- with the reported year-to-date figures. Tolerance 0.1% of the year: filings round each quarter to the
-- nearest million, which moves a sum by a few millions at most on a year of billions.
-- A data anomaly of one company: warn (kept in audit.check_results), the year's rows are flagged
-- (quality_flag quarters_do_not_sum, fct_fundamentals_anomalies) and the rest publishes.
with current_flows as (
    select *
    from {{ ref('fct_fundamentals') }}
    where
        is_current_version
        and metric in {{ flow_metrics_sql() }}
),

quarters as (
    select
        ticker,
        metric,
        fiscal_year,
        currency,
        count(*) as n_quarters,
        sum(value) as sum_of_quarters
    from current_flows
    where period_kind = 'quarter'
    group by ticker, metric, fiscal_year, currency
),

fiscal_years as (
    select
        ticker,
        metric,
        fiscal_year,
        currency,
        value as fiscal_year_value
    from current_flows
    where fiscal_period = 'FY'
)

select
    fiscal_years.*,
    quarters.sum_of_quarters,
    quarters.sum_of_quarters - fiscal_years.fiscal_year_value as difference
from fiscal_years
inner join quarters
    on
        quarters.ticker = fiscal_years.ticker
        and quarters.metric = fiscal_years.metric
        and quarters.fiscal_year = fiscal_years.fiscal_year
        and quarters.currency = fiscal_years.currency
where
    quarters.n_quarters = 4
    and abs(quarters.sum_of_quarters - fiscal_years.fiscal_year_value) > greatest(0.001 * abs(fiscal_years.fiscal_year_value), 1)
