-- Ordinary shares represented by one traded unit, per listing, as ranges [valid_from, valid_until).
-- From the curated seed ads_ratios (BABA, BIDU ADSs, each regime citing its filing); a listing without
-- a seed row trades its ordinary shares directly: ratio 1 throughout.
--
-- ordinary_share_factor: the cumulative factor by which the ORDINARY shares were subdivided through
-- ratio changes up to this regime: the product of ratio / previous ratio over the changes the seed
-- marks moves_ordinary_shares (BABA 2019-07-30: x8; BIDU 2021-03-01: x80). An ADS-only change (BIDU
-- 2010-05-12: ten ADSs per share instead of one) leaves it unchanged: the ordinary shares did not move,
-- only the ADS split. ads_only_change marks those regimes, so int_split_factors can keep the ADS's own
-- split event of that day (if the price provider reports one) out of share restatement.
with

seeded as (
    select
        ticker,
        cast(valid_from as date) as valid_from,
        cast(ordinary_shares_per_ads as double) as ordinary_shares_per_ads,
        cast(moves_ordinary_shares as boolean) as moves_ordinary_shares,
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
        false as moves_ordinary_shares,
        'not an ADS: one ordinary share per traded unit' as source
    from listings
    where listings.ticker not in (select seeded.ticker from seeded)
),

all_rows as (
    select * from seeded
    union all by name
    select * from ordinary_listings
),

changes as (
    select
        *,
        ordinary_shares_per_ads
        / lag(ordinary_shares_per_ads) over (partition by ticker order by valid_from) as ratio_change
    from all_rows
)

select
    ticker,
    valid_from,
    lead(valid_from, 1, date '9999-12-31') over by_ticker as valid_until,
    ordinary_shares_per_ads,
    moves_ordinary_shares,
    ratio_change is not null and not moves_ordinary_shares as ads_only_change,
    product(case when moves_ordinary_shares then coalesce(ratio_change, 1.0) else 1.0 end)
        over (by_ticker rows between unbounded preceding and current row) as ordinary_share_factor,
    source
from changes
window by_ticker as (partition by ticker order by valid_from)
