-- One row per NON-dimensional numeric fact of a filing's own XBRL instance (EDGAR archive), typed, with
-- the filing's form and filed date from its submissions listing (an instance
-- does not say when it was filed). Same columns as stg_sec__companyfacts, so the two can be unioned,
-- plus decimals, context_id and is_extension. Dimensional facts never reach raw (the parser skips them).
with source as (
    select * from {{ source('raw', 'sec_instance_facts') }}
),

filings as (
    select
        cik,
        accession_number,
        entity_name,
        form,
        filed_date
    from {{ ref('stg_sec__filings') }}
    -- a submissions document lists each accession once; keep one row per accession all the same
    qualify row_number() over (partition by cik, accession_number order by loaded_at desc) = 1
)

select
    lpad(trim(source.cik), 10, '0') as cik,
    filings.entity_name,
    source.taxonomy,
    source.concept,
    source.unit,
    source.period_start,
    source.period_end,
    source.period_start is null as is_instant,
    source.value,
    source.accession_number,
    coalesce(filings.form, upper(trim(source.document_type))) as form,
    -- null when the submissions listing lacks the accession: such a fact has no point in time
    filings.filed_date,
    source.fiscal_year as filing_fiscal_year,
    source.fiscal_period as filing_fiscal_period,
    cast(null as varchar) as frame,
    source.source_key,
    source.source_file,
    source.sha256,
    source.is_sample,
    source.loaded_at,
    source.decimals,
    source.context_id,
    -- a company's own concept (amzn:...), never in companyfacts; standard taxonomies are there already
    source.taxonomy not in ('us-gaap', 'dei', 'srt', 'ifrs-full') as is_extension
from source
left join filings
    on
        filings.cik = lpad(trim(source.cik), 10, '0')
        and filings.accession_number = source.accession_number
