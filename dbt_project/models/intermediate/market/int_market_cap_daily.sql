-- Market capitalisation of each company on each of its own trading days (its listing's price rows):
--   unadjusted close × ordinary shares outstanding known that day (restated by splits and by the ADS
--   ratio changes that subdivided the ordinary shares since the count was FILED; an ADS-only change
--   such as BIDU's of 2010-05-12 moves neither the count nor, through its ADS split, the split factor)
--   ÷ ordinary shares per traded unit × FX to USD.
-- A count is on the basis of its filing date, not of its as_of_date: a filing made after a split
-- states even its earlier-dated counts on the new basis (Alphabet's 10-Q filed 2022-07-26, after the
-- 2022-07-18 20:1 split, gives about 13 bn shares at 2022-06-30), so restating from the as_of_date
-- would split them twice.
-- A day before any share count was filed keeps its row with a null market cap.
with

companies as (
    select
        ticker,
        price_symbol,
        trading_currency
    from {{ ref('int_company_listings') }}
    where role = 'company'
),

prices as (
    select
        companies.ticker,
        prices.date,
        prices.close,
        companies.trading_currency,
        prices.source_file as price_source_file,
        prices.is_sample
    from {{ ref('stg_prices__daily') }} as prices
    inner join companies
        on prices.price_symbol = companies.price_symbol
    where prices.close is not null
),

with_shares as (
    -- as-of join: the share count in force on the price day (int_shares_in_force is point in time)
    select
        prices.*,
        shares.as_of_date as shares_as_of_date,
        shares.shares as shares_reported,
        shares.shares_basis,
        shares.filed_date as shares_filed_date,
        shares.accession_number as shares_accession_number,
        shares.is_sample as shares_is_sample
    from prices
    asof left join {{ ref('int_shares_in_force') }} as shares
        on
            prices.ticker = shares.ticker
            and prices.date >= shares.known_from
),

with_factors as (
    select
        with_shares.*,
        split_at_day.share_factor as split_factor_at_day,
        split_at_filing.share_factor as split_factor_at_filing,
        ads_at_day.ordinary_shares_per_ads as ads_ratio,
        ads_at_day.ordinary_share_factor as ordinary_factor_at_day,
        ads_at_filing.ordinary_share_factor as ordinary_factor_at_filing,
        fx.units_per_usd as fx_units_per_usd,
        fx.is_filled as fx_is_filled,
        fx.source_date as fx_source_date,
        fx.is_sample as fx_is_sample
    from with_shares
    left join {{ ref('int_split_factors') }} as split_at_day
        on
            with_shares.ticker = split_at_day.ticker
            and with_shares.date >= split_at_day.date
            and with_shares.date < split_at_day.valid_until
    left join {{ ref('int_split_factors') }} as split_at_filing
        on
            with_shares.ticker = split_at_filing.ticker
            and with_shares.shares_filed_date >= split_at_filing.date
            and with_shares.shares_filed_date < split_at_filing.valid_until
    left join {{ ref('int_ads_ratios') }} as ads_at_day
        on
            with_shares.ticker = ads_at_day.ticker
            and with_shares.date >= ads_at_day.valid_from
            and with_shares.date < ads_at_day.valid_until
    left join {{ ref('int_ads_ratios') }} as ads_at_filing
        on
            with_shares.ticker = ads_at_filing.ticker
            and with_shares.shares_filed_date >= ads_at_filing.valid_from
            and with_shares.shares_filed_date < ads_at_filing.valid_until
    left join {{ ref('int_fx_daily') }} as fx
        on
            with_shares.date = fx.date
            and with_shares.trading_currency = fx.currency
),

restated as (
    select
        *,
        {{ restate_shares('shares_reported', 'split_factor_at_day', 'split_factor_at_filing',
                          'ordinary_factor_at_day', 'ordinary_factor_at_filing') }} as shares_outstanding,
        {{ units_per_usd('trading_currency', 'fx_units_per_usd') }} as trading_units_per_usd
    from with_factors
),

valued as (
    select
        *,
        {{ market_cap('close', 'shares_outstanding', 'ads_ratio') }} as market_cap_local
    from restated
)

select
    ticker,
    date,
    close,
    trading_currency,
    ads_ratio,
    shares_reported,
    shares_basis,
    shares_as_of_date,
    shares_filed_date,
    shares_accession_number,
    split_factor_at_day / split_factor_at_filing as shares_split_factor,
    ordinary_factor_at_day / ordinary_factor_at_filing as shares_ads_factor,
    shares_outstanding,
    market_cap_local,
    trading_units_per_usd as fx_units_per_usd,
    1.0 / trading_units_per_usd as fx_usd_per_unit,
    case when trading_currency = 'USD' then false else fx_is_filled end as fx_is_filled,
    case when trading_currency = 'USD' then date else fx_source_date end as fx_source_date,
    {{ to_usd('market_cap_local', 'trading_units_per_usd') }} as market_cap_usd,
    price_source_file,
    coalesce(is_sample, false)
    or coalesce(shares_is_sample, false)
    or (trading_currency <> 'USD' and coalesce(fx_is_sample, false)) as is_sample
from valued
