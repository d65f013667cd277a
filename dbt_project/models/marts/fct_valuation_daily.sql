-- Daily valuation of each company on its own exchange's trading days: market cap, enterprise value
-- and TTM multiples, all in USD at that day's FX, all from facts filed by that day.
with

market_caps as (
    select * from {{ ref('int_market_cap_daily') }}
),

companies as (
    select
        ticker,
        basket,
        reporting_currency
    from {{ ref('int_company_listings') }}
    where role = 'company'
),

metrics as (
    -- every flow and balance metric of the concept map (the one list of metrics); not share counts
    select distinct metric
    from {{ ref('concept_map') }}
    where metric in {{ flow_metrics_sql() }} or metric in {{ balance_metrics_sql() }}
),

wanted as (
    select
        market_caps.ticker,
        market_caps.date,
        metrics.metric
    from market_caps
    cross join metrics
),

secondary_figures as (
    -- curated HKEX figures seen only as quoted by press or aggregators (source_confidence 'secondary')
    select
        ticker,
        metric,
        period_end,
        filed_date
    from {{ ref('stg_hkex__fundamentals') }}
    where source_confidence = 'secondary'
),

known_facts as (
    -- as-of join: each metric's value in force that day (int_fundamentals_in_force is point in time)
    select
        wanted.ticker,
        wanted.date,
        wanted.metric,
        facts.period_end,
        facts.value,
        facts.currency,
        facts.knowable_from,
        facts.accession_number,
        facts.is_sample
    from wanted
    asof left join {{ ref('int_fundamentals_in_force') }} as facts
        on
            wanted.ticker = facts.ticker
            and wanted.metric = facts.metric
            and wanted.date >= facts.known_from
),

known as (
    -- a figure in force is secondary when that version (period and publication day) is a secondary one
    select
        known_facts.*,
        secondary_figures.metric is not null as is_secondary
    from known_facts
    left join secondary_figures
        on
            known_facts.ticker = secondary_figures.ticker
            and known_facts.metric = secondary_figures.metric
            and known_facts.period_end = secondary_figures.period_end
            and known_facts.knowable_from = secondary_figures.filed_date
),

known_usd as (
    -- each amount converted from its own reporting currency at that day's FX
    select
        known.* exclude (is_sample),
        {{ to_usd('known.value', units_per_usd('known.currency', 'fx.units_per_usd')) }} as value_usd,
        -- a live figure converted at a sample FX rate is sample too
        coalesce(known.is_sample, false)
        or (known.currency <> 'USD' and coalesce(fx.is_sample, false)) as is_sample
    from known
    left join {{ ref('int_fx_daily') }} as fx
        on
            known.date = fx.date
            and known.currency = fx.currency
),

fundamentals as (
    select
        ticker,
        date,
        max(value_usd) filter (where metric = 'revenue') as revenue_ttm_usd,
        max(value_usd) filter (where metric = 'rd_expense') as rd_expense_ttm_usd,
        max(value_usd) filter (where metric = 'net_income') as net_income_ttm_usd,
        max(value_usd) filter (where metric = 'operating_income') as operating_income_ttm_usd,
        max(value_usd) filter (where metric = 'capex') as capex_ttm_usd,
        max(value_usd) filter (where metric = 'depreciation_amortization') as depreciation_amortization_ttm_usd,
        max(value_usd) filter (where metric = 'cash') as cash_usd,
        max(value_usd) filter (where metric = 'short_term_investments') as short_term_investments_usd,
        max(value_usd) filter (where metric = 'total_debt') as total_debt_usd,
        -- traceability: the period and filing behind the TTM figures (revenue's) and the balance sheet (cash's)
        max(period_end) filter (where metric = 'revenue') as ttm_period_end,
        max(knowable_from) filter (where metric = 'revenue') as ttm_known_from,
        max(accession_number) filter (where metric = 'revenue') as ttm_accession_number,
        max(period_end) filter (where metric = 'cash') as balance_sheet_period_end,
        max(knowable_from) filter (where metric = 'cash') as balance_sheet_filed_date,
        max(accession_number) filter (where metric = 'cash') as balance_sheet_accession_number,
        string_agg(metric, ', ' order by metric) filter (where is_secondary) as secondary_fundamentals,
        coalesce(bool_or(is_sample), false) as is_sample
    from known_usd
    group by ticker, date
),

