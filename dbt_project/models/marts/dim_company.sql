-- The companies of the baskets, one row per company (benchmark series are not companies), each
-- resolvable field with where it came from: 'universe file' (written there) or 'resolved' (SEC's
-- company_tickers.json, submissions and companyfacts; see int_company_listings). A company whose fiscal
-- year end or reporting currency neither the file nor SEC's records give is left out and listed by the
-- warn-level test companies_left_unresolved.
select
    ticker,
    name,
    basket,
    baskets,
    country,
    cik,
    exchange,
    trading_currency,
    reporting_currency,
    fiscal_year_end_month,
    price_symbol,
    filer,
    filer_form,
    sic,
    sic_description,
    other_tickers,
    cik_previous,
    cik_source,
    name_source,
    exchange_source,
    fiscal_year_end_month_source,
    reporting_currency_source,
    filer_form_source
from {{ ref('int_company_listings') }}
where
    role = 'company'
    and fiscal_year_end_month is not null
    and reporting_currency is not null
