-- Export-control events inside the basket chart's range, marked on it as dashed lines.
select
    event_id,
    event_date,
    is_sample
from {{ ref('rpt_export_control_events') }}
where event_date <= (select max(date) from {{ ref('rpt_basket_indices') }})
