-- Federal Register documents of the Bureau of Industry and Security, one row per document.
with

documents as (
    select * from {{ source('raw', 'federal_register_documents') }}
)

select
    document_number,
    title,
    type as document_type,
    abstract,
    publication_date,
    effective_on,
    citation,
    start_page,
    html_url,
    agencies,
    -- the raw column joins agency slugs with ';'; a list is easier to filter with list_contains
    string_split(agencies, ';') as agency_slugs,
    source_key,
    source_file,
    sha256,
    fetched_at,
    is_sample,
    loaded_at
from documents
-- pages are landed under their page number: if the API's pagination shifted between two fetches, a
-- document can sit in two landed pages; keep the most recently fetched copy
qualify row_number() over (partition by document_number order by fetched_at desc, source_key desc) = 1
