-- Every listing aigap follows (companies and benchmark series), one row per ticker, with the key each
-- source names it by: price_symbol (prices), cik (SEC filings) and ticker (hkex, seeds, marts).
-- The one model that reads the universe's staging (besides dim_company): staging stays 1:1 with its
-- source, and every model that needs a ticker for a provider symbol or a CIK joins here.
select
    ticker,
    name,
    role,
    basket,
    country,
    cik,
    exchange,
    trading_currency,
    reporting_currency,
    fiscal_year_end_month,
    price_symbol,
    filer,
    benchmark,
    is_sample
from {{ ref('stg_universe__listings') }}
