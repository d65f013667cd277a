-- SEC companyfacts facts that feed a fundamental metric (through the concept_map seed), each placed in
-- the fiscal period its DATES fall in. The filing's own fy/fp are not used: a 10-K's prior-year
-- comparatives carry the new filing's fy.
with sec_facts as (
    select * from {{ ref('stg_sec__companyfacts') }}
    union all by name
    -- company extension concepts (amzn:...) exist only in each filing's own XBRL instance (issue 10)
    select * exclude (decimals, context_id, is_extension) from {{ ref('stg_sec__instance_facts') }}
    where is_extension and filed_date is not null
),

companies as (
    select
        ticker,
        cik,
        fiscal_year_end_month,
        reporting_currency
    from {{ ref('int_company_listings') }}
    where role = 'company'
),

facts as (
    -- the company of each fact, by CIK
    select
        companies.ticker,
        sec_facts.*
    from sec_facts
    inner join companies
        on sec_facts.cik = companies.cik
),

concept_map as (
    select * from {{ ref('concept_map') }}
),

-- a company-specific row replaces every global row of that metric for that company (AMZN's rd_expense)
overridden_metrics as (
    select distinct
        ticker,
        metric
    from concept_map
    where ticker is not null
),

mapping_per_company as (
    select
        companies.ticker,
        concept_map.metric,
        concept_map.component,
        concept_map.taxonomy,
        concept_map.concept,
        concept_map.priority,
        concept_map.is_proxy
    from companies
    inner join concept_map
        on concept_map.ticker = companies.ticker
    union all
    select
        companies.ticker,
        concept_map.metric,
        concept_map.component,
        concept_map.taxonomy,
        concept_map.concept,
        concept_map.priority,
        concept_map.is_proxy
    from companies
    cross join concept_map
    where
        concept_map.ticker is null
        and not exists (
            select 1
            from overridden_metrics
            where
                overridden_metrics.ticker = companies.ticker
                and overridden_metrics.metric = concept_map.metric
        )
),

mapped_facts as (
    select
        facts.*,
        mapping.metric,
        mapping.component,
        mapping.priority,
        mapping.is_proxy,
        companies.fiscal_year_end_month
    from facts
    inner join mapping_per_company as mapping
        on
            mapping.ticker = facts.ticker
            and mapping.taxonomy = facts.taxonomy
            and mapping.concept = facts.concept
    inner join companies
        on companies.ticker = facts.ticker
    where
        -- money in the statements' own currency only: a 20-F's USD convenience translations are left out
        (mapping.metric = 'shares_outstanding' and facts.unit = 'shares')
        or (mapping.metric != 'shares_outstanding' and facts.unit = companies.reporting_currency)
),

-- how the filer names its fiscal years against the calendar rule (fiscal_year_of): the most common
-- difference, over its annual reports, between the fy the report states and the year its own
-- (latest) twelve-month period is placed in. 0 for nearly every filer.
annual_report_years as (
    select
        ticker,
        accession_number,
        any_value(filing_fiscal_year) as filing_fiscal_year,
        max(period_end) as period_end,
        any_value(fiscal_year_end_month) as fiscal_year_end_month
    from mapped_facts
    where
        filing_fiscal_period = 'FY'
        and filing_fiscal_year is not null
        and not is_instant
        and {{ duration_months('period_start', 'period_end') }} = 12
    group by ticker, accession_number
),

fiscal_year_naming as (
    select
        ticker,
        mode(filing_fiscal_year - {{ fiscal_year_of('period_end', 'fiscal_year_end_month') }}) as year_offset
    from annual_report_years
    group by ticker
),

with_period_shape as (
    select
        mapped_facts.*,
        case when not is_instant then {{ duration_months('period_start', 'period_end') }} end as months_covered,
        {{ fiscal_year_of('period_end', 'fiscal_year_end_month') }}
        -- a calendar slip of more than a year is a wrong fy in the data, not a naming convention
        + case when abs(fiscal_year_naming.year_offset) = 1 then fiscal_year_naming.year_offset else 0 end
            as period_fiscal_year,
        {{ fiscal_quarter_of('period_end', 'fiscal_year_end_month') }} as end_quarter,
        {{ is_fiscal_quarter_end('period_end', 'fiscal_year_end_month') }} as ends_on_quarter_end
    from mapped_facts
    left join fiscal_year_naming
        on fiscal_year_naming.ticker = mapped_facts.ticker
),

classified as (
    select
        *,
        {{ period_kind_of('is_instant', 'months_covered', 'end_quarter') }} as period_kind,
        {{ fiscal_period_of('is_instant', 'months_covered', 'end_quarter', 'ends_on_quarter_end') }} as fiscal_period
    from with_period_shape
)

select
    ticker,
    cik,
    metric,
    component,
    taxonomy,
    concept,
    priority,
    is_proxy,
    unit,
    period_fiscal_year as fiscal_year,
    fiscal_period,
    period_kind,
    period_start,
    period_end,
    value,
    accession_number,
    form,
    filed_date,
    filing_fiscal_year,
    filing_fiscal_period,
    is_sample,
    source_file
from classified
where
    -- other shapes (two-month stubs, multi-year totals, twelve months ending mid-year) are no period aigap reports
    period_kind is not null
    -- flows are durations, balances are instants; share counts are instants (cover page, balance sheet)
    -- or the weighted average of a period (the last link of the share-count chain)
    and (
        metric = 'shares_outstanding'
        or (metric in {{ flow_metrics_sql() }}) = (period_kind != 'instant')
    )
