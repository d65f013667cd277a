-- The P/E of a company-year is fct_valuation_daily's on pe_date, and that day's trailing figures end
-- on the fiscal year's last day (the P/E is on this year's earnings, not an older year's).
select
    gvu.ticker,
    gvu.fiscal_year,
    gvu.pe_date,
    gvu.pe_ttm,
    valuations.pe_ttm as valuation_pe_ttm,
    valuations.ttm_period_end
from {{ ref('fct_growth_vs_utility') }} as gvu
left join {{ ref('fct_valuation_daily') }} as valuations
    on
        gvu.ticker = valuations.ticker
        and gvu.pe_date = valuations.date
where
    gvu.pe_date is not null
    and (
        valuations.pe_ttm is distinct from gvu.pe_ttm
        or valuations.ttm_period_end is distinct from gvu.period_end
    )
