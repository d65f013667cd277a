-- FRED daily FX observations, one row per series and day, always as units of the currency per 1 USD.
-- The series, its currency and its direction come from the fx_series seed: most H.10 series quote
-- units per USD (DEXCHUS); a few quote USD per unit (DEXUSEU, DEXUSUK) and are inverted here. A day
-- without an observation (US holiday) has a null rate and is filled in int_fx_daily.
with

rates as (
    select * from {{ source('raw', 'fx_rates') }}
),

series as (
    select
        series_id,
        currency,
        quote
    from {{ ref('fx_series') }}
)

select
    rates.series_id,
    series.currency,
    series.quote as fred_quote,
    rates.date,
    rates.value as fred_value,
    case series.quote
        when 'usd_per_unit' then 1 / nullif(rates.value, 0)
        else rates.value
    end as units_per_usd,
    rates.source_key,
    rates.source_file,
    rates.sha256,
    rates.fetched_at,
    rates.is_sample,
    rates.loaded_at
from rates
left join series on rates.series_id = series.series_id
