-- Coverage derived from marts.fct_fundamentals, for a serving file without marts.fct_fundamentals_coverage:
-- every company x fiscal year x metric it ever reports, present when a current annual figure (or a
-- fiscal-year-end balance) exists.
with current_annual as (
    select
        ticker,
        metric,
        fiscal_year,
        case when is_proxy then 'proxy' when is_derived then 'derived' else 'reported' end as basis,
        source,
        is_sample
    from marts.fct_fundamentals
    where is_current_version and (fiscal_period = 'FY' or (period_kind = 'instant' and fiscal_period = 'Q4'))
    qualify row_number() over (partition by ticker, metric, fiscal_year order by period_end desc) = 1
),

grid as (
    select distinct
        years.ticker,
        years.fiscal_year,
        metrics.metric
    from (select distinct ticker, fiscal_year from current_annual) as years
    cross join (select distinct metric from current_annual) as metrics
)

select
    grid.ticker,
    grid.fiscal_year,
    grid.metric,
    current_annual.ticker is not null as is_present,
    current_annual.basis,
    current_annual.source,
    'marts.fct_fundamentals' as coverage_source,
    coalesce(current_annual.is_sample, false) as is_sample
from grid
left join current_annual
    on
        current_annual.ticker = grid.ticker
        and current_annual.fiscal_year = grid.fiscal_year
        and current_annual.metric = grid.metric
order by grid.ticker, grid.fiscal_year, grid.metric
