-- Basket CARs per event and window; the event's day 0 is taken from its listings' rows first.
with

studies as (
    select
        *,
        min(day_zero_date) over (partition by event_id) as event_date
    from {{ ref('fct_event_study') }}
)

select
    event_id,
    event_date,
    entity,
    event_window,
    window_first_day,
    window_last_day,
    car,
    t_stat,
    is_sample
from studies
where entity_type = 'basket' and car is not null
