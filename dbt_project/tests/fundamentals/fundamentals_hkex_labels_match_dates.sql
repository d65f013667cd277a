-- The curated HKEX file labels each figure with a fiscal year and period; aigap places it by its dates
-- (like every SEC fact). The two must agree, or the file has a typo in a date or a label. A warning: one
-- company's curated figures (a share count dated mid-quarter, from an HKEX return) must not stop the
-- publish of everyone else's (issue 10); audit.check_results keeps the rows.
{{ config(severity='warn') }}
with curated as (
    select * from {{ ref('stg_hkex__fundamentals') }}
),

placed as (
    select * from {{ ref('int_fundamentals_reported') }}
    where source = 'hkex'
),

-- the fiscal quarter a period label ends in: FY in Q4, H1 in Q2, 9M in Q3
compared as (
    select
        curated.ticker,
        curated.metric,
        curated.period_start,
        curated.period_end,
        curated.fiscal_year as curated_fiscal_year,
        curated.fiscal_period as curated_fiscal_period,
        placed.fiscal_year as placed_fiscal_year,
        placed.fiscal_period as placed_fiscal_period,
        case curated.fiscal_period
            when 'FY' then 4 when 'H1' then 2 when '9M' then 3
            else {{ quarter_number('curated.fiscal_period') }}
        end as curated_end_quarter,
        case placed.fiscal_period
            when 'FY' then 4 when 'H1' then 2 when '9M' then 3
            else {{ quarter_number('placed.fiscal_period') }}
        end as placed_end_quarter
    from curated
    left join placed
        on
            placed.ticker = curated.ticker
            and placed.metric = curated.metric
            and placed.period_start is not distinct from curated.period_start
            and placed.period_end = curated.period_end
            and placed.filed_date = curated.filed_date
)

select *
from compared
where
    placed_fiscal_year is null
    or placed_fiscal_year != curated_fiscal_year
    or placed_end_quarter is distinct from curated_end_quarter
