-- Every reported count of shares outstanding, one row per company, date, filing and link of the
-- share-count chain (shares_basis, best first):
--   cover          dei:EntityCommonStockSharesOutstanding, the cover-page count (classes summed)
--   balance_sheet  us-gaap:CommonStockSharesOutstanding, all classes at the balance-sheet date
--   weighted_average  the basic weighted-average count of a period, dated at its end (the shortest
--                  period a filing states for that end: the quarter rather than the year to date)
--   annual_report  Tencent's count from its HKEX annual report
-- Multi-class issuers (Alphabet, Baidu) tag the cover page per class, which companyfacts drops: they
-- reach the balance-sheet link. As reported: NOT split adjusted (int_market_cap_daily restates by the
-- filing date) and for ADS issuers (BABA, BIDU) in ordinary shares, not ADSs.
with counts as (
    select
        ticker,
        period_end as as_of_date,
        value as shares,
        {{ shares_basis_of('source', 'concept', 'period_kind') }} as shares_basis,
        concept,
        period_kind,
        period_start,
        filed_date,
        accession_number,
        is_sample
    from {{ ref('int_fundamentals_versions') }}
    where metric = 'shares_outstanding'
)

select
    ticker,
    as_of_date,
    shares,
    shares_basis,
    {{ shares_basis_rank('shares_basis') }} as shares_basis_rank,
    concept,
    filed_date,
    accession_number,
    is_sample
from counts
where shares_basis is not null
qualify
    row_number() over (
        partition by ticker, as_of_date, shares_basis, accession_number, filed_date
        order by period_start desc nulls first
    ) = 1