joined as (
    select
        market_caps.*,
        companies.basket,
        companies.reporting_currency,
        fundamentals.* exclude (ticker, date, is_sample, secondary_fundamentals),
        market_caps.is_sample or fundamentals.is_sample as any_input_is_sample,
        -- which inputs of the row are secondary figures: the share count behind the market cap, then the
        -- fundamentals (null when every input is official)
        nullif(concat_ws(
            ', ',
            case when secondary_shares.metric is not null then 'shares_outstanding' end,
            fundamentals.secondary_fundamentals
        ), '') as secondary_inputs
    from market_caps
    inner join companies
        on market_caps.ticker = companies.ticker
    left join fundamentals
        on
            market_caps.ticker = fundamentals.ticker
            and market_caps.date = fundamentals.date
    left join secondary_figures as secondary_shares
        on
            market_caps.ticker = secondary_shares.ticker
            and secondary_shares.metric = 'shares_outstanding'
            and market_caps.shares_as_of_date = secondary_shares.period_end
            and market_caps.shares_filed_date = secondary_shares.filed_date
),

valued as (
    select
        *,
        {{ enterprise_value('market_cap_usd', 'total_debt_usd', 'cash_usd', 'short_term_investments_usd') }}
            as enterprise_value_usd,
        {{ ebitda('operating_income_ttm_usd', 'depreciation_amortization_ttm_usd') }} as ebitda_ttm_usd
    from joined
)

select
    ticker,
    date,
    close,
    trading_currency,
    shares_outstanding,
    market_cap_usd,
    enterprise_value_usd,
    {{ safe_ratio('market_cap_usd', 'net_income_ttm_usd') }} as pe_ttm,
    {{ safe_ratio('enterprise_value_usd', 'revenue_ttm_usd') }} as ev_to_sales_ttm,
    {{ safe_ratio('enterprise_value_usd', 'rd_expense_ttm_usd') }} as ev_to_rd_ttm,
    any_input_is_sample as is_sample,
    basket,
    ads_ratio,
    market_cap_local,
    fx_usd_per_unit,
    fx_is_filled,
    fx_source_date,
    shares_reported,
    shares_basis,
    shares_split_factor,
    shares_ads_factor,
    shares_as_of_date,
    shares_filed_date,
    shares_accession_number,
    reporting_currency,
    revenue_ttm_usd,
    rd_expense_ttm_usd,
    net_income_ttm_usd,
    operating_income_ttm_usd,
    ebitda_ttm_usd,
    capex_ttm_usd,
    cash_usd,
    short_term_investments_usd,
    total_debt_usd,
    {{ safe_ratio('enterprise_value_usd', 'ebitda_ttm_usd') }} as ev_to_ebitda_ttm,
    {{ safe_ratio('rd_expense_ttm_usd', 'revenue_ttm_usd') }} as rd_intensity_ttm,
    {{ safe_ratio('capex_ttm_usd', 'revenue_ttm_usd') }} as capex_intensity_ttm,
    ttm_period_end,
    ttm_known_from,
    ttm_accession_number,
    balance_sheet_period_end,
    balance_sheet_filed_date,
    balance_sheet_accession_number,
    price_source_file,
    secondary_inputs,
    secondary_inputs is not null as uses_secondary_figure,
    -- data anomalies of this company in the periods behind the row: the TTM window, the balance sheet,
    -- the share count (fct_fundamentals_anomalies); null = none
    (
        select string_agg(distinct anomalies.anomaly, ', ' order by anomalies.anomaly)
        from {{ ref('fct_fundamentals_anomalies') }} as anomalies
        where
            anomalies.ticker = valued.ticker
            and (
                (
                    anomalies.metric in {{ flow_metrics_sql() }}
                    and anomalies.period_end > valued.ttm_period_end - interval 1 year
                    and anomalies.period_end <= valued.ttm_period_end
                )
                or (anomalies.metric in {{ balance_metrics_sql() }} and anomalies.period_end = valued.balance_sheet_period_end)
                or (anomalies.metric = 'shares_outstanding' and anomalies.period_end = valued.shares_as_of_date)
            )
    ) as quality_flag
from valued
