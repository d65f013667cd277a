{{ config(severity='warn') }}
-- Fiscal periods are computed on nominal month ends (macros/fiscal.sql): a 52/53-week calendar ends
-- within a week of a month end and is placed by it. A flow or balance ending further from a month end
-- is a calendar those macros do not place: warn so it is noticed. Share counts (cover pages) are
-- dated any day and are not checked.
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
    (fiscal_period != 'BAL' and {{ nominal_date('period_end') }} != last_day({{ nominal_date('period_end') }}))
    -- a balance between quarter ends is a balance-sheet date off the month grid
    or (fiscal_period = 'BAL' and metric != 'shares_outstanding')
