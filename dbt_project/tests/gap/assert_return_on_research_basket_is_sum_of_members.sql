-- A basket's row is the sum of its members' rows over the same window: market cap at both ends, the
-- change and the R&D (tolerance: 1e-9 relative, floating-point summation order only).
with

rows_ as (
    select * from {{ ref('fct_return_on_research') }}
),

-- members by basket membership (a company in several baskets counts in each)
members as (
    select
        memberships.basket,
        rows_.window_kind,
        rows_.window_start,
        rows_.window_end,
        count(*) as n_companies,
        sum(rows_.market_cap_start_usd) as market_cap_start_usd,
        sum(rows_.market_cap_end_usd) as market_cap_end_usd,
        sum(rows_.market_cap_change_usd) as market_cap_change_usd,
        sum(rows_.cumulative_rd_usd) as cumulative_rd_usd
    from rows_
    inner join {{ ref('dim_basket_member') }} as memberships
        on rows_.entity = memberships.ticker
    where rows_.entity_type = 'company'
    group by memberships.basket, rows_.window_kind, rows_.window_start, rows_.window_end
)

select
    baskets.entity,
    baskets.window_kind,
    baskets.window_start,
    baskets.window_end,
    baskets.n_members,
    members.n_companies,
    baskets.market_cap_change_usd,
    members.market_cap_change_usd as members_market_cap_change_usd,
    baskets.cumulative_rd_usd,
    members.cumulative_rd_usd as members_cumulative_rd_usd
from rows_ as baskets
left join members
    on
        baskets.entity = members.basket
        and baskets.window_kind = members.window_kind
        and baskets.window_start = members.window_start
        and baskets.window_end = members.window_end
where
    baskets.entity_type = 'basket'
    and (
        members.n_companies is distinct from baskets.n_members
        or abs(baskets.market_cap_start_usd - members.market_cap_start_usd) > 1e-9 * abs(members.market_cap_start_usd)
        or abs(baskets.market_cap_end_usd - members.market_cap_end_usd) > 1e-9 * abs(members.market_cap_end_usd)
        or abs(baskets.cumulative_rd_usd - members.cumulative_rd_usd) > 1e-9 * members.cumulative_rd_usd
        or abs(baskets.market_cap_change_usd - members.market_cap_change_usd)
        > 1e-9 * greatest(abs(members.market_cap_start_usd), abs(members.market_cap_end_usd))
    )
