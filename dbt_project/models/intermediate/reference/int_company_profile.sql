-- What SEC's own records say about each SEC filer: exchange, SIC, fiscal-year-end month and filer form
-- from its submissions, reporting currency from the units of its companyfacts. int_company_listings
-- takes these where the universe file leaves a column empty (a column it gives wins).
with

companies as (
    select * from {{ ref('stg_sec__companies') }}
),

-- the currency of the company's annual-report money facts: the ISO unit most of its 10-K / 20-F facts
-- of the concept map's money metrics carry (BABA and BIDU: CNY; a convenience USD translation is rarer)
money_concepts as (
    select distinct concept
    from {{ ref('concept_map') }}
    where metric != 'shares_outstanding' and taxonomy in ('us-gaap', 'ifrs-full')
),

currency_counts as (
    select
        facts.cik,
        facts.unit as currency,
        count(*) as facts,
        max(facts.filed_date) as last_filed
    from {{ ref('stg_sec__companyfacts') }} as facts
    inner join money_concepts on facts.concept = money_concepts.concept
    where
        facts.form in ('10-K', '10-K/A', '20-F', '20-F/A')
        and regexp_full_match(facts.unit, '[A-Z]{3}')
    group by all
),

reporting_currency as (
    select
        cik,
        arg_max(currency, [facts, epoch(last_filed)]) as reporting_currency
    from currency_counts
    group by cik
)

select
    companies.cik,
    companies.name,
    companies.entity_type,
    companies.sic,
    companies.sic_description,
    companies.fiscal_year_end,
    companies.fiscal_year_end_month,
    companies.exchange,
    companies.tickers,
    companies.forms,
    companies.filer_form,
    -- the sec:all selection (ingestion/universe_resolution.py sec_filer_ciks): a 10-K or 20-F filer
    companies.filer_form is not null as files_annual_reports,
    reporting_currency.reporting_currency,
    companies.source_file,
    companies.is_sample
from companies
left join reporting_currency on companies.cik = reporting_currency.cik
