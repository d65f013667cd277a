-- Whether each page's marts hold sample rows (the home page lists them; data quality speaks for all).
select 'baskets' as page, coalesce(bool_or(is_sample), false) as is_sample from marts.fct_basket_gap_daily
union all
select
    'valuation',
    coalesce(bool_or(is_sample), false)
from (
    select is_sample from marts.fct_valuation_daily
    union all
    select is_sample from marts.fct_return_on_research
)
union all
select 'compute-access', coalesce(bool_or(is_sample), false) from marts.fct_compute_access_gap
union all
select 'event-study', coalesce(bool_or(is_sample), false) from marts.fct_event_study
union all
select 'fundamentals-coverage', coalesce(bool_or(is_sample), false) from marts.fct_fundamentals
