-- Company-years with both a revenue growth and a P/E, for the growth-vs-utility scatter.
select
    ticker,
    basket,
    fiscal_year,
    revenue_growth,
    pe_ttm,
    classification,
    is_sample
from {{ ref('fct_growth_vs_utility') }}
where revenue_growth is not null and pe_ttm is not null
