{#-
  Fiscal calendar helpers. A company's fiscal year is named after the calendar year in which it ENDS
  (universe.fiscal_year_end_month): with a March year end, the year ending 2023-03-31 is FY2023 and
  2022-06-30 falls in FY2023; with a June year end, 2022-09-30 is in FY2023.
  Dates are taken as they are: 52/53-week years ending a few days into the next month are not supported
  (no company in the universe has one); the test fundamentals_period_end_is_month_end flags them.
-#}

{#- Fiscal year containing the date. -#}
{% macro fiscal_year_of(date_expr, fye_month) -%}
    cast(year({{ date_expr }}) + case when month({{ date_expr }}) > {{ fye_month }} then 1 else 0 end as integer)
{%- endmacro %}

{#- Month of the fiscal year the date falls in: 1 = first month after the year end, 12 = the year-end month. -#}
{% macro fiscal_month_of(date_expr, fye_month) -%}
    (((month({{ date_expr }}) - {{ fye_month }} - 1) % 12 + 12) % 12 + 1)
{%- endmacro %}

{#- Fiscal quarter (1-4) the date falls in. -#}
{% macro fiscal_quarter_of(date_expr, fye_month) -%}
    ((({{ fiscal_month_of(date_expr, fye_month) }}) - 1) // 3 + 1)
{%- endmacro %}

{#- True when the date is the last day of a fiscal quarter (a balance-sheet date). -#}
{% macro is_fiscal_quarter_end(date_expr, fye_month) -%}
    ({{ date_expr }} = last_day({{ date_expr }}) and ({{ fiscal_month_of(date_expr, fye_month) }}) % 3 = 0)
{%- endmacro %}

{#- Whole months a duration covers (start and end inclusive): 91 days -> 3, 365 days -> 12. -#}
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
