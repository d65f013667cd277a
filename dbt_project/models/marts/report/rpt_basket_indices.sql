-- The two basket indices from 2022-11-30 (= 100), as the report's first chart and the dashboard draw them,
-- with the basket's market cap and median EV/R&D of the same day.
select
    date,
    basket,
    index_2022_11_30,
    market_cap_usd,
    median_ev_to_rd_ttm,
    is_sample
from {{ ref('fct_basket_gap_daily') }}
where date >= date '2022-11-30' and index_2022_11_30 is not null
