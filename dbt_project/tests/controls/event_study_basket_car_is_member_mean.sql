-- Arithmetic invariant: a basket's CAR is the equal-weighted mean of its members' CARs (when every
-- member has one), because the basket's daily abnormal return is the mean of theirs.
with

study as (
    select * from {{ ref('fct_event_study') }}
),

-- members by basket membership (a company in several baskets is in each)
member_means as (
    select
        study.event_id,
        memberships.basket,
        study.event_window,
        avg(study.car) as mean_member_car,
        count(study.car) as n_with_car,
        count(*) as n_members
    from study
    inner join {{ ref('dim_basket_member') }} as memberships
        on study.entity = memberships.ticker
    where study.entity_type = 'ticker'
    group by study.event_id, memberships.basket, study.event_window
)

select
    baskets.event_id,
    baskets.entity as basket,
    baskets.event_window,
    baskets.car as basket_car,
    member_means.mean_member_car
from study as baskets
inner join member_means
    on
        baskets.event_id = member_means.event_id
        and baskets.entity = member_means.basket
        and baskets.event_window = member_means.event_window
where
    baskets.entity_type = 'basket'
    and member_means.n_with_car = member_means.n_members
    and baskets.car is not null
    and abs(baskets.car - member_means.mean_member_car) > 1e-9
