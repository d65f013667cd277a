{{ config(severity='warn') }}
-- The essay's headline number: both baskets have a window since 2022-11-30. Missing when a member lacks
-- a market cap on 2022-11-30 or R&D for part of the window; a warning, because live data can lag.
select baskets.basket
from (select distinct basket from {{ ref('dim_company') }}) as baskets
left join {{ ref('fct_return_on_research') }} as rows_
    on
        rows_.entity = baskets.basket
        and rows_.entity_type = 'basket'
        and rows_.window_kind = 'since_2022_11_30'
where rows_.entity is null
