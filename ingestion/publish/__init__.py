"""The end of the road: the serving copy, the run summary and the report, all read from the warehouse
after dbt; nothing here lands or loads data."""
