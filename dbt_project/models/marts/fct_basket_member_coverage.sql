-- Whether each basket member is valued on the last two trading days (the market's: the union of the
-- companies' trading days), counted as fct_basket_gap_daily counts it (its latest valuation on or
-- before the day has a market cap and is at most 10 days old), and why not when it is not. The publish
-- gate (fct_publish_gate, docs/publish_rules.md) reads it.
with

valuations as (
    select
        ticker,
        date,
        shares_outstanding,
        fx_usd_per_unit,
        market_cap_usd,
        quality_flag
    from {{ ref('fct_valuation_daily') }}
),

days as (
    select
        date,
        row_number() over (order by date desc) as days_back
    from (select distinct date from valuations) as trading_days
    qualify days_back <= 2
),

grid as (
    select
        members.basket,
        members.ticker,
        days.date,
        days.days_back
    from {{ ref('dim_basket_member') }} as members
    cross join days
),

latest as (
    select
        grid.*,
        valuations.date as valuation_date,
        valuations.shares_outstanding,
        valuations.fx_usd_per_unit,
        valuations.market_cap_usd,
        valuations.quality_flag
    from grid
    asof left join valuations
        on
            grid.ticker = valuations.ticker
            and grid.date >= valuations.date
),

classified as (
    select
        *,
        market_cap_usd is not null
        and date - valuation_date <= {{ max_valuation_lag_days() }} as is_valued,
        case
            when valuation_date is null then 'no_valuation'
            when date - valuation_date > {{ max_valuation_lag_days() }} then 'price_stale'
            when shares_outstanding is null then 'no_share_count'
            when fx_usd_per_unit is null then 'no_fx_rate'
        end as reason
    from latest
)

select
    basket,
    ticker,
    date,
    case days_back when 1 then 'last' else 'previous' end as trading_day,
    is_valued,
    -- null when valued; a member not valued without one of these causes is unexplained (publish rule 3)
    case when not is_valued then reason end as not_valued_reason,
    valuation_date,
    market_cap_usd,
    quality_flag
from classified
