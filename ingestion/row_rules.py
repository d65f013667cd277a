"""Row-level rules: which rows of a well-formed file are kept out of raw, and why.

A file that is not its format at all is refused whole by its parser (``BadSourceFile`` ->
``quarantine.landing_files``). A file that parses can still hold rows no number may be built on:
a negative close, a bar dated after the file was fetched, a share count reported in dollars. Those
rows go to ``quarantine.<raw table>`` (the raw columns, lineage included, plus ``reason``, ``run_id``
and ``quarantined_at``); the rest of the file loads. The Great Expectations suites on raw
(ingestion/quality.py) check what only the whole table shows (unique keys, value sets) and restate
none of these rules.

Every rule is a SQL predicate over the incoming rows (DuckDB, vectorised: no Python per row) and a
SQL expression that words the reason with the offending values. A row that breaks several rules
carries every reason, joined by "; ".

"In the future" means after the day (UTC) the file was fetched: a bar dated after its own fetch
cannot be real, and the verdict does not change as the calendar moves on (a file that is not
refetched is never re-judged differently).

Rules that need the universe (a symbol, ticker or CIK aigap does not follow) are applied only when
a universe has been landed; the loader re-checks a file when the universe changes so that a symbol
added later is released from quarantine and one removed later is moved there.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from ingestion.config import REPO_ROOT

# The concept map (dbt_project/seeds/concept_map.csv) is the one home of aigap's metrics and of the
# SEC concepts each is read from; the rules read both from it.
CONCEPT_MAP = REPO_ROOT / "dbt_project" / "seeds" / "concept_map.csv"


def _concept_map() -> list[dict[str, str]]:
    with CONCEPT_MAP.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# aigap's fundamental metrics, in the concept map's order (also what the dbt models accept).
METRICS = list(dict.fromkeys(row["metric"] for row in _concept_map()))
SHARE_METRICS = ["shares_outstanding"]

# Concepts that are amounts of money: every concept the concept map reads a metric other than a share
# count from. Reported in a unit that is not a currency ('shares', 'pure', 'USD/shares'), such a fact
# is in the wrong unit.
MONETARY_CONCEPTS = sorted({row["concept"] for row in _concept_map() if row["metric"] not in SHARE_METRICS})
# A concept counting shares (dei:EntityCommonStockSharesOutstanding, us-gaap:WeightedAverageNumberOf
# DilutedSharesOutstanding, ...). Deliberately narrow: per-share amounts (USD/shares) and share-based
# compensation (USD) do not match, and only a bare currency unit is refused for these.
SHARE_COUNT_PATTERN = "Shares?Outstanding|NumberOfShare|WeightedAverageShares"
CURRENCY_PATTERN = "[A-Z]{3}"  # an ISO 4217 code as SEC and the curated files write it

# The UTC day the row's file was fetched (fetched_at is a lineage column of every incoming row).
FETCHED_DAY = "CAST(timezone('UTC', fetched_at) AS DATE)"
# Words every universe-rule reason contains, so the loader can find rows a universe change affects.
NOT_IN_UNIVERSE = "is not in the universe"


def _fmt(template: str, *exprs: str) -> str:
    """SQL wording a reason: DuckDB's format() gives NULL if any argument is NULL, so say 'null'."""
    args = "".join(f", coalesce(CAST({e} AS VARCHAR), 'null')" for e in exprs)
    return f"format('{template}'{args})"


def _sql_list(values: list[str]) -> str:
    for value in values:
        if "'" in value:
            raise ValueError(f"{value!r}: a rule constant must not contain a quote")
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@dataclass(frozen=True)
class Rule:
    name: str  # short id, used for counts in the load report and audit.check_results
    when: str  # SQL predicate over the incoming rows: true = the row breaks the rule
    reason: str  # SQL expression wording the reason (with the values), evaluated where ``when`` holds
    description: str  # one line for docs/bad_inputs.md and the audit detail


@dataclass(frozen=True)
class UniverseRule:
    """Rows whose ``column`` is not one of the universe's ``universe_column`` values."""

    column: str  # SQL expression over the incoming rows
    universe_column: str  # column of raw.universe (ticker, price_symbol, cik)
    what: str  # the word for it in the reason ("symbol", "ticker", "CIK")

    @property
    def rule(self) -> Rule:
        known = f"(SELECT {self.universe_column} FROM _universe WHERE {self.universe_column} IS NOT NULL)"
        return Rule(
            name="not_in_universe",
            when=f"{self.column} NOT IN {known}",
            reason=_fmt(f"{self.what} {{}} {NOT_IN_UNIVERSE}", self.column),
            description=f"{self.what} not in the universe (AIGAP_UNIVERSE)",
        )


