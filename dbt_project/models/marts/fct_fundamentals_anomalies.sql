-- Data anomalies in one company's figures, one row per company, metric, fiscal period and kind. They
-- do not stop the run (their dbt tests warn): the affected rows of fct_fundamentals and
-- fct_valuation_daily carry the kind in quality_flag, and the run summary lists them per company.
-- fiscal_period null = the whole fiscal year of that metric is affected.
--   duplicate_period     two different periods (end dates) carry the same fiscal label
--   quarters_do_not_sum  the four current quarters differ from the FY figure by more than 0.1%
--   facts_disagree       one filing states two different numbers for one concept and period (left out)
--   core_metric_missing  a year with an annual report lacks a core metric (fct_fundamentals_coverage)
--   implausible_value    revenue or shares not positive, R&D negative
--   implausible_jump     a quarter's revenue or R&D more than 3x (or under 1/3 of) the quarter before;
--                        a share count more than 1.5x (or under 2/3 of) the one before, splits and ADS
--                        ratio changes between their filing dates taken out
with versions as (
    select * from {{ ref('int_fundamentals_versions') }}
),

current_versions as (
    select *
    from versions
    qualify
        row_number() over (
            partition by ticker, metric, period_kind, fiscal_period, period_end
            order by filed_date desc, is_derived asc, accession_number desc nulls last
        ) = 1
),

duplicate_periods as (
    select
        ticker,
        metric,
        fiscal_year,
        fiscal_period,
        max(period_end) as period_end,
        'duplicate_period' as anomaly,
        count(*) || ' periods labelled ' || fiscal_period || ' ' || fiscal_year || ': '
        || string_agg(cast(period_end as varchar), ', ' order by period_end) as detail,
        bool_or(is_sample) as is_sample
    from current_versions
    where fiscal_period != 'BAL'
    group by ticker, metric, fiscal_year, fiscal_period, period_kind
    having count(*) > 1
),

quarter_sums as (
    select
        ticker,
        metric,
        fiscal_year,
        currency,
        count(*) as n_quarters,
        sum(value) as sum_of_quarters,
        bool_or(is_sample) as is_sample
    from current_versions
    where metric in {{ flow_metrics_sql() }} and period_kind = 'quarter'
    group by ticker, metric, fiscal_year, currency
),

quarters_not_summing as (
    select
        fiscal_years.ticker,
        fiscal_years.metric,
        fiscal_years.fiscal_year,
        cast(null as varchar) as fiscal_period,
        fiscal_years.period_end,
        'quarters_do_not_sum' as anomaly,
        'quarters ' || quarter_sums.sum_of_quarters || ' vs FY ' || fiscal_years.value as detail,
        fiscal_years.is_sample or quarter_sums.is_sample as is_sample
    from current_versions as fiscal_years
    inner join quarter_sums
        on
            quarter_sums.ticker = fiscal_years.ticker
            and quarter_sums.metric = fiscal_years.metric
            and quarter_sums.fiscal_year = fiscal_years.fiscal_year
            and quarter_sums.currency = fiscal_years.currency
    where
        fiscal_years.metric in {{ flow_metrics_sql() }}
        and fiscal_years.fiscal_period = 'FY'
        and quarter_sums.n_quarters = 4
        and abs(quarter_sums.sum_of_quarters - fiscal_years.value)
        > greatest(0.001 * abs(fiscal_years.value), 1)
),

disagreeing_facts as (
    select
        ticker,
        metric,
        fiscal_year,
        fiscal_period,
        period_end,
        'facts_disagree' as anomaly,
        n_distinct_values || ' different values of ' || concept || ' in ' || accession_number as detail,
        is_sample
    from {{ ref('int_fundamentals_sec_reported') }}
    where value is null and n_distinct_values > 1
),

missing_metrics as (
    select
        ticker,
        metric,
        fiscal_year,
        cast(null as varchar) as fiscal_period,
        fiscal_year_end as period_end,
        'core_metric_missing' as anomaly,
        'no ' || metric || ' for FY' || fiscal_year || ', which has an annual report' as detail,
        is_sample
    from {{ ref('fct_fundamentals_coverage') }}
    where has_annual_report and not is_present
),

