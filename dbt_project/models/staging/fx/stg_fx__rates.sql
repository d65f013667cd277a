-- FRED daily FX observations, one row per series and day. FRED quotes units of the foreign currency
-- per 1 USD; a day without an observation (US holiday) has a null rate and is filled in int_fx_daily.
with

rates as (
    select * from {{ source('raw', 'fx_rates') }}
)

select
    series_id,
    case series_id
        when 'DEXCHUS' then 'CNY'
        when 'DEXHKUS' then 'HKD'
    end as currency,
    date,
    value as units_per_usd,
    source_key,
    source_file,
    sha256,
    fetched_at,
    is_sample,
    loaded_at
from rates
