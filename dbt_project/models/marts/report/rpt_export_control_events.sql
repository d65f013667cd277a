-- Export-control events from 2022-11-30 on, with what an analyst reads next to the basket chart.
select
    event_id,
    event_date,
    title,
    kind,
    fr_citation,
    is_sample
from {{ ref('dim_export_control_event') }}
where event_date >= date '2022-11-30'
