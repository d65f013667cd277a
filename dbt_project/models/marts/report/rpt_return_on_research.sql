-- Return on research since 2022-11-30, by company and basket.
select
    entity,
    entity_type,
    basket,
    window_start,
    window_end,
    market_cap_change_usd,
    cumulative_rd_usd,
    return_on_research,
    rd_days_estimated,
    is_sample
from {{ ref('fct_return_on_research') }}
where window_kind = 'since_2022_11_30'
