-- Warn: what this finds is one listing's data anomaly (the provider's or the filer's), which flags that
-- company and never blocks the publish (docs/publish_rules.md); the failing rows name the company.
{{ config(severity='warn') }}
-- A day-over-day move of the unadjusted close within 5% of a common split ratio (2, 3, 4, 5, 10, 20
-- or their inverses) on a day with no split event: the signature of a split the provider forgot to
-- list, or applied twice, or of bars fetched before and after a split mixed without the event. A
-- listing of this warehouse moving by half or doubling in one day is otherwise not seen.
with

bars as (
    select
        price_symbol,
        date,
        close,
        lag(close) over (partition by price_symbol order by date) as previous_close,
        lag(date) over (partition by price_symbol order by date) as previous_date
    from {{ ref('stg_prices__daily') }}
),

ratios as (
    select unnest([2.0, 3.0, 4.0, 5.0, 10.0, 20.0]) as split_ratio
),

jumps as (
    select
        bars.price_symbol,
        bars.previous_date,
        bars.date,
        bars.previous_close,
        bars.close,
        bars.close / bars.previous_close as move,
        ratios.split_ratio
    from bars
    inner join ratios
        on
            abs(bars.close / bars.previous_close / ratios.split_ratio - 1) < 0.05
            or abs(bars.close / bars.previous_close * ratios.split_ratio - 1) < 0.05
    where bars.previous_close > 0
),

split_days as (
    select
        price_symbol,
        date
    from {{ ref('stg_prices__events') }}
    where kind = 'split'
)

select jumps.*
from jumps
left join split_days
    on
        jumps.price_symbol = split_days.price_symbol
        and split_days.date > jumps.previous_date
        and split_days.date <= jumps.date
where split_days.price_symbol is null
