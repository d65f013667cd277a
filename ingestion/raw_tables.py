"""The raw layer's tables: typed as delivered, one declaration each.

Parsers return Arrow tables with exactly these columns (less the lineage columns, which the
loader adds). The loader creates the tables from here, so Python and dbt's sources agree on one
list of columns; ``dbt_project/models/staging/*/_*__sources.yml`` documents the same names.

Each declaration also holds the properties the whole table must keep (unique keys, columns never
null, known value sets, formats, plausible bands): ``ingestion/quality.py`` builds the table's Great
Expectations suite from them, so a new raw table gets its suite by being declared here. A rule about
one row (a negative price, a date after the file was fetched) is a row rule (``ingestion/row_rules.py``:
the row never reaches raw) and is not restated here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa

# Lineage carried by every raw row: which landed file it came from and whether it is sample data.
LINEAGE = [
    ("source_key", pa.string()),  # the landing key, e.g. "companyfacts/CIK0000789019"
    ("source_file", pa.string()),  # path inside the landing zone
    ("sha256", pa.string()),
    ("fetched_at", pa.timestamp("us", tz="UTC")),
    ("is_sample", pa.bool_()),
    ("loaded_at", pa.timestamp("us", tz="UTC")),
]

ValueSet = tuple[str, ...] | Callable[[], tuple[str, ...]]  # a callable for a set another module holds


@dataclass(frozen=True)
class Band:
    """A plausible band for a numeric column (``None``: open on that side)."""

    min: float | None = None
    max: float | None = None
    strict_min: bool = False  # min itself is outside the band
    # only the rows of this (column, value): a band of one FRED series among others
    only: tuple[str, str] | None = None


@dataclass(frozen=True)
class RawTable:
    """One raw table: its columns as delivered, and the properties the whole table keeps.

    The column set (with ``LINEAGE``) is always expected. Columns of ``unique_keys`` entries are unique
    together; ``not_in_future`` columns are on or before the day the suite runs.
    """

    columns: list[tuple[str, pa.DataType]]
    unique_keys: tuple[tuple[str, ...], ...] = ()
    not_null: tuple[str, ...] = ()
    value_sets: Mapping[str, ValueSet] = field(default_factory=dict)
    patterns: Mapping[str, str] = field(default_factory=dict)  # column -> regular expression
    bands: Mapping[str, Band | tuple[Band, ...]] = field(default_factory=dict)
    not_in_future: tuple[str, ...] = ()
    blocking: bool = True  # a failing suite stops everything downstream of the table


ACCESSION_PATTERN = r"^\d{10}-\d{2}-\d{6}$"
CIK_PATTERN = r"^\d{10}$"
# Reported figures: anything beyond this (an infinity too) is a unit or parsing error.
FIGURE_BAND = Band(min=-1e16, max=1e16)


def _fx_series() -> tuple[str, ...]:
    from ingestion.sources.fx import SERIES  # fx imports this module: read its series when asked

    return tuple(sorted(SERIES.values()))


DECLARED: dict[str, RawTable] = {
    # Loaded universe: companies and benchmark series (validated, see ingestion/universe.py).
    "universe": RawTable(
        columns=[
            ("ticker", pa.string()),
            ("name", pa.string()),
            ("role", pa.string()),  # 'company' or 'benchmark'
            ("basket", pa.string()),  # its first basket in the file ('US', 'CN', 'hardware', ...)
            ("country", pa.string()),
            ("cik", pa.string()),  # 10 digits, zero padded; null for non-SEC filers
            ("exchange", pa.string()),
            ("trading_currency", pa.string()),
            ("reporting_currency", pa.string()),
            ("fiscal_year_end_month", pa.int32()),
            ("price_symbol", pa.string()),  # the prices provider's symbol, e.g. MSFT.US, 0700.HK
            ("filer", pa.string()),  # 'sec' or 'hkex'
            ("benchmark", pa.string()),  # companies: ticker of the benchmark row they are measured against
            # -- where the row came from and how it was resolved (ingestion/universe_resolution.py) --
            ("baskets", pa.string()),  # every basket the file lists it in, ';'-joined in file order
            ("universe_file", pa.string()),  # the AIGAP_UNIVERSE file (or 'sec:all')
            ("line", pa.int32()),  # its first line in that file
            ("given_columns", pa.string()),  # the columns the file gave a value for, ';'-joined
            ("cik_source", pa.string()),  # 'universe file', 'company_tickers' or null (no CIK)
            (
                "other_tickers",
                pa.string(),
            ),  # tickers of the same filer folded into this row (GOOG into GOOGL)
            ("cik_previous", pa.string()),  # the CIK the ticker had before company_tickers moved it
            ("resolved_with", pa.string()),  # sha256 of the company_tickers.json the row was resolved with
            ("refused", pa.string()),  # why the line is refused (row rule line_refused: to quarantine)
        ],
        # two listings on one symbol would share one price series; one filer is one company (GOOG is
        # folded into GOOGL)
        unique_keys=(("ticker",), ("price_symbol",), ("cik",)),
        not_null=("ticker", "name", "role", "basket", "price_symbol"),
        value_sets={"role": ("company", "benchmark")},
        # baskets are data (US, CN, hardware, ...): a plain name; the essay's pair keeps US and CN
        patterns={"basket": r"^[A-Za-z][A-Za-z0-9_]{0,29}$"},
    ),
    # SEC's ticker -> CIK file (www.sec.gov/files/company_tickers.json), one row per ticker line.
    "sec_company_tickers": RawTable(
        columns=[
            ("position", pa.int32()),  # the row's key in the file ("0", "1", ...): SEC's own order
            ("cik", pa.string()),  # 10 digits, zero padded (SEC writes an integer)
            ("ticker", pa.string()),
            ("title", pa.string()),
        ],
        unique_keys=(("position",),),
        not_null=("position", "cik", "title"),  # a null ticker is the row rule ticker_not_a_symbol's
        patterns={"cik": CIK_PATTERN},
    ),
    # The company-level fields of an SEC submissions document, one row per document.
    "sec_companies": RawTable(
        columns=[
            ("cik", pa.string()),
            ("name", pa.string()),
            ("entity_type", pa.string()),  # 'operating', 'other' (funds, trusts) ...
            ("sic", pa.string()),
            ("sic_description", pa.string()),
            ("fiscal_year_end", pa.string()),  # MMDD as SEC writes it, e.g. '0630'
            ("exchanges", pa.string()),  # ';'-joined as listed, e.g. 'Nasdaq'
            ("tickers", pa.string()),  # ';'-joined as listed, e.g. 'GOOGL;GOOG'
            ("forms", pa.string()),  # ';'-joined distinct forms of filings.recent, sorted
            ("state_of_incorporation", pa.string()),
        ],
        unique_keys=(("cik",),),
        not_null=("cik", "name"),
        patterns={"cik": CIK_PATTERN, "fiscal_year_end": r"^(0[1-9]|1[0-2])\d\d$"},
    ),
    # One row per fact in an SEC XBRL companyfacts document.
    "sec_companyfacts": RawTable(
        columns=[
            ("cik", pa.string()),
            ("entity_name", pa.string()),
            ("taxonomy", pa.string()),  # us-gaap, ifrs-full, dei, srt
            ("concept", pa.string()),
            ("unit", pa.string()),  # USD, CNY, shares, USD/shares …
            ("period_start", pa.date32()),  # null for instants
            ("period_end", pa.date32()),
            ("value", pa.float64()),
            ("accession_number", pa.string()),
            ("fiscal_year", pa.int32()),  # the filing's fy, not the period's
            ("fiscal_period", pa.string()),  # the filing's fp: FY, Q1, Q2, Q3
            ("form", pa.string()),
            ("filed_date", pa.date32()),
            ("frame", pa.string()),
        ],
        not_null=(
            "cik",
            "taxonomy",
            "concept",
            "period_end",
            "value",
            "accession_number",
            "form",
            "filed_date",
        ),
        patterns={"accession_number": ACCESSION_PATTERN, "cik": CIK_PATTERN},
        bands={"value": FIGURE_BAND},
    ),
    # One row per filing in an SEC submissions document (filings.recent).
    "sec_filings": RawTable(
        columns=[
            ("cik", pa.string()),
            ("entity_name", pa.string()),
            ("accession_number", pa.string()),
            ("form", pa.string()),
            ("filing_date", pa.date32()),
            ("report_date", pa.date32()),
            ("acceptance_datetime", pa.string()),
            ("primary_document", pa.string()),
            ("is_xbrl", pa.bool_()),
        ],
        unique_keys=(("accession_number",),),
        not_null=("cik", "accession_number", "form", "filing_date"),
        patterns={"accession_number": ACCESSION_PATTERN},
    ),
    # One row per NON-dimensional numeric fact of a filing's own XBRL instance (EDGAR archive), for
    # company extension concepts that companyfacts never holds. Form and filed date: raw.sec_filings.
    "sec_instance_facts": RawTable(
        columns=[
            ("cik", pa.string()),
            ("accession_number", pa.string()),  # from the landing key: the filing the instance belongs to
            ("taxonomy", pa.string()),  # us-gaap, dei, srt, ifrs-full, or the company's prefix (amzn)
            ("concept", pa.string()),
            ("unit", pa.string()),  # USD, shares, USD/shares ... as companyfacts names them
            ("period_start", pa.date32()),  # null for instants
            ("period_end", pa.date32()),
            ("value", pa.float64()),
            ("decimals", pa.string()),  # XBRL decimals as written: -6, INF
            ("context_id", pa.string()),
            ("document_type", pa.string()),  # dei:DocumentType of the instance (10-K, 10-Q, 20-F)
            ("fiscal_year", pa.int32()),  # dei:DocumentFiscalYearFocus: the filing's, not the period's
            ("fiscal_period", pa.string()),  # dei:DocumentFiscalPeriodFocus: FY, Q1, Q2, Q3
        ],
        not_null=("cik", "accession_number", "taxonomy", "concept", "period_end", "value"),
        patterns={"accession_number": ACCESSION_PATTERN, "cik": CIK_PATTERN},
        bands={"value": FIGURE_BAND},
    ),
    # Curated annual figures of non-SEC issuers (Tencent, HKEX), long shape.
    "hkex_fundamentals": RawTable(
        columns=[
            ("ticker", pa.string()),
            ("metric", pa.string()),
            ("fiscal_year", pa.int32()),
            ("fiscal_period", pa.string()),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("value", pa.float64()),
            ("currency", pa.string()),  # ISO code, or 'shares'
            ("filed_date", pa.date32()),
            ("document", pa.string()),  # e.g. "Tencent Annual Report 2023"
            ("page", pa.string()),
            ("source_url", pa.string()),  # where the figure was read (the document, or who quotes it)
            ("quoted_text", pa.string()),  # the words around the figure as read there
            ("confidence", pa.string()),  # 'official' (issuer's/HKEX's own text) or 'secondary'
            ("note", pa.string()),  # what an analyst must know, e.g. a change of basis
        ],
        unique_keys=(("ticker", "metric", "period_start", "period_end", "filed_date"),),
        not_null=("ticker", "fiscal_year", "period_end", "filed_date", "document", "confidence"),
        # the parser refuses any other; kept as a backstop (ingestion/curated/README.md)
        value_sets={"confidence": ("official", "secondary")},
    ),
    # Daily bars as the provider delivers them; close_basis says on which basis (normalised once, in
    # stg_prices__daily): 'unadjusted' (EODHD: the price as traded) or 'split_adjusted' (Yahoo: divided
    # by every split up to the row's fetched_at). adjusted_close is never used for caps.
    "prices_daily": RawTable(
        columns=[
            ("symbol", pa.string()),
            ("date", pa.date32()),
            ("open", pa.float64()),
            ("high", pa.float64()),
            ("low", pa.float64()),
            ("close", pa.float64()),
            ("adjusted_close", pa.float64()),
            ("volume", pa.float64()),
            ("close_basis", pa.string()),  # 'unadjusted' or 'split_adjusted'
        ],
        unique_keys=(("symbol", "date"),),
        not_null=("symbol", "date", "close_basis"),
        # stg_prices__daily normalises exactly these two; any other basis would pass through wrong
        value_sets={"close_basis": ("unadjusted", "split_adjusted")},
        bands={"volume": Band(min=0)},
    ),
    # Split and dividend events as the provider delivers them.
    "price_events": RawTable(
        columns=[
            ("symbol", pa.string()),
            ("date", pa.date32()),
            ("kind", pa.string()),  # 'split' or 'dividend'
            ("split_from", pa.float64()),  # "20.000000/1.000000" -> 20 new for 1 old: from=1, to=20
            ("split_to", pa.float64()),
            ("dividend", pa.float64()),
        ],
        not_null=("symbol", "date", "kind"),
        value_sets={"kind": ("split", "dividend")},
        not_in_future=("date",),
    ),
    # One row per observation of a FRED daily series; value null where FRED has no observation.
    "fx_rates": RawTable(
        columns=[
            ("series_id", pa.string()),  # DEXCHUS (CNY per USD), DEXHKUS (HKD per USD)
            ("date", pa.date32()),
            ("value", pa.float64()),
        ],
        unique_keys=(("series_id", "date"),),
        not_null=("series_id", "date"),
        value_sets={"series_id": _fx_series},
        # Every series of seeds/fx_series.csv as FRED publishes it (USD per EUR about 1, CHF per USD under
        # 1, KRW per USD about 1,400): 0 or above 5,000 is a unit error. CNY and HKD per USD have stayed
        # within 1..20 for decades: outside it is a unit error too.
        bands={
            "value": (
                Band(min=0, max=5000, strict_min=True),
                Band(min=1, max=20, only=("series_id", "DEXCHUS")),
                Band(min=1, max=20, only=("series_id", "DEXHKUS")),
            )
        },
    ),
    # Federal Register documents of the Bureau of Industry and Security.
    "federal_register_documents": RawTable(
        columns=[
            ("document_number", pa.string()),
            ("title", pa.string()),
            ("type", pa.string()),
            ("abstract", pa.string()),
            ("publication_date", pa.date32()),
            ("effective_on", pa.date32()),
            ("citation", pa.string()),  # e.g. "87 FR 62186"
            ("start_page", pa.int32()),
            ("html_url", pa.string()),
            ("agencies", pa.string()),  # agency slugs joined by ';'
        ],
        # Not unique: when the API's pagination shifts between fetches a document sits in two
        # landed pages (stg_fedreg__documents keeps the newest copy).
        not_null=("publication_date", "title"),
        not_in_future=("publication_date",),
    ),
}

# The columns of each table (without LINEAGE), as the loader and the parsers read them.
TABLES: dict[str, list[tuple[str, pa.DataType]]] = {name: t.columns for name, t in DECLARED.items()}


def arrow_schema(table: str, *, with_lineage: bool = False) -> pa.Schema:
    cols = TABLES[table] + (LINEAGE if with_lineage else [])
    return pa.schema([pa.field(n, t) for n, t in cols])


_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.int32(): "INTEGER",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}


def create_table_sql(table: str) -> str:
    cols = ", ".join(f'"{n}" {_DUCK_TYPES[t]}' for n, t in TABLES[table] + LINEAGE)
    return f"CREATE TABLE IF NOT EXISTS raw.{table} ({cols})"
