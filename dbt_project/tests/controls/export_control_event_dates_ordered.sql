-- Dates of an event are ordered: announced (event_date) <= first public (public_date) <= the
-- market's day 0 (market_day_zero), announced <= published in the Federal Register
-- (published_date) and announced <= in effect (effective_date), wherever they are present.
--
-- published_date <= effective_date is required too, except for BIS rules: export controls are
-- exempt from the APA's notice-and-comment and 30-day delayed-effect requirements, so BIS rules
-- routinely take effect on announcement or on public inspection, days before the Federal Register
-- issue that carries them. The seed has eleven such cases, all real, e.g. the 2022-10-07 advanced
-- computing rule (effective 2022-10-07, published 2022-10-13 at 87 FR 62186) and the Huawei Entity
-- List rule (effective 2019-05-16, published 2019-05-21). Any other authority's measure taking
-- effect before its publication fails here, as does any date before the announcement.
select
    event_id,
    authority,
    event_date,
    published_date,
    effective_date,
    public_date,
    market_day_zero,
    case
        when public_date < event_date then 'public before it was announced'
        when market_day_zero < public_date then 'market day 0 before the public date'
        when published_date < event_date then 'published before it was announced'
        when effective_date < event_date then 'effective before it was announced'
        else 'effective before publication, and not a BIS rule'
    end as problem
from {{ ref('int_export_control_event_days') }}
where
    public_date < event_date
    or market_day_zero < public_date
    or published_date < event_date
    or effective_date < event_date
    or (effective_date < published_date and authority <> 'BIS')
