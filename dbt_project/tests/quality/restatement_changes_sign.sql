{{ config(severity='warn') }}
-- Restatements that flip the sign of a figure: a later filing reports the same company, metric and
-- period with the opposite sign (a profit restated as a loss, or an amount booked with the wrong sign).
-- Possible - restatements happen, and fct_fundamentals keeps every version, the new one superseding the
-- old one from its filed_date - but rare enough that each one deserves a look, so this warns and never
-- blocks. One row per sign change, with both versions and the filings they come from.
with versions as (
    select
        ticker,
        metric,
        period_kind,
        fiscal_year,
        fiscal_period,
        period_start,
        period_end,
        currency,
        value,
        accession_number,
        filed_date,
        is_derived,
        source_file,
        -- the order fct_fundamentals supersedes versions in
        lag(value) over same_period as previous_value,
        lag(accession_number) over same_period as previous_accession_number,
        lag(filed_date) over same_period as previous_filed_date
    from {{ ref('fct_fundamentals') }}
    window same_period as (
        partition by ticker, metric, period_kind, fiscal_period, period_end, currency
        order by filed_date, is_derived desc, accession_number nulls first
    )
)

select
    ticker,
    metric,
    fiscal_year,
    fiscal_period,
    period_start,
    period_end,
    currency,
    previous_value,
    previous_accession_number,
    previous_filed_date,
    value,
    accession_number,
    filed_date,
    is_derived,
    source_file
from versions
where value * previous_value < 0
