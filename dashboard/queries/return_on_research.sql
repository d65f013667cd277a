-- Return on research since 2022-11-30, by company and basket.
select
    entity,
    entity_type,
    basket,
    window_start,
    window_end,
    market_cap_change_usd / 1e9 as market_cap_change_usd_bn,
    cumulative_rd_usd / 1e9 as cumulative_rd_usd_bn,
    return_on_research,
    rd_days_estimated,
    is_sample
from marts.fct_return_on_research
where window_kind = 'since_2022_11_30'
order by entity_type, entity
