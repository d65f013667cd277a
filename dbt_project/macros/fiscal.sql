{#-
  Fiscal calendar helpers. A company's fiscal year is named after the calendar year in which it ENDS
  (universe.fiscal_year_end_month): with a March year end, the year ending 2023-03-31 is FY2023 and
  2022-06-30 falls in FY2023; with a June year end, 2022-09-30 is in FY2023.
  52/53-week calendars (NVIDIA: year ends on the last Sunday of January, quarters of 13 weeks end on
  2021-05-02, 2021-08-01, 2021-10-31, 2022-01-30) are placed by each date's NOMINAL month end: a date in
  the first week of a month stands for the previous month's end (2021-05-02 -> April), a date from the
  24th on for its own month's end (2022-01-30 -> January). So the quarter's position in its fiscal
  year comes from its dates and a year ending in late January is the fiscal year of that January.
-#}

{#- The month end a period date stands for (52/53-week calendars end up to a week either side of it);
    dates from the 8th to the 23rd (cover-page share counts) are kept as they are. -#}
{% macro nominal_date(date_expr) -%}
    (case
        when day({{ date_expr }}) <= 7 then last_day(cast({{ date_expr }} - interval 7 day as date))
        when day({{ date_expr }}) >= 24 then last_day({{ date_expr }})
        else cast({{ date_expr }} as date)
    end)
{%- endmacro %}

{#- Fiscal year containing the date. -#}
{% macro fiscal_year_of(date_expr, fye_month) -%}
    cast(year({{ nominal_date(date_expr) }}) + case when month({{ nominal_date(date_expr) }}) > {{ fye_month }} then 1 else 0 end as integer)
{%- endmacro %}

{#- Month of the fiscal year the date falls in: 1 = first month after the year end, 12 = the year-end month. -#}
{% macro fiscal_month_of(date_expr, fye_month) -%}
    (((month({{ nominal_date(date_expr) }}) - {{ fye_month }} - 1) % 12 + 12) % 12 + 1)
{%- endmacro %}

{#- Fiscal quarter (1-4) the date falls in. -#}
{% macro fiscal_quarter_of(date_expr, fye_month) -%}
    ((({{ fiscal_month_of(date_expr, fye_month) }}) - 1) // 3 + 1)
{%- endmacro %}

{#- True when the date ends a fiscal quarter (a balance-sheet date), nominally (52/53-week calendars). -#}
{% macro is_fiscal_quarter_end(date_expr, fye_month) -%}
    ({{ nominal_date(date_expr) }} = last_day({{ nominal_date(date_expr) }})
        and ({{ fiscal_month_of(date_expr, fye_month) }}) % 3 = 0)
{%- endmacro %}

{#- Whole months a duration covers (start and end inclusive): 91 days -> 3, 365 days -> 12; a 14-week
    quarter (98 days) is 3 and a 53-week year (371 days) 12. -#}
{% macro duration_months(start_expr, end_expr) -%}
    cast(round(date_diff('day', {{ start_expr }}, {{ end_expr }} + 1) / 30.4375) as integer)
{%- endmacro %}

{#- Quarter number of a 'Q1'..'Q4' fiscal_period label, null otherwise. -#}
{% macro quarter_number(fiscal_period_expr) -%}
    case when {{ fiscal_period_expr }} in ('Q1', 'Q2', 'Q3', 'Q4') then cast(right({{ fiscal_period_expr }}, 1) as integer) end
{%- endmacro %}

{#- Metrics measured over a period (flows), as opposed to balances and share counts at an instant. -#}
{% macro flow_metrics_sql() -%}
    ('revenue', 'rd_expense', 'net_income', 'operating_income', 'capex', 'depreciation_amortization')
{%- endmacro %}

{#- Balance-sheet metrics, measured at an instant. -#}
{% macro balance_metrics_sql() -%}
    ('cash', 'short_term_investments', 'total_debt')
{%- endmacro %}

{#-
  Period kind and fiscal period label of a fact from its shape. Arguments are column names of:
  is_instant, months covered (duration_months), fiscal quarter of the end date, and whether an instant
  falls on a fiscal quarter end. Shapes aigap does not report (two-month stubs, multi-year totals,
  twelve months ending mid-year, a half year that does not start with the fiscal year) give null.
-#}
{% macro period_kind_of(is_instant, months, end_quarter) -%}
    case
        when {{ is_instant }} then 'instant'
        when {{ months }} = 3 then 'quarter'
        -- year to date starts with the fiscal year: 3 months per quarter elapsed
        when {{ months }} in (6, 9) and {{ months }} = 3 * {{ end_quarter }} then 'ytd'
        when {{ months }} = 12 and {{ end_quarter }} = 4 then 'annual'
    end
{%- endmacro %}

{% macro fiscal_period_of(is_instant, months, end_quarter, ends_on_quarter_end) -%}
    case
        when {{ is_instant }} and {{ ends_on_quarter_end }} then 'Q' || {{ end_quarter }}
        -- an instant between quarter ends, e.g. the cover-page share count dated shortly before filing
        when {{ is_instant }} then 'BAL'
        when {{ months }} = 3 then 'Q' || {{ end_quarter }}
        when {{ months }} = 6 and {{ end_quarter }} = 2 then 'H1'
        when {{ months }} = 9 and {{ end_quarter }} = 3 then '9M'
        when {{ months }} = 12 and {{ end_quarter }} = 4 then 'FY'
    end
{%- endmacro %}

{#- The link of the share-count chain a shares_outstanding version belongs to (int_shares_outstanding_versions). -#}
{% macro shares_basis_of(source, concept, period_kind) -%}
    case
        when {{ source }} = 'hkex' then 'annual_report'
        when {{ period_kind }} != 'instant' then 'weighted_average'
        when {{ concept }} = 'EntityCommonStockSharesOutstanding' then 'cover'
        else 'balance_sheet'
    end
{%- endmacro %}

{#- Order of the chain: at the same as_of_date the cover page beats the balance sheet beats the weighted average. -#}
{% macro shares_basis_rank(shares_basis) -%}
    case {{ shares_basis }}
        when 'cover' then 1 when 'annual_report' then 1 when 'balance_sheet' then 2 when 'weighted_average' then 3
    end
{%- endmacro %}
