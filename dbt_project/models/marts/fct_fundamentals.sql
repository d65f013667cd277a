-- Every version of every fundamental of every company, with when it was filed and when a later filing
-- superseded it. "The value known on day d" = filed_date <= d and (superseded_date is null or
-- superseded_date > d). is_current_version marks the latest version of each period. quality_flag names
-- the data anomalies that touch the figure: it is published, flagged, not withheld.
with versions as (
    select * from {{ ref('int_fundamentals_versions') }}
),

fx_daily as (
    select
        date,
        currency,
        usd_per_unit,
        is_filled
    from {{ ref('int_fx_daily') }}
    where usd_per_unit is not null
),

hkex_publications as (
    select
        'hkex' as source,
        ticker,
        metric,
        period_start,
        period_end,
        filed_date,
        document,
        page,
        source_confidence,
        source_note
    from {{ ref('stg_hkex__fundamentals') }}
),

versions_in_order as (
    select
        *,
        lead(filed_date) over same_period_by_filing as superseded_date,
        row_number() over same_period_by_filing_desc = 1 as is_current_version
    from versions
    window
        same_period_by_filing as (
            partition by ticker, metric, period_kind, fiscal_period, period_end
            -- same-day ties: a derived quarter is older knowledge than a reported one
            order by filed_date, is_derived desc, accession_number nulls first
        ),
        same_period_by_filing_desc as (
            partition by ticker, metric, period_kind, fiscal_period, period_end
            order by filed_date desc, is_derived asc, accession_number desc nulls last
        )
),

-- flows are translated at the average of the daily rates over their period, balances at the period-end
-- rate (the usual translation convention); no rate for part of a period leaves value_usd null
foreign_flow_periods as (
    select distinct
        currency,
        period_start,
        period_end
    from versions
    where currency not in ('USD', 'shares') and period_start is not null
),

period_average_rates as (
    select
        periods.currency,
        periods.period_start,
        periods.period_end,
        avg(fx_daily.usd_per_unit) as usd_per_unit
    from foreign_flow_periods as periods
    inner join fx_daily
        on
            fx_daily.currency = periods.currency
            and fx_daily.date between periods.period_start and periods.period_end
            -- observed days only, so holidays carried forward do not weigh twice
            and not fx_daily.is_filled
    group by periods.currency, periods.period_start, periods.period_end
    -- the rates must span the period (a week of slack for holidays at either end)
    having min(fx_daily.date) <= periods.period_start + 7 and max(fx_daily.date) >= periods.period_end - 7
)

select
    versions_in_order.ticker,
    versions_in_order.metric,
    versions_in_order.fiscal_year,
    versions_in_order.fiscal_period,
    versions_in_order.period_kind,
    versions_in_order.period_start,
    versions_in_order.period_end,
    versions_in_order.value,
    versions_in_order.currency,
    case
        when versions_in_order.currency = 'USD' then versions_in_order.value
        when versions_in_order.currency = 'shares' then null
        when versions_in_order.period_start is not null
            then versions_in_order.value * period_average_rates.usd_per_unit
        else versions_in_order.value * period_end_rates.usd_per_unit
    end as value_usd,
    case
        when versions_in_order.currency = 'USD' then 1.0
        when versions_in_order.currency = 'shares' then null
        when versions_in_order.period_start is not null then period_average_rates.usd_per_unit
        else period_end_rates.usd_per_unit
    end as usd_per_unit,
    versions_in_order.accession_number,
    versions_in_order.form,
    versions_in_order.filed_date,
    versions_in_order.superseded_date,
    versions_in_order.is_current_version,
    versions_in_order.source,
    versions_in_order.concept,
    versions_in_order.is_proxy,
    versions_in_order.is_derived,
    versions_in_order.is_sample,
    versions_in_order.source_file,
    hkex_publications.document,
    hkex_publications.page,
    -- SEC facts are the issuer's own filing; curated HKEX figures carry the confidence they were read with
    case when versions_in_order.source = 'sec' then 'official' else hkex_publications.source_confidence end
        as source_confidence,
    hkex_publications.source_note,
    -- the data anomalies of this company that touch this figure (fct_fundamentals_anomalies); null = none
    (
        select string_agg(distinct anomalies.anomaly, ', ' order by anomalies.anomaly)
        from {{ ref('fct_fundamentals_anomalies') }} as anomalies
        where
            anomalies.ticker = versions_in_order.ticker
            and anomalies.metric = versions_in_order.metric
            and anomalies.fiscal_year = versions_in_order.fiscal_year
            and (anomalies.fiscal_period is null or anomalies.fiscal_period = versions_in_order.fiscal_period)
    ) as quality_flag
from versions_in_order
-- Equality keys only in these joins: a condition on the left side alone (period_start is null, source =
-- 'hkex') made DuckDB join block by block, every row against every row (7 s of 7.2 at 200 companies).
-- A flow (period_start set) never meets a period-end rate below: the select takes that rate for
-- balances only.
left join period_average_rates
    on
        period_average_rates.currency = versions_in_order.currency
        and period_average_rates.period_start = versions_in_order.period_start
        and period_average_rates.period_end = versions_in_order.period_end
left join fx_daily as period_end_rates
    on
        period_end_rates.currency = versions_in_order.currency
        and period_end_rates.date = versions_in_order.period_end
left join hkex_publications
    on
        hkex_publications.source = versions_in_order.source
        and hkex_publications.ticker = versions_in_order.ticker
        and hkex_publications.metric = versions_in_order.metric
        and hkex_publications.period_start is not distinct from versions_in_order.period_start
        and hkex_publications.period_end = versions_in_order.period_end
        and hkex_publications.filed_date = versions_in_order.filed_date
