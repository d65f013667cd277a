-- Every version of the balance-sheet figures an enterprise value needs (cash, short-term investments,
-- total debt), one row per company, metric, balance-sheet date and filing. Point in time: use the
-- latest period_end, and for it the latest version, with filed_date on or before the day you value.
select
    ticker,
    metric,
    period_end,
    value,
    currency,
    filed_date,
    accession_number,
    is_sample
from {{ ref('int_fundamentals_versions') }}
where
    metric in {{ balance_metrics_sql() }}
    and period_kind = 'instant'
