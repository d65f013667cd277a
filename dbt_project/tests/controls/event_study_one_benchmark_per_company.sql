-- The event study measures each company against the benchmark trading in its own currency (USD
-- listings -> SPY, HKD -> 2800.HK). That rule needs exactly one benchmark per trading currency of
-- the companies: none leaves a company without abnormal returns, two would double its rows.
with

listings as (
    select * from {{ ref('stg_manual__universe') }}
)

select
    companies.ticker,
    companies.trading_currency,
    count(benchmarks.ticker) as n_benchmarks
from listings as companies
left join listings as benchmarks
    on
        companies.trading_currency = benchmarks.trading_currency
        and benchmarks.role = 'benchmark'
where companies.role = 'company'
group by companies.ticker, companies.trading_currency
having count(benchmarks.ticker) <> 1
