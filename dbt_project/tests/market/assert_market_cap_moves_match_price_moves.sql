-- Warn: what this finds is one listing's data anomaly (the provider's or the filer's), which flags that
-- company and never blocks the publish (docs/publish_rules.md); the failing rows name the company.
{{ config(severity='warn') }}
-- A day-over-day market-cap move that the price (in USD) does not explain by more than 40% means the
-- share count behind it jumped: a missed split, an ADS ratio applied to the wrong count, a count in
-- thousands, a retroactively restated count restated again. Real share counts move a few percent a
-- quarter (buybacks, issuance), so 40% leaves room for any genuine change and still catches the ×8 of
-- an ADS ratio or the ×20 of a split.
-- The price move is taken from the provider's adjusted close (× FX), which is continuous across splits
-- and independent of our split and share-count logic: on a split day the unadjusted close falls 95%
-- while a correct market cap does not move.
with

valuations as (
    select
        valuations.ticker,
        valuations.date,
        valuations.market_cap_usd,
        prices.adjusted_close * valuations.fx_usd_per_unit as close_usd
    from {{ ref('fct_valuation_daily') }} as valuations
    inner join {{ ref('int_company_listings') }} as listings
        on valuations.ticker = listings.ticker
    inner join {{ ref('stg_prices__daily') }} as prices
        on
            listings.price_symbol = prices.price_symbol
            and valuations.date = prices.date
    where valuations.market_cap_usd is not null
),

consecutive as (
    select
        ticker,
        date,
        market_cap_usd,
        close_usd,
        lag(date) over by_ticker as previous_date,
        lag(market_cap_usd) over by_ticker as previous_market_cap_usd,
        lag(close_usd) over by_ticker as previous_close_usd
    from valuations
    window by_ticker as (partition by ticker order by date)
),

moves as (
    select
        *,
        {{ pct_change('market_cap_usd', 'previous_market_cap_usd') }} as market_cap_move,
        {{ pct_change('close_usd', 'previous_close_usd') }} as price_move
    from consecutive
    where previous_date is not null
)

select
    *,
    -- the move of the implied share count (market cap ÷ price): what the price does not explain
    (1.0 + market_cap_move) / (1.0 + price_move) - 1.0 as unexplained_move
from moves
where greatest((1.0 + market_cap_move) / (1.0 + price_move), (1.0 + price_move) / (1.0 + market_cap_move)) > 1.4
