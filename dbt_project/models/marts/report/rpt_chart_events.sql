-- Export-control events inside the basket chart's range, marked on it as dashed lines.
select
    event_id,
    event_date,
    is_sample
from {{ ref('dim_export_control_event') }}
where
    event_date >= date '2022-11-30'
    and event_date <= (select max(date) from {{ ref('fct_basket_gap_daily') }})
