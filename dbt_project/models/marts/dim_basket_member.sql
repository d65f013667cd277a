-- Basket membership: one row per basket and company, from the universe's (ticker, basket) rows. A
-- company may be in several baskets; dim_company.basket is its primary one (is_primary_basket).
-- Where the universe staging carries every basket of a company in one row (a `baskets` column,
-- ';'-joined in file order, as a ticker-only universe resolves it), each of them is a membership.
{%- set universe = ref('int_company_listings') -%}
{%- set columns = adapter.get_columns_in_relation(universe) | map(attribute='name') | map('lower') | list if execute else [] -%}
{%- set baskets = "coalesce(nullif(universe.baskets, ''), universe.basket)" if 'baskets' in columns else "universe.basket" %}
with

listings as (
    select distinct
        trim(listed.basket) as basket,
        universe.ticker
    from {{ universe }} as universe
    cross join unnest(string_split({{ baskets }}, ';')) as listed (basket)
    where universe.role = 'company'
)

select
    listings.basket,
    listings.ticker,
    listings.basket = companies.basket as is_primary_basket
from listings
inner join {{ ref('dim_company') }} as companies
    on listings.ticker = companies.ticker
