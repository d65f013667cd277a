-- Curated BIS rules whose document is not in the Federal Register table at all (neither its
-- number nor its citation). A warning, not an error: in sample mode the table holds the bundled
-- sample, which carries only some of the curated rules, and a live load lists only what the API
-- returned. In live mode a missing rule deserves a look: a wrong document number in the seed
-- shows up here (the seed's rules without a document number match on their citation).
{{ config(severity='warn', store_failures=true, schema='audit') }}

select
    event_id,
    seed_document_number,
    seed_citation,
    seed_published_date,
    is_sample
from {{ ref('int_bis_rule_fedreg_match') }}
where match_status = 'missing'
