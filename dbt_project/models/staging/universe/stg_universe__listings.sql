-- The companies and benchmark series aigap follows, one row per ticker, typed.
with source as (
    select * from {{ source('raw', 'universe') }}
)

select
    trim(ticker) as ticker,
    trim(name) as name,
    trim(role) as role,
    trim(basket) as basket,
    trim(country) as country,
    -- SEC CIKs are joined as 10-digit zero-padded strings everywhere
    case when nullif(trim(cik), '') is not null then lpad(trim(cik), 10, '0') end as cik,
    trim(exchange) as exchange,
    upper(trim(trading_currency)) as trading_currency,
    upper(trim(reporting_currency)) as reporting_currency,
    cast(fiscal_year_end_month as integer) as fiscal_year_end_month,
    trim(price_symbol) as price_symbol,
    nullif(trim(filer), '') as filer,
    -- companies: the benchmark series they are measured against (named in the universe, never guessed)
    nullif(trim(benchmark), '') as benchmark,
    -- how the line was resolved (ingestion/universe_resolution.py): every basket it is listed in,
    -- where in the universe file it is, which columns the file gave, where its CIK came from
    coalesce(nullif(trim(baskets), ''), trim(basket)) as baskets,
    universe_file,
    line,
    given_columns,
    cik_source,
    nullif(trim(other_tickers), '') as other_tickers,
    cik_previous,
    resolved_with,
    source_file,
    is_sample,
    loaded_at
from source
