"""Federal Register documents.json pages (agency BIS), for the sample."""

from __future__ import annotations

import csv
from pathlib import Path

from tools.sample.common import dump_json, write

# ----------------------------------------------------------------------------------------------------
# Federal Register: BIS documents, two pages of the documents.json API
# ----------------------------------------------------------------------------------------------------

FR_AGENCIES = [
    {
        "raw_name": "DEPARTMENT OF COMMERCE",
        "name": "Commerce Department",
        "url": "https://www.federalregister.gov/agencies/commerce-department",
        "json_url": "https://www.federalregister.gov/api/v1/agencies/commerce-department",
        "slug": "commerce-department",
    },
    {
        "raw_name": "Bureau of Industry and Security",
        "name": "Industry and Security Bureau",
        "url": "https://www.federalregister.gov/agencies/industry-and-security-bureau",
        "json_url": "https://www.federalregister.gov/api/v1/agencies/industry-and-security-bureau",
        "slug": "industry-and-security-bureau",
    },
]
SYNTHETIC_ABSTRACT = "(sample) Synthetic document for offline testing; not a published Federal Register text."
# (document_number, title, type, publication_date, effective_on, start_page, abstract)
# Synthetic documents use numbers 9xxxx and pages >= 90000, which no real document of those years has.
# fmt: off
FR_DOCS = [
    ("2019-91001", "Addition of Entities to the Entity List (sample)", "Rule", "2019-05-21", "2019-05-16", 90011),
    ("2019-91002", "Addition of Certain Entities to the Entity List (sample)", "Rule", "2019-10-09",
     "2019-10-09", 90213),
    ("2020-91001", "Amendments to the Foreign-Produced Direct Product Rule (sample)", "Rule", "2020-05-19",
     "2020-05-15", 90120),
    ("2020-91002", "Addition of Entities to the Entity List and Revision of Entries (sample)", "Rule",
     "2020-12-22", "2020-12-18", 90530),
    ("2021-91001", "Risks in the Semiconductor Manufacturing and Advanced Packaging Supply Chain (sample)",
     "Notice", "2021-03-15", None, 90044),
    ("2023-91001", "Advanced Computing Items and Semiconductor Manufacturing Items: Updates (sample)", "Rule",
     "2023-10-25", "2023-11-17", 90458),
    ("2024-91001", "Export Controls on Semiconductor Manufacturing Items; Corrections and Clarifications "
     "(sample)", "Rule", "2024-04-04", "2024-04-04", 90702),
    ("2024-91002", "Foreign-Produced Direct Product Rule Additions and Refinements (sample)", "Rule",
     "2024-12-05", "2024-12-02", 90652),
    ("2025-91001", "Framework for Artificial Intelligence Diffusion (sample)", "Rule", "2025-01-15",
     "2025-01-13", 90246),
]
# fmt: on

FR_PER_PAGE = 5
FR_QUERY = (
    "conditions%5Bagencies%5D%5B%5D=industry-and-security-bureau&fields%5B%5D=abstract"
    "&fields%5B%5D=agencies&fields%5B%5D=citation&fields%5B%5D=document_number"
    "&fields%5B%5D=effective_on&fields%5B%5D=html_url&fields%5B%5D=publication_date"
    "&fields%5B%5D=start_page&fields%5B%5D=title&fields%5B%5D=type&order=oldest"
)


SEED_EVENTS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "export_control_events.csv"


def seed_fr_docs() -> list[tuple]:
    """The curated BIS rules that have a Federal Register document, in the API's shape.

    Number, title, dates and citation come from the seed (each confirmed with a source there), so
    the sample's Federal Register table can be matched against the curated timeline; the abstract
    is a labelled placeholder, not the published text.
    """
    with open(SEED_EVENTS, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["authority"] == "BIS" and r["fr_document_number"]]
    return [
        (
            r["fr_document_number"],
            r["title"],
            "Rule",
            r["published_date"],
            r["effective_date"] or None,
            int(r["fr_citation"].split(" FR ")[1]),
            f"(sample) Placeholder abstract, not the published text; see the curated event {r['event_id']}.",
        )
        for r in rows
        if r["fr_citation"] and r["published_date"]
    ]


def fr_result(
    num: str,
    title: str,
    kind: str,
    published: str,
    effective: str | None,
    page: int,
    abstract: str | None = None,
) -> dict:
    volume = int(published[:4]) - 1935  # FR volume 87 is 2022
    abstract = abstract or SYNTHETIC_ABSTRACT
    return {
        "abstract": abstract,
        "agencies": FR_AGENCIES,
        "citation": f"{volume} FR {page}",
        "document_number": num,
        "effective_on": effective,
        "html_url": f"https://www.federalregister.gov/d/{num}",
        "publication_date": published,
        "start_page": page,
        "title": title,
        "type": kind,
    }


def write_fedreg() -> None:
    docs = sorted([*FR_DOCS, *seed_fr_docs()], key=lambda d: (d[3], d[0]))
    results = [fr_result(*doc) for doc in docs]
    pages = [results[i : i + FR_PER_PAGE] for i in range(0, len(results), FR_PER_PAGE)]
    base = "https://www.federalregister.gov/api/v1/documents.json"
    for n, page in enumerate(pages, start=1):
        body = {
            "count": len(results),
            "description": "Documents from Industry and Security Bureau",
            "total_pages": len(pages),
            "next_page_url": f"{base}?{FR_QUERY}&page={n + 1}&per_page={FR_PER_PAGE}"
            if n < len(pages)
            else None,
        }
        if n > 1:
            body["previous_page_url"] = f"{base}?{FR_QUERY}&page={n - 1}&per_page={FR_PER_PAGE}"
        body["results"] = page
        write(f"fedreg/documents-page-{n:04d}.json", dump_json(body))
