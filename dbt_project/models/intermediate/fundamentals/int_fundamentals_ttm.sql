-- Trailing-twelve-month flows, point in time: one row per company, metric, window end and date the
-- window's value became known (known_from). A restatement of any component makes a new row.
-- At a fiscal year end the TTM is the FY figure itself (this is also all annual-only 20-F filers and
-- HKEX issuers have); at other quarter ends it is the sum of that quarter and the three before it.
with flow_versions as (
    select * from {{ ref('int_fundamentals_versions') }}
    where metric in {{ flow_metrics_sql() }}
),

quarter_versions as (
    select
        *,
        -- consecutive quarters across fiscal years: FY2023 Q4 is 4 * 2023 + 4, FY2024 Q1 is 4 * 2024 + 1
        fiscal_year * 4 + {{ quarter_number('fiscal_period') }} as quarter_index
    from flow_versions
    where period_kind = 'quarter'
),

-- windows ending at Q1-Q3; fiscal year ends take the FY figure below
windows as (
    select
        ticker,
        metric,
        currency,
        quarter_index as last_quarter_index,
        max(period_end) as period_end
    from quarter_versions
    where fiscal_period != 'Q4'
    group by ticker, metric, currency, quarter_index
),

window_components as (
    select
        windows.last_quarter_index,
        windows.period_end as window_end,
        quarter_versions.*
    from windows
    inner join quarter_versions
        on
            quarter_versions.ticker = windows.ticker
            and quarter_versions.metric = windows.metric
            and quarter_versions.currency = windows.currency
            and quarter_versions.quarter_index between windows.last_quarter_index - 3 and windows.last_quarter_index
),

-- the window's value can change on any date a version of one of its quarters was filed
knowledge_dates as (
    select distinct
        ticker,
        metric,
        currency,
        last_quarter_index,
        filed_date as known_on
    from window_components
),

-- as of each of those dates, the latest version of each quarter filed by then
latest_components as (
    select
        knowledge_dates.known_on,
        window_components.*
    from knowledge_dates
    inner join window_components
        on
            window_components.ticker = knowledge_dates.ticker
            and window_components.metric = knowledge_dates.metric
            and window_components.currency = knowledge_dates.currency
            and window_components.last_quarter_index = knowledge_dates.last_quarter_index
            and window_components.filed_date <= knowledge_dates.known_on
    qualify
        row_number() over (
            partition by
                knowledge_dates.ticker, knowledge_dates.metric, knowledge_dates.currency,
                knowledge_dates.last_quarter_index, knowledge_dates.known_on, window_components.quarter_index
            -- on the same day a reported figure beats a derived one
            order by window_components.filed_date desc, window_components.is_derived, window_components.accession_number desc nulls last
        ) = 1
),

quarter_sums as (
    select
        ticker,
        metric,
        window_end as period_end,
        sum(value) as value_ttm,
        currency,
        max(filed_date) as known_from,
        arg_max(accession_number, strftime(filed_date, '%Y-%m-%d') || coalesce(accession_number, '')) as accession_number,
        bool_or(is_sample) as is_sample
    from latest_components
    group by ticker, metric, currency, last_quarter_index, window_end, known_on
    -- all four quarters known by then
    having count(*) = 4
),

fiscal_years as (
    select
        ticker,
        metric,
        period_end,
        value as value_ttm,
        currency,
        filed_date as known_from,
        accession_number,
        is_sample
    from flow_versions
    where period_kind = 'annual'
    -- two filings of the same year on the same day: keep one (the later accession)
    qualify
        row_number() over (
            partition by ticker, metric, currency, period_end, filed_date
            order by accession_number desc nulls last
        ) = 1
)

select
    ticker,
    metric,
    period_end,
    value_ttm,
    currency,
    known_from,
    accession_number,
    is_sample
from quarter_sums
union all
select
    ticker,
    metric,
    period_end,
    value_ttm,
    currency,
    known_from,
    accession_number,
    is_sample
from fiscal_years
