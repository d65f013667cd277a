-- Spreading R&D over days and adding it back up must return, for a fiscal_year window, exactly the
-- annual R&D in USD that fct_fundamentals holds for that year (the version in force on as_of_date).
-- Checked against fct_fundamentals directly, not through the model's own as-of macro.
with

rows_ as (
    select * from {{ ref('fct_return_on_research') }}
    where window_kind = 'fiscal_year'
),

annual as (
    select
        facts.ticker,
        facts.period_start,
        facts.period_end,
        facts.value_usd,
        facts.filed_date,
        facts.superseded_date
    from {{ ref('fct_fundamentals') }} as facts
    where facts.metric = 'rd_expense' and facts.period_kind = 'annual'
)

select
    rows_.entity,
    rows_.fiscal_year,
    rows_.cumulative_rd_usd,
    annual.value_usd as reported_rd_usd
from rows_
left join annual
    on
        rows_.entity = annual.ticker
        and rows_.window_start = annual.period_start - 1
        and rows_.window_end = annual.period_end
        and annual.filed_date <= rows_.as_of_date
        and (annual.superseded_date is null or annual.superseded_date > rows_.as_of_date)
where annual.value_usd is null or abs(rows_.cumulative_rd_usd - annual.value_usd) > 1e-9 * annual.value_usd
