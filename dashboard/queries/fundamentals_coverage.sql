-- Which core metric each company has for each fiscal year (marts.fct_fundamentals_coverage).
-- When the serving file has no such mart, ingestion/dashboard.py runs fundamentals_coverage_fallback.sql.
select
    ticker,
    fiscal_year,
    metric,
    is_present,
    basis,
    source,
    'marts.fct_fundamentals_coverage' as coverage_source,
    is_sample
from marts.fct_fundamentals_coverage
order by ticker, fiscal_year, metric
