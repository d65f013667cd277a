-- A company of the universe that neither the universe file nor SEC's records (its submissions and
-- companyfacts) give a fiscal year end or reporting currency: it is left out of dim_company (and so of
-- every mart), never guessed. Warn: one company's missing records never stop the others.
{{ config(severity='warn', store_failures=true, schema='audit') }}
select
    ticker,
    cik,
    universe_file,
    line,
    fiscal_year_end_month,
    reporting_currency
from {{ ref('int_company_listings') }}
where
    role = 'company'
    and (fiscal_year_end_month is null or reporting_currency is null)