def _future(column: str, what: str) -> Rule:
    return Rule(
        name="future_date",
        when=f"{column} > {FETCHED_DAY}",
        reason=_fmt(f"{what} {{}} is after the file was fetched ({{}})", column, FETCHED_DAY),
        description=f"{what} after the day the file was fetched",
    )


def _period_reversed() -> Rule:
    return Rule(
        name="period_ends_before_it_starts",
        when="period_end < period_start",
        reason=_fmt("fiscal period ends {} before it starts {}", "period_end", "period_start"),
        description="a fiscal period that ends before it starts",
    )


_PRICES = ("open", "high", "low", "close")


def _fact_unit_rules() -> list[Rule]:
    """The unit rules every XBRL fact table shares (companyfacts and a filing's own instance)."""
    return [
        Rule(
            "unit_missing",
            "unit IS NULL OR trim(unit) = ''",
            _fmt("{}:{} has no unit", "taxonomy", "concept"),
            "a fact without a unit (currency)",
        ),
        Rule(
            "share_count_in_currency",
            f"regexp_matches(concept, '{SHARE_COUNT_PATTERN}') AND regexp_full_match(unit, '{CURRENCY_PATTERN}')",
            _fmt("{}:{} is a share count, reported in {} (a currency)", "taxonomy", "concept", "unit"),
            "a share count reported in a currency (shares reported as USD)",
        ),
    ]


RULES: dict[str, list[Rule]] = {
    "prices_daily": [
        Rule(
            "close_missing",
            "close IS NULL",
            "'close is missing'",
            "no close (the one price market caps are built on)",
        ),
        Rule(
            "price_not_positive",
            " OR ".join(f"{c} <= 0" for c in _PRICES),
            _fmt("price <= 0 (open {}, high {}, low {}, close {})", *_PRICES),
            "open, high, low or close zero or negative",
        ),
        Rule(
            "high_below_low",
            "high < low",
            _fmt("high {} < low {}", "high", "low"),
            "high below low",
        ),
        _future("date", "date"),
        Rule(
            # Yahoo fills Hong Kong half-day sessions with a bar at the previous close and no volume
            "placeholder_bar",
            "volume = 0 AND open = high AND high = low AND low = close",
            _fmt("flat bar at {} with zero volume: a placeholder, not a trade", "close"),
            "a flat zero-volume bar (open = high = low = close, volume 0): a placeholder, not a trade",
        ),
        Rule(
            "duplicate_date",
            "count(*) OVER (PARTITION BY symbol, date) > 1",
            _fmt(
                "{} rows for {} on {} in one file: none kept",
                "count(*) OVER (PARTITION BY symbol, date)",
                "symbol",
                "date",
            ),
            "two or more bars for one symbol and day (all of them kept out: which is right is unknown)",
        ),
    ],
    "price_events": [
        Rule(
            "split_not_positive",
            "kind = 'split' AND (split_from <= 0 OR split_to <= 0 OR split_from IS NULL OR split_to IS NULL)",
            _fmt("split {}/{} is not a ratio of two positive numbers", "split_to", "split_from"),
            "a split whose ratio is missing, zero or negative",
        ),
    ],
    "fx_rates": [
        Rule(
            "rate_not_positive",
            "value <= 0",
            _fmt("rate {} <= 0", "value"),
            "an exchange rate zero or negative (an empty observation stays, as null)",
        ),
        _future("date", "date"),
    ],
    "sec_companyfacts": [
        _period_reversed(),
        *_fact_unit_rules(),
        Rule(
            "money_not_in_currency",
            f"taxonomy IN ('us-gaap', 'ifrs-full') AND concept IN {_sql_list(MONETARY_CONCEPTS)} "
            f"AND trim(unit) <> '' AND NOT regexp_full_match(unit, '{CURRENCY_PATTERN}')",
            _fmt("{}:{} is an amount of money, reported in {}", "taxonomy", "concept", "unit"),
            "an amount of money reported in shares (or another non-currency unit)",
        ),
        _future("filed_date", "filed date"),
    ],
    "sec_filings": [
        _future("filing_date", "filing date"),
    ],
    # A filing's own XBRL instance: the companyfacts rules that apply (no filed date in an instance;
    # it comes from the submissions listing). Extension concepts (amzn:...) are money like us-gaap's.
    "sec_instance_facts": [
        _period_reversed(),
        *_fact_unit_rules(),
        Rule(
            "money_not_in_currency",
            f"concept IN {_sql_list(MONETARY_CONCEPTS)} "
            f"AND trim(unit) <> '' AND NOT regexp_full_match(unit, '{CURRENCY_PATTERN}')",
            _fmt("{}:{} is an amount of money, reported in {}", "taxonomy", "concept", "unit"),
            "an amount of money reported in shares (or another non-currency unit)",
        ),
    ],
    "hkex_fundamentals": [
        Rule(
            "currency_missing",
            "currency IS NULL OR trim(currency) = ''",
            _fmt("{} {} has no currency", "metric", "fiscal_year"),
            "a figure without its currency ('shares' for share counts)",
        ),
        Rule(
            "unknown_metric",
            f"metric IS NULL OR metric NOT IN {_sql_list(METRICS)}",
            _fmt("unknown metric {}", "metric"),
            "a metric aigap does not know",
        ),
        Rule(
            "wrong_unit",
            f"trim(currency) <> '' AND ("
            f"(lower(trim(metric)) IN {_sql_list(SHARE_METRICS)} AND lower(trim(currency)) <> 'shares') OR "
            f"(lower(trim(metric)) NOT IN {_sql_list(SHARE_METRICS)} "
            f"AND NOT regexp_full_match(upper(trim(currency)), '{CURRENCY_PATTERN}')))",
            _fmt("{} reported in {}", "metric", "currency"),
            "a share count in a currency, or an amount of money in shares",
        ),
        Rule(
            "value_missing", "value IS NULL", _fmt("{} {} has no value", "metric", "fiscal_year"), "no value"
        ),
        _period_reversed(),
        _future("filed_date", "filed date"),
    ],
    "federal_register_documents": [
        # The parser already refuses a page with such a document (see docs/bad_inputs.md); kept as a
        # backstop so no parser change can let a document without its number through.
        Rule(
            "document_number_missing",
            "document_number IS NULL OR trim(document_number) = ''",
            "'no document number'",
            "a document without its Federal Register document number",
        ),
    ],
    "universe": [
        # ingestion/universe_resolution.py words the reason: file, line and ticker
        Rule(
            "line_refused",
            "refused IS NOT NULL",
            "refused",
            "a universe line refused: a ticker SEC does not know, or listed twice (file, line, ticker named)",
        ),
    ],
    "sec_company_tickers": [
        Rule(
            "ticker_not_a_symbol",
            "NOT regexp_full_match(coalesce(ticker, ''), '[A-Z0-9][A-Z0-9.\\-]{0,11}')",
            _fmt("ticker {} of CIK {} is not a ticker symbol", "ticker", "cik"),
            "a company_tickers.json line whose ticker is empty or not a symbol",
        ),
    ],
    "sec_companies": [],
}

