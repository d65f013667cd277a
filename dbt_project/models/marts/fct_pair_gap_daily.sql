-- Every pair of the pair file (seed basket_pairs), one row per pair and day on which both of its
-- baskets have a row in fct_basket_gap_daily: long basket ÷ short basket. The essay's pair is US_vs_CN.
with

pairs as (
    select * from {{ ref('basket_pairs') }}
),

baskets as (
    select * from {{ ref('fct_basket_gap_daily') }}
)

select
    long_side.date,
    pairs.pair,
    pairs.long_basket,
    pairs.short_basket,
    long_side.market_cap_usd as long_market_cap_usd,
    short_side.market_cap_usd as short_market_cap_usd,
    {{ safe_ratio('long_side.market_cap_usd', 'short_side.market_cap_usd') }} as market_cap_ratio,
    {{ safe_ratio('long_side.index_2022_11_30', 'short_side.index_2022_11_30') }} as index_ratio,
    {{ safe_ratio('long_side.median_pe_ttm', 'short_side.median_pe_ttm') }} as median_pe_ratio,
    {{ safe_ratio('long_side.median_ev_to_rd_ttm', 'short_side.median_ev_to_rd_ttm') }} as median_ev_to_rd_ratio,
    long_side.is_complete and short_side.is_complete as is_complete,
    long_side.is_sample or short_side.is_sample as is_sample
from pairs
inner join baskets as long_side
    on pairs.long_basket = long_side.basket
inner join baskets as short_side
    on
        pairs.short_basket = short_side.basket
        and long_side.date = short_side.date
