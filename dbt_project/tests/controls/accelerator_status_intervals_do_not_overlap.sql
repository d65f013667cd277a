-- A chip has one status for China on any day: its half-open intervals [valid_from, valid_to) must
-- not overlap, or the compute access gap could rank a chip as exportable and restricted at once.
with

statuses as (
    select * from {{ ref('int_accelerator_china_status') }}
)

select
    a.chip,
    a.status as status_a,
    a.valid_from as valid_from_a,
    a.valid_to as valid_to_a,
    b.status as status_b,
    b.valid_from as valid_from_b,
    b.valid_to as valid_to_b
from statuses as a
inner join statuses as b
    on
        a.chip = b.chip
        and a.valid_from < b.valid_from
where a.valid_to is null or a.valid_to > b.valid_from
