-- The share count a reader of the filings would use, from each date a new version was filed until the
-- next: point in time. On day d the count in force is, among the versions filed on or before d, the one
-- with the latest as_of_date; for that as_of_date the best link of the chain (cover page, then balance
-- sheet, then weighted average: int_shares_outstanding_versions), then the latest filed version
-- (amendments add versions, they never overwrite). So a multi-class issuer without a cover-page count
-- is valued on its balance-sheet count. Counts are as reported (not split adjusted); restating them to
-- a day's price is int_market_cap_daily's job.
with

versions as (
    select
        ticker,
        as_of_date,
        shares,
        shares_basis,
        shares_basis_rank,
        filed_date,
        accession_number,
        is_sample
    from {{ ref('int_shares_outstanding_versions') }}
    where shares is not null
),

knowledge_dates as (
    -- the state can only change on a day something was filed
    select distinct
        ticker,
        filed_date as known_from
    from versions
),

in_force as (
    select
        knowledge_dates.ticker,
        knowledge_dates.known_from,
        versions.as_of_date,
        versions.shares,
        versions.shares_basis,
        versions.shares_basis_rank,
        versions.filed_date,
        versions.accession_number,
        versions.is_sample
    from knowledge_dates
    inner join versions
        on
            knowledge_dates.ticker = versions.ticker
            and knowledge_dates.known_from >= versions.filed_date
    qualify row_number() over (
        partition by knowledge_dates.ticker, knowledge_dates.known_from
        order by
            versions.as_of_date desc, versions.shares_basis_rank asc, versions.filed_date desc,
            versions.accession_number desc
    ) = 1
)

select
    ticker,
    known_from,
    lead(known_from, 1, date '9999-12-31') over (partition by ticker order by known_from) as known_until,
    as_of_date,
    shares,
    shares_basis,
    filed_date,
    accession_number,
    is_sample
from in_force
