{{ config(severity='warn') }}
-- The index is defined against 2022-11-30: every basket must have that day, with exactly 100 (a basket
-- missing the base day, or incomplete on it, has no index at all). Warn: a member without a market cap
-- on the base day is one company's data gap (fct_fundamentals_anomalies), not a reason to publish nothing.
with

baskets as (
    select distinct basket from {{ ref('fct_basket_gap_daily') }}
),

base_day as (
    select
        basket,
        index_2022_11_30
    from {{ ref('fct_basket_gap_daily') }}
    where date = date '2022-11-30'
)

select
    baskets.basket,
    base_day.index_2022_11_30
from baskets
left join base_day
    on baskets.basket = base_day.basket
where
    base_day.index_2022_11_30 is null
    or base_day.index_2022_11_30 <> 100.0
