-- Cumulative abnormal returns (market model) around each export-control event.
select
    event_id,
    min(day_zero_date) over (partition by event_id) as event_date,
    entity,
    entity_type,
    basket,
    event_window,
    window_first_day,
    window_last_day,
    car,
    t_stat,
    is_sample
from marts.fct_event_study
where car is not null
order by event_date, event_id, entity_type, entity, event_window
