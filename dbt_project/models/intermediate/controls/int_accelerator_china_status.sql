-- Each accelerator's status for sale into China as half-open intervals [valid_from, valid_to),
-- with the chip's specs beside it, so "what could China buy on day d" is one range filter.
-- A chip counts for the compute access gap only on days it was released (release_date <= d) and
-- only with a TPP in the seed: a chip whose TPP or release date is not confirmed cannot be ranked.
with

statuses as (
    select * from {{ ref('accelerator_china_status') }}
),

accelerators as (
    select * from {{ ref('accelerators') }}
)

select
    statuses.chip,
    accelerators.vendor,
    accelerators.is_domestic_china,
    accelerators.release_date,
    accelerators.tpp,
    accelerators.memory_bandwidth_tbps,
    statuses.status,
    statuses.valid_from,
    statuses.valid_to,
    statuses.event_id,
    -- exportable: no licence needed; compliant_part: designed under the thresholds of the rule in force
    statuses.status in ('exportable', 'compliant_part') as is_legally_exportable,
    accelerators.tpp is not null and accelerators.release_date is not null as is_rankable,
    statuses.source_url,
    statuses.notes
from statuses
inner join accelerators
    on statuses.chip = accelerators.chip
