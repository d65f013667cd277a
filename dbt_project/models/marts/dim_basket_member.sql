-- Basket membership: one row per basket and company, from the universe's (ticker, basket) rows. A
-- company may be in several baskets; dim_company.basket is its primary one (is_primary_basket).
with

listings as (
    select distinct
        basket,
        ticker
    from {{ ref('stg_manual__universe') }}
    where role = 'company'
)

select
    listings.basket,
    listings.ticker,
    listings.basket = companies.basket as is_primary_basket
from listings
inner join {{ ref('dim_company') }} as companies
    on listings.ticker = companies.ticker
