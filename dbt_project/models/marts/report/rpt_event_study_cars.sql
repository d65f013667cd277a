-- Basket CARs per event and window, for the report's event-study chart.
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
from {{ ref('rpt_event_study') }}
where entity_type = 'basket'
