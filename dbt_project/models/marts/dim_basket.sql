-- The baskets of the basket file (seed baskets), with their benchmark resolved in the universe and how
-- many members the universe in use gives each (0 for a basket nobody is in).
with

members as (
    select
        basket,
        count(*) as n_members
    from {{ ref('dim_basket_member') }}
    group by basket
),

benchmarks as (
    select
        price_symbol,
        ticker
    from {{ ref('int_company_listings') }}
    where role = 'benchmark'
)

select
    baskets.basket,
    baskets.description,
    baskets.benchmark_price_symbol,
    benchmarks.ticker as benchmark_ticker,
    coalesce(members.n_members, 0) as n_members
from {{ ref('baskets') }} as baskets
left join benchmarks
    on baskets.benchmark_price_symbol = benchmarks.price_symbol
left join members
    on baskets.basket = members.basket
