{#- The few generic tests we need, written here because dbt deps cannot reach the package hub. -#}

{% test expression_is_true(model, expression, where=none) %}
select * from {{ model }}
where not ({{ expression }})
{% if where %} and ({{ where }}){% endif %}
{% endtest %}

{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true, where=none) %}
select * from {{ model }}
where {{ column_name }} is not null
  and (
    {% if min_value is not none %}{{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}{% else %}false{% endif %}
    or
    {% if max_value is not none %}{{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}{% else %}false{% endif %}
  )
{% if where %} and ({{ where }}){% endif %}
{% endtest %}

{% test unique_combination_of_columns(model, combination_of_columns, where=none) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n
from {{ model }}
{% if where %}where {{ where }}{% endif %}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test fewer_rows_than(model, compare_model) %}
select 1 from (select count(*) as n from {{ model }}) a, (select count(*) as m from {{ compare_model }}) b
where a.n >= b.m
{% endtest %}
