-- Split and dividend events per listing (EODHD's endpoints or Yahoo's chart events). A split "20.000000/1.000000" (20 new for 1 old) arrives as
-- split_to = 20, split_from = 1; split_ratio = split_to / split_from is how many shares one share became.
with

events as (
    -- one row per listing, day and kind: a warehouse that switched provider holds both providers'
    -- events, and the newest fetch is kept
    select * from {{ source('raw', 'price_events') }}
    qualify row_number() over (partition by symbol, date, kind order by fetched_at desc, source_key) = 1
)

select
    events.symbol as price_symbol,
    events.date,
    events.kind,
    events.split_from,
    events.split_to,
    case when events.kind = 'split' then events.split_to / events.split_from end as split_ratio,
    events.dividend,
    events.source_key,
    events.source_file,
    events.sha256,
    events.fetched_at,
    events.is_sample,
    events.loaded_at
from events
