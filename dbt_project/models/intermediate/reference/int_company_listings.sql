-- Every listing aigap follows (companies and benchmark series), one row per ticker, with the key each
-- source names it by: price_symbol (prices), cik (SEC filings) and ticker (hkex, seeds, marts).
-- The one model that reads the universe's staging: staging stays 1:1 with its source, and every model
-- that needs a ticker for a provider symbol or a CIK joins here.
--
-- A universe given by ticker leaves columns empty: they are resolved here from SEC's own records
-- (int_company_profile: submissions and companyfacts); a column the universe file gives wins. Each
-- resolvable field says where it came from in <field>_source: 'universe file' or 'resolved'.
-- Under AIGAP_UNIVERSE=sec:all only the 10-K / 20-F filers are listings (funds and ETFs drop out), the
-- rule ingestion.universe_resolution.sec_filer_ciks applies before the fetchers.
with

listings as (
    select
        *,
        string_split(coalesce(given_columns, ''), ';') as given
    from {{ ref('stg_universe__listings') }}
),

profile as (
    select * from {{ ref('int_company_profile') }}
),

resolved as (
    select
        listings.*,
        profile.cik is not null as has_profile,
        profile.exchange as profile_exchange,
        profile.fiscal_year_end_month as profile_fiscal_year_end_month,
        profile.reporting_currency as profile_reporting_currency,
        profile.filer_form,
        profile.sic,
        profile.sic_description,
        profile.files_annual_reports
    from listings
    left join profile on listings.cik = profile.cik
)

select
    ticker,
    name,
    role,
    basket,
    baskets,
    country,
    cik,
    case when list_contains(given, 'exchange') then exchange else coalesce(profile_exchange, exchange) end
        as exchange,
    trading_currency,
    case
        when list_contains(given, 'reporting_currency') then reporting_currency
        else coalesce(profile_reporting_currency, reporting_currency)
    end as reporting_currency,
    case
        when list_contains(given, 'fiscal_year_end_month') then fiscal_year_end_month
        else coalesce(profile_fiscal_year_end_month, fiscal_year_end_month)
    end as fiscal_year_end_month,
    price_symbol,
    filer,
    filer_form,
    sic,
    sic_description,
    benchmark,
    other_tickers,
    cik_previous,
    -- where each resolvable field came from
    case
        when cik is null then null
        when cik_source = 'company_tickers' then 'resolved'
        else 'universe file'
    end as cik_source,
    case
        when list_contains(given, 'name') or coalesce(resolved.cik_source, '') != 'company_tickers'
            then 'universe file'
        else 'resolved'
    end as name_source,
    case
        when list_contains(given, 'exchange') then 'universe file'
        when profile_exchange is not null then 'resolved'
        when exchange is not null then 'universe file'
    end as exchange_source,
    case
        when list_contains(given, 'fiscal_year_end_month') then 'universe file'
        when profile_fiscal_year_end_month is not null then 'resolved'
        when fiscal_year_end_month is not null then 'universe file'
    end as fiscal_year_end_month_source,
    case
        when list_contains(given, 'reporting_currency') then 'universe file'
        when profile_reporting_currency is not null then 'resolved'
        when reporting_currency is not null then 'universe file'
    end as reporting_currency_source,
    case when filer_form is not null then 'resolved' end as filer_form_source,
    universe_file,
    line,
    is_sample
from resolved
-- sec:all: a registrant is a company only when its submissions show 10-K or 20-F filings
where coalesce(universe_file, '') != 'sec:all' or coalesce(files_annual_reports, false)