implausible_values as (
    select
        ticker,
        metric,
        fiscal_year,
        fiscal_period,
        period_end,
        'implausible_value' as anomaly,
        metric || ' ' || value || ' in ' || coalesce(accession_number, source_file) as detail,
        is_sample
    from current_versions
    where
        (metric in ('revenue', 'shares_outstanding') and value <= 0)
        or (metric = 'rd_expense' and value < 0)
),

quarters_in_order as (
    select
        *,
        lag(value) over (
            partition by ticker, metric, currency
            order by fiscal_year * 4 + {{ quarter_number('fiscal_period') }}
        ) as previous_value,
        lag(fiscal_year * 4 + {{ quarter_number('fiscal_period') }}) over (
            partition by ticker, metric, currency
            order by fiscal_year * 4 + {{ quarter_number('fiscal_period') }}
        ) as previous_index
    from current_versions
    where metric in ('revenue', 'rd_expense') and period_kind = 'quarter'
    -- one current value per quarter label (a duplicate label is reported above)
    qualify row_number() over (partition by ticker, metric, fiscal_year, fiscal_period order by period_end desc) = 1
),

quarter_jumps as (
    select
        ticker,
        metric,
        fiscal_year,
        fiscal_period,
        period_end,
        'implausible_jump' as anomaly,
        metric || ' ' || previous_value || ' -> ' || value || ' from the quarter before' as detail,
        is_sample
    from quarters_in_order
    where
        previous_index = fiscal_year * 4 + {{ quarter_number('fiscal_period') }} - 1
        and previous_value > 0
        and value > 0
        and (value / previous_value > 3 or value / previous_value < 1.0 / 3)
),

share_counts as (
    select
        shares.*,
        split_at_filing.share_factor * coalesce(ads_at_filing.ordinary_share_factor, 1) as basis_factor
    from {{ ref('int_shares_outstanding_versions') }} as shares
    left join {{ ref('int_split_factors') }} as split_at_filing
        on
            split_at_filing.ticker = shares.ticker
            and shares.filed_date >= split_at_filing.date
            and shares.filed_date < split_at_filing.valid_until
    left join {{ ref('int_ads_ratios') }} as ads_at_filing
        on
            ads_at_filing.ticker = shares.ticker
            and shares.filed_date >= ads_at_filing.valid_from
            and shares.filed_date < ads_at_filing.valid_until
    -- the count each date's best link gives, as last filed
    qualify
        row_number() over (
            partition by shares.ticker, shares.as_of_date
            order by shares.shares_basis_rank, shares.filed_date desc
        ) = 1
),

share_counts_in_order as (
    select
        *,
        lag(shares / basis_factor) over (partition by ticker order by as_of_date) as previous_restated,
        shares / basis_factor as restated
    from share_counts
),

share_jumps as (
    select
        share_counts_in_order.ticker,
        'shares_outstanding' as metric,
        {{ fiscal_year_of('share_counts_in_order.as_of_date', 'companies.fiscal_year_end_month') }} as fiscal_year,
        cast(null as varchar) as fiscal_period,
        share_counts_in_order.as_of_date as period_end,
        'implausible_jump' as anomaly,
        'shares ' || share_counts_in_order.shares || ' (' || share_counts_in_order.shares_basis || ', '
        || coalesce(share_counts_in_order.accession_number, 'hkex') || ') vs '
        || round(share_counts_in_order.previous_restated * share_counts_in_order.basis_factor)
        || ' before, on the same split basis' as detail,
        share_counts_in_order.is_sample
    from share_counts_in_order
    inner join {{ ref('int_company_listings') }} as companies
        on companies.ticker = share_counts_in_order.ticker
    where
        share_counts_in_order.previous_restated > 0
        and (
            share_counts_in_order.restated / share_counts_in_order.previous_restated > 1.5
            or share_counts_in_order.restated / share_counts_in_order.previous_restated < 1.0 / 1.5
        )
),

all_anomalies as (
    select * from duplicate_periods
    union all by name
    select * from quarters_not_summing
    union all by name
    select * from disagreeing_facts
    union all by name
    select * from missing_metrics
    union all by name
    select * from implausible_values
    union all by name
    select * from quarter_jumps
    union all by name
    select * from share_jumps
)

select
    ticker,
    metric,
    fiscal_year,
    fiscal_period,
    period_end,
    anomaly,
    detail,
    coalesce(is_sample, false) as is_sample
from all_anomalies
