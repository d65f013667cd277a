-- One valuation row per company and trading day of its own listing: none missing, none invented (no
-- row on a day the listing did not trade, no benchmark rows).
with

company_trading_days as (
    select
        listings.ticker,
        prices.date
    from {{ ref('stg_prices__daily') }} as prices
    inner join {{ ref('int_company_listings') }} as listings
        on prices.price_symbol = listings.price_symbol
    where
        listings.role = 'company'
        and prices.close is not null
),

valuation_days as (
    select
        ticker,
        date
    from {{ ref('fct_valuation_daily') }}
),

missing as (
    select * from company_trading_days
    except
    select * from valuation_days
),

invented as (
    select * from valuation_days
    except
    select * from company_trading_days
)

select
    'trading day without a valuation' as problem,
    *
from missing
union all
select
    'valuation without a trading day' as problem,
    *
from invented
