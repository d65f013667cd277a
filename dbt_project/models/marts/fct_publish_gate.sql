-- The aggregate rules that gate the publish (docs/publish_rules.md), one row per rule and subject (a
-- basket or a metric). The serving asset publishes only when every row passed; otherwise it stops with
-- the messages of the failing rows, which name the basket (or metric) and the companies concerned. One
-- company's anomaly never fails a rule by itself: it is flagged on that company (quality_flag,
-- fct_fundamentals_anomalies) and the rules count companies.
with

coverage as (
    select * from {{ ref('fct_basket_member_coverage') }}
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
        string_agg(ticker || ' (' || coalesce(not_valued_reason, 'unexplained') || ')', ', ' order by ticker)
            filter (where not is_valued) as companies
    from coverage
    where trading_day = 'last'
    group by basket
),

-- rule 2: each core metric is present, in the latest fiscal year with an annual report, for at least
-- publish_min_core_metric_share of the companies (a company without any annual report counts as missing)
companies as (
    select ticker from {{ ref('dim_company') }}
),

core_metrics as (
    select unnest({{ var('publish_core_metrics', ['revenue', 'rd_expense', 'net_income', 'shares_outstanding']) }})
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

metric_coverage as (
    select
        'core_metric_coverage' as rule,
        core_metrics.metric as subject,
        cast(null as date) as date,
        count(*) filter (where latest_year.is_present) / count(*) as observed,
        cast({{ var('publish_min_core_metric_share', 0.95) }} as double) as threshold,
        count(*) as n_companies,
        string_agg(companies.ticker, ', ' order by companies.ticker)
            filter (where not coalesce(latest_year.is_present, false)) as companies
    from companies
    cross join core_metrics
    left join latest_year
        on
            companies.ticker = latest_year.ticker
            and core_metrics.metric = latest_year.metric
    group by core_metrics.metric
),

-- rule 3: no basket loses a member it had the day before without a reason in the coverage mart
lost as (
    select
        last_day.basket,
        last_day.date,
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

lost_members as (
    select
        'basket_member_lost_without_reason' as rule,
        members.basket as subject,
        any_value(lost.date) as date,
        cast(count(lost.ticker) filter (where lost.not_valued_reason is null) as double) as observed,
        cast(0 as double) as threshold,
        count(distinct members.ticker) as n_companies,
        string_agg(lost.ticker, ', ' order by lost.ticker) filter (where lost.not_valued_reason is null)
            as companies
    from (select distinct basket, ticker from coverage) as members
    left join lost
        on
            members.basket = lost.basket
            and members.ticker = lost.ticker
    group by members.basket
),

rules as (
    select
        *,
        observed >= threshold as passed
    from valued
    union all by name
    select
        *,
        observed >= threshold as passed
    from metric_coverage
    union all by name
    select
        *,
        observed <= threshold as passed
    from lost_members
)

select
    rule,
    subject,
    date,
    observed,
    threshold,
    n_companies,
    passed,
    companies,
    case
        when rule = 'basket_members_valued' then
            'basket ' || subject || ': ' || round(100 * observed, 1) || ' % of its ' || n_companies
            || ' members valued on ' || date || ' (rule: at least ' || round(100 * threshold, 1) || ' %)'
            || coalesce('; not valued: ' || companies, '')
        when rule = 'core_metric_coverage' then
            'metric ' || subject || ': present in the latest annual year of ' || round(100 * observed, 1)
            || ' % of ' || n_companies || ' companies (rule: at least ' || round(100 * threshold, 1) || ' %)'
            || coalesce('; missing: ' || companies, '')
        else
            'basket ' || subject || ': ' || cast(observed as integer) || ' member(s) valued the day before '
            || coalesce(cast(date as varchar), 'the last trading day')
            || ' and not on it, without a reason in fct_basket_member_coverage'
            || coalesce(': ' || companies, '')
    end as message
from rules
