-- The iteration lag: days from a model's announcement to the day the general public could use it,
-- for US and Chinese flagship models (seed model_releases). In China a public launch needed
-- approval under the CAC generative-AI measures from 2023-08-15; regime_event_id names the CAC
-- measure in force on the launch day, whether or not the approval date itself was published.
with

releases as (
    select * from {{ ref('model_releases') }}
),

cac_measures as (
    select
        event_id,
        coalesce(effective_date, event_date) as in_force_from
    from {{ ref('export_control_events') }}
    where authority = 'CAC' and event_type = 'china_rule'
),

with_regime as (
    select
        releases.*,
        date_diff('day', releases.announced_date, releases.public_launch_date) as lag_days,
        (
            select arg_max(cac_measures.event_id, cac_measures.in_force_from)
            from cac_measures
            where cac_measures.in_force_from <= releases.public_launch_date
        ) as cac_event_in_force
    from releases
)

select
    model,
    developer,
    country,
    announced_date,
    public_launch_date,
    lag_days,
    public_launch_date is not null as has_public_launch_date,
    median(lag_days) over (partition by country) as country_median_lag_days,
    lag_days - median(lag_days) filter (where country = 'US') over () as lag_vs_us_median_days,
    approval_event,
    approval_date,
    date_diff('day', approval_date, public_launch_date) as approval_to_launch_days,
    case when country = 'CN' then cac_event_in_force end as regime_event_id,
    list_transform(string_split(source_url, ' ; '), lambda url: trim(url)) as source_urls,
    notes,
    false as is_sample
from with_regime
