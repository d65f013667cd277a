-- Every basket of the universe in use (seed baskets, membership dim_basket_member), one row per basket
-- and day in the union of the members' trading days. A company in several baskets counts in each.
-- Each member contributes its latest valuation on or before the day (as-of join), so a Hong Kong
-- holiday does not drop Tencent from the CN basket on a day NYSE trades, and vice versa.
with

valuations as (
    select
        valuation.ticker,
        membership.basket,
        valuation.date,
        valuation.market_cap_usd,
        valuation.pe_ttm,
        valuation.ev_to_rd_ttm,
        valuation.is_sample
    from {{ ref('fct_valuation_daily') }} as valuation
    inner join {{ ref('dim_basket_member') }} as membership
        on valuation.ticker = membership.ticker
),

members as (
    select distinct
        basket,
        ticker
    from valuations
),

basket_sizes as (
    select
        basket,
        count(*) as n_members_expected
    from members
    group by basket
),

basket_starts as (
    -- a basket starts on the first day every member has a market cap: before that its sum is partial
    select
        basket,
        max(first_date) as first_date
    from (
        select
            basket,
            ticker,
            min(date) as first_date
        from valuations
        where market_cap_usd is not null
        group by basket, ticker
    ) as member_starts
    group by basket
),

trading_days as (
    select distinct date from valuations
),

grid as (
    select
        trading_days.date,
        members.basket,
        members.ticker
    from trading_days
    inner join members
        on true
    inner join basket_starts
        on
            members.basket = basket_starts.basket
            and trading_days.date >= basket_starts.first_date
),

latest as (
    select
        grid.date,
        grid.basket,
        grid.ticker,
        valuations.date as valuation_date,
        valuations.market_cap_usd,
        valuations.pe_ttm,
        valuations.ev_to_rd_ttm,
        valuations.is_sample
    from grid
    asof left join valuations
        on
            grid.ticker = valuations.ticker
            and grid.date >= valuations.date
),

contributions as (
    -- a member counts when its latest valuation has a market cap and is at most 10 days old: long
    -- enough to bridge Lunar New Year or Christmas closures of one exchange, short enough that a
    -- stopped price series shows up as an incomplete basket instead of a frozen member
    select
        *,
        market_cap_usd is not null and date - valuation_date <= 10 as is_contributing
    from latest
),

baskets as (
    select
        contributions.date,
        contributions.basket,
        count(*) filter (where contributions.is_contributing) as n_members,
        any_value(basket_sizes.n_members_expected) as n_members_expected,
        sum(contributions.market_cap_usd) filter (where contributions.is_contributing) as members_market_cap_usd,
        median(contributions.pe_ttm) filter (where contributions.is_contributing) as median_pe_ttm,
        median(contributions.ev_to_rd_ttm) filter (where contributions.is_contributing) as median_ev_to_rd_ttm,
        -- medians skip members without the multiple (a loss, no R&D figure yet): say over how many
        count(contributions.pe_ttm) filter (where contributions.is_contributing) as n_members_with_pe,
        count(contributions.ev_to_rd_ttm) filter (where contributions.is_contributing) as n_members_with_ev_to_rd,
        max(contributions.date - contributions.valuation_date) filter (where contributions.is_contributing)
            as max_valuation_age_days,
        coalesce(bool_or(contributions.is_sample), false) as is_sample
    from contributions
    inner join basket_sizes
        on contributions.basket = basket_sizes.basket
    group by contributions.date, contributions.basket
),

complete as (
    -- a partial sum is not the basket: market cap only when every member contributes
    select
        *,
        n_members = n_members_expected as is_complete,
        case when n_members = n_members_expected then members_market_cap_usd end as market_cap_usd
    from baskets
),

base as (
    select
        basket,
        market_cap_usd as base_market_cap_usd
    from complete
    where date = date '2022-11-30'
),

indexed as (
    select
        complete.*,
        {{ index_to_base('complete.market_cap_usd', 'base.base_market_cap_usd') }} as index_2022_11_30
    from complete
    left join base
        on complete.basket = base.basket
),

