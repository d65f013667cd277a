-- Cumulative split factor of each listing's traded security, as ranges [date, valid_until).
-- A share count known as of day a is comparable with the (unadjusted) price of day d after
-- multiplying it by cumulative_factor(d) / cumulative_factor(a): e.g. a count reported before a
-- 20-for-1 split is multiplied by 20 for prices after the split. Every listing gets a base row
-- (1900-01-01, factor 1), so the lookup never misses.
-- share_factor is the same product without the splits that an ADS-only ratio change caused (seed
-- ads_ratios, moves_ordinary_shares = false: BIDU 2010-05-12, when one ADS per share became ten):
-- those split the ADS, not the ordinary shares that share counts are reported in, so share counts are
-- restated by share_factor (int_market_cap_daily), prices by cumulative_factor.
with

listings as (
    select
        ticker,
        price_symbol
    from {{ ref('int_company_listings') }}
),

splits as (
    select
        listings.ticker,
        events.date,
        -- two events on one day would be the provider repeating itself or a combined action:
        -- their product is the day's ratio
        product(events.split_ratio) as split_ratio,
        bool_or(events.is_sample) as is_sample
    from {{ ref('stg_prices__events') }} as events
    inner join listings
        on events.price_symbol = listings.price_symbol
    where events.kind = 'split'
    group by listings.ticker, events.date
),

base_rows as (
    select
        ticker,
        date '1900-01-01' as date,
        1.0 as split_ratio,
        false as is_sample
    from listings
),

all_rows as (
    select * from base_rows
    union all by name
    select * from splits
),

ads_only_days as (
    select distinct
        ticker,
        valid_from as date
    from {{ ref('int_ads_ratios') }}
    where ads_only_change
)

select
    all_rows.ticker,
    all_rows.date,
    lead(all_rows.date, 1, date '9999-12-31') over by_ticker as valid_until,
    all_rows.split_ratio,
    product(all_rows.split_ratio) over (by_ticker rows between unbounded preceding and current row)
        as cumulative_factor,
    product(case when ads_only_days.date is null then all_rows.split_ratio else 1.0 end)
        over (by_ticker rows between unbounded preceding and current row) as share_factor,
    all_rows.is_sample
from all_rows
left join ads_only_days
    on
        all_rows.ticker = ads_only_days.ticker
        and all_rows.date = ads_only_days.date
window by_ticker as (partition by all_rows.ticker order by all_rows.date)
