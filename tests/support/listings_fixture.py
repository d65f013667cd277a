"""What a hand-made ``staging.stg_universe__listings`` needs besides the universe's own columns.

Tests that build ``int_company_listings`` on plain fixture tables add these: the resolution columns of
the universe (all null: every field stands as the fixture wrote it, i.e. as a full universe file gives
it) and an empty ``intermediate.int_company_profile`` (no SEC records to resolve anything from).
"""

LISTING_RESOLUTION_SQL = """
create schema if not exists intermediate;
alter table staging.stg_universe__listings add column baskets varchar;
alter table staging.stg_universe__listings add column universe_file varchar;
alter table staging.stg_universe__listings add column line integer;
alter table staging.stg_universe__listings add column given_columns varchar;
alter table staging.stg_universe__listings add column cik_source varchar;
alter table staging.stg_universe__listings add column other_tickers varchar;
alter table staging.stg_universe__listings add column cik_previous varchar;
alter table staging.stg_universe__listings add column resolved_with varchar;
create table intermediate.int_company_profile (
    cik varchar, exchange varchar, fiscal_year_end_month integer, reporting_currency varchar,
    filer_form varchar, sic varchar, sic_description varchar, files_annual_reports boolean
);
"""
