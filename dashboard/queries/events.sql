-- Export-control events on the basket chart's time axis.
select
    event_id,
    event_date,
    title,
    kind,
    fr_citation,
    is_sample
from marts.dim_export_control_event
where event_date >= date '2022-11-30'
order by event_date, event_id