UNIVERSE_RULES: dict[str, UniverseRule] = {
    "prices_daily": UniverseRule("symbol", "price_symbol", "symbol"),
    "price_events": UniverseRule("symbol", "price_symbol", "symbol"),
    "sec_companyfacts": UniverseRule("cik", "cik", "CIK"),
    "sec_filings": UniverseRule("cik", "cik", "CIK"),
    "sec_instance_facts": UniverseRule("cik", "cik", "CIK"),
    "sec_companies": UniverseRule("cik", "cik", "CIK"),
    "hkex_fundamentals": UniverseRule("trim(ticker)", "ticker", "ticker"),
}


def rules_for(table: str, *, with_universe: bool) -> list[Rule]:
    rules = list(RULES[table])
    if with_universe and table in UNIVERSE_RULES:
        rules.append(UNIVERSE_RULES[table].rule)
    return rules


def checked_sql(table: str, relation: str, *, with_universe: bool) -> str:
    """``relation``'s rows plus ``reason`` ('' for a good row) and ``failed_rules`` (a list of names).

    With ``with_universe`` the query reads a relation ``_universe`` with raw.universe's columns.
    """
    rules = rules_for(table, with_universe=with_universe)
    if not rules:
        return f"SELECT *, '' AS reason, []::VARCHAR[] AS failed_rules FROM {relation}"
    # coalesce: a reason must never vanish because a value it quotes is odd
    reasons = ", ".join(f"CASE WHEN {r.when} THEN coalesce({r.reason}, '{r.name}') END" for r in rules)
    names = ", ".join(f"CASE WHEN {r.when} THEN '{r.name}' END" for r in rules)
    return (
        f"SELECT *, concat_ws('; ', {reasons}) AS reason, "
        f"list_filter([{names}], lambda x: x IS NOT NULL) AS failed_rules FROM {relation}"
    )


def count_bad_sql(table: str, relation: str, *, with_universe: bool) -> str:
    """How many of ``relation``'s rows break a rule: one cheap pass, so good files skip the split."""
    rules = rules_for(table, with_universe=with_universe)
    if not rules:
        return "SELECT 0"
    # the predicates go in the select list: a window (duplicate_date) is not allowed in WHERE
    flags = " OR ".join(f"coalesce({r.when}, false)" for r in rules)
    return f"SELECT count(*) FILTER (WHERE bad) FROM (SELECT {flags} AS bad FROM {relation})"
