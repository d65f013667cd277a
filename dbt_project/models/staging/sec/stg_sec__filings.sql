-- One row per filing listed in an SEC submissions document, typed (int_company_listings names the
-- company of a CIK).
with source as (
    select * from {{ source('raw', 'sec_filings') }}
)

select
    lpad(trim(source.cik), 10, '0') as cik,
    source.entity_name,
    source.accession_number,
    upper(trim(source.form)) as form,
    source.filing_date as filed_date,
    source.report_date,
    -- SEC gives e.g. 2023-07-27T16:05:33.000Z; an unparsable value stays visible as null
    try_cast(nullif(source.acceptance_datetime, '') as timestamptz) as accepted_at,
    source.primary_document,
    source.is_xbrl,
    source.source_key,
    source.source_file,
    source.sha256,
    source.is_sample,
    source.loaded_at
from source
