-- One value per company, metric, filing (accession) and period, as that filing reported it:
-- the filing's highest-priority concept, share classes summed, total_debt assembled from its components.
-- Rows whose facts disagree keep a null value here (and fail a warn test) instead of a guessed number.
with facts as (
    select * from {{ ref('int_fundamentals_sec_facts') }}
),

-- the best concept the filing tagged, per metric (and debt component) and period. The concept map
-- orders one chain per taxonomy (us-gaap, ifrs-full; dei's cover count heads both share chains): a
-- filing tags one of the two standards, and one that tagged both at the same priority takes us-gaap.
facts_of_best_concept as (
    select *
    from facts
    qualify
        dense_rank() over (
            partition by ticker, metric, component, accession_number, period_start, period_end
            order by priority, taxonomy = 'ifrs-full'
        ) = 1
),

per_filing_and_period as (
    select
        ticker,
        metric,
        component,
        concept,
        is_proxy,
        fiscal_year,
        fiscal_period,
        period_kind,
        period_start,
        period_end,
        unit as currency,
        accession_number,
        form,
        filed_date,
        count(*) as n_facts,
        count(distinct value) as n_distinct_values,
        case
            -- a cover page states one count per class; where companyfacts keeps them without the class
            -- dimension they are several facts of the same date and filing, so the count is their sum
            -- (balance-sheet and weighted-average counts are one all-class number, like any concept)
            when metric = 'shares_outstanding' and concept = 'EntityCommonStockSharesOutstanding' then sum(value)
            -- any other concept is one number per filing and period; a repeat is the same number
            when count(distinct value) = 1 then min(value)
        end as value,
        bool_or(is_sample) as is_sample,
        min(source_file) as source_file
    from facts_of_best_concept
    group by
        ticker, metric, component, concept, is_proxy, fiscal_year, fiscal_period, period_kind,
        period_start, period_end, unit, accession_number, form, filed_date
),

-- every metric but total_debt: one concept per filing and period, or (a company row of the concept map
-- with components, e.g. BABA's capex = other property and equipment + land use rights) the sum of the
-- components the filing tagged, a number aigap computes (is_derived)
single_concept_metrics as (
    select
        ticker,
        metric,
        string_agg(concept, ' + ' order by component nulls first, concept) as concept,
        bool_or(is_proxy) as is_proxy,
        fiscal_year,
        fiscal_period,
        period_kind,
        period_start,
        period_end,
        currency,
        accession_number,
        form,
        filed_date,
        sum(n_facts) as n_facts,
        max(n_distinct_values) as n_distinct_values,
        case
            -- a component whose facts disagree makes the sum unknown, not smaller
            when count(*) filter (where value is null) > 0 then null
            when count(component) > 0 then sum(value)
            -- no components: one concept per filing and period (two of equal priority must agree)
            when count(distinct value) = 1 then min(value)
        end as value,
        bool_or(is_sample) as is_sample,
        min(source_file) as source_file,
        count(component) > 1 as is_derived
    from per_filing_and_period
    where metric != 'total_debt'
    group by
        ticker, metric, fiscal_year, fiscal_period, period_kind, period_start, period_end, currency,
        accession_number, form, filed_date
),

-- total_debt, per filing and balance-sheet date, from the components the filing tagged
debt_components as (
    select
        ticker,
        fiscal_year,
        fiscal_period,
        period_kind,
        period_end,
        currency,
        accession_number,
        form,
        filed_date,
        max(case when component = 'long_term_debt' then value end) as long_term_debt,
        -- noncurrent debt may be tagged in two pieces (BABA: bank loans + senior notes): their sum
        sum(case when component in ('long_term_debt_noncurrent', 'notes_noncurrent') then value end)
            as long_term_debt_noncurrent,
        max(case when component = 'long_term_debt_current' then value end) as long_term_debt_current,
        max(case when component = 'debt_current' then value end) as debt_current,
        max(case when component = 'short_term_borrowings' then value end) as short_term_borrowings,
        max(case when component = 'long_term_debt' then concept end) as long_term_debt_concept,
        string_agg(
            case when component in ('long_term_debt_noncurrent', 'notes_noncurrent') then concept end, ' + '
            order by component, concept
        ) as long_term_debt_noncurrent_concept,
        max(case when component = 'long_term_debt_current' then concept end) as long_term_debt_current_concept,
        max(case when component = 'debt_current' then concept end) as debt_current_concept,
        max(case when component = 'short_term_borrowings' then concept end) as short_term_borrowings_concept,
        bool_or(is_proxy) as is_proxy,
        sum(n_facts) as n_facts,
        max(n_distinct_values) as n_distinct_values,
        bool_or(is_sample) as is_sample,
        min(source_file) as source_file
    from per_filing_and_period
    where metric = 'total_debt'
    group by ticker, fiscal_year, fiscal_period, period_kind, period_end, currency, accession_number, form, filed_date
),

-- rule documented in seeds/_concept_map.yml (component): LongTermDebt already holds current maturities;
-- notes_noncurrent counts as part of long_term_debt_noncurrent
debt_assembled as (
    select
        *,
        case
            when long_term_debt_concept is not null then 'long_term_debt'
            when long_term_debt_noncurrent_concept is not null and debt_current_concept is not null
                then 'noncurrent_plus_debt_current'
            when long_term_debt_noncurrent_concept is not null then 'noncurrent_plus_current_pieces'
        end as debt_rule,
        -- a sum of several tagged pieces is computed by aigap, not a number the filing states
        case
            when long_term_debt_concept is not null then short_term_borrowings_concept is not null
            when long_term_debt_noncurrent_concept is not null and debt_current_concept is not null then true
            else
                long_term_debt_current_concept is not null
                or short_term_borrowings_concept is not null
                or long_term_debt_noncurrent_concept like '% + %'
        end as is_derived
    from debt_components
),

total_debt as (
    select
        ticker,
        'total_debt' as metric,
        case debt_rule
            when 'long_term_debt' then concat_ws(' + ', long_term_debt_concept, short_term_borrowings_concept)
            when 'noncurrent_plus_debt_current' then concat_ws(' + ', long_term_debt_noncurrent_concept, debt_current_concept)
            else concat_ws(
                ' + ', long_term_debt_noncurrent_concept, long_term_debt_current_concept, short_term_borrowings_concept
            )
        end as concept,
        is_proxy,
        fiscal_year,
        fiscal_period,
        period_kind,
        cast(null as date) as period_start,
        period_end,
        currency,
        accession_number,
        form,
        filed_date,
        n_facts,
        n_distinct_values,
        case
            -- a component whose facts disagree makes the total unknown, not smaller
            when n_distinct_values > 1 then null
            when debt_rule = 'long_term_debt' then long_term_debt + coalesce(short_term_borrowings, 0)
            when debt_rule = 'noncurrent_plus_debt_current' then long_term_debt_noncurrent + debt_current
            when debt_rule = 'noncurrent_plus_current_pieces'
                then long_term_debt_noncurrent + coalesce(long_term_debt_current, 0) + coalesce(short_term_borrowings, 0)
        end as value,
        is_sample,
        source_file,
        is_derived
    from debt_assembled
    where debt_rule is not null
)

select
    ticker,
    metric,
    concept,
    is_proxy,
    fiscal_year,
    fiscal_period,
    period_kind,
    period_start,
    period_end,
    currency,
    accession_number,
    form,
    filed_date,
    n_facts,
    n_distinct_values,
    value,
    is_sample,
    source_file,
    is_derived
from single_concept_metrics
union all
select
    ticker,
    metric,
    concept,
    is_proxy,
    fiscal_year,
    fiscal_period,
    period_kind,
    period_start,
    period_end,
    currency,
    accession_number,
    form,
    filed_date,
    n_facts,
    n_distinct_values,
    value,
    is_sample,
    source_file,
    is_derived
from total_debt
