-- Return on research: the market value a company (or basket) added over a window per dollar of R&D it
-- expensed over the same window. Windows are half-open, (window_start, window_end]: the change runs
-- from the market cap at the close of window_start to the close of window_end, and the R&D of every day
-- after window_start up to window_end is added up. Window kinds:
--   fiscal_year       each company's fiscal years with a reported annual R&D figure (companies only)
--   calendar_year     Dec 31 to Dec 31, so companies with different fiscal years add up to a basket
--   since_2022_11_30  from the base date of the basket indices to the last valuation day
-- Everything is as of as_of_date (the last valuation day): R&D versions filed by then (amendments and
-- restatements included), market caps from shares filed by each boundary day (fct_valuation_daily).
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

-- basket membership (a company may be in several baskets and counts in each)
memberships as (
    select
        basket,
        ticker
    from {{ ref('dim_basket_member') }}
),

basket_sizes as (
    select
        basket,
        count(*) as n_members_expected
    from memberships
    group by basket
),

valuations as (
    select
        ticker,
        date,
        market_cap_usd,
        uses_secondary_figure as is_secondary,
        is_sample
    from {{ ref('fct_valuation_daily') }}
    where market_cap_usd is not null
),

rd_versions as (
    -- the R&D figures known on as_of_date: each period's latest version filed by then, in USD at the
    -- period-average FX (fct_fundamentals.value_usd: R&D is spent through the period), dated and
    -- traced to the filing that first reported that number
    select *
    from ({{ fundamentals_known_as_of(['rd_expense'], ['annual', 'quarter'], 'as_of') }}) as known
    where value_usd is not null
),

company_days as (
    -- every calendar day from a company's first reported R&D period to as_of_date
    select
        ticker,
        cast(unnest(generate_series(
            cast(first_day as timestamp), cast(as_of_date as timestamp), interval 1 day
        )) as date) as date
    from (
        select
            rd_versions.ticker,
            min(rd_versions.period_start) as first_day,
            any_value(as_of.as_of_date) as as_of_date
        from rd_versions
        cross join as_of
        group by rd_versions.ticker
    ) as ranges
),

reported_days as (
    -- a reported period's R&D spread evenly over its days; a fiscal year's figure wins over its
    -- quarters so a fiscal_year window adds up to exactly the annual figure, quarters cover the
    -- current fiscal year until its annual figure is filed
    select
        company_days.ticker,
        company_days.date,
        {{ per_day('rd_versions.value_usd', 'rd_versions.period_start', 'rd_versions.period_end') }}
            as rd_usd_per_day,
        rd_versions.accession_number,
        rd_versions.filed_date,
        -- a secondary figure (fct_fundamentals.source_confidence): press or an aggregator quoting it
        rd_versions.source_confidence = 'secondary' as is_secondary,
        rd_versions.is_sample
    from company_days
    inner join rd_versions
        on
            company_days.ticker = rd_versions.ticker
            and company_days.date between rd_versions.period_start and rd_versions.period_end
    qualify row_number() over (
        partition by company_days.ticker, company_days.date
        order by case rd_versions.period_kind when 'annual' then 1 else 2 end, rd_versions.period_end
    ) = 1
),

coverage as (
    select
        ticker,
        max(date) as coverage_end
    from reported_days
    group by ticker
),

run_rates as (
    -- past the last reported period: the average daily R&D of the last 365 reported days (the latest
    -- TTM), only when all 365 days are reported
    select
        reported_days.ticker,
        case when count(*) = 365 then avg(reported_days.rd_usd_per_day) end as rd_usd_per_day,
        max(reported_days.filed_date) as filed_date,
        arg_max(reported_days.accession_number, reported_days.filed_date) as accession_number,
        bool_or(reported_days.is_secondary) as is_secondary,
        bool_or(reported_days.is_sample) as is_sample
    from reported_days
    inner join coverage
        on
            reported_days.ticker = coverage.ticker
            and reported_days.date > coverage.coverage_end - 365
    group by reported_days.ticker
),

