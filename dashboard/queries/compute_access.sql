-- Best chip legally exportable to China vs best US chip, by day.
select
    date,
    compute_access_ratio,
    best_us_chip,
    best_china_chip,
    governing_event_id,
    is_sample
from marts.fct_compute_access_gap
order by date
