-- The companies in the two baskets, one row per company (benchmark series are not companies).
select
    ticker,
    name,
    basket,
    country,
    cik,
    exchange,
    trading_currency,
    reporting_currency,
    fiscal_year_end_month,
    price_symbol,
    filer
from {{ ref('stg_universe__listings') }}
where role = 'company'