daily_rd as (
    select
        company_days.ticker,
        company_days.date,
        company_days.date > coverage.coverage_end as is_estimated,
        case
            when company_days.date > coverage.coverage_end then run_rates.rd_usd_per_day
            else reported_days.rd_usd_per_day
        end as rd_usd_per_day,
        case
            when company_days.date > coverage.coverage_end then run_rates.accession_number
            else reported_days.accession_number
        end as accession_number,
        case
            when company_days.date > coverage.coverage_end then run_rates.filed_date
            else reported_days.filed_date
        end as filed_date,
        case
            when company_days.date > coverage.coverage_end then run_rates.is_secondary
            else reported_days.is_secondary
        end as is_secondary,
        case
            when company_days.date > coverage.coverage_end then run_rates.is_sample
            else reported_days.is_sample
        end as is_sample
    from company_days
    inner join coverage
        on company_days.ticker = coverage.ticker
    left join reported_days
        on
            company_days.ticker = reported_days.ticker
            and company_days.date = reported_days.date
    left join run_rates
        on company_days.ticker = run_rates.ticker
),

calendar_years as (
    select
        cast(years.y as integer) as fiscal_year,
        make_date(years.y - 1, 12, 31) as window_start,
        make_date(years.y, 12, 31) as window_end
    from as_of
    cross join (select min(date) as first_date from valuations) as bounds
    cross join range(year(bounds.first_date), year(as_of.as_of_date) + 1) as years (y)
    where make_date(years.y, 12, 31) <= as_of.as_of_date
),

company_windows as (
    select
        rd_versions.ticker,
        'fiscal_year' as window_kind,
        cast(rd_versions.fiscal_year as integer) as fiscal_year,
        rd_versions.period_start - 1 as window_start,
        rd_versions.period_end as window_end
    from rd_versions
    where rd_versions.period_kind = 'annual'
    union all
    select
        companies.ticker,
        'calendar_year' as window_kind,
        calendar_years.fiscal_year,
        calendar_years.window_start,
        calendar_years.window_end
    from companies
    cross join calendar_years
    union all
    select
        companies.ticker,
        'since_2022_11_30' as window_kind,
        cast(null as integer) as fiscal_year,
        {{ gap_base_date() }} as window_start,
        as_of.as_of_date as window_end
    from companies
    cross join as_of
),

window_market_caps as (
    -- the market cap at each boundary: the last valuation on or before the day, at most 10 days old
    select
        company_windows.*,
        at_start.date as start_date,
        at_start.market_cap_usd as start_market_cap_usd,
        at_start.is_secondary as start_is_secondary,
        at_start.is_sample as start_is_sample
    from company_windows
    asof left join valuations as at_start
        on
            company_windows.ticker = at_start.ticker
            and company_windows.window_start >= at_start.date
),

window_market_caps_both as (
    select
        window_market_caps.*,
        at_end.date as end_date,
        at_end.market_cap_usd as end_market_cap_usd,
        at_end.is_secondary as end_is_secondary,
        at_end.is_sample as end_is_sample
    from window_market_caps
    asof left join valuations as at_end
        on
            window_market_caps.ticker = at_end.ticker
            and window_market_caps.window_end >= at_end.date
),

window_rd as (
    select
        company_windows.ticker,
        company_windows.window_kind,
        company_windows.window_start,
        company_windows.window_end,
        -- every day of the window must have an R&D rate, else the sum would be partial
        case
            when count(daily_rd.rd_usd_per_day) = date_diff('day', company_windows.window_start, company_windows.window_end)
                then sum(daily_rd.rd_usd_per_day)
        end as cumulative_rd_usd,
        cast(count(*) filter (where daily_rd.is_estimated) as bigint) as rd_days_estimated,
        max(daily_rd.filed_date) as rd_known_from,
        string_agg(distinct daily_rd.accession_number, ', ' order by daily_rd.accession_number) as rd_accession_numbers,
        coalesce(bool_or(daily_rd.is_secondary), false) as rd_is_secondary,
        coalesce(bool_or(daily_rd.is_sample), false) as rd_is_sample
    from company_windows
    inner join daily_rd
        on
            company_windows.ticker = daily_rd.ticker
            and daily_rd.date > company_windows.window_start
            and daily_rd.date <= company_windows.window_end
    group by company_windows.ticker, company_windows.window_kind, company_windows.window_start, company_windows.window_end
),

