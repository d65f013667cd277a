{#-
    Metric formulas, defined once. Models call these macros instead of repeating arithmetic, so a
    formula is reviewed (and changed) in one place. Each macro renders a plain SQL expression.
-#}

{#- A ratio that is only meaningful for a positive denominator (earnings, sales, R&D, EBITDA):
    null when the denominator is null, zero or negative, never a division error or a negative multiple. -#}
{% macro safe_ratio(numerator, denominator) -%}
    (case when ({{ denominator }}) > 0 then ({{ numerator }}) / ({{ denominator }}) end)
{%- endmacro %}

{#- Units of `currency` per 1 USD on a day: 1 for USD itself (no FX row needed), else the FX rate
    (null when no rate is usable that day, so the converted amount is null rather than wrong). -#}
{% macro units_per_usd(currency, fx_units_per_usd) -%}
    (case when ({{ currency }}) = 'USD' then 1.0 else ({{ fx_units_per_usd }}) end)
{%- endmacro %}

{#- Money in some currency -> USD, dividing by the FX quote as FRED publishes it (units per USD). -#}
{% macro to_usd(amount, units_per_usd) -%}
    (({{ amount }}) / ({{ units_per_usd }}))
{%- endmacro %}

{#- A share count restated from its basis date (the day it was FILED: a filing after a split states
    earlier-dated counts on the new basis) to the day it is used:
      × split factor(day) / split factor(basis)   splits of the traded security in between (without
                                                    the ADS's own split on an ADS-only ratio change)
      × ordinary factor(day) / ordinary factor(basis)  ordinary-share subdivisions done by changing the
                                                    ADS ratio while the ADS price did not split (only
                                                    the ratio changes seed ads_ratios marks
                                                    moves_ordinary_shares: BABA 2019, BIDU 2021; not
                                                    BIDU's ADS-only change of 2010)
    Both factors are cumulative as of a date (int_split_factors.share_factor,
    int_ads_ratios.ordinary_share_factor); for an ordinary listing the ordinary factor is 1 throughout. -#}
{% macro restate_shares(shares, split_factor_at_day, split_factor_at_as_of, ordinary_factor_at_day, ordinary_factor_at_as_of) -%}
    (({{ shares }})
        * (({{ split_factor_at_day }}) / ({{ split_factor_at_as_of }}))
        * (({{ ordinary_factor_at_day }}) / ({{ ordinary_factor_at_as_of }})))
{%- endmacro %}

{#- Market capitalisation in the trading currency: unadjusted close (per traded unit: share or ADS)
    × ordinary shares outstanding ÷ ordinary shares per traded unit. -#}
{% macro market_cap(close, shares_outstanding, ordinary_shares_per_ads) -%}
    (({{ close }}) * ({{ shares_outstanding }}) / ({{ ordinary_shares_per_ads }}))
{%- endmacro %}

{#- Enterprise value = market cap + total debt − cash − short-term investments. Null without cash or
    debt; short-term investments count as 0 when not reported (many balance sheets have no such line). -#}
{% macro enterprise_value(market_cap, total_debt, cash, short_term_investments) -%}
    (({{ market_cap }}) + ({{ total_debt }}) - ({{ cash }}) - coalesce(({{ short_term_investments }}), 0.0))
{%- endmacro %}

{#- EBITDA approximated as operating income + depreciation and amortisation (both TTM). -#}
{% macro ebitda(operating_income, depreciation_amortization) -%}
    (({{ operating_income }}) + ({{ depreciation_amortization }}))
{%- endmacro %}

{#- An index level: 100 × value ÷ value on the base date (divide first so the base date is exactly 100). -#}
{% macro index_to_base(value, base_value) -%}
    (100.0 * (({{ value }}) / ({{ base_value }})))
{%- endmacro %}

{#- Relative change between two observations, e.g. day over day. -#}
{% macro pct_change(current, previous) -%}
    (({{ current }}) / ({{ previous }}) - 1.0)
{%- endmacro %}
