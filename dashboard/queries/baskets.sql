-- The US and CN basket indices (2022-11-30 = 100) and basket medians, since ChatGPT's launch.
select
    date,
    basket,
    index_2022_11_30,
    market_cap_usd,
    median_ev_to_rd_ttm,
    is_sample
from marts.fct_basket_gap_daily
where date >= date '2022-11-30' and index_2022_11_30 is not null
order by basket, date
