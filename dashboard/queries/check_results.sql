-- The latest result of every data-quality check (GX suites on raw tables, dbt tests).
select
    check_name,
    layer,
    asset,
    status,
    blocking,
    failing_rows,
    checked_at
from audit.latest_check_results
order by status, layer, check_name
