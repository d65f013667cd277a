-- The compute access ratio by day, with the event governing China's line.
select
    date,
    compute_access_ratio,
    governing_event_id,
    is_sample
from {{ ref('fct_compute_access_gap') }}
