-- Which core metric each company has for each fiscal year, and from where: one row per company,
-- fiscal year (every year from its first to its last annual report) and core metric. Present means:
-- flows - a current FY figure; balances - a current figure at the fiscal year end (Q4 instant); shares -
-- a count dated in the fiscal year or up to four months after it (the latest, best link of the
-- chain). A missing metric in a year that has an annual report warns (test
-- fundamentals_coverage_core_metric_present).
with versions as (
    select * from {{ ref('int_fundamentals_versions') }}
),

companies as (
    select
        ticker,
        fiscal_year_end_month
    from {{ ref('int_company_listings') }}
    where role = 'company'
),

core_metrics as (
    -- the concept map is the one list of metrics
    select distinct metric from {{ ref('concept_map') }}
),

current_versions as (
    select *
    from versions
    qualify
        row_number() over (
            partition by ticker, metric, period_kind, fiscal_period, period_end
            order by filed_date desc, is_derived asc, accession_number desc nulls last
        ) = 1
),

-- a year has an annual report when an annual figure of it was published within six months of its end
-- (10-K, 20-F, HKEX results); a prior-year comparative in a later report is not that year's report
annual_reports as (
    select
        ticker,
        fiscal_year,
        max(period_end) as fiscal_year_end
    from versions
    where period_kind = 'annual' and filed_date <= period_end + interval 6 month
    group by ticker, fiscal_year
),

year_range as (
    select
        ticker,
        min(fiscal_year) as first_year,
        max(fiscal_year) as last_year
    from annual_reports
    group by ticker
),

grid as (
    select
        year_range.ticker,
        fiscal_years.fiscal_year,
        core_metrics.metric
    from year_range
    -- every year from the first to the last annual report (a gap year shows as missing)
    cross join unnest(generate_series(year_range.first_year, year_range.last_year)) as fiscal_years (fiscal_year)
    cross join core_metrics
),

flows_and_balances as (
    select
        ticker,
        metric,
        fiscal_year,
        concept,
        case when is_proxy then 'proxy' when is_derived then 'derived' else 'reported' end as basis,
        source,
        accession_number,
        filed_date,
        period_end,
        is_sample
    from current_versions
    where
        (metric in {{ flow_metrics_sql() }} and fiscal_period = 'FY')
        or (metric in {{ balance_metrics_sql() }} and period_kind = 'instant' and fiscal_period = 'Q4')
    -- two current FY figures of one year (different end dates) are an anomaly of their own; keep the later
    qualify row_number() over (partition by ticker, metric, fiscal_year order by period_end desc) = 1
),

share_counts as (
    select
        shares.ticker,
        'shares_outstanding' as metric,
        -- a count dated up to four months after a year end (the cover page of that year's annual
        -- report, a 20-F's count at the filing date) counts for that year
        {{ fiscal_year_of('cast(shares.as_of_date - interval 4 month as date)', 'companies.fiscal_year_end_month') }}
            as fiscal_year,
        shares.concept,
        shares.shares_basis as basis,
        case when shares.shares_basis = 'annual_report' then 'hkex' else 'sec' end as source,
        shares.accession_number,
        shares.filed_date,
        shares.as_of_date as period_end,
        shares.is_sample
    from {{ ref('int_shares_outstanding_versions') }} as shares
    inner join companies
        on companies.ticker = shares.ticker
    qualify
        row_number() over (
            partition by shares.ticker, fiscal_year
            order by shares.as_of_date desc, shares.shares_basis_rank asc, shares.filed_date desc
        ) = 1
),

found as (
    select * from flows_and_balances
    union all
    select * from share_counts
)

select
    grid.ticker,
    cast(grid.fiscal_year as integer) as fiscal_year,
    grid.metric,
    found.ticker is not null as is_present,
    annual_reports.ticker is not null as has_annual_report,
    annual_reports.fiscal_year_end,
    found.concept,
    found.basis,
    found.source,
    found.accession_number,
    found.filed_date,
    found.period_end,
    coalesce(found.is_sample, false) as is_sample
from grid
left join found
    on
        found.ticker = grid.ticker
        and found.metric = grid.metric
        and found.fiscal_year = grid.fiscal_year
left join annual_reports
    on
        annual_reports.ticker = grid.ticker
        and annual_reports.fiscal_year = grid.fiscal_year
