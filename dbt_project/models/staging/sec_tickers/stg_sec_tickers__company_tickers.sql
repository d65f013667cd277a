-- SEC's ticker -> CIK file (company_tickers.json), one row per ticker line, in SEC's order.
with source as (
    select * from {{ source('raw', 'sec_company_tickers') }}
)

select
    position,
    lpad(trim(cik), 10, '0') as cik,
    upper(trim(ticker)) as ticker,
    trim(title) as title,
    source_file,
    sha256,
    is_sample,
    loaded_at
from source
