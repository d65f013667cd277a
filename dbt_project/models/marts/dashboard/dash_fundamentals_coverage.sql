-- Which core metric each company has for each fiscal year, for the dashboard's coverage grid.
select
    ticker,
    fiscal_year,
    metric,
    is_present,
    basis,
    source,
    is_sample
from {{ ref('fct_fundamentals_coverage') }}
