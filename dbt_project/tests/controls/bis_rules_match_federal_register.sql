-- Every curated BIS rule found in the Federal Register table must agree with it: same document
-- number, publication_date = the seed's published_date, citation = the seed's fr_citation. A
-- mismatch means the seed (or the landed document) is wrong: the build fails and lists the rows,
-- which are also stored in audit.bis_rules_match_federal_register with the reason in words.
-- Rules absent from the table are not checked here (see bis_rules_missing_from_federal_register).
{{ config(store_failures=true, schema='audit') }}

select
    event_id,
    seed_document_number,
    fedreg_document_number,
    seed_published_date,
    fedreg_publication_date,
    seed_citation,
    fedreg_citation,
    mismatch_reason,
    fedreg_source_file,
    is_sample
from {{ ref('int_bis_rule_fedreg_match') }}
where match_status = 'mismatch'
