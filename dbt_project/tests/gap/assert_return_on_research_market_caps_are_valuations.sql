-- A company row's market caps are fct_valuation_daily's on the days it names, and those are the last
-- valuation days on or before the window boundaries (no later valuation day up to the boundary).
with

rows_ as (
    select * from {{ ref('fct_return_on_research') }}
    where entity_type = 'company'
),

valuations as (
    select
        ticker,
        date,
        market_cap_usd
    from {{ ref('fct_valuation_daily') }}
    where market_cap_usd is not null
)

select
    rows_.entity,
    rows_.window_kind,
    rows_.window_start,
    rows_.window_end
from rows_
left join valuations as at_start
    on rows_.entity = at_start.ticker and rows_.market_cap_start_date = at_start.date
left join valuations as at_end
    on rows_.entity = at_end.ticker and rows_.market_cap_end_date = at_end.date
where
    at_start.market_cap_usd is distinct from rows_.market_cap_start_usd
    or at_end.market_cap_usd is distinct from rows_.market_cap_end_usd
    or exists (
        select 1 from valuations as later
        where
            later.ticker = rows_.entity
            and (
                (later.date > rows_.market_cap_start_date and later.date <= rows_.window_start)
                or (later.date > rows_.market_cap_end_date and later.date <= rows_.window_end)
            )
    )
