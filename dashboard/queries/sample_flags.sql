-- Whether each page's mart holds sample rows: the pages say SAMPLE DATA when it does.
select 'baskets' as page, coalesce(bool_or(is_sample), false) as is_sample from marts.fct_basket_gap_daily
union all
select 'ev_to_rd', coalesce(bool_or(is_sample), false) from marts.fct_valuation_daily
union all
select 'return_on_research', coalesce(bool_or(is_sample), false) from marts.fct_return_on_research
union all
select 'compute_access', coalesce(bool_or(is_sample), false) from marts.fct_compute_access_gap
union all
select 'event_study', coalesce(bool_or(is_sample), false) from marts.fct_event_study
union all
select 'fundamentals', coalesce(bool_or(is_sample), false) from marts.fct_fundamentals
union all
select 'quality', coalesce(bool_or(is_sample), false) from marts.fct_valuation_daily
