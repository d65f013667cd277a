-- Arithmetic invariant: a basket's market cap is the sum of its members' market caps as of that day.
-- Recomputed here another way (a range join on each member's valuation interval instead of the
-- model's ASOF join), so a wrong join in the model cannot agree with itself.
with

member_intervals as (
    select
        ticker,
        basket,
        date as valid_from,
        lead(date, 1, date '9999-12-31') over (partition by ticker order by date) as valid_until,
        market_cap_usd
    from {{ ref('fct_valuation_daily') }}
),

baskets as (
    select
        date,
        basket,
        market_cap_usd,
        n_members
    from {{ ref('fct_basket_gap_daily') }}
    where market_cap_usd is not null
),

recomputed as (
    select
        baskets.date,
        baskets.basket,
        sum(member_intervals.market_cap_usd) as sum_of_members_usd,
        count(member_intervals.market_cap_usd) as members_with_market_cap
    from baskets
    inner join member_intervals
        on
            baskets.basket = member_intervals.basket
            and baskets.date >= member_intervals.valid_from
            and baskets.date < member_intervals.valid_until
    group by baskets.date, baskets.basket
)

select
    baskets.*,
    recomputed.sum_of_members_usd,
    recomputed.members_with_market_cap
from baskets
left join recomputed
    on
        baskets.date = recomputed.date
        and baskets.basket = recomputed.basket
where recomputed.sum_of_members_usd is null
-- relative tolerance: the same doubles summed in another order may differ in the last bits
or abs(baskets.market_cap_usd - recomputed.sum_of_members_usd) > 1e-9 * recomputed.sum_of_members_usd
or baskets.n_members <> recomputed.members_with_market_cap
