-- The fundamentals a valuation may use, point in time, one row per ticker, metric and knowledge
-- interval [known_from, known_until). Two kinds of input in one long shape:
--   ttm:           trailing-twelve-month flows (revenue, R&D, ...), knowable from known_from
--   balance_sheet: stocks at a period end (cash, short-term investments, total debt), knowable from
--                  the filing date
-- On day d a metric's value is the one with the latest period_end among versions knowable by d, and
-- for that period_end the latest knowable version. Amounts stay in their reporting currency here.
with

ttm as (
    select
        ticker,
        metric,
        'ttm' as statement,
        period_end,
        value_ttm as value,
        currency,
        known_from as knowable_from,
        accession_number,
        is_sample
    from {{ ref('int_fundamentals_ttm') }}
    where value_ttm is not null
),

balance_sheet as (
    select
        ticker,
        metric,
        'balance_sheet' as statement,
        period_end,
        value,
        currency,
        filed_date as knowable_from,
        accession_number,
        is_sample
    from {{ ref('int_balance_sheet_versions') }}
    where value is not null
),

versions as (
    select * from ttm
    union all by name
    select * from balance_sheet
),

knowledge_dates as (
    select distinct
        ticker,
        metric,
        knowable_from as known_from
    from versions
),

in_force as (
    select
        knowledge_dates.ticker,
        knowledge_dates.metric,
        knowledge_dates.known_from,
        versions.statement,
        versions.period_end,
        versions.value,
        versions.currency,
        versions.knowable_from,
        versions.accession_number,
        versions.is_sample
    from knowledge_dates
    inner join versions
        on
            knowledge_dates.ticker = versions.ticker
            and knowledge_dates.metric = versions.metric
            and knowledge_dates.known_from >= versions.knowable_from
    qualify row_number() over (
        partition by knowledge_dates.ticker, knowledge_dates.metric, knowledge_dates.known_from
        order by versions.period_end desc, versions.knowable_from desc, versions.accession_number desc
    ) = 1
)

select
    ticker,
    metric,
    known_from,
    lead(known_from, 1, date '9999-12-31') over (partition by ticker, metric order by known_from) as known_until,
    statement,
    period_end,
    value,
    currency,
    knowable_from,
    accession_number,
    is_sample
from in_force
