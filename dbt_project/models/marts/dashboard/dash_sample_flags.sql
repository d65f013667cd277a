-- Whether the marts behind each dashboard page hold sample rows (the home page lists them).
select
    'baskets' as page,
    coalesce(bool_or(is_sample), false) as is_sample
from {{ ref('fct_basket_gap_daily') }}
union all
select
    'valuation' as page,
    coalesce(bool_or(is_sample), false) as is_sample
from (
    select is_sample from {{ ref('fct_valuation_daily') }}
    union all
    select is_sample from {{ ref('fct_return_on_research') }}
)
union all
select
    'compute-access' as page,
    coalesce(bool_or(is_sample), false) as is_sample
from {{ ref('fct_compute_access_gap') }}
union all
select
    'event-study' as page,
    coalesce(bool_or(is_sample), false) as is_sample
from {{ ref('fct_event_study') }}
union all
select
    'fundamentals-coverage' as page,
    coalesce(bool_or(is_sample), false) as is_sample
from {{ ref('fct_fundamentals') }}
