-- Curated figures of issuers that file in Hong Kong, not with the SEC (Tencent), one row per figure.
with source as (
    select * from {{ source('raw', 'hkex_fundamentals') }}
)

select
    trim(ticker) as ticker,
    lower(trim(metric)) as metric,
    fiscal_year,
    upper(trim(fiscal_period)) as fiscal_period,
    period_start,
    period_end,
    period_start is null as is_instant,
    value,
    -- ISO currency code, or 'shares' for share counts
    case when lower(trim(currency)) = 'shares' then 'shares' else upper(trim(currency)) end as currency,
    filed_date,
    document,
    page,
    source_url,
    quoted_text,
    -- official: the issuer's or HKEX's own text was seen; secondary: press, broker or aggregator quoting it
    lower(trim(confidence)) as source_confidence,
    note as source_note,
    source_key,
    source_file,
    sha256,
    is_sample,
    loaded_at
from source
