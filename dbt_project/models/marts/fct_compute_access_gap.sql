{#-
  The compute access gap, one row per calendar day from 2019-01-01 to the latest price date
  (current_date when there are no prices yet).

  best_us_chip     highest-TPP non-Chinese accelerator released by that day (release_date <= d).
  best_china_chip  highest-TPP accelerator legally exportable to China that day: released by d and
                   in an accelerator_china_status interval [valid_from, valid_to) containing d with
                   status exportable or compliant_part.
  best_domestic_chip  highest-TPP Chinese-designed accelerator released by d (kept apart: it is
                   not an export of a US chip).
  compute_access_ratio = best_china_tpp / best_us_tpp; null when no chip with a confirmed TPP was
                   exportable that day (the seed lists a handful of chips: an empty set there means
                   "none of these", not "none at all", so the ratio is not set to 0).
  governing_event_id  the latest event, among those the status seed cites, in force by d
                   (coalesce(effective_date, event_date) <= d): the rule or licence decision that
                   drew the line between exportable and restricted chips on that day.
  Ties in TPP are broken by memory bandwidth, then the later release, then the chip name.
  Only chips with both a TPP and a release date in the seed are ranked.
-#}
{%- set start_date = var('compute_access_start_date', '2019-01-01') -%}
with

all_chip_status as (
    select * from {{ ref('int_accelerator_china_status') }}
),

chip_status as (
    select * from all_chip_status
    where is_rankable
),

accelerators as (
    select
        chip,
        release_date,
        tpp,
        memory_bandwidth_tbps,
        is_domestic_china
    from {{ ref('accelerators') }}
    where tpp is not null and release_date is not null
),

bounds as (
    select
        cast('{{ start_date }}' as date) as first_date,
        coalesce(max(date), current_date) as last_date
    from {{ ref('stg_prices__daily') }}
),

calendar as (
    select cast(days.day as date) as date
    from bounds,
        generate_series(
            cast(bounds.first_date as timestamp), cast(bounds.last_date as timestamp), interval 1 day
        ) as days (day)
),

best_us as (
    select
        calendar.date,
        accelerators.chip,
        accelerators.tpp
    from calendar
    inner join accelerators
        on
            accelerators.release_date <= calendar.date
            and not accelerators.is_domestic_china
    qualify row_number() over (
        partition by calendar.date
        order by
            accelerators.tpp desc, accelerators.memory_bandwidth_tbps desc nulls last,
            accelerators.release_date desc, accelerators.chip
    ) = 1
),

china_exportable as (
    select
        calendar.date,
        chip_status.chip,
        chip_status.tpp,
        count(*) over (partition by calendar.date) as n_exportable
    from calendar
    inner join chip_status
        on
            chip_status.release_date <= calendar.date
            and chip_status.valid_from <= calendar.date
            and (chip_status.valid_to is null or calendar.date < chip_status.valid_to)
            and chip_status.is_legally_exportable
            and not chip_status.is_domestic_china
    qualify row_number() over (
        partition by calendar.date
        order by
            chip_status.tpp desc, chip_status.memory_bandwidth_tbps desc nulls last,
            chip_status.release_date desc, chip_status.chip
    ) = 1
),

best_domestic as (
    select
        calendar.date,
        accelerators.chip,
        accelerators.tpp
    from calendar
    inner join accelerators
        on
            accelerators.release_date <= calendar.date
            and accelerators.is_domestic_china
    qualify row_number() over (
        partition by calendar.date
        order by
            accelerators.tpp desc, accelerators.memory_bandwidth_tbps desc nulls last,
            accelerators.release_date desc, accelerators.chip
    ) = 1
),

governing_events as (
    -- the events the status seed cites (for any chip, ranked or not), each from the day it took effect
    select
        events.event_id,
        coalesce(events.effective_date, events.event_date) as in_force_from
    from {{ ref('export_control_events') }} as events
    where
        events.event_id in (
            select distinct event_id from all_chip_status
            where event_id is not null
        )
    qualify row_number() over (
        partition by coalesce(events.effective_date, events.event_date)
        order by events.event_date desc, events.event_id desc
    ) = 1
),

governing as (
    select
        calendar.date,
        governing_events.event_id
    from calendar
    asof left join governing_events
        on calendar.date >= governing_events.in_force_from
)

select
    calendar.date,
    best_us.chip as best_us_chip,
    best_us.tpp as best_us_tpp,
    china_exportable.chip as best_china_chip,
    china_exportable.tpp as best_china_tpp,
    china_exportable.tpp / best_us.tpp as compute_access_ratio,
    coalesce(china_exportable.n_exportable, 0) as n_china_exportable_chips,
    governing.event_id as governing_event_id,
    best_domestic.chip as best_domestic_chip,
    best_domestic.tpp as best_domestic_tpp,
    -- built from research seeds only (real, sourced facts); the price table only sets the end date
    false as is_sample
from calendar
left join best_us
    on calendar.date = best_us.date
left join china_exportable
    on calendar.date = china_exportable.date
left join best_domestic
    on calendar.date = best_domestic.date
left join governing
    on calendar.date = governing.date
