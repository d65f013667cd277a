-- Is the market pricing a company as a growth stock or as a utility? One row per company and fiscal year
-- with an annual revenue figure: revenue growth, operating margin, capex and R&D intensity (all from the
-- annual figures, in the reporting currency, so no FX enters a ratio), the P/E on the first trading day
-- the year's results were published, and a label from the rule in macros/gap_metrics.sql
-- (growth_vs_utility_class). Figures are the versions known on as_of_date (the last valuation day,
-- restatements included), dated by the filing that first reported each number.
with

as_of as (
    select max(date) as as_of_date from {{ ref('fct_valuation_daily') }}
),

companies as (
    select
        ticker,
        basket
    from {{ ref('dim_company') }}
),

annual as (
    select *
    from ({{ fundamentals_known_as_of(
        ['revenue', 'operating_income', 'net_income', 'capex', 'rd_expense'], ['annual'], 'as_of'
    ) }}) as known
),

company_years as (
    select
        ticker,
        fiscal_year,
        period_end,
        any_value(currency) filter (where metric = 'revenue') as currency,
        max(value) filter (where metric = 'revenue') as revenue,
        max(value_usd) filter (where metric = 'revenue') as revenue_usd,
        max(value) filter (where metric = 'operating_income') as operating_income,
        max(value) filter (where metric = 'net_income') as net_income,
        max(value) filter (where metric = 'capex') as capex,
        max(value) filter (where metric = 'rd_expense') as rd_expense,
        -- when the numbers used here were public (restated figures: their restatement's date)
        max(filed_date) as figures_known_from,
        -- when the year's results were first published (revenue and net income, the P/E's denominator)
        max(period_first_filed_date) filter (where metric in ('revenue', 'net_income')) as first_published,
        coalesce(
            max(accession_number) filter (where metric = 'revenue'),
            max(document || coalesce(', page ' || page, '')) filter (where metric = 'revenue')
        ) as source_reference,
        bool_or(is_sample) as is_sample
    from annual
    group by ticker, fiscal_year, period_end
),

with_prior as (
    select
        company_years.*,
        prior_year.revenue as revenue_prior_year,
        prior_year.figures_known_from as prior_known_from,
        prior_year.is_sample as prior_is_sample
    from company_years
    left join company_years as prior_year
        on
            company_years.ticker = prior_year.ticker
            and company_years.fiscal_year - 1 = prior_year.fiscal_year
            and company_years.currency = prior_year.currency
),

valuations as (
    select
        ticker,
        date,
        pe_ttm,
        ttm_period_end,
        is_sample
    from {{ ref('fct_valuation_daily') }}
    where market_cap_usd is not null
),

with_pe as (
    -- the multiple the market paid on the first valuation day on or after the year's results were first
    -- published (at most 10 days later), provided fct_valuation_daily's trailing figures that day are
    -- this fiscal year's (a year first seen as a comparative in a later filing gets no P/E)
    select
        with_prior.*,
        case
            when
                valuations.date - with_prior.first_published <= {{ max_valuation_lag_days() }}
                and valuations.ttm_period_end = with_prior.period_end then valuations.date
        end as pe_date,
        case
            when
                valuations.date - with_prior.first_published <= {{ max_valuation_lag_days() }}
                and valuations.ttm_period_end = with_prior.period_end then valuations.pe_ttm
        end as pe_ttm,
        case
            when
                valuations.date - with_prior.first_published <= {{ max_valuation_lag_days() }}
                and valuations.ttm_period_end = with_prior.period_end then valuations.is_sample
        end as pe_is_sample
    from with_prior
    asof left join valuations
        on
            with_prior.ticker = valuations.ticker
            and with_prior.first_published <= valuations.date
),

measured as (
    select
        with_pe.ticker,
        with_pe.fiscal_year,
        {{ growth_rate('with_pe.revenue', 'with_pe.revenue_prior_year') }} as revenue_growth,
        {{ safe_ratio('with_pe.operating_income', 'with_pe.revenue') }} as margin,
        {{ safe_ratio('with_pe.capex', 'with_pe.revenue') }} as capex_intensity,
        {{ safe_ratio('with_pe.rd_expense', 'with_pe.revenue') }} as rd_intensity,
        with_pe.pe_ttm,
        with_pe.pe_date,
        with_pe.period_end,
        with_pe.currency,
        with_pe.revenue,
        with_pe.revenue_prior_year,
        with_pe.revenue_usd,
        with_pe.operating_income,
        with_pe.net_income,
        with_pe.capex,
        with_pe.rd_expense,
        with_pe.first_published,
        -- the first day every number in the row was public
        greatest(with_pe.figures_known_from, with_pe.prior_known_from, with_pe.pe_date) as known_from,
        with_pe.source_reference,
        with_pe.is_sample or coalesce(with_pe.prior_is_sample, false) or coalesce(with_pe.pe_is_sample, false)
            as is_sample
    from with_pe
)

select
    measured.ticker,
    cast(measured.fiscal_year as integer) as fiscal_year,
    measured.revenue_growth,
    measured.margin,
    measured.capex_intensity,
    measured.pe_ttm,
    {{ growth_vs_utility_class('measured.revenue_growth', 'measured.pe_ttm') }} as classification,
    measured.is_sample,
    companies.basket,
    measured.rd_intensity,
    measured.period_end,
    measured.currency,
    measured.revenue,
    measured.revenue_prior_year,
    measured.revenue_usd,
    measured.operating_income,
    measured.net_income,
    measured.capex,
    measured.rd_expense,
    measured.first_published,
    measured.pe_date,
    measured.known_from,
    measured.source_reference,
    as_of.as_of_date
from measured
inner join companies
    on measured.ticker = companies.ticker
cross join as_of
