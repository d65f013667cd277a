{#-
  Each curated event (seed export_control_events) with the days that matter for measuring it:

  public_date        first public disclosure (seed): FR public inspection or publication, a press
                     release, an 8-K's filing, the first press report.
  market_day_zero    the first U.S. trading day the market could react: the first U.S. trading day
                     on or after public_date, or strictly after it when the disclosure came after the
                     U.S. close (public_timing = 'after_close'). NVIDIA's letter of 2022-08-26 was
                     disclosed after the close of 2022-08-31, so day 0 is 2022-09-01.
                     A U.S. trading day is a day with a close of a USD-traded listing of the universe
                     in the price table. Where the table has no trading day within 7 days of the
                     public date (before its first or after its last day), the next weekday stands in
                     (market_day_zero_basis = 'weekdays', holidays not known).
  public_in_us_hours  true when the disclosure came during or after U.S. hours: public_timing is
                     before_close or after_close, or the source is American (authority BIS,
                     Commerce, White House, company disclosure: U.S. agencies and NVIDIA publish in
                     U.S. daytime). Chinese measures (MOFCOM, CAC, GACC, PRC authorities) with unknown
                     timing are taken as public in Asian hours.
  hk_market_day_zero the first Hong Kong session that could trade on the news. HKEX closes (16:00
                     HKT = 03:00/04:00 New York) before New York opens, so news public during or
                     after U.S. hours on day d reaches Hong Kong on its first session after d (the
                     foundry rule, filed 2025-01-15 at 8:45 am ET: U.S. day 0 2025-01-15, Hong Kong
                     2025-01-16); news public in Asian hours on d trades there from d. A Hong Kong
                     trading day is a day with a close of an HKD-traded listing of the universe; the
                     same 7-day / next-weekday fallback as market_day_zero applies
                     (hk_market_day_zero_basis = 'hk_prices' or 'weekdays').
  chip_controls_in_force_from  the day the rule's chip thresholds took effect: the effective date of
                     its provision that sets them (seed export_control_provisions; 2022-10-21 for the
                     Oct-2022 rule), else effective_date, else event_date.
-#}
with

events as (
    select * from {{ ref('export_control_events') }}
),

provisions as (
    select
        event_id,
        min(effective_date) filter (where sets_chip_thresholds) as chip_controls_effective_date
    from {{ ref('export_control_provisions') }}
    group by event_id
),

us_days as (
    select distinct prices.date
    from {{ ref('stg_prices__daily') }} as prices
    inner join {{ ref('int_company_listings') }} as listings
        on prices.price_symbol = listings.price_symbol
    where listings.trading_currency = 'USD'
),

hk_days as (
    select distinct prices.date
    from {{ ref('stg_prices__daily') }} as prices
    inner join {{ ref('int_company_listings') }} as listings
        on prices.price_symbol = listings.price_symbol
    where listings.trading_currency = 'HKD'
),

timed as (
    select
        events.*,
        events.public_timing in ('before_close', 'after_close')
        or events.authority in ('BIS', 'Commerce', 'White House', 'company disclosure') as public_in_us_hours
    from events
),

reaction as (
    select
        timed.*,
        -- after the close the first session that can trade on the news is the next one
        case
            when timed.public_timing = 'after_close' then timed.public_date + 1
            else timed.public_date
        end as can_react_from,
        -- Hong Kong has closed before U.S. hours begin: news of U.S. hours trades there the next day
        case
            when timed.public_in_us_hours then timed.public_date + 1
            else timed.public_date
        end as hk_can_react_from
    from timed
),

next_us_day as (
    select
        reaction.event_id,
        us_days.date as next_us_trading_day
    from reaction
    asof left join us_days
        on reaction.can_react_from <= us_days.date
),

next_hk_day as (
    select
        reaction.event_id,
        hk_days.date as next_hk_trading_day
    from reaction
    asof left join hk_days
        on reaction.hk_can_react_from <= hk_days.date
)

select
    reaction.event_id,
    reaction.event_type,
    reaction.source_confidence,
    reaction.event_date,
    reaction.public_date,
    reaction.public_timing,
    reaction.published_date,
    reaction.effective_date,
    coalesce(reaction.effective_date, reaction.event_date) as in_force_from,
    provisions.chip_controls_effective_date,
    coalesce(provisions.chip_controls_effective_date, reaction.effective_date, reaction.event_date)
        as chip_controls_in_force_from,
    case
        -- no exchange closes for a week: a farther 'next trading day' means the table has no days there
        when next_us_day.next_us_trading_day <= reaction.can_react_from + 7
            then next_us_day.next_us_trading_day
        -- outside the price table's dates: the next weekday (Saturday + 2, Sunday + 1)
        else
            reaction.can_react_from
            + case isodow(reaction.can_react_from) when 6 then 2 when 7 then 1 else 0 end
    end as market_day_zero,
    case
        when next_us_day.next_us_trading_day <= reaction.can_react_from + 7 then 'us_prices'
        else 'weekdays'
    end as market_day_zero_basis,
    reaction.public_in_us_hours,
    case
        when next_hk_day.next_hk_trading_day <= reaction.hk_can_react_from + 7
            then next_hk_day.next_hk_trading_day
        else
            reaction.hk_can_react_from
            + case isodow(reaction.hk_can_react_from) when 6 then 2 when 7 then 1 else 0 end
    end as hk_market_day_zero,
    case
        when next_hk_day.next_hk_trading_day <= reaction.hk_can_react_from + 7 then 'hk_prices'
        else 'weekdays'
    end as hk_market_day_zero_basis,
    reaction.authority,
    reaction.kind,
    reaction.title,
    reaction.summary,
    reaction.fr_citation,
    reaction.fr_document_number,
    reaction.source_url,
    reaction.tpp_threshold,
    reaction.performance_density_threshold
from reaction
left join next_us_day
    on reaction.event_id = next_us_day.event_id
left join next_hk_day
    on reaction.event_id = next_hk_day.event_id
left join provisions
    on reaction.event_id = provisions.event_id
