-- One FX rate per currency and calendar day, so any trading day (HKEX or NYSE) finds a rate.
-- FRED has no observation on US holidays and weekends: the last observation is carried forward for
-- at most 5 business days (Mon-Fri), and marked as filled; a longer gap is a missing rate (null),
-- because an old rate silently applied is worse than a visible hole.
with

observations as (
    select
        currency,
        date,
        units_per_usd,
        is_sample
    from {{ ref('stg_fx__rates') }}
    where units_per_usd is not null
),

currencies as (
    select distinct currency from {{ ref('stg_fx__rates') }}
),

bounds as (
    -- 7 calendar days past the last observation cover its whole 5-business-day fill window
    select
        min(date) as first_date,
        max(date) + 7 as last_date
    from observations
),

calendar as (
    select
        cast(days.day as date) as date,
        isodow(days.day) <= 5 as is_business_day
    from bounds,
        generate_series(
            cast(bounds.first_date as timestamp), cast(bounds.last_date as timestamp), interval 1 day
        ) as days (day)
),

business_day_numbers as (
    -- a running count of business days: the difference of two numbers is the business days between
    select
        date,
        cast(sum(case when is_business_day then 1 else 0 end) over (order by date) as integer) as business_day_number
    from calendar
),

grid as (
    select
        currencies.currency,
        days.date,
        days.business_day_number,
        observations.units_per_usd,
        observations.is_sample
    from business_day_numbers as days
    cross join currencies
    left join observations
        on
            currencies.currency = observations.currency
            and days.date = observations.date
),

carried as (
    select
        currency,
        date,
        business_day_number,
        units_per_usd as observed_units_per_usd,
        last_value(units_per_usd ignore nulls) over carry as last_units_per_usd,
        last_value(case when units_per_usd is not null then date end ignore nulls) over carry as source_date,
        last_value(case when units_per_usd is not null then business_day_number end ignore nulls)
            over carry as source_business_day_number,
        last_value(is_sample ignore nulls) over carry as is_sample
    from grid
    window carry as (partition by currency order by date rows between unbounded preceding and current row)
),

foreign_currencies as (
    select
        date,
        currency,
        case
            when business_day_number - source_business_day_number <= 5 then last_units_per_usd
        end as units_per_usd,
        -- filled = the rate shown was carried forward from an earlier observation
        coalesce(
            observed_units_per_usd is null
            and business_day_number - source_business_day_number <= 5,
            false
        ) as is_filled,
        cast(date - source_date as integer) as fill_age_days,
        cast(business_day_number - source_business_day_number as integer) as fill_age_business_days,
        source_date,
        is_sample
    from carried
),

us_dollar as (
    -- USD is the numeraire: 1 on every calendar day, never filled
    select
        date,
        'USD' as currency,
        1.0 as units_per_usd,
        false as is_filled,
        0 as fill_age_days,
        0 as fill_age_business_days,
        date as source_date,
        false as is_sample
    from calendar
),

unioned as (
    select * from foreign_currencies
    union all by name
    select * from us_dollar
)

select
    date,
    currency,
    units_per_usd,
    1.0 / units_per_usd as usd_per_unit,
    is_filled,
    fill_age_days,
    fill_age_business_days,
    source_date,
    is_sample
from unioned
