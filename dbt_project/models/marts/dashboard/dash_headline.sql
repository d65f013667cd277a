-- The home page's headline: the US and CN basket indices (2022-11-30 = 100) on the last day both have one,
-- and the gap between them, in index points and as a ratio of market caps, today and on 2022-11-30.
with

pair as (
    select
        date,
        max(index_2022_11_30) filter (where basket = 'US') as us_index_2022_11_30,
        max(index_2022_11_30) filter (where basket = 'CN') as cn_index_2022_11_30,
        max(market_cap_usd) filter (where basket = 'US') as us_market_cap_usd,
        max(market_cap_usd) filter (where basket = 'CN') as cn_market_cap_usd,
        bool_or(is_sample) as is_sample
    from {{ ref('rpt_basket_indices') }}
    where basket in ('US', 'CN')
    group by date
    having count(distinct basket) = 2
),

base as (
    select
        us_market_cap_usd,
        cn_market_cap_usd
    from pair
    where date = date '2022-11-30'
)

select
    pair.date as as_of_date,
    pair.us_index_2022_11_30,
    pair.cn_index_2022_11_30,
    pair.us_index_2022_11_30 - pair.cn_index_2022_11_30 as index_gap_points,
    pair.us_market_cap_usd,
    pair.cn_market_cap_usd,
    {{ safe_ratio('pair.us_market_cap_usd', 'pair.cn_market_cap_usd') }} as us_to_cn_market_cap_ratio,
    {{ safe_ratio('base.us_market_cap_usd', 'base.cn_market_cap_usd') }} as base_us_to_cn_market_cap_ratio,
    pair.is_sample
from pair
left join base
    on true
qualify row_number() over (order by pair.date desc) = 1
