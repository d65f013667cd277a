-- Every version of every fundamental: each filing's figure for each period (originals, amendments,
-- later comparatives, even when they repeat the same number) plus the quarters derived from
-- year-to-date figures. The point-in-time base of everything downstream.
with reported as (
    select * from {{ ref('int_fundamentals_reported') }}
),

derived_quarters as (
    select * from {{ ref('int_fundamentals_derived_quarters') }}
)

select
    ticker,
    metric,
    concept,
    fiscal_year,
    fiscal_period,
    period_kind,
    period_start,
    period_end,
    value,
    currency,
    accession_number,
    form,
    filed_date,
    source,
    is_derived,
    is_proxy,
    is_sample,
    source_file
from reported
union all
select
    ticker,
    metric,
    concept,
    fiscal_year,
    fiscal_period,
    period_kind,
    period_start,
    period_end,
    value,
    currency,
    accession_number,
    form,
    filed_date,
    source,
    is_derived,
    is_proxy,
    is_sample,
    source_file
from derived_quarters
