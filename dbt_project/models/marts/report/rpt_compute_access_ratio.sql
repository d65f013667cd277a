-- The compute access ratio by day, the two chips it compares, and the event governing China's line.
select
    date,
    compute_access_ratio,
    best_us_chip,
    best_china_chip,
    governing_event_id,
    is_sample
from {{ ref('fct_compute_access_gap') }}
