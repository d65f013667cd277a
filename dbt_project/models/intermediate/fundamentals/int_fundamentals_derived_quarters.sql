-- noqa: disable=LT02
-- (sqlfluff's jinja templater misplaces the indentation around the macro calls in this model)
-- Quarters the filings do not state as three-month figures, derived from year-to-date figures:
-- Qn = (year to date through Qn) - (year to date through Qn-1), i.e. Q2 = H1 - Q1, Q3 = 9M - H1,
-- Q4 = FY - 9M. 10-Ks rarely state Q4, and 10-Qs state cash flows (capex, D&A) year to date only.
-- Point in time: a derived version is made on every date a version of either component was filed, from
-- the latest version of each component filed by that date, and only until the quarter itself is first
-- reported (from then on the reported figure is the better number).
with reported_flows as (
    select * from {{ ref('int_fundamentals_reported') }}
    where
        metric in {{ flow_metrics_sql() }}
        and period_kind in ('quarter', 'ytd', 'annual')
),

-- figures that run from the start of the fiscal year, numbered by the last quarter they include
year_to_date as (
    select
        *,
        case fiscal_period when 'Q1' then 1 when 'H1' then 2 when '9M' then 3 when 'FY' then 4 end as through_quarter
    from reported_flows
    where fiscal_period in ('Q1', 'H1', '9M', 'FY')
),

first_reported_quarter as (
    select
        ticker,
        metric,
        fiscal_year,
        {{ quarter_number('fiscal_period') }} as quarter,
        min(filed_date) as first_filed_date
    from reported_flows
    where period_kind = 'quarter'
    group by ticker, metric, fiscal_year, {{ quarter_number('fiscal_period') }}
),

-- quarter n needs the year to date through n ('through') and through n-1 ('before')
components as (
    select
        through_quarter as quarter,
        'through' as role,
        *
    from year_to_date
    where through_quarter >= 2
    union all
    select
        through_quarter + 1 as quarter,
        'before' as role,
        *
    from year_to_date
    where through_quarter <= 3
),

knowledge_dates as (
    select distinct
        ticker,
        metric,
        fiscal_year,
        currency,
        quarter,
        filed_date as known_on
    from components
),

-- as of each knowledge date, the latest version of each component filed by then
latest_components as (
    select
        knowledge_dates.known_on,
        components.*
    from knowledge_dates
    inner join components
        on
            components.ticker = knowledge_dates.ticker
            and components.metric = knowledge_dates.metric
            and components.fiscal_year = knowledge_dates.fiscal_year
            and components.currency = knowledge_dates.currency
            and components.quarter = knowledge_dates.quarter
            and components.filed_date <= knowledge_dates.known_on
    qualify
        row_number() over (
            partition by
                knowledge_dates.ticker, knowledge_dates.metric, knowledge_dates.fiscal_year,
                knowledge_dates.currency, knowledge_dates.quarter, knowledge_dates.known_on, components.role
            order by components.filed_date desc, components.accession_number desc nulls last
        ) = 1
),

derived as (
    select
        ytd_through.ticker,
        ytd_through.metric,
        case
            when ytd_through.concept is not distinct from ytd_before.concept then ytd_through.concept
            else concat_ws(' - ', ytd_through.concept, ytd_before.concept)
        end as concept,
        ytd_through.fiscal_year,
        'Q' || ytd_through.quarter as fiscal_period,
        'quarter' as period_kind,
        cast(ytd_before.period_end + interval 1 day as date) as period_start,
        ytd_through.period_end,
        ytd_through.value - ytd_before.value as value,
        ytd_through.currency,
        -- traced to the component that made this version new (the one filed on known_on)
        case when ytd_before.filed_date > ytd_through.filed_date then ytd_before.accession_number else ytd_through.accession_number end
            as accession_number,
        case when ytd_before.filed_date > ytd_through.filed_date then ytd_before.form else ytd_through.form end as form,
        ytd_through.known_on as filed_date,
        ytd_through.source,
        true as is_derived,
        ytd_through.is_proxy or ytd_before.is_proxy as is_proxy,
        ytd_through.is_sample or ytd_before.is_sample as is_sample,
        case when ytd_before.filed_date > ytd_through.filed_date then ytd_before.source_file else ytd_through.source_file end
            as source_file
    from latest_components as ytd_through
    inner join latest_components as ytd_before
        on
            ytd_before.ticker = ytd_through.ticker
            and ytd_before.metric = ytd_through.metric
            and ytd_before.fiscal_year = ytd_through.fiscal_year
            and ytd_before.currency = ytd_through.currency
            and ytd_before.quarter = ytd_through.quarter
            and ytd_before.known_on = ytd_through.known_on
            and ytd_before.role = 'before'
    where ytd_through.role = 'through'
)

select derived.*
from derived
left join first_reported_quarter
    on
        first_reported_quarter.ticker = derived.ticker
        and first_reported_quarter.metric = derived.metric
        and first_reported_quarter.fiscal_year = derived.fiscal_year
        and first_reported_quarter.quarter = {{ quarter_number('derived.fiscal_period') }}
where derived.filed_date < coalesce(first_reported_quarter.first_filed_date, date '9999-12-31')
