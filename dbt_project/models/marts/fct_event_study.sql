{#-
  Cumulative abnormal returns (CAR) of each company and of each basket around each export-control
  event, for three event windows. Abnormal returns come from int_event_abnormal_returns (market
  model fitted over ~250 trading days ending 30 trading days before day 0; see that model).

  Listing rows:  CAR = sum of AR over the window's L trading days (all L must be present),
                 t_stat = CAR / (sigma_estimation * sqrt(L)).
  Basket rows:   the equal-weighted portfolio of the basket's companies, aligned in event time:
                 AR_basket(k) = mean over members of AR_i(k), only on days k where every member has
                 an AR; CAR and t_stat as above, with sigma from the portfolio's own estimation-window
                 ARs (sqrt(sum AR_basket^2 / (n - 2))), which keeps the members' co-movement in
                 the denominator. CAR_basket = the mean of the members' CARs.
-#}
{%- set min_estimation_days = var('event_study_min_estimation_days', 100) | int -%}
with

abnormal_returns as (
    select * from {{ ref('int_event_abnormal_returns') }}
),

windows as (
    select
        event_window,
        first_day,
        last_day,
        last_day - first_day + 1 as window_length
    from (
        values
        ('[-1,+1]', -1, 1),
        ('[0,+5]', 0, 5),
        ('[-5,+20]', -5, 20)
    ) as windows (event_window, first_day, last_day)  -- noqa: AL05
),

-- basket membership (dim_basket_member): a company in several baskets is in each basket's portfolio
memberships as (
    select
        basket,
        ticker
    from {{ ref('dim_basket_member') }}
),

members as (
    select
        basket,
        count(*) as n_members
    from memberships
    group by basket
),

listing_fits as (
    -- one row per (event, listing) that has a day 0 in its price history
    select
        event_id,
        ticker,
        basket,
        any_value(benchmark) as benchmark,
        any_value(sigma_estimation) as sigma_estimation,
        any_value(n_estimation_days) as n_estimation_days,
        any_value(market_day_zero) as market_day_zero,
        min(date) filter (where relative_day = 0) as day_zero_date,
        bool_or(is_sample) as is_sample
    from abnormal_returns
    group by event_id, ticker, basket
),

listing_windows as (
    select
        listing_fits.event_id,
        listing_fits.ticker as entity,
        'ticker' as entity_type,
        listing_fits.basket,
        windows.event_window,
        windows.first_day,
        windows.last_day,
        windows.window_length,
        listing_fits.market_day_zero,
        listing_fits.day_zero_date,
        case
            when count(abnormal_returns.abnormal_return) = windows.window_length
                then sum(abnormal_returns.abnormal_return)
        end as car,
        listing_fits.sigma_estimation,
        listing_fits.n_estimation_days,
        listing_fits.benchmark,
        listing_fits.is_sample
    from listing_fits
    cross join windows
    left join abnormal_returns
        on
            listing_fits.event_id = abnormal_returns.event_id
            and listing_fits.ticker = abnormal_returns.ticker
            and abnormal_returns.relative_day between windows.first_day and windows.last_day
    group by
        listing_fits.event_id, listing_fits.ticker, listing_fits.basket, windows.event_window,
        windows.first_day, windows.last_day, windows.window_length, listing_fits.market_day_zero,
        listing_fits.day_zero_date,
        listing_fits.sigma_estimation, listing_fits.n_estimation_days, listing_fits.benchmark,
        listing_fits.is_sample
),

basket_days as (
    -- the equal-weighted portfolio's AR on each event day on which every member has one
    select
        abnormal_returns.event_id,
        memberships.basket,
        abnormal_returns.relative_day,
        bool_and(abnormal_returns.is_estimation_day) as is_estimation_day,
        avg(abnormal_returns.abnormal_return) as abnormal_return
    from abnormal_returns
    inner join memberships
        on abnormal_returns.ticker = memberships.ticker
    inner join members
        on memberships.basket = members.basket
    group by abnormal_returns.event_id, memberships.basket, abnormal_returns.relative_day
    having count(abnormal_returns.abnormal_return) = any_value(members.n_members)
),

basket_fits as (
    select
        listing_fits.event_id,
        memberships.basket,
        string_agg(distinct listing_fits.benchmark, ';' order by listing_fits.benchmark) as benchmark,
        any_value(listing_fits.market_day_zero) as market_day_zero,
        bool_or(listing_fits.is_sample) as is_sample
    from listing_fits
    inner join memberships
        on listing_fits.ticker = memberships.ticker
    group by listing_fits.event_id, memberships.basket
),

basket_sigma as (
    select
        event_id,
        basket,
        count(*) as n_estimation_days,
        sqrt(sum(power(abnormal_return, 2)) / nullif(count(*) - 2, 0)) as sigma_estimation
    from basket_days
    where is_estimation_day
    group by event_id, basket
),

basket_windows as (
    select
        basket_fits.event_id,
        basket_fits.basket as entity,
        'basket' as entity_type,
        basket_fits.basket,
        windows.event_window,
        windows.first_day,
        windows.last_day,
        windows.window_length,
        basket_fits.market_day_zero,
        cast(null as date) as day_zero_date,
        case
            when
                count(basket_days.abnormal_return) = windows.window_length
                and coalesce(any_value(basket_sigma.n_estimation_days), 0) >= {{ min_estimation_days }}
                then sum(basket_days.abnormal_return)
        end as car,
        any_value(basket_sigma.sigma_estimation) as sigma_estimation,
        coalesce(any_value(basket_sigma.n_estimation_days), 0) as n_estimation_days,
        basket_fits.benchmark,
        basket_fits.is_sample
    from basket_fits
    cross join windows
    left join basket_days
        on
            basket_fits.event_id = basket_days.event_id
            and basket_fits.basket = basket_days.basket
            and basket_days.relative_day between windows.first_day and windows.last_day
    left join basket_sigma
        on
            basket_fits.event_id = basket_sigma.event_id
            and basket_fits.basket = basket_sigma.basket
    group by
        basket_fits.event_id, basket_fits.basket, windows.event_window, windows.first_day,
        windows.last_day, windows.window_length, basket_fits.market_day_zero, basket_fits.benchmark,
        basket_fits.is_sample
),

unioned as (
    select * from listing_windows
    union all by name
    select * from basket_windows
)

select
    event_id,
    entity,
    entity_type,
    basket,
    event_window,
    first_day as window_first_day,
    last_day as window_last_day,
    window_length,
    market_day_zero,
    day_zero_date,
    round(car, 12) as car,
    round(car / nullif(sigma_estimation * sqrt(window_length), 0), 6) as t_stat,
    round(sigma_estimation, 12) as sigma_estimation,
    cast(n_estimation_days as integer) as n_estimation_days,
    benchmark,
    is_sample
from unioned
