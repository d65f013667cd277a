{#-
  The compute access gap, one row per calendar day from 2019-01-01 to the latest price date
  (current_date when there are no prices yet).

  One date basis for both sides: a chip is ranked from its announced_date (the day its maker made
  it public or offered it), U.S. and China alike; available_date (first confirmed on sale) stays a
  column of dim_accelerator. Announced dates are known to the day for every U.S. chip; sale dates
  are not, so ranking U.S. chips at announcement and China's at sale would widen the gap by the
  difference.

  best_us_chip     highest-TPP non-Chinese accelerator announced by that day, China-market variants
                   (A800, H800, H20) excluded: what a U.S. buyer could get (GB200, 40,000, from
                   2024-03-18). The H100 was exportable from its announcement (2022-03-22) until the
                   letter of 2022-08-26 (seed accelerator_china_status), so the ratio is 1.0 then.
  best_china_chip  highest-TPP accelerator legally exportable to China that day: announced by d and
                   in an accelerator_china_status interval [valid_from, valid_to) containing d with
                   status exportable or compliant_part (no licence needed).
  best_china_licensable_chip  the same, counting also chips whose licences are reviewed case by
                   case ('licensable': H200 from 2026-01-15). A licence is still needed, so these
                   chips stay out of compute_access_ratio; compute_access_ratio_incl_licensable is the
                   ratio if every such licence were granted (an upper bound).
  best_domestic_chip  highest-TPP Chinese-designed accelerator announced by d (kept apart: it is
                   not an export of a US chip). Ascend 910B is ranked at the low end of its published
                   320-376 TFLOPS (TPP 5,120); Ascend 910C (TPP 12,800, estimate) from 2025-04-21.
  compute_access_ratio = best_china_tpp / best_us_tpp; null when no chip with a confirmed TPP was
                   exportable that day (the seed lists a handful of chips: an empty set there means
                   "none of these", not "none at all", so the ratio is not set to 0).
  governing_event_id  the latest event, among those the status seed cites, whose chip controls were
                   in force by d (chip_controls_in_force_from <= d: the Oct-2022 rule from 2022-10-21,
                   when its 3A090/4A090 provision took effect).
  tpp_threshold_in_force  the 3A090 TPP threshold of the latest rule whose chip provision was in
                   force by d; null before 2022-10-21.
  Ties in TPP are broken by memory bandwidth, then the later announcement, then the chip name.
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
        announced_date,
        tpp,
        memory_bandwidth_tbps,
        is_domestic_china,
        coalesce(is_china_market_variant, false) as is_china_market_variant
    from {{ ref('accelerators') }}
    where tpp is not null and announced_date is not null
),

events as (
    select * from {{ ref('int_export_control_event_days') }}
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
            accelerators.announced_date <= calendar.date
            and not accelerators.is_domestic_china
            and not accelerators.is_china_market_variant
    qualify row_number() over (
        partition by calendar.date
        order by
            accelerators.tpp desc, accelerators.memory_bandwidth_tbps desc nulls last,
            accelerators.announced_date desc, accelerators.chip
    ) = 1
),

china_candidates as (
    select
        calendar.date,
        chip_status.chip,
        chip_status.tpp,
        chip_status.memory_bandwidth_tbps,
        chip_status.announced_date,
        chip_status.is_legally_exportable
    from calendar
    inner join chip_status
        on
            chip_status.announced_date <= calendar.date
            and chip_status.valid_from <= calendar.date
            and (chip_status.valid_to is null or calendar.date < chip_status.valid_to)
            and (chip_status.is_legally_exportable or chip_status.is_licensable)
            and not chip_status.is_domestic_china
),

china_exportable as (
    select
        date,
        chip,
        tpp,
        count(*) over (partition by date) as n_exportable
    from china_candidates
    where is_legally_exportable
    qualify row_number() over (
        partition by date
        order by tpp desc, memory_bandwidth_tbps desc nulls last, announced_date desc, chip
    ) = 1
),

china_licensable as (
    select
        date,
        chip,
        tpp
    from china_candidates
    qualify row_number() over (
        partition by date
        order by tpp desc, memory_bandwidth_tbps desc nulls last, announced_date desc, chip
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
            accelerators.announced_date <= calendar.date
            and accelerators.is_domestic_china
    qualify row_number() over (
        partition by calendar.date
        order by
            accelerators.tpp desc, accelerators.memory_bandwidth_tbps desc nulls last,
            accelerators.announced_date desc, accelerators.chip
    ) = 1
),

governing_events as (
    -- the events the status seed cites (for any chip, ranked or not), each from the day its chip
    -- controls took effect
    select
        events.event_id,
        events.chip_controls_in_force_from as in_force_from
    from events
    where
        events.event_id in (
            select distinct event_id from all_chip_status
            where event_id is not null
        )
    qualify row_number() over (
        partition by events.chip_controls_in_force_from
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
),

thresholds as (
    select
        events.chip_controls_in_force_from as in_force_from,
        events.tpp_threshold
    from events
    where events.tpp_threshold is not null
    qualify row_number() over (
        partition by events.chip_controls_in_force_from order by events.event_date desc, events.event_id desc
    ) = 1
),

threshold_in_force as (
    select
        calendar.date,
        thresholds.tpp_threshold
    from calendar
    asof left join thresholds
        on calendar.date >= thresholds.in_force_from
)

select
    calendar.date,
    best_us.chip as best_us_chip,
    best_us.tpp as best_us_tpp,
    china_exportable.chip as best_china_chip,
    china_exportable.tpp as best_china_tpp,
    china_exportable.tpp / best_us.tpp as compute_access_ratio,
    coalesce(china_exportable.n_exportable, 0) as n_china_exportable_chips,
    china_licensable.chip as best_china_licensable_chip,
    china_licensable.tpp as best_china_licensable_tpp,
    china_licensable.tpp / best_us.tpp as compute_access_ratio_incl_licensable,
    governing.event_id as governing_event_id,
    threshold_in_force.tpp_threshold as tpp_threshold_in_force,
    best_domestic.chip as best_domestic_chip,
    best_domestic.tpp as best_domestic_tpp,
    'announced_date' as chip_date_basis,
    -- built from research seeds only (real, sourced facts); the price table only sets the end date
    false as is_sample
from calendar
left join best_us
    on calendar.date = best_us.date
left join china_exportable
    on calendar.date = china_exportable.date
left join china_licensable
    on calendar.date = china_licensable.date
left join best_domestic
    on calendar.date = best_domestic.date
left join governing
    on calendar.date = governing.date
left join threshold_in_force
    on calendar.date = threshold_in_force.date
