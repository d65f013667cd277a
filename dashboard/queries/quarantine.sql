-- Rows (and landed files) kept out of the warehouse, by quarantine table and reason.
select
    table_name,
    reason,
    n_rows
from audit.quarantine_summary
order by table_name, n_rows desc
