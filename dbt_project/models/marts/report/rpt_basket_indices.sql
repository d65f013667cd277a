-- The two basket indices from 2022-11-30 (= 100), as the report's first chart draws them.
select
    date,
    basket,
    index_2022_11_30,
    is_sample
from {{ ref('fct_basket_gap_daily') }}
where date >= date '2022-11-30' and index_2022_11_30 is not null
