-- Which core metric each company has for each fiscal year (a temp view set up in initialize.sql:
-- marts.fct_fundamentals_coverage when the serving file has it, else derived from fct_fundamentals).
select
    ticker,
    fiscal_year,
    metric,
    is_present,
    basis,
    source,
    coverage_source,
    is_sample
from fundamentals_coverage
order by ticker, fiscal_year, metric