company_rows as (
    select
        caps.ticker as entity,
        'company' as entity_type,
        companies.basket,
        caps.window_kind,
        caps.fiscal_year,
        caps.window_start,
        caps.window_end,
        caps.start_date as market_cap_start_date,
        caps.end_date as market_cap_end_date,
        caps.start_market_cap_usd as market_cap_start_usd,
        caps.end_market_cap_usd as market_cap_end_usd,
        caps.end_market_cap_usd - caps.start_market_cap_usd as market_cap_change_usd,
        window_rd.cumulative_rd_usd,
        window_rd.rd_days_estimated,
        window_rd.rd_known_from,
        window_rd.rd_accession_numbers,
        cast(1 as bigint) as n_members,
        caps.start_is_sample or caps.end_is_sample or window_rd.rd_is_sample as is_sample,
        coalesce(caps.start_is_secondary, false)
        or coalesce(caps.end_is_secondary, false)
        or window_rd.rd_is_secondary as uses_secondary_figure
    from window_market_caps_both as caps
    inner join companies
        on caps.ticker = companies.ticker
    inner join window_rd
        on
            caps.ticker = window_rd.ticker
            and caps.window_kind = window_rd.window_kind
            and caps.window_start = window_rd.window_start
            and caps.window_end = window_rd.window_end
    where
        -- a window is reported only when both market caps and every day's R&D are known
        caps.window_start - caps.start_date <= {{ max_valuation_lag_days() }}
        and caps.window_end - caps.end_date <= {{ max_valuation_lag_days() }}
        and window_rd.cumulative_rd_usd is not null
),

basket_rows as (
    -- a basket is the sum of its members over the same calendar window, only when every member is there
    select
        memberships.basket as entity,
        'basket' as entity_type,
        memberships.basket,
        company_rows.window_kind,
        company_rows.fiscal_year,
        company_rows.window_start,
        company_rows.window_end,
        max(company_rows.market_cap_start_date) as market_cap_start_date,
        max(company_rows.market_cap_end_date) as market_cap_end_date,
        sum(company_rows.market_cap_start_usd) as market_cap_start_usd,
        sum(company_rows.market_cap_end_usd) as market_cap_end_usd,
        sum(company_rows.market_cap_change_usd) as market_cap_change_usd,
        sum(company_rows.cumulative_rd_usd) as cumulative_rd_usd,
        cast(sum(company_rows.rd_days_estimated) as bigint) as rd_days_estimated,
        max(company_rows.rd_known_from) as rd_known_from,
        string_agg(company_rows.rd_accession_numbers, ', ' order by company_rows.entity) as rd_accession_numbers,
        count(*) as n_members,
        bool_or(company_rows.is_sample) as is_sample,
        bool_or(company_rows.uses_secondary_figure) as uses_secondary_figure
    from company_rows
    inner join memberships
        on company_rows.entity = memberships.ticker
    inner join basket_sizes
        on memberships.basket = basket_sizes.basket
    where company_rows.window_kind in ('calendar_year', 'since_2022_11_30')
    group by
        memberships.basket, company_rows.window_kind, company_rows.fiscal_year,
        company_rows.window_start, company_rows.window_end
    having count(*) = any_value(basket_sizes.n_members_expected)
),

all_rows as (
    select * from company_rows
    union all by name
    select * from basket_rows
)

select
    all_rows.entity,
    all_rows.entity_type,
    all_rows.window_start,
    all_rows.window_end,
    all_rows.market_cap_change_usd,
    all_rows.cumulative_rd_usd,
    {{ return_on_research('all_rows.market_cap_change_usd', 'all_rows.cumulative_rd_usd') }} as return_on_research,
    all_rows.is_sample,
    all_rows.window_kind,
    all_rows.fiscal_year,
    all_rows.basket,
    all_rows.n_members,
    all_rows.market_cap_start_date,
    all_rows.market_cap_end_date,
    all_rows.market_cap_start_usd,
    all_rows.market_cap_end_usd,
    all_rows.rd_days_estimated,
    all_rows.rd_known_from,
    -- the first day every input of the row was public
    greatest(all_rows.market_cap_end_date, all_rows.rd_known_from) as known_from,
    as_of.as_of_date,
    all_rows.rd_accession_numbers,
    all_rows.uses_secondary_figure
from all_rows
cross join as_of
