-- CARs of every listing and basket per event and window, with the event's day 0 (the earliest of its
-- listings' day 0s: Hong Kong's session may come a day after New York's).
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
    entity_type,
    basket,
    event_window,
    window_first_day,
    window_last_day,
    car,
    t_stat,
    is_sample
from studies
where car is not null
