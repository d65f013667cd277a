-- Basket membership: one row per basket and company, from the universe's (ticker, basket) rows. A
-- company may be in several baskets; dim_company.basket is its primary one (is_primary_basket).
-- The universe carries every basket of a company in one row (`baskets`, ';'-joined in file order, as
-- ingestion/universe_resolution.py folds a company's lines): each of them is a membership.
with

listings as (
    select distinct
        trim(listed.basket) as basket,
        universe.ticker
    from {{ ref('int_company_listings') }} as universe
    cross join unnest(string_split(coalesce(nullif(universe.baskets, ''), universe.basket), ';')) as listed (basket)
    where universe.role = 'company'
)

select
    listings.basket,
    listings.ticker,
    listings.basket = companies.basket as is_primary_basket
from listings
inner join {{ ref('dim_company') }} as companies
    on listings.ticker = companies.ticker
