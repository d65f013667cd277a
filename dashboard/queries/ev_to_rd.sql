-- EV / R&D (TTM) by company since 2022-11-30.
select
    ticker,
    basket,
    date,
    ev_to_rd_ttm,
    is_sample
from marts.fct_valuation_daily
where date >= date '2022-11-30' and ev_to_rd_ttm is not null
order by ticker, date
