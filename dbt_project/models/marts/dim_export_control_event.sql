-- One row per curated export-control or Chinese regulatory event (seed export_control_events),
-- with the day it took effect and whether the accelerator status seed cites it.
with

events as (
    select * from {{ ref('export_control_events') }}
),

cited as (
    select distinct event_id from {{ ref('accelerator_china_status') }}
    where event_id is not null
)

select
    events.event_id,
    events.event_date,
    events.published_date,
    events.effective_date,
    coalesce(events.effective_date, events.event_date) as in_force_from,
    events.authority,
    events.kind,
    events.authority in ('BIS', 'Commerce', 'company disclosure') as is_us_measure,
    events.title,
    events.summary,
    events.fr_citation,
    events.fr_document_number,
    case
        when events.fr_document_number is not null
            then 'https://www.federalregister.gov/d/' || events.fr_document_number
    end as fr_url,
    events.tpp_threshold,
    events.performance_density_threshold,
    date_diff('day', events.event_date, events.published_date) as days_to_publication,
    date_diff('day', events.event_date, events.effective_date) as days_to_effect,
    cited.event_id is not null as governs_chip_status,
    list_transform(string_split(events.source_url, ' ; '), lambda url: trim(url)) as source_urls,
    false as is_sample
from events
left join cited
    on events.event_id = cited.event_id
