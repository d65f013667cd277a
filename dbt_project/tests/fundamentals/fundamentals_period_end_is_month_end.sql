{{ config(severity='warn') }}
-- Fiscal periods are computed on calendar months (macros/fiscal.sql). A flow or balance ending on
-- another day than a month end means a 52/53-week fiscal year, which those macros do not place
-- correctly: warn so a new company with such a calendar is noticed. Cover-page share counts (BAL)
-- are dated any day and are not checked.
select
    ticker,
    metric,
    fiscal_year,
    fiscal_period,
    period_start,
    period_end,
    accession_number
from {{ ref('int_fundamentals_versions') }}
where
    (fiscal_period != 'BAL' and period_end != last_day(period_end))
    -- a balance between quarter ends is a balance-sheet date off the month grid
    or (fiscal_period = 'BAL' and metric != 'shares_outstanding')
