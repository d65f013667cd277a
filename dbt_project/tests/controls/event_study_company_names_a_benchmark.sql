-- Every company is measured against the benchmark the universe names for it (column benchmark),
-- never one guessed from its trading currency, so SPY and a USD China ETF (KWEB) can sit side by
-- side. A company whose benchmark is missing, or names no row with role benchmark, would get no
-- abnormal returns: the build fails and names it, with the universe file it came from (the rows
-- are kept in audit.event_study_company_names_a_benchmark).
{{ config(store_failures=true, schema='audit') }}
with

listings as (
    select * from {{ ref('stg_universe__listings') }}
)

select
    companies.ticker,
    companies.benchmark,
    companies.source_file,
    case
        when companies.benchmark is null then 'names no benchmark'
        else 'names ' || companies.benchmark || ', which is not a benchmark row of the universe'
    end as problem
from listings as companies
left join listings as benchmarks
    on
        companies.benchmark = benchmarks.ticker
        and benchmarks.role = 'benchmark'
where
    companies.role = 'company'
    and benchmarks.ticker is null
    -- a whole-market run (AIGAP_UNIVERSE=sec:all) has no event-study benchmark rows
    and coalesce(companies.universe_file, '') != 'sec:all'
