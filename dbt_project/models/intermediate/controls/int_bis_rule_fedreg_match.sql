{#-
  Each curated BIS rule (export_control_events with authority BIS and a Federal Register document
  number or citation) next to the Federal Register document it names, and a verdict:
    matched   the document is in stg_fedreg__documents with the same publication date and citation
              (when the seed has a citation);
    mismatch  the document is there but its publication_date or citation differs from the seed,
              or the seed's citation belongs to a different document number;
    missing   the table has no document with that number (nor that citation). In sample mode the
              table holds the bundled sample, so most curated rules are missing there: that is
              reported (warn), not an error.
  Citations are compared with runs of whitespace collapsed ("87  FR 62186" = "87 FR 62186").
-#}
-- noqa: disable=LT02
-- (sqlfluff's jinja templater misplaces the indentation around the macro calls in this model)
with

rules as (
    select
        event_id,
        published_date,
        fr_document_number,
        fr_citation,
        regexp_replace(trim(fr_citation), '\s+', ' ', 'g') as citation_key
    from {{ ref('export_control_events') }}
    where authority = 'BIS'
        and (fr_document_number is not null or fr_citation is not null)
),

documents as (
    -- a document landed on two pages (live paging can shift) counts once: the latest load wins
    select
        document_number,
        publication_date,
        citation,
        regexp_replace(trim(citation), '\s+', ' ', 'g') as citation_key,
        html_url,
        source_file,
        is_sample
    from {{ ref('stg_fedreg__documents') }}
    qualify row_number() over (
        partition by document_number order by loaded_at desc, fetched_at desc, source_file desc
    ) = 1
),

by_number as (
    select
        rules.event_id,
        documents.document_number,
        documents.publication_date,
        documents.citation,
        documents.html_url,
        documents.source_file,
        documents.is_sample
    from rules
    inner join documents
        on rules.fr_document_number = documents.document_number
),

by_citation as (
    -- the document that carries the seed's citation (first by number if the table had two)
    select
        rules.event_id,
        min(documents.document_number) as document_number,
        arg_min(documents.publication_date, documents.document_number) as publication_date,
        arg_min(documents.source_file, documents.document_number) as source_file,
        bool_or(documents.is_sample) as is_sample
    from rules
    inner join documents
        on rules.citation_key = documents.citation_key
    group by rules.event_id
),

compared as (
    select
        rules.event_id,
        rules.fr_document_number as seed_document_number,
        rules.published_date as seed_published_date,
        rules.fr_citation as seed_citation,
        coalesce(by_number.document_number, by_citation.document_number) as fedreg_document_number,
        coalesce(by_number.publication_date, by_citation.publication_date) as fedreg_publication_date,
        by_number.citation as fedreg_citation,
        by_citation.document_number as citation_owner_document_number,
        coalesce(by_number.source_file, by_citation.source_file) as fedreg_source_file,
        coalesce(by_number.is_sample, by_citation.is_sample) as is_sample,
        case
            when by_number.event_id is not null then 'document_number'
            when by_citation.event_id is not null then 'citation'
        end as matched_on,
        rules.citation_key,
        regexp_replace(trim(by_number.citation), '\s+', ' ', 'g') as fedreg_citation_key
    from rules
    left join by_number
        on rules.event_id = by_number.event_id
    left join by_citation
        on rules.event_id = by_citation.event_id
)

select
    event_id,
    seed_document_number,
    seed_published_date,
    seed_citation,
    fedreg_document_number,
    fedreg_publication_date,
    fedreg_citation,
    matched_on,
    case
        when matched_on is null then 'missing'
        when matched_on = 'citation' and seed_document_number is not null then 'mismatch'
        when fedreg_publication_date is distinct from seed_published_date then 'mismatch'
        when matched_on = 'document_number' and seed_citation is not null
            and fedreg_citation_key is distinct from citation_key then 'mismatch'
        else 'matched'
    end as match_status,
    concat_ws('; ',
        case
            when matched_on = 'citation' and seed_document_number is not null
                then 'seed citation ' || seed_citation || ' belongs to FR document ' || citation_owner_document_number
                    || ', not ' || seed_document_number
        end,
        case
            when matched_on is not null and fedreg_publication_date is distinct from seed_published_date
                then 'published ' || coalesce(cast(fedreg_publication_date as varchar), 'null')
                    || ' in the FR, ' || coalesce(cast(seed_published_date as varchar), 'null') || ' in the seed'
        end,
        case
            when matched_on = 'document_number' and seed_citation is not null
                and fedreg_citation_key is distinct from citation_key
                then 'citation ' || coalesce(fedreg_citation, 'null') || ' in the FR, ' || seed_citation || ' in the seed'
        end
    ) as mismatch_reason,
    fedreg_source_file,
    -- for a missing rule: whether the table it is missing from holds the bundled sample
    coalesce(is_sample, (select bool_or(documents.is_sample) from documents)) as is_sample
from compared
