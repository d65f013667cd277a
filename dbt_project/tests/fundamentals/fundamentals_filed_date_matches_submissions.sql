-- Warn: what this finds is one listing's data anomaly (the provider's or the filer's), which flags that
-- company and never blocks the publish (docs/publish_rules.md); the failing rows name the company.
{{ config(severity='warn') }}
-- companyfacts and the submissions list are two SEC documents about the same filings: where both know
-- an accession number, they must give the same filing date and company, or one of the two files is wrong.
-- (submissions lists only the recent filings, so accessions it does not know are not checked here.)
with fundamentals as (
    select distinct
        ticker,
        accession_number,
        form,
        filed_date
    from {{ ref('fct_fundamentals') }}
    where source = 'sec'
),

filings as (
    select
        listings.ticker,
        filings.accession_number,
        filings.form,
        filings.filed_date
    from {{ ref('stg_sec__filings') }} as filings
    left join {{ ref('int_company_listings') }} as listings
        on filings.cik = listings.cik
)

select
    fundamentals.*,
    filings.ticker as submissions_ticker,
    filings.form as submissions_form,
    filings.filed_date as submissions_filed_date
from fundamentals
inner join filings
    on filings.accession_number = fundamentals.accession_number
where
    filings.filed_date != fundamentals.filed_date
    or filings.ticker != fundamentals.ticker
    or filings.form != fundamentals.form
