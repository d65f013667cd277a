-- Daily bars per provider symbol (int_company_listings names its ticker), every one on the unadjusted
-- basis: `close` is the close as traded that day, the only price that may be multiplied by a share count.
-- Providers deliver two bases (raw.prices_daily.close_basis), normalised here and nowhere else:
--   unadjusted      EODHD: as delivered;
--   split_adjusted  Yahoo: divided by every split up to the moment of the fetch, so multiplied back by
--                   the splits after the bar's day up to the day the row was fetched (UTC).
-- adjusted_close stays as delivered (splits and dividends), for return series only.
with

prices as (
    select * from {{ source('raw', 'prices_daily') }}
),

splits as (
    select
        price_symbol,
        date,
        split_ratio
    from {{ ref('stg_prices__events') }}
    where kind = 'split'
),

factors as (
    -- product of the ratios of the splits the provider had applied to the bar when it was fetched
    select
        prices.symbol,
        prices.date,
        coalesce(product(splits.split_ratio), 1.0) as split_factor
    from prices
    left join splits
        on
            prices.symbol = splits.price_symbol
            and splits.date > prices.date
            and splits.date <= cast(timezone('UTC', prices.fetched_at) as date)
    where prices.close_basis = 'split_adjusted'
    group by prices.symbol, prices.date
),

normalised as (
    select
        prices.*,
        case prices.close_basis
            when 'unadjusted' then 1.0
            when 'split_adjusted' then factors.split_factor
        end as to_unadjusted
    from prices
    left join factors
        on prices.symbol = factors.symbol and prices.date = factors.date
)

select
    normalised.symbol as price_symbol,
    normalised.date,
    normalised.open * normalised.to_unadjusted as open,
    normalised.high * normalised.to_unadjusted as high,
    normalised.low * normalised.to_unadjusted as low,
    normalised.close * normalised.to_unadjusted as close,
    normalised.adjusted_close,
    normalised.volume,
    normalised.close as close_as_delivered,
    normalised.close_basis,
    normalised.to_unadjusted as split_factor_to_unadjusted,
    normalised.source_key,
    normalised.source_file,
    normalised.sha256,
    normalised.fetched_at,
    normalised.is_sample,
    normalised.loaded_at
from normalised
