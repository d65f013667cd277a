-- One row per curated export-control or Chinese regulatory event (seed export_control_events),
-- with its public date, the market's day 0, the days it took effect and whether the accelerator
-- status seed cites it. See int_export_control_event_days for market_day_zero.
with

events as (
    select * from {{ ref('int_export_control_event_days') }}
),

cited as (
    select distinct event_id from {{ ref('accelerator_china_status') }}
    where event_id is not null
)

select
    events.event_id,
    events.event_type,
    events.source_confidence,
    events.event_date,
    events.public_date,
    events.public_timing,
    events.market_day_zero,
    events.market_day_zero_basis,
    events.public_in_us_hours,
    events.hk_market_day_zero,
    events.hk_market_day_zero_basis,
    events.published_date,
    events.effective_date,
    events.in_force_from,
    events.chip_controls_effective_date,
    events.chip_controls_in_force_from,
    events.authority,
    events.kind,
    events.event_type in ('us_rule', 'us_licence_letter', 'us_policy_statement') as is_us_measure,
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
    date_diff('day', events.event_date, events.public_date) as days_to_public,
    cited.event_id is not null as governs_chip_status,
    list_transform(string_split(events.source_url, ' ; '), lambda url: trim(url)) as source_urls,
    false as is_sample
from events
left join cited
    on events.event_id = cited.event_id
