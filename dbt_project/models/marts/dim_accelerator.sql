-- One row per accelerator (seed accelerators) with the history of its China status summarised:
-- when it was first restricted and by which event, and the latest status the seed records.
with

accelerators as (
    select * from {{ ref('accelerators') }}
),

statuses as (
    select * from {{ ref('int_accelerator_china_status') }}
),

summary as (
    select
        chip,
        min(valid_from) filter (where status = 'restricted') as first_restricted_on,
        arg_min(event_id, valid_from) filter (where status = 'restricted') as restricted_by_event_id,
        min(valid_from) filter (where status = 'compliant_part') as compliant_part_from,
        arg_min(event_id, valid_from) filter (where status = 'compliant_part') as compliant_part_event_id,
        min(valid_from) filter (where status = 'licensable') as licensable_from,
        arg_max(status, valid_from) as latest_china_status,
        count(*) as n_status_intervals
    from statuses
    group by chip
)

select
    accelerators.chip,
    accelerators.vendor,
    accelerators.variant,
    accelerators.announced_date,
    accelerators.available_date,
    accelerators.dense_fp16_tflops,
    accelerators.dense_bf16_tflops,
    accelerators.memory_bandwidth_tbps,
    accelerators.interconnect_bandwidth_gbps,
    accelerators.tpp,
    accelerators.is_domestic_china,
    accelerators.is_china_market_variant,
    accelerators.tpp is not null and accelerators.announced_date is not null as is_ranked_in_gap,
    summary.first_restricted_on,
    summary.restricted_by_event_id,
    summary.compliant_part_from,
    summary.compliant_part_event_id,
    summary.licensable_from,
    summary.latest_china_status,
    coalesce(summary.n_status_intervals, 0) as n_status_intervals,
    accelerators.source_confidence,
    list_transform(string_split(accelerators.source_url, ' ; '), lambda url: trim(url)) as source_urls,
    accelerators.notes,
    false as is_sample
from accelerators
left join summary
    on accelerators.chip = summary.chip
