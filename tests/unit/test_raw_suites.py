"""The raw tables' Great Expectations suites, generated from their declarations (ingestion/raw_tables.py).

The expected suites below are written out by hand: they are the table properties checked before the
suites were generated, less those a row rule already keeps out of raw (ingestion/row_rules.py).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa
import pytest

from ingestion import quality, raw_tables, row_rules
from ingestion.raw_tables import DECLARED, LINEAGE, Band, RawTable

DAY = date(2024, 6, 28)
ACC = r"^\d{10}-\d{2}-\d{6}$"
CIK = r"^\d{10}$"
NN, UNIQUE, IN_SET, REGEX, BETWEEN = (
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_unique",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_between",
)
COMPOUND = "expect_compound_columns_to_be_unique"

EXPECTED = {
    "universe": {
        *[(NN, c) for c in ("ticker", "name", "role", "basket", "price_symbol")],
        (UNIQUE, "ticker"),
        (UNIQUE, "price_symbol"),
        (UNIQUE, "cik"),  # one filer, one company: GOOG is folded into GOOGL
        (REGEX, "basket", r"^[A-Za-z][A-Za-z0-9_]{0,29}$"),  # baskets are data (baskets.csv)
        (IN_SET, "role", ("company", "benchmark")),
    },
    "sec_company_tickers": {
        *[(NN, c) for c in ("position", "cik", "title")],
        (UNIQUE, "position"),
        (REGEX, "cik", CIK),
    },
    "sec_companies": {
        (NN, "cik"),
        (NN, "name"),
        (UNIQUE, "cik"),
        (REGEX, "cik", CIK),
        (REGEX, "fiscal_year_end", r"^(0[1-9]|1[0-2])\d\d$"),
    },
    "sec_companyfacts": {
        *[(NN, c) for c in ("cik", "taxonomy", "concept", "period_end", "value", "accession_number", "form")],
        (NN, "filed_date"),
        (REGEX, "accession_number", ACC),
        (REGEX, "cik", CIK),
        (BETWEEN, "value", -1e16, 1e16, False),
    },
    "sec_filings": {
        *[(NN, c) for c in ("cik", "accession_number", "form", "filing_date")],
        (UNIQUE, "accession_number"),
        (REGEX, "accession_number", ACC),
    },
    "sec_instance_facts": {
        *[(NN, c) for c in ("cik", "accession_number", "taxonomy", "concept", "period_end", "value")],
        (REGEX, "accession_number", ACC),
        (REGEX, "cik", CIK),
        (BETWEEN, "value", -1e16, 1e16, False),
    },
    "hkex_fundamentals": {
        *[(NN, c) for c in ("ticker", "fiscal_year", "period_end", "filed_date", "document", "confidence")],
        (COMPOUND, ("ticker", "metric", "period_start", "period_end", "filed_date")),
        (IN_SET, "confidence", ("official", "secondary")),
    },
    "prices_daily": {
        (NN, "symbol"),
        (NN, "date"),
        (NN, "close_basis"),
        (COMPOUND, ("symbol", "date")),
        (IN_SET, "close_basis", ("unadjusted", "split_adjusted")),
        (BETWEEN, "volume", 0, None, False),
    },
    "price_events": {
        (NN, "symbol"),
        (NN, "date"),
        (NN, "kind"),
        (IN_SET, "kind", ("split", "dividend")),
        (BETWEEN, "date", None, pd.Timestamp(DAY), False),
    },
    "fx_rates": {
        (NN, "series_id"),
        (NN, "date"),
        (COMPOUND, ("series_id", "date")),
        # every FRED series of seeds/fx_series.csv (FX follows the universe)
        (
            IN_SET,
            "series_id",
            (
                "DEXCAUS",
                "DEXCHUS",
                "DEXHKUS",
                "DEXINUS",
                "DEXJPUS",
                "DEXKOUS",
                "DEXSZUS",
                "DEXTAUS",
                "DEXUSEU",
                "DEXUSUK",
            ),
        ),  # fmt: skip
        (BETWEEN, "value", 0, 5000, True),  # every series as FRED publishes it
        # CNY and HKD per USD, each on its own rows
        (BETWEEN, "value", 1, 20, False, 'series_id=="DEXCHUS"'),
        (BETWEEN, "value", 1, 20, False, 'series_id=="DEXHKUS"'),
    },
    "federal_register_documents": {
        (NN, "publication_date"),
        (NN, "title"),
        (BETWEEN, "publication_date", None, pd.Timestamp(DAY), False),
    },
}


def _key(expectation) -> tuple:
    kw = expectation.configuration.kwargs
    kind = expectation.expectation_type
    if kind == COMPOUND:
        return (kind, tuple(kw["column_list"]))
    if kind == IN_SET:
        return (kind, kw["column"], tuple(kw["value_set"]))
    if kind == REGEX:
        return (kind, kw["column"], kw["regex"])
    if kind == BETWEEN:
        key = (kind, kw["column"], kw.get("min_value"), kw.get("max_value"), bool(kw.get("strict_min")))
        where = kw.get("row_condition")  # a band on some rows only (GX keeps the pandas filter as a dict)
        return key + ((where["pass_through_filter"] if isinstance(where, dict) else where,) if where else ())
    return (kind, kw["column"])


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_each_suite_is_the_declared_table_properties(table):
    expectations = quality._expectations(table, DAY)
    columns = [e for e in expectations if e.expectation_type == "expect_table_columns_to_match_set"]
    assert len(columns) == 1
    assert columns[0].exact_match is True
    assert columns[0].column_set == [n for n, _ in raw_tables.TABLES[table] + LINEAGE]
    assert {_key(e) for e in expectations if e not in columns} == EXPECTED[table]
    assert len(expectations) == len(EXPECTED[table]) + 1  # no expectation twice


def test_every_declared_table_has_a_blocking_suite_and_a_quarantine_rule_list():
    assert set(quality.SUITES) == set(DECLARED) == set(EXPECTED)
    assert all(s.blocking for s in quality.SUITES.values())
    assert set(row_rules.RULES) == set(DECLARED)


def test_no_suite_restates_a_future_date_row_rule():
    # A date after the file was fetched is a row rule where one exists; the suite checks only the others.
    for table, rules in row_rules.RULES.items():
        ruled = {r.when.split(" > ")[0] for r in rules if r.name == "future_date"}
        assert not ruled & set(DECLARED[table].not_in_future), table


def test_the_description_says_what_is_declared():
    assert quality.SUITES["fx_rates"].description == (
        "columns as declared; unique (series_id, date); not null: series_id, date; "
        "series_id in {DEXCAUS, DEXCHUS, DEXHKUS, DEXINUS, DEXJPUS, DEXKOUS, DEXSZUS, DEXTAUS, DEXUSEU, "
        "DEXUSUK}; 0 < value <= 5000; 1 <= value <= 20 where series_id = DEXCHUS; "
        "1 <= value <= 20 where series_id = DEXHKUS"
    )


def test_a_new_raw_table_gets_its_suite_by_being_declared(monkeypatch):
    widgets = RawTable(
        columns=[
            ("id", pa.string()),
            ("kind", pa.string()),
            ("made_on", pa.date32()),
            ("mass", pa.float64()),
        ],
        unique_keys=(("id",),),
        not_null=("id",),
        value_sets={"kind": ("cog", "gear")},
        patterns={"id": r"^W\d+$"},
        bands={"mass": Band(min=0, strict_min=True)},
        not_in_future=("made_on",),
    )
    monkeypatch.setitem(DECLARED, "test_widgets", widgets)
    lineage = {n: None for n, _ in LINEAGE}
    good = pd.DataFrame(
        [
            {"id": "W1", "kind": "cog", "made_on": date(2024, 6, 1), "mass": 1.5, **lineage},
            {"id": "W2", "kind": "gear", "made_on": date(2024, 6, 28), "mass": 0.1, **lineage},
        ]
    )
    assert quality.validate("test_widgets", good, today=DAY).success
    bad = pd.concat(
        [
            good,
            pd.DataFrame(
                [
                    {"id": "W1", "kind": "bolt", "made_on": date(2024, 6, 29), "mass": 0.0, **lineage},
                    {"id": "X3", "kind": "cog", "made_on": date(2024, 6, 2), "mass": 2.0, **lineage},
                ]
            ),
        ]
    )
    outcome = quality.validate("test_widgets", bad, today=DAY)
    assert {(o.expectation, o.column, o.unexpected_count) for o in outcome.failed} == {
        (UNIQUE, "id", 2),  # both W1 rows
        (REGEX, "id", 1),  # X3
        (IN_SET, "kind", 1),  # bolt
        (BETWEEN, "mass", 1),  # 0.0 with a strict minimum of 0
        (BETWEEN, "made_on", 1),  # 29 June, after the day asked about
    }
    # a column the declaration does not hold fails the column set
    assert not quality.validate("test_widgets", good.assign(extra=1), today=DAY).success


def test_an_undeclared_table_has_no_suite():
    with pytest.raises(KeyError, match="declare it in ingestion/raw_tables.py"):
        quality._expectations("not_a_table", DAY)
