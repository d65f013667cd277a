-- Every company has a market cap on every trading day that has a share count filed within the
-- previous 15 months (and an FX rate, for listings not in USD): whatever link of the share-count chain
-- the filer reaches (cover page, balance sheet, weighted average), a count must reach the valuation.
with counts as (
    select
        ticker,
        filed_date
    from {{ ref('int_shares_outstanding_versions') }}
),

valuations as (
    select * from {{ ref('fct_valuation_daily') }}
    where market_cap_usd is null and (trading_currency = 'USD' or fx_usd_per_unit is not null)
)

select
    valuations.ticker,
    valuations.date,
    max(counts.filed_date) as latest_count_filed
from valuations
inner join counts
    on
        counts.ticker = valuations.ticker
        and counts.filed_date <= valuations.date
        and counts.filed_date > valuations.date - interval 15 month
group by valuations.ticker, valuations.date
