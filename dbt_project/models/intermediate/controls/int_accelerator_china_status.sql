-- Each accelerator's status for sale into China as half-open intervals [valid_from, valid_to),
-- with the chip's specs beside it, so "what could China buy on day d" is one range filter.
-- A chip counts for the compute access gap only from its announced_date (the one basis used for
-- both sides, see fct_compute_access_gap) and only with a TPP in the seed: a chip whose TPP or
-- announced date is not confirmed cannot be ranked.
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
    accelerators.is_china_market_variant,
    accelerators.announced_date,
    accelerators.available_date,
    accelerators.tpp,
    accelerators.memory_bandwidth_tbps,
    statuses.status,
    statuses.valid_from,
    statuses.valid_to,
    statuses.event_id,
    -- exportable: no licence needed; compliant_part: designed under the thresholds of the rule in force
    statuses.status in ('exportable', 'compliant_part') as is_legally_exportable,
    -- licensable: a licence is needed but reviewed case by case (H200 from 2026-01-15)
    statuses.status = 'licensable' as is_licensable,
    accelerators.tpp is not null and accelerators.announced_date is not null as is_rankable,
    statuses.source_url,
    statuses.notes
from statuses
inner join accelerators
    on statuses.chip = accelerators.chip
