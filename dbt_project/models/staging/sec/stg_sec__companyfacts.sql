-- One row per SEC XBRL companyfacts fact, typed (int_company_listings names the company of a CIK).
-- fiscal_year / fiscal_period of the raw table are the FILING's fy/fp (a 10-K's prior-year comparatives
-- carry the new filing's fy), so they are renamed filing_* here; periods are derived from dates downstream.
with source as (
    select * from {{ source('raw', 'sec_companyfacts') }}
)

select
    lpad(trim(source.cik), 10, '0') as cik,
    source.entity_name,
    source.taxonomy,
    source.concept,
    source.unit,
    source.period_start,
    source.period_end,
    source.period_start is null as is_instant,
    source.value,
    source.accession_number,
    upper(trim(source.form)) as form,
    source.filed_date,
    source.fiscal_year as filing_fiscal_year,
    source.fiscal_period as filing_fiscal_period,
    source.frame,
    source.source_key,
    source.source_file,
    source.sha256,
    source.is_sample,
    source.loaded_at
from source
