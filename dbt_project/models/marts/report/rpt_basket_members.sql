-- The members of each basket, as fct_basket_gap_daily counts them (every company valued in the basket),
-- named in the basket chart's caption.
select
    basket,
    ticker,
    coalesce(bool_or(is_sample), false) as is_sample
from {{ ref('fct_valuation_daily') }}
group by basket, ticker
