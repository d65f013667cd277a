-- Every reported version of every fundamental, SEC and HKEX alike, in one shape: one row per company,
-- metric, period and publication. HKEX figures are placed in fiscal periods by their dates with the
-- same rules as SEC facts (a test checks the curated labels agree).
with sec_reported as (
    select * from {{ ref('int_fundamentals_sec_reported') }}
    -- facts that disagree within one filing stay out (see the warn test on int_fundamentals_sec_reported)
    where value is not null
),

hkex_figures as (
    select
        hkex.*,
        companies.fiscal_year_end_month,
        case when not hkex.is_instant then {{ duration_months('hkex.period_start', 'hkex.period_end') }} end
            as months_covered,
        {{ fiscal_year_of('hkex.period_end', 'companies.fiscal_year_end_month') }} as period_fiscal_year,
        {{ fiscal_quarter_of('hkex.period_end', 'companies.fiscal_year_end_month') }} as end_quarter,
        {{ is_fiscal_quarter_end('hkex.period_end', 'companies.fiscal_year_end_month') }} as ends_on_quarter_end
    from {{ ref('stg_hkex__fundamentals') }} as hkex
    inner join {{ ref('int_company_listings') }} as companies
        on companies.ticker = hkex.ticker
),

hkex_classified as (
    select
        ticker,
        metric,
        -- curated figures have no XBRL concept; document and page are in fct_fundamentals
        cast(null as varchar) as concept,
        false as is_proxy,
        period_fiscal_year as fiscal_year,
        {{ fiscal_period_of('is_instant', 'months_covered', 'end_quarter', 'ends_on_quarter_end') }} as fiscal_period,
        {{ period_kind_of('is_instant', 'months_covered', 'end_quarter') }} as period_kind,
        period_start,
        period_end,
        currency,
        -- HKEX publications have no accession number
        cast(null as varchar) as accession_number,
        cast(null as varchar) as form,
        filed_date,
        value,
        false as is_derived,
        is_sample,
        source_file
    from hkex_figures
)

select
    ticker,
    metric,
    concept,
    fiscal_year,
    fiscal_period,
    period_kind,
    period_start,
    period_end,
    value,
    currency,
    accession_number,
    form,
    filed_date,
    'sec' as source,
    is_derived,
    is_proxy,
    is_sample,
    source_file
from sec_reported
union all
select
    ticker,
    metric,
    concept,
    fiscal_year,
    fiscal_period,
    period_kind,
    period_start,
    period_end,
    value,
    currency,
    accession_number,
    form,
    filed_date,
    'hkex' as source,
    is_derived,
    is_proxy,
    is_sample,
    source_file
from hkex_classified
-- a curated period of another shape would have no fiscal_period: it fails the not_null test downstream
