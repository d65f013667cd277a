-- Ordinary shares represented by one traded unit, per listing, as ranges [valid_from, valid_until).
-- From the curated seed ads_ratios (BABA, BIDU ADSs, each regime citing its filing); a listing without
-- a seed row trades its ordinary shares directly: ratio 1 throughout.
with

seeded as (
    select
        ticker,
        cast(valid_from as date) as valid_from,
        cast(ordinary_shares_per_ads as double) as ordinary_shares_per_ads,
        source
    from {{ ref('ads_ratios') }}
),

listings as (
    select ticker from {{ ref('int_company_listings') }}
),

ordinary_listings as (
    select
        ticker,
        date '1900-01-01' as valid_from,
        1.0 as ordinary_shares_per_ads,
        'not an ADS: one ordinary share per traded unit' as source
    from listings
    where listings.ticker not in (select seeded.ticker from seeded)
),

all_rows as (
    select * from seeded
    union all by name
    select * from ordinary_listings
)

select
    ticker,
    valid_from,
    lead(valid_from, 1, date '9999-12-31') over (partition by ticker order by valid_from) as valid_until,
    ordinary_shares_per_ads,
    source
from all_rows
