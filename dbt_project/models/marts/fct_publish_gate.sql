-- The aggregate rules that gate the publish (docs/publish_rules.md), one row per rule and subject (a
-- basket or a metric). The serving asset publishes only when every row passed; otherwise it stops with
-- the messages of the failing rows, which name the basket (or metric) and the companies concerned. One
-- company's anomaly never fails a rule by itself: it is flagged on that company (quality_flag,
-- fct_fundamentals_anomalies) and the rules count companies.
with

coverage as (
    select
        *,
        ticker || ' (' || coalesce(not_valued_reason, 'unexplained') || ')' as ticker_and_reason
    from {{ ref('fct_basket_member_coverage') }}
),

last_trading_day as (
    select max(date) as date from coverage
),

-- rule 1: every basket has at least publish_min_basket_valued_share of its members valued on the last
-- trading day
valued as (
    select
        'basket_members_valued' as rule,
        basket as subject,
        any_value(date) as date,
        count(*) filter (where is_valued) / count(*) as observed,
        cast({{ var('publish_min_basket_valued_share', 0.9) }} as double) as threshold,
        count(*) as n_companies,
        string_agg(ticker_and_reason, ', ' order by ticker) filter (where not is_valued) as companies
    from coverage
    where trading_day = 'last'
    group by basket
),

-- rule 2: each core metric is present, in the latest fiscal year with an annual report, for at least
-- publish_min_core_metric_share of the companies (a company without any annual report counts as missing)
core_metrics as (
    select unnest({{ var('publish_core_metrics', ['revenue', 'net_income', 'shares_outstanding']) }})
        as metric
),

latest_year as (
    select
        ticker,
        metric,
        arg_max(is_present, fiscal_year) as is_present
    from {{ ref('fct_fundamentals_coverage') }}
    where has_annual_report
    group by ticker, metric
),

company_metrics as (
    select
        companies.ticker,
        core_metrics.metric,
        coalesce(latest_year.is_present, false) as is_present
    from {{ ref('dim_company') }} as companies
    cross join core_metrics
    left join latest_year
        on
            companies.ticker = latest_year.ticker
            and core_metrics.metric = latest_year.metric
),

metric_coverage as (
    select
        'core_metric_coverage' as rule,
        metric as subject,
        cast(null as date) as date,
        count(*) filter (where is_present) / count(*) as observed,
        cast({{ var('publish_min_core_metric_share', 0.95) }} as double) as threshold,
        count(*) as n_companies,
        string_agg(ticker, ', ' order by ticker) filter (where not is_present) as companies
    from company_metrics
    group by metric
),

-- rule 3: no basket loses a member it had the day before without a reason in the coverage mart
lost as (
    select
        last_day.basket,
        last_day.ticker,
        last_day.not_valued_reason
    from coverage as last_day
    inner join coverage as previous_day
        on
            last_day.basket = previous_day.basket
            and last_day.ticker = previous_day.ticker
            and previous_day.trading_day = 'previous'
    where
        last_day.trading_day = 'last'
        and previous_day.is_valued
        and not last_day.is_valued
),

members as (
    select distinct
        basket,
        ticker
    from coverage
),

lost_members as (
    select
        'basket_member_lost_without_reason' as rule,
        members.basket as subject,
        any_value(last_trading_day.date) as date,
        cast(count(lost.ticker) filter (where lost.not_valued_reason is null) as double) as observed,
        cast(0 as double) as threshold,
        count(distinct members.ticker) as n_companies,
        string_agg(lost.ticker, ', ' order by lost.ticker) filter (where lost.not_valued_reason is null) as companies
    from members
    cross join last_trading_day
    left join lost
        on
            members.basket = lost.basket
            and members.ticker = lost.ticker
    group by members.basket
)

select
    *,
    observed >= threshold as passed,
    format(
        'basket {}: {:.1f} % of its {} members valued on {} (rule: at least {:.1f} %)',
        subject, 100 * observed, n_companies, date, 100 * threshold
    ) || coalesce('; not valued: ' || companies, '') as message
from valued
union all by name
-- a share of companies is an aggregate only at breadth: below publish_min_companies_for_coverage
-- companies one company's gap would be the whole rule, so it is reported and never blocks there
select
    *,
    observed >= threshold or n_companies < {{ var('publish_min_companies_for_coverage', 20) }} as passed,
    format(
        'metric {}: present in the latest annual year of {:.1f} % of {} companies (rule: at least {:.1f} %)',
        subject, 100 * observed, n_companies, 100 * threshold
    ) || coalesce('; missing: ' || companies, '') as message
from metric_coverage
union all by name
select
    *,
    observed <= threshold as passed,
    format(
        'basket {}: {} member(s) valued the day before {} and not on it, without a reason in '
        || 'fct_basket_member_coverage',
        subject, cast(observed as integer), date
    ) || coalesce(': ' || companies, '') as message
from lost_members
