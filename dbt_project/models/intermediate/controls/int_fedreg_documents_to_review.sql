-- Federal Register BIS documents that mention advanced computing, semiconductors or the Entity
-- List (title or abstract, case-insensitive) and that the curated seed export_control_events does
-- not list (by document number or citation): candidates for a human to review and, if relevant,
-- add to the seed with a source. orchestration/sensors.py reads this model and warns about each new one.
with

documents as (
    select * from {{ ref('stg_fedreg__documents') }}
    qualify row_number() over (
        partition by document_number order by loaded_at desc, fetched_at desc, source_file desc
    ) = 1
),

curated as (
    select
        fr_document_number,
        regexp_replace(trim(fr_citation), '\s+', ' ', 'g') as citation_key
    from {{ ref('export_control_events') }}
)

select
    documents.document_number,
    documents.publication_date,
    documents.document_type,
    documents.title,
    documents.citation,
    documents.html_url,
    list_filter(
        ['advanced computing', 'semiconductor', 'entity list'],
        lambda keyword: contains(lower(coalesce(documents.title, '') || ' ' || coalesce(documents.abstract, '')), keyword)
    ) as matched_keywords,
    documents.source_file,
    documents.is_sample
from documents
where regexp_matches(
    lower(coalesce(documents.title, '') || ' ' || coalesce(documents.abstract, '')),
    'advanced computing|semiconductor|entity list'
)
and documents.document_number not in (
    select fr_document_number from curated
    where fr_document_number is not null
)
and coalesce(regexp_replace(trim(documents.citation), '\s+', ' ', 'g'), '') not in (
    select citation_key from curated
    where citation_key is not null
)
