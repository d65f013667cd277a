-- Companies holding a currency (trading or reporting) aigap has no FRED series for (the fx_series
-- seed): their figures in that currency are not converted, and this row says why, instead of a rate
-- being guessed. The coverage mart and the publish gates can read it.
with

held as (
    select
        ticker,
        'trading' as currency_role,
        trading_currency as currency
    from {{ ref('int_company_listings') }}
    union all
    select
        ticker,
        'reporting' as currency_role,
        reporting_currency as currency
    from {{ ref('int_company_listings') }}
)

select
    held.ticker,
    held.currency_role,
    held.currency,
    'no FRED series for ' || held.currency || ' (' || held.currency_role || ' currency of '
    || held.ticker || ') in seeds/fx_series.csv: not converted to USD' as reason
from held
left join {{ ref('fx_series') }} as series on held.currency = series.currency
where
    held.currency is not null
    and held.currency <> 'USD'
    and series.currency is null
