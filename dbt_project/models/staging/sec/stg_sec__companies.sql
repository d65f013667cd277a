-- One row per SEC filer whose submissions document was loaded: its company-level fields, typed.
with source as (
    select * from {{ source('raw', 'sec_companies') }}
)

select
    lpad(trim(cik), 10, '0') as cik,
    trim(name) as name,
    entity_type,
    sic,
    sic_description,
    fiscal_year_end,
    -- SEC writes MMDD; a 52/53-week year that ends in the first days of a month closes the month before
    -- (e.g. 0102: the fiscal year of December), as the fiscal-period macros count it
    case
        when fiscal_year_end is null then null
        when cast(right(fiscal_year_end, 2) as integer) <= 7
            then ((cast(left(fiscal_year_end, 2) as integer) + 10) % 12) + 1
        else cast(left(fiscal_year_end, 2) as integer)
    end as fiscal_year_end_month,
    -- the first exchange SEC lists (the primary class's), e.g. Nasdaq, NYSE
    nullif(split_part(exchanges, ';', 1), '') as exchange,
    exchanges,
    tickers,
    forms,
    case
        when list_has_any(string_split(coalesce(forms, ''), ';'), ['20-F', '20-F/A']) then '20-F'
        when list_has_any(string_split(coalesce(forms, ''), ';'), ['10-K', '10-K/A', '10-KT']) then '10-K'
    end as filer_form,
    state_of_incorporation,
    source_key,
    source_file,
    sha256,
    is_sample,
    loaded_at
from source
