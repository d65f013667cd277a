-- Re-check of fct_compute_access_gap against the status seed itself: on every day, the chip named
-- best for China must be announced by then and in a status interval that allows export (exportable
-- or compliant_part) covering that day. Rows returned are days on which the named chip was not
-- legally exportable according to the seeds.
with

gap as (
    select * from {{ ref('fct_compute_access_gap') }}
    where best_china_chip is not null
),

allowed as (
    select
        gap.date,
        gap.best_china_chip
    from gap
    inner join {{ ref('accelerator_china_status') }} as statuses
        on
            gap.best_china_chip = statuses.chip
            and statuses.valid_from <= gap.date
            and (statuses.valid_to is null or gap.date < statuses.valid_to)
            and statuses.status in ('exportable', 'compliant_part')
    inner join {{ ref('accelerators') }} as accelerators
        on
            gap.best_china_chip = accelerators.chip
            and accelerators.announced_date <= gap.date
)

select
    gap.date,
    gap.best_china_chip
from gap
left join allowed
    on gap.date = allowed.date
where allowed.date is null
