-- Every reported count of shares outstanding, share classes summed, one row per company, date and
-- filing. As reported: NOT adjusted for later splits (market caps restate pre-split counts), and for
-- ADS issuers (BABA, BIDU) in ordinary shares, not ADSs. Tencent's counts come from the HKEX figures.
select
    ticker,
    period_end as as_of_date,
    value as shares,
    filed_date,
    accession_number,
    is_sample
from {{ ref('int_fundamentals_versions') }}
where
    metric = 'shares_outstanding'
    and period_kind = 'instant'
