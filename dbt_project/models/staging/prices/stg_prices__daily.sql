-- Daily bars per listing, keyed by the universe ticker. `close` is the provider's raw (unadjusted)
-- close, the only price that may be multiplied by a share count; adjusted_close is for return series.
with

prices as (
    select * from {{ source('raw', 'prices_daily') }}
),

listings as (
    select
        ticker,
        price_symbol
    from {{ ref('stg_manual__universe') }}
)

select
    -- left join: a symbol missing from the universe keeps its rows with a null ticker, which the
    -- not_null test reports instead of the rows vanishing
    listings.ticker,
    prices.symbol as price_symbol,
    prices.date,
    prices.open,
    prices.high,
    prices.low,
    prices.close,
    prices.adjusted_close,
    prices.volume,
    prices.source_key,
    prices.source_file,
    prices.sha256,
    prices.fetched_at,
    prices.is_sample,
    prices.loaded_at
from prices
left join listings
    on prices.symbol = listings.price_symbol