benchmarks as (
    -- each basket's market benchmark as the basket file names it (SPY, the Tracker Fund of Hong Kong):
    -- adjusted close, i.e. a total return series; ratios of adjusted closes do not change when the
    -- provider rescales history
    select
        prices.date,
        baskets.basket,
        baskets.benchmark_ticker,
        prices.adjusted_close
    from {{ ref('stg_prices__daily') }} as prices
    inner join {{ ref('dim_basket') }} as baskets
        on prices.price_symbol = baskets.benchmark_price_symbol
    where prices.adjusted_close is not null
),

benchmark_levels as (
    -- as-of like the members, with the same 10-day limit
    select
        indexed.date,
        indexed.basket,
        benchmarks.benchmark_ticker,
        case when indexed.date - benchmarks.date <= 10 then benchmarks.adjusted_close end as adjusted_close
    from indexed
    asof left join benchmarks
        on
            indexed.basket = benchmarks.basket
            and indexed.date >= benchmarks.date
),

benchmark_base as (
    select
        basket,
        adjusted_close as base_adjusted_close
    from benchmark_levels
    where date = date '2022-11-30'
),

benchmark_indexed as (
    select
        benchmark_levels.date,
        benchmark_levels.basket,
        benchmark_levels.benchmark_ticker,
        {{ index_to_base('benchmark_levels.adjusted_close', 'benchmark_base.base_adjusted_close') }}
            as benchmark_index_2022_11_30
    from benchmark_levels
    left join benchmark_base
        on benchmark_levels.basket = benchmark_base.basket
),

default_pair as (
    -- the essay's pair (var default_pair, seed basket_pairs): its ratios stay on every basket row as
    -- the us_to_cn_* columns; every pair's ratios are in fct_pair_gap_daily
    select
        long_basket,
        short_basket
    from {{ ref('basket_pairs') }}
    where pair = '{{ var("default_pair", "US_vs_CN") }}'
),

gap as (
    -- the default pair's comparison of the same day, repeated on every basket's row of that day
    select
        indexed.date,
        {{ safe_ratio("max(indexed.market_cap_usd) filter (where indexed.basket = default_pair.long_basket)",
                      "max(indexed.market_cap_usd) filter (where indexed.basket = default_pair.short_basket)") }}
            as us_to_cn_market_cap_ratio,
        {{ safe_ratio("max(indexed.median_pe_ttm) filter (where indexed.basket = default_pair.long_basket)",
                      "max(indexed.median_pe_ttm) filter (where indexed.basket = default_pair.short_basket)") }}
            as us_to_cn_median_pe_ratio,
        {{ safe_ratio("max(indexed.median_ev_to_rd_ttm) filter (where indexed.basket = default_pair.long_basket)",
                      "max(indexed.median_ev_to_rd_ttm) filter (where indexed.basket = default_pair.short_basket)") }}
            as us_to_cn_median_ev_to_rd_ratio
    from indexed
    left join default_pair
        on true
    group by indexed.date
)

select
    indexed.date,
    indexed.basket,
    indexed.market_cap_usd,
    indexed.index_2022_11_30,
    indexed.median_pe_ttm,
    indexed.median_ev_to_rd_ttm,
    indexed.is_sample,
    indexed.n_members,
    indexed.n_members_expected,
    indexed.n_members_with_pe,
    indexed.n_members_with_ev_to_rd,
    indexed.is_complete,
    indexed.max_valuation_age_days,
    gap.us_to_cn_market_cap_ratio,
    gap.us_to_cn_median_pe_ratio,
    gap.us_to_cn_median_ev_to_rd_ratio,
    benchmark_indexed.benchmark_ticker,
    benchmark_indexed.benchmark_index_2022_11_30
from indexed
inner join gap
    on indexed.date = gap.date
left join benchmark_indexed
    on
        indexed.date = benchmark_indexed.date
        and indexed.basket = benchmark_indexed.basket
