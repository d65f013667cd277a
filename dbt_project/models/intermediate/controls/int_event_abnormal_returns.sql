{#-
  Market-model abnormal returns of every company listing around every export-control event.

  Event time is counted in the listing's own trading days: day 0 is the first trading day of the
  listing on or after the event's market_day_zero (int_export_control_event_days: the first U.S.
  trading day the market could react to the public disclosure, e.g. 2025-04-16 for the H20 letter
  of 2025-04-09 disclosed after the close of 2025-04-15); for a Hong Kong (HKD-traded) listing it is
  the first trading day of the listing on or after the event's hk_market_day_zero (the first Hong
  Kong session after the public date for news of U.S. hours, since HKEX closes before New York opens). Day k is the k-th trading day after day 0. Returns are simple daily returns of
  adjusted_close (splits and dividends taken out), each over the listing's previous trading day.

  Market model, fitted per (event, listing) by OLS over the estimation window
  [-(gap + n - 1), -gap] (defaults n = 250 trading days ending gap = 30 trading days before day 0):
      R_it = alpha_i + beta_i * R_mt + e_it
      alpha = regr_intercept(R_i, R_m), beta = regr_slope(R_i, R_m)
      sigma = sqrt( sum(e^2) / (n_estimation_days - 2) )     (OLS standard error of the regression)
  Abnormal return on any day of the estimation or event period: AR_it = R_it - alpha - beta * R_mt.

  The benchmark R_m of a listing is the series the universe names for it (column benchmark; by
  default SPY for MSFT, GOOGL, AMZN and the BABA/BIDU ADSs, 2800.HK for 0700.HK; a user may name
  e.g. KWEB for the ADSs). The benchmark's return is taken on the same calendar date.

  With fewer than event_study_min_estimation_days usable estimation days (e.g. an event too close
  to the start of the price history) the fit is reported but abnormal_return is null, so no CAR is
  computed from a fit on a handful of days. alpha, beta, sigma and AR are rounded to 12 decimals
  (1e-12 of a daily return) so results are bit-stable across platforms.
-#}
{%- set estimation_days = var('event_study_estimation_days', 250) | int -%}
{%- set gap_days = var('event_study_estimation_gap_days', 30) | int -%}
{%- set min_estimation_days = var('event_study_min_estimation_days', 100) | int -%}
{%- set first_estimation_day = -(gap_days + estimation_days - 1) -%}
{%- set last_estimation_day = -gap_days -%}
{#- the last day of the longest event window, [-5, +20] -#}
{%- set last_event_day = 20 -%}
with

listings as (
    select
        ticker,
        role,
        basket,
        benchmark,
        trading_currency,
        price_symbol
    from {{ ref('int_company_listings') }}
),

companies as (
    -- the benchmark the universe names; one that is missing or not a benchmark row leaves the
    -- company without benchmark returns (no fit), and the test event_study_company_names_a_benchmark
    -- fails naming it
    select
        companies.ticker,
        companies.basket,
        companies.trading_currency,
        benchmarks.ticker as benchmark
    from listings as companies
    left join listings as benchmarks
        on
            companies.benchmark = benchmarks.ticker
            and benchmarks.role = 'benchmark'
    where companies.role = 'company'
),

returns as (
    select
        listings.ticker,
        prices.date,
        prices.is_sample,
        row_number() over listing_days as trading_day_index,
        prices.adjusted_close / lag(prices.adjusted_close) over listing_days - 1 as daily_return
    from {{ ref('stg_prices__daily') }} as prices
    inner join listings
        on prices.price_symbol = listings.price_symbol
    window listing_days as (partition by listings.ticker order by prices.date)
),

events as (
    select
        event_id,
        event_date,
        market_day_zero,
        hk_market_day_zero
    from {{ ref('int_export_control_event_days') }}
    where market_day_zero is not null
),

day_zero as (
    select
        events.event_id,
        events.event_date,
        events.market_day_zero,
        companies.ticker,
        companies.basket,
        companies.benchmark,
        min(returns.trading_day_index) as day_zero_index
    from events
    cross join companies
    inner join returns
        on
            companies.ticker = returns.ticker
            and returns.date >= case
                when companies.trading_currency = 'HKD' then events.hk_market_day_zero
                else events.market_day_zero
            end
    group by all
),

event_days as (
    select
        day_zero.event_id,
        day_zero.event_date,
        day_zero.market_day_zero,
        day_zero.ticker,
        day_zero.basket,
        day_zero.benchmark,
        stock.date,
        stock.trading_day_index - day_zero.day_zero_index as relative_day,
        stock.daily_return as stock_return,
        market.daily_return as benchmark_return,
        stock.is_sample or coalesce(market.is_sample, false) as is_sample
    from day_zero
    inner join returns as stock
        on
            day_zero.ticker = stock.ticker
            and stock.trading_day_index
            between day_zero.day_zero_index + ({{ first_estimation_day }})
            and day_zero.day_zero_index + {{ last_event_day }}
    left join returns as market
        on
            day_zero.benchmark = market.ticker
            and stock.date = market.date
),

fits as (
    select
        event_id,
        ticker,
        regr_intercept(stock_return, benchmark_return) as alpha,
        regr_slope(stock_return, benchmark_return) as beta,
        regr_count(stock_return, benchmark_return) as n_estimation_days
    from event_days
    where relative_day between {{ first_estimation_day }} and {{ last_estimation_day }}
    group by event_id, ticker
),

residuals as (
    select
        event_days.event_id,
        event_days.ticker,
        sqrt(
            sum(power(event_days.stock_return - fits.alpha - fits.beta * event_days.benchmark_return, 2))
            / nullif(any_value(fits.n_estimation_days) - 2, 0)
        ) as sigma_estimation
    from event_days
    inner join fits
        on
            event_days.event_id = fits.event_id
            and event_days.ticker = fits.ticker
    where
        event_days.relative_day between {{ first_estimation_day }} and {{ last_estimation_day }}
        and fits.n_estimation_days > 2
    group by event_days.event_id, event_days.ticker
)

select
    event_days.event_id,
    event_days.event_date,
    event_days.market_day_zero,
    event_days.ticker,
    event_days.basket,
    event_days.benchmark,
    event_days.date,
    event_days.relative_day,
    event_days.relative_day between {{ first_estimation_day }} and {{ last_estimation_day }}
        as is_estimation_day,
    event_days.stock_return,
    event_days.benchmark_return,
    round(fits.alpha, 12) as alpha,
    round(fits.beta, 12) as beta,
    round(residuals.sigma_estimation, 12) as sigma_estimation,
    coalesce(fits.n_estimation_days, 0) as n_estimation_days,
    case
        when coalesce(fits.n_estimation_days, 0) >= {{ min_estimation_days }}
            -- + 0.0 turns the -0.0 that rounding a tiny negative gives into 0.0
            then round(event_days.stock_return - fits.alpha - fits.beta * event_days.benchmark_return, 12) + 0.0
    end as abnormal_return,
    event_days.is_sample
from event_days
left join fits
    on
        event_days.event_id = fits.event_id
        and event_days.ticker = fits.ticker
left join residuals
    on
        event_days.event_id = residuals.event_id
        and event_days.ticker = residuals.ticker
