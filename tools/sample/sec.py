"""SEC EDGAR companyfacts, submissions and filing archives (XBRL instances), for the sample."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from tools.sample.common import (
    SNAPSHOT,
    M,
    add_months,
    dump_json,
    month_end,
    next_weekday,
    prev_weekday,
    rng_for,
    write,
)

# ----------------------------------------------------------------------------------------------------
# SEC: companyfacts + submissions
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    ticker: str
    cik: int
    entity_name: str  # companyfacts entityName
    sub_name: str  # submissions name
    fye_month: int
    currency: str
    annual_only: bool  # 20-F filer
    agent: str  # accession number prefix (filer agent or the company itself)
    doc_prefix: str
    revenue: tuple[float, float]  # annual level FY2019 -> FY2025, reporting currency
    rnd: tuple[float, float]
    margin: float  # operating margin
    capex: tuple[float, float]  # capex / revenue, FY2019 -> FY2025
    sti_concept: str
    extra_debt: str | None  # LongTermDebtCurrent or ShortTermBorrowings
    season: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)  # by fiscal quarter
    submissions: dict = field(default_factory=dict)


# fmt: off
COMPANIES = [
    Company("MSFT", 789019, "MICROSOFT CORPORATION", "MICROSOFT CORP", 6, "USD", False, "0000950170", "msft",
            (126e9, 280e9), (16.9e9, 32e9), 0.40, (0.11, 0.23), "ShortTermInvestments",
            "LongTermDebtCurrent", (0.97, 1.04, 0.97, 1.02),
            {"sic": "7372", "sicDescription": "Services-Prepackaged Software", "tickers": ["MSFT"],
             "exchanges": ["Nasdaq"], "fiscalYearEnd": "0630", "stateOfIncorporation": "WA",
             "stateOfIncorporationDescription": "WA", "fileNumber": "001-37845"}),
    Company("GOOGL", 1652044, "Alphabet Inc.", "Alphabet Inc.", 12, "USD", False, "0001652044", "goog",
            (161e9, 390e9), (26e9, 50e9), 0.25, (0.15, 0.22), "MarketableSecuritiesCurrent", None,
            (0.95, 0.98, 1.0, 1.07),
            {"sic": "7370", "sicDescription": "Services-Computer Programming, Data Processing, Etc.",
             "tickers": ["GOOGL", "GOOG"], "exchanges": ["Nasdaq", "Nasdaq"], "fiscalYearEnd": "1231",
             "stateOfIncorporation": "DE", "stateOfIncorporationDescription": "DE",
             "fileNumber": "001-37580"}),
    Company("AMZN", 1018724, "AMAZON.COM, INC.", "AMAZON COM INC", 12, "USD", False, "0001018724", "amzn",
            (280e9, 700e9), (36e9, 100e9), 0.06, (0.06, 0.16), "MarketableSecuritiesCurrent", None,
            (0.93, 0.95, 0.97, 1.15),
            {"sic": "5961", "sicDescription": "Retail-Catalog & Mail-Order Houses", "tickers": ["AMZN"],
             "exchanges": ["Nasdaq"], "fiscalYearEnd": "1231", "stateOfIncorporation": "DE",
             "stateOfIncorporationDescription": "DE", "fileNumber": "000-22513"}),
    Company("BABA", 1577552, "Alibaba Group Holding Limited", "Alibaba Group Holding Ltd", 3, "CNY", True,
            "0001104659", "baba", (377e9, 1000e9), (43e9, 57e9), 0.15, (0.09, 0.06), "ShortTermInvestments",
            "ShortTermBorrowings", (0.92, 0.97, 1.18, 0.93),
            {"sic": "5961", "sicDescription": "Retail-Catalog & Mail-Order Houses", "tickers": ["BABA"],
             "exchanges": ["NYSE"], "fiscalYearEnd": "0331", "stateOfIncorporation": "E9",
             "stateOfIncorporationDescription": "Cayman Islands", "fileNumber": "001-36614"}),
    Company("BIDU", 1329099, "Baidu, Inc.", "Baidu, Inc.", 12, "CNY", True, "0001104659", "bidu",
            (107e9, 135e9), (18e9, 24e9), 0.14, (0.06, 0.08), "ShortTermInvestments", "ShortTermBorrowings",
            (0.93, 1.0, 1.02, 1.05),
            {"sic": "7370", "sicDescription": "Services-Computer Programming, Data Processing, Etc.",
             "tickers": ["BIDU"], "exchanges": ["Nasdaq"], "fiscalYearEnd": "1231",
             "stateOfIncorporation": "E9", "stateOfIncorporationDescription": "Cayman Islands",
             "fileNumber": "000-51469"}),
]
# fmt: on

# Share counts in today's units: (date, count) anchors, linear in between; before the split date the
# reported count is today's count divided by the factor.
SHARES = {
    "MSFT": ([("2017-07-01", 7.70e9), ("2021-01-01", 7.54e9), ("2025-12-31", 7.43e9)], None),
    "GOOGL": (
        [("2017-07-01", 13.90e9), ("2022-07-18", 13.04e9), ("2025-12-31", 12.08e9)],
        ("2022-07-18", 20),
    ),
    "AMZN": ([("2017-07-01", 9.70e9), ("2022-06-06", 10.19e9), ("2025-12-31", 10.69e9)], ("2022-06-06", 20)),
    "BABA": ([("2018-01-01", 20.6e9), ("2020-09-30", 21.6e9), ("2025-12-31", 18.6e9)], ("2019-07-30", 8)),
    "BIDU": ([("2018-01-01", 2.77e9), ("2021-03-01", 2.80e9), ("2025-12-31", 2.76e9)], ("2021-03-01", 80)),
}
GOOGL_CLASS_MIX = (0.445, 0.067, 0.488)  # class A, B, C (dimensions are dropped in companyfacts)

CONCEPT_TEXT = {
    "RevenueFromContractWithCustomerExcludingAssessedTax": "Revenue from Contract with Customer, Excluding Assessed Tax",
    "Revenues": "Revenues",
    "ResearchAndDevelopmentExpense": "Research and Development Expense",
    "TechnologyAndContentExpense": "Technology and Content Expense",
    "TechnologyAndInfrastructureExpense": "Technology and Infrastructure Expense",
    "NetIncomeLoss": "Net Income (Loss) Attributable to Parent",
    "OperatingIncomeLoss": "Operating Income (Loss)",
    "PaymentsToAcquirePropertyPlantAndEquipment": "Payments to Acquire Property, Plant, and Equipment",
    "DepreciationDepletionAndAmortization": "Depreciation, Depletion and Amortization",
    "CashAndCashEquivalentsAtCarryingValue": "Cash and Cash Equivalents, at Carrying Value",
    "ShortTermInvestments": "Short-term Investments",
    "MarketableSecuritiesCurrent": "Marketable Securities, Current",
    "LongTermDebt": "Long-term Debt",
    "LongTermDebtCurrent": "Long-term Debt, Current Maturities",
    "ShortTermBorrowings": "Short-term Borrowings",
    "EntityCommonStockSharesOutstanding": "Entity Common Stock, Shares Outstanding",
    "CommonStockSharesOutstanding": "Common Stock, Shares, Outstanding",
    "WeightedAverageNumberOfSharesOutstandingBasic": "Weighted Average Number of Shares Outstanding, Basic",
    "PaymentsToAcquireOtherPropertyPlantAndEquipment": "Payments to Acquire Other Property, Plant, and Equipment",
    "LongTermLoansFromBank": "Long-term Loans from Bank",
    "SeniorLongTermNotes": "Senior Notes, Noncurrent",
    "SeniorNotesCurrent": "Senior Notes, Current",
    "LoansPayableToBankCurrent": "Loans Payable to Bank, Current",
}
SHARE_CONCEPTS = (
    "EntityCommonStockSharesOutstanding",
    "CommonStockSharesOutstanding",
    "WeightedAverageNumberOfSharesOutstandingBasic",
)
# How each company's share count reaches companyfacts, as on the real record: companyfacts keeps only
# facts without dimensions, so multi-class issuers (GOOGL A/B/C, BIDU A/B) have no dei cover count there.
# GOOGL tags the balance-sheet count of all classes; BIDU's 20-F only the weighted-average basic count.
SHARE_BASIS = {"GOOGL": "balance_sheet", "BIDU": "weighted_average"}  # others: dei cover count
# Company extension concepts: only in each filing's own XBRL instance, never in companyfacts.
EXTENSIONS = {"AMZN": "amzn"}
INSTANCES_SINCE = date(2019, 1, 1)  # ingestion/sources/sec_instances.py FIRST_FILED


@dataclass
class Filing:
    accn: str
    form: str
    fy: int
    fp: str
    period_end: date
    filed: date
    cover: date  # date of the dei share count on the cover page
    facts: list[tuple[str, str, date | None, date, int]] = field(
        default_factory=list
    )  # tax, concept, start, end, val
    # dimensional facts (instance documents only): tax, concept, start, end, val, (axis, member) or scenario
    parts: list[tuple[str, str, date | None, date, int, tuple[str, str, str]]] = field(default_factory=list)


@dataclass
class Book:
    """A company's synthetic true figures per fiscal quarter, in millions (money) of its currency."""

    co: Company
    flows: dict[tuple[int, int], dict[str, int]]  # (fy, q) -> metric -> value
    instants: dict[tuple[int, int], dict[str, int]]  # (fy, q) -> metric at quarter end

    def quarter_end(self, fy: int, q: int) -> date:
        return add_months(month_end(fy - 1, self.co.fye_month), 3 * q)

    def fy_start(self, fy: int) -> date:
        return month_end(fy - 1, self.co.fye_month) + timedelta(days=1)

    def ytd(self, fy: int, q: int, metric: str) -> int:
        return sum(self.flows[(fy, k)][metric] for k in range(1, q + 1))


FIRST_FY, LAST_FY = 2016, 2026
FLOW_METRICS = ("revenue", "rnd", "operating_income", "net_income", "capex", "dna")
INCOME_METRICS = ("revenue", "rnd", "operating_income", "net_income")  # 3-month and YTD in 10-Qs
CASHFLOW_METRICS = ("capex", "dna")  # YTD only in 10-Qs, as in real cash flow statements


def make_book(co: Company) -> Book:
    rng = rng_for(f"sec:book:{co.ticker}")
    (r19, r25), (d19, d25), (c19, c25) = co.revenue, co.rnd, co.capex
    flows, instants = {}, {}
    for fy in range(FIRST_FY, LAST_FY + 1):
        for q in range(1, 5):
            t = (fy - 2019) + (q - 2.5) / 4  # years since mid FY2019
            level = r19 * (r25 / r19) ** (t / 6)
            rev = level / 4 * co.season[q - 1] * (1 + rng.gauss(0, 0.02))
            rnd = d19 * (d25 / d19) ** (t / 6) / 4 * (1 + rng.gauss(0, 0.03))
            oi = rev * co.margin * (1 + rng.gauss(0, 0.08))
            ni = oi * 0.83 * (1 + rng.gauss(0, 0.12))
            if co.ticker == "AMZN" and (fy, q) in ((2022, 1), (2022, 2)):
                ni = -rev * (0.03 if q == 1 else 0.017)  # the sample keeps two loss quarters
            share = min(max(t / 6, 0.0), 1.0)
            capex = rev * (c19 + (c25 - c19) * share) * (1 + rng.gauss(0, 0.06))
            dna = rev * 0.08 * (1 + rng.gauss(0, 0.04))
            flows[(fy, q)] = {
                k: round(v / M) for k, v in zip(FLOW_METRICS, (rev, rnd, oi, ni, capex, dna), strict=True)
            }
            debt = level * (0.35 - 0.02 * t) * (1 + rng.gauss(0, 0.03))
            instants[(fy, q)] = {
                "cash": round(level * 0.09 * (1 + rng.gauss(0, 0.1)) / M),
                "sti": round(level * 0.35 * (1 + rng.gauss(0, 0.08)) / M),
                "debt": round(debt / M),
                "extra_debt": round(debt * 0.07 * (1 + rng.gauss(0, 0.2)) / M),
            }
    return Book(co, flows, instants)


def shares_at(ticker: str, on: date, rng: random.Random) -> int:
    anchors, split = SHARES[ticker]
    pts = [(date.fromisoformat(d), v) for d, v in anchors]
    for (d0, v0), (d1, v1) in pairwise(pts):
        if on <= d1 or (d1, v1) == pts[-1]:
            count = v0 + (v1 - v0) * (on - d0).days / (d1 - d0).days
            break
    count *= 1 + rng.gauss(0, 0.0015)
    if split and on < date.fromisoformat(split[0]):
        count /= split[1]
    return int(round(count, -3))


def concept_names(co: Company, filing_fy: int) -> dict[str, str]:
    """metric -> us-gaap concept as the company tags it in filings of ``filing_fy``."""
    names = {
        "revenue": "Revenues" if co.annual_only else "RevenueFromContractWithCustomerExcludingAssessedTax",
        "rnd": "ResearchAndDevelopmentExpense",
        "operating_income": "OperatingIncomeLoss",
        "net_income": "NetIncomeLoss",
        "capex": "PaymentsToAcquirePropertyPlantAndEquipment",
        "dna": "DepreciationDepletionAndAmortization",
        "cash": "CashAndCashEquivalentsAtCarryingValue",
        "sti": co.sti_concept,
        "debt": "LongTermDebt",
    }
    if co.extra_debt:
        names["extra_debt"] = co.extra_debt
    if co.ticker == "BABA":
        # Alibaba's real 20-F tags (issue 10): capex without land use rights, debt in pieces (see
        # BABA_DEBT_SPLIT), and no short-term investments under a mapped tag after FY2018.
        names["capex"] = "PaymentsToAcquireOtherPropertyPlantAndEquipment"
        del names["debt"]
        if filing_fy > 2018:
            del names["sti"]
    if co.ticker == "AMZN":
        names["rnd"] = (
            "TechnologyAndInfrastructureExpense" if filing_fy >= 2024 else "TechnologyAndContentExpense"
        )
    return names


class Accessions:
    """Unique, deterministic accession numbers ``PPPPPPPPPP-YY-NNNNNN``; NNNNNN grows through the year."""

    def __init__(self) -> None:
        self.rng = rng_for("sec:accn")
        self.seen: set[str] = set()

    def new(self, agent: str, filed: date) -> str:
        while True:
            seq = filed.timetuple().tm_yday * 300 + self.rng.randint(0, 299)
            accn = f"{agent}-{filed.year % 100:02d}-{seq:06d}"
            if accn not in self.seen:
                self.seen.add(accn)
                return accn


# Alibaba's long-term debt as it tags it: bank loans, senior notes (non-current) and the notes due
# within a year, each its own concept (shares of the synthetic total).
BABA_DEBT_SPLIT = (
    ("LongTermLoansFromBank", 0.35),
    ("SeniorLongTermNotes", 0.58),
    ("SeniorNotesCurrent", 0.07),
)

# Deliberate wrinkles the warehouse must handle (documented in README.md).
RESTATED = ("MSFT", "revenue", 2023, 1.004)  # FY2023 revenue restated +0.4% in later 10-Ks
AMENDED = ("GOOGL", 2021)  # a 10-K/A repeats the FY2021 10-K's facts with a new accn, filed later


def make_filings(book: Book, accns: Accessions) -> list[Filing]:
    co, rng = book.co, rng_for(f"sec:filings:{book.co.ticker}")
    filings: list[Filing] = []
    for fy in range(2018, LAST_FY + 1):
        for q in (4,) if co.annual_only else (1, 2, 3, 4):
            end = book.quarter_end(fy, q)
            if co.annual_only:
                form, lag = "20-F", rng.randint(88, 112) if co.fye_month == 3 else rng.randint(70, 95)
            elif q == 4:
                form, lag = "10-K", rng.randint(28, 45)
            else:
                form, lag = "10-Q", rng.randint(25, 40)
            filed = next_weekday(end + timedelta(days=lag))
            if filed > SNAPSHOT:
                continue
            cover = filed - timedelta(days=rng.randint(14, 28) if co.annual_only else rng.randint(5, 9))
            f = Filing(accns.new(co.agent, filed), form, fy, "FY" if q == 4 else f"Q{q}", end, filed, cover)
            add_facts(book, f, q, rng)
            filings.append(f)
            if (co.ticker, fy) == AMENDED and form == "10-K":
                filed_a = next_weekday(filed + timedelta(days=45))
                amended = Filing(
                    accns.new(co.agent, filed_a), "10-K/A", fy, "FY", end, filed_a, f.cover, list(f.facts)
                )
                filings.append(amended)
    return filings


def add_facts(book: Book, f: Filing, q: int, rng: random.Random) -> None:
    co, fy = book.co, f.fy
    names = concept_names(co, fy)

    def flow(metric: str, start: date, end: date, value: int) -> None:
        tax = EXTENSIONS[co.ticker] if metric == "rnd" and co.ticker in EXTENSIONS else "us-gaap"
        f.facts.append((tax, names[metric], start, end, value * M))

    def annual(metric: str, year: int) -> int:
        value = book.ytd(year, 4, metric)
        ticker, restated_metric, restated_fy, factor = RESTATED
        if (co.ticker, metric, year) == (ticker, restated_metric, restated_fy) and fy > restated_fy:
            value = round(value * factor)
        return value

    if q == 4:  # 10-K / 20-F: three years of flows, two balance sheets
        for metric in FLOW_METRICS:
            for year in (fy, fy - 1, fy - 2):
                flow(metric, book.fy_start(year), book.quarter_end(year, 4), annual(metric, year))
        balance_dates = [(fy, 4), (fy - 1, 4)]
    else:  # 10-Q: 3 months and year to date, this year and last; balance at quarter end and last FY end
        for year in (fy, fy - 1):
            q_start = book.quarter_end(year, q - 1) + timedelta(days=1) if q > 1 else book.fy_start(year)
            for metric in INCOME_METRICS:
                flow(metric, q_start, book.quarter_end(year, q), book.flows[(year, q)][metric])
            for metric in (INCOME_METRICS if q > 1 else ()) + CASHFLOW_METRICS:
                flow(metric, book.fy_start(year), book.quarter_end(year, q), book.ytd(year, q, metric))
        balance_dates = [(fy, q), (fy - 1, 4)]
    for year, qq in balance_dates:
        for metric, value in book.instants[(year, qq)].items():
            if metric in names:
                f.facts.append(("us-gaap", names[metric], None, book.quarter_end(year, qq), value * M))
        if co.ticker == "BABA":
            debt, placed = book.instants[(year, qq)]["debt"], 0
            for i, (concept, share) in enumerate(BABA_DEBT_SPLIT):
                piece = debt - placed if i == len(BABA_DEBT_SPLIT) - 1 else round(debt * share)
                placed += piece
                f.facts.append(("us-gaap", concept, None, book.quarter_end(year, qq), piece * M))
    total = shares_at(co.ticker, f.cover, rng)
    parts = [round(total * w, -3) for w in GOOGL_CLASS_MIX] if co.ticker == "GOOGL" else [total]
    for part in parts:
        # kept for the instance document; companyfacts drops it for multi-class issuers (SHARE_BASIS)
        f.facts.append(("dei", "EntityCommonStockSharesOutstanding", None, f.cover, int(part)))
    basis = SHARE_BASIS.get(co.ticker)
    rng = rng_for(f"sec:shares:{f.accn}")  # its own stream: the filings' draws stay as they were
    if basis == "balance_sheet":  # every class in one fact, at each balance-sheet date
        for year, qq in balance_dates:
            on = book.quarter_end(year, qq)
            count = restated(co.ticker, shares_at(co.ticker, on, rng), on, f.filed)
            f.facts.append(("us-gaap", "CommonStockSharesOutstanding", None, on, count))
    elif basis == "weighted_average":  # the 20-F's basic weighted average of each year it shows
        for year in (fy, fy - 1, fy - 2):
            mid = book.fy_start(year) + timedelta(days=182)
            count = restated(co.ticker, shares_at(co.ticker, mid, rng), mid, f.filed)
            f.facts.append(
                ("us-gaap", "WeightedAverageNumberOfSharesOutstandingBasic", book.fy_start(year),
                 book.quarter_end(year, 4), count)
            )  # fmt: skip
    if co.ticker in EXTENSIONS:
        add_parts(book, f)


def restated(ticker: str, count: int, on: date, filed: date) -> int:
    """A count as a filing states it: one filed after a split restates earlier dates on the new basis."""
    split = SHARES[ticker][1]
    if split and on < date.fromisoformat(split[0]) <= filed:
        return count * split[1]
    return count


AMZN_SEGMENTS = (
    ("NorthAmericaSegmentMember", 0.52),
    ("InternationalSegmentMember", 0.18),
    ("AmazonWebServicesSegmentMember", 0.30),
)


def add_parts(book: Book, f: Filing) -> None:
    """Dimensional facts of an instance document: parts of totals, which must never be summed into them.

    The extension line split by segment (its parts add up to the total, so summing them with the
    total would double it), share-based compensation inside that line (IncomeStatementLocationAxis,
    as Amazon reports it), and the prior year's figure "as previously reported" (a scenario).
    """
    ext = EXTENSIONS[book.co.ticker]
    rnd = [
        x for x in f.facts if x[1] in ("TechnologyAndContentExpense", "TechnologyAndInfrastructureExpense")
    ]
    member = f"{ext}:{rnd[0][1]}Member" if rnd else None
    for _tax, concept, start, end, val in rnd:
        placed = 0
        for i, (segment, share) in enumerate(AMZN_SEGMENTS):
            piece = val - placed if i == len(AMZN_SEGMENTS) - 1 else int(round(val * share, -6))
            placed += piece
            f.parts.append(
                (
                    ext,
                    concept,
                    start,
                    end,
                    piece,
                    ("segment", "us-gaap:StatementBusinessSegmentsAxis", f"{ext}:{segment}"),
                )
            )
        f.parts.append(
            ("us-gaap", "AllocatedShareBasedCompensationExpense", start, end, int(round(val * 0.21, -6)),
             ("segment", "us-gaap:IncomeStatementLocationAxis", member or ""))
        )  # fmt: skip
    prior = [x for x in rnd if x[3] < f.period_end and x[2] is not None and (x[3] - x[2]).days > 300]
    for _tax, concept, start, end, val in prior[:1]:
        f.parts.append(
            (ext, concept, start, end, int(round(val * 0.985, -6)),
             ("scenario", "srt:RestatementAxis", "srt:ScenarioPreviouslyReportedMember"))
        )  # fmt: skip


def frame_for(start: date | None, end: date) -> str | None:
    """SEC's calendar frame for a period: CY2022 (annual), CY2022Q3 (quarter), CY2022Q4I (instant)."""
    if start is None:
        return f"CY{end.year}Q{(end.month - 1) // 3 + 1}I"
    days = (end - start).days + 1
    if 335 <= days <= 395:
        return f"CY{start.year}"
    if 80 <= days <= 100:
        mid = start + (end - start) / 2
        return f"CY{mid.year}Q{(mid.month - 1) // 3 + 1}"
    return None  # 6- and 9-month year-to-date facts get no frame


def in_companyfacts(co: Company, tax: str, concept: str) -> bool:
    """companyfacts keeps neither extension concepts nor facts with dimensions (per-class cover counts)."""
    if tax == EXTENSIONS.get(co.ticker):
        return False
    return not (concept == "EntityCommonStockSharesOutstanding" and co.ticker in SHARE_BASIS)


def companyfacts(co: Company, filings: list[Filing]) -> dict:
    rows = []
    for f in filings:
        for tax, concept, start, end, val in f.facts:
            if in_companyfacts(co, tax, concept):
                rows.append((tax, concept, start, end, val, f))
    # Like SEC's frames API: the most recently filed fact for a period carries the frame (not dei here).
    latest: dict[tuple, tuple] = {}
    for tax, concept, start, end, _val, f in rows:
        key = (tax, concept, start, end)
        if tax != "dei" and (key not in latest or (f.filed, f.accn) > latest[key]):
            latest[key] = (f.filed, f.accn)
    facts: dict[str, dict] = {"dei": {}, "us-gaap": {}}
    for tax, concept, start, end, val, f in sorted(
        rows, key=lambda r: (r[0], r[1], r[3], r[2] or r[3], r[5].filed, r[5].accn)
    ):
        item = {} if start is None else {"start": start.isoformat()}
        item.update(
            end=end.isoformat(),
            val=val,
            accn=f.accn,
            fy=f.fy,
            fp=f.fp,
            form=f.form,
            filed=f.filed.isoformat(),
        )
        frame = frame_for(start, end)
        if frame and latest.get((tax, concept, start, end)) == (f.filed, f.accn):
            item["frame"] = frame
        label = CONCEPT_TEXT[concept]
        entry = facts[tax].setdefault(
            concept, {"label": label, "description": f"{label} (sample: synthetic values).", "units": {}}
        )
        entry["units"].setdefault("shares" if concept in SHARE_CONCEPTS else co.currency, []).append(item)
    if not facts["dei"]:
        del facts["dei"]  # some filers carry no dei block at all
    return {"cik": co.cik, "entityName": co.entity_name, "facts": facts}


def submissions(co: Company, filings: list[Filing], rng: random.Random, accns: Accessions) -> dict:
    listed = [(f.accn, f.filed, f.period_end, f.form) for f in filings]
    if not co.annual_only:  # an earnings 8-K a few days before each 10-Q/10-K, as real listings have
        for f in filings:
            if f.form in ("10-Q", "10-K"):
                day = prev_weekday(f.filed - timedelta(days=rng.randint(1, 5)))
                listed.append((accns.new(co.agent, day), day, day, "8-K"))
    listed.sort(key=lambda r: (r[1], r[0]), reverse=True)
    cols: dict[str, list] = {
        k: []
        for k in (
            "accessionNumber",
            "filingDate",
            "reportDate",
            "acceptanceDateTime",
            "act",
            "form",
            "fileNumber",
            "filmNumber",
            "items",
            "core_type",
            "size",
            "isXBRL",
            "isInlineXBRL",
            "primaryDocument",
            "primaryDocDescription",
        )
    }
    for accn, filed, report, form in listed:
        inline = filed >= (date(2021, 6, 1) if co.annual_only else date(2019, 6, 15))
        suffix = "x10ka" if form == "10-K/A" else ("8k" if form == "8-K" else "")
        cols["accessionNumber"].append(accn)
        cols["filingDate"].append(filed.isoformat())
        cols["reportDate"].append(report.isoformat())
        cols["acceptanceDateTime"].append(
            f"{filed}T{rng.randint(10, 21):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.000Z"
        )
        cols["act"].append("34")
        cols["form"].append(form)
        cols["fileNumber"].append(co.submissions["fileNumber"])
        cols["filmNumber"].append(f"{filed.year % 100:02d}{rng.randint(1000000, 9999999)}")
        cols["items"].append("2.02,9.01" if form == "8-K" else "")
        cols["core_type"].append(form)
        cols["size"].append(
            rng.randint(300_000, 900_000) if form == "8-K" else rng.randint(5_000_000, 16_000_000)
        )
        cols["isXBRL"].append(1 if form != "8-K" or inline else 0)
        cols["isInlineXBRL"].append(1 if inline else 0)
        cols["primaryDocument"].append(f"{co.doc_prefix}-{report:%Y%m%d}{suffix}.htm")
        cols["primaryDocDescription"].append(form)
    meta = {k: v for k, v in co.submissions.items() if k != "fileNumber"}
    return {
        "cik": str(co.cik),
        "entityType": "operating",
        "sic": meta["sic"],
        "sicDescription": meta["sicDescription"],
        "name": co.sub_name,
        "tickers": meta["tickers"],
        "exchanges": meta["exchanges"],
        "ein": None,
        "description": "",
        "website": "",
        "category": "Large Accelerated Filer",
        "fiscalYearEnd": meta["fiscalYearEnd"],
        "stateOfIncorporation": meta["stateOfIncorporation"],
        "stateOfIncorporationDescription": meta["stateOfIncorporationDescription"],
        "flags": "",
        "formerNames": [],
        "filings": {"recent": cols, "files": []},
    }


# -- EDGAR archive: filing index + XBRL instance of each filing of a company with extension concepts --

INSTANCE_NS = {  # prefix -> namespace (the us-gaap/dei/srt year is the filing's taxonomy release)
    "xbrli": "http://www.xbrl.org/2003/instance",
    "link": "http://www.xbrl.org/2003/linkbase",
    "xlink": "http://www.w3.org/1999/xlink",
    "xbrldi": "http://xbrl.org/2006/xbrldi",
    "iso4217": "http://www.xbrl.org/2003/iso4217",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def is_inline(co: Company, f: Filing) -> bool:
    """Inline XBRL from mid-2019 (as submissions' isInlineXBRL says): then the archive holds *_htm.xml."""
    return f.filed >= (date(2021, 6, 1) if co.annual_only else date(2019, 6, 15))


def instance_name(co: Company, f: Filing) -> str:
    return f"{co.doc_prefix}-{f.period_end:%Y%m%d}" + ("_htm.xml" if is_inline(co, f) else ".xml")


def _taxonomy_ns(name: str, year: int) -> str:
    release = str(year) if year >= 2022 else f"{year}-01-31"
    return {
        "us-gaap": f"http://fasb.org/us-gaap/{release}",
        "dei": f"http://xbrl.sec.gov/dei/{release}",
        "srt": f"http://fasb.org/srt/{release}",
    }[name]


def instance_xml(co: Company, f: Filing) -> str:
    """An XBRL instance as EDGAR keeps it: inline filings' extracted *_htm.xml (default namespace, as
    Amazon's real FY2022 one), older ones with the xbrli: prefix. Contexts first, then units, then facts."""
    ext = EXTENSIONS[co.ticker]
    year = min(f.filed.year, 2025)
    inline = is_inline(co, f)
    x = "" if inline else "xbrli:"  # the instance namespace's prefix
    ns = dict(INSTANCE_NS)
    ns.update({ext: f"http://www.{co.doc_prefix}.com/{f.period_end:%Y%m%d}"})
    ns.update({t: _taxonomy_ns(t, year) for t in ("dei", "srt", "us-gaap")})
    contexts: dict[tuple, str] = {}

    def context(start: date | None, end: date, qualifier: tuple[str, str, str] | None = None) -> str:
        key = (start, end, qualifier)
        if key not in contexts:
            period = f"I{end:%Y%m%d}" if start is None else f"D{start:%Y%m%d}-{end:%Y%m%d}"
            contexts[key] = (
                f"c{len(contexts) + 1}_{period}"
                if qualifier is None
                else f"c{len(contexts) + 1}_{period}_{qualifier[0][:3]}"
            )
        return contexts[key]

    lines = []
    # the dei facts' context: the filing's own period (its first duration ending on the period end)
    dei_context = context(*next((st, en) for _t, _c, st, en, _v in f.facts if st and en == f.period_end))
    for concept, text in (
        ("DocumentType", f.form), ("DocumentPeriodEndDate", f.period_end.isoformat()),
        ("DocumentFiscalYearFocus", str(f.fy)), ("DocumentFiscalPeriodFocus", f.fp),
        ("EntityCentralIndexKey", f"{co.cik:010d}"), ("EntityRegistrantName", co.entity_name),
    ):  # fmt: skip
        lines.append(f'    <dei:{concept} contextRef="{dei_context}">{escape(text)}</dei:{concept}>')
    for tax, concept, start, end, val in f.facts:
        unit, decimals = ("shares", "INF") if concept in SHARE_CONCEPTS else ("usd", "-6")
        ref = context(start, end)
        lines.append(
            f'    <{tax}:{concept} contextRef="{ref}" decimals="{decimals}" unitRef="{unit}">{val}</{tax}:{concept}>'
        )
    for tax, concept, start, end, val, qualifier in f.parts:
        ref = context(start, end, qualifier)
        lines.append(
            f'    <{tax}:{concept} contextRef="{ref}" decimals="-6" unitRef="usd">{val}</{tax}:{concept}>'
        )
    policy = (
        "&lt;div&gt;Technology costs include payroll of research and development staff (sample).&lt;/div&gt;"
    )
    lines.append(
        f'    <{ext}:TechnologyExpensesPolicyTextBlock contextRef="{dei_context}">{policy}</{ext}:TechnologyExpensesPolicyTextBlock>'
    )

    out = ['<?xml version="1.0" encoding="utf-8"?>', f"<{x}xbrl"]
    out.append('  xml:lang="en-US"')
    if inline:
        out.append(f'  xmlns="{ns["xbrli"]}"')
    for prefix in sorted(ns):
        if prefix != "xbrli" or not inline:
            out.append(f'  xmlns:{prefix}="{ns[prefix]}"')
    out[-1] += ">"
    out.append(
        f'  <link:schemaRef xlink:href="{co.doc_prefix}-{f.period_end:%Y%m%d}.xsd" xlink:type="simple"/>'
    )
    for (start, end, qualifier), cid in contexts.items():
        out.append(f'  <{x}context id="{cid}">')
        out.append(f"    <{x}entity>")
        out.append(f'      <{x}identifier scheme="http://www.sec.gov/CIK">{co.cik:010d}</{x}identifier>')
        member = (
            f'<xbrldi:explicitMember dimension="{qualifier[1]}">{qualifier[2]}</xbrldi:explicitMember>'
            if qualifier else ""
        )  # fmt: skip
        if qualifier and qualifier[0] == "segment":
            out.append(f"      <{x}segment>{member}</{x}segment>")
        out.append(f"    </{x}entity>")
        if start is None:
            out.append(f"    <{x}period><{x}instant>{end}</{x}instant></{x}period>")
        else:
            out.append(
                f"    <{x}period><{x}startDate>{start}</{x}startDate><{x}endDate>{end}</{x}endDate></{x}period>"
            )
        if qualifier and qualifier[0] == "scenario":
            out.append(f"    <{x}scenario>{member}</{x}scenario>")
        out.append(f"  </{x}context>")
    out.append(f'  <{x}unit id="usd"><{x}measure>iso4217:USD</{x}measure></{x}unit>')
    out.append(f'  <{x}unit id="shares"><{x}measure>{x}shares</{x}measure></{x}unit>')
    out += lines
    out.append(f"</{x}xbrl>")
    return "\n".join(out) + "\n"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def filing_index(co: Company, f: Filing, instance: str, rng: random.Random) -> dict:
    """EDGAR's folder listing (``index.json``) of one filing, with the files an XBRL filing holds."""
    stem = f"{co.doc_prefix}-{f.period_end:%Y%m%d}"
    folder = f"/Archives/edgar/data/{co.cik}/{f.accn.replace('-', '')}"
    stamp = f"{f.filed} {rng.randint(16, 21):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    names = [
        (f"{f.accn}-index-headers.html", ""), (f"{f.accn}-index.html", ""), (f"{f.accn}.txt", ""),
        ("Financial_Report.xlsx", str(rng.randint(90_000, 200_000))), ("FilingSummary.xml", str(rng.randint(40_000, 90_000))),
        ("R1.htm", str(rng.randint(5_000, 9_000))), (f"{stem}.htm", str(rng.randint(2_000_000, 9_000_000))),
        (f"{stem}.xsd", str(rng.randint(40_000, 90_000))), (f"{stem}_cal.xml", str(rng.randint(80_000, 150_000))),
        (f"{stem}_def.xml", str(rng.randint(200_000, 400_000))), (f"{stem}_lab.xml", str(rng.randint(500_000, 900_000))),
        (f"{stem}_pre.xml", str(rng.randint(400_000, 800_000))), (instance[0], str(instance[1])),
    ]  # fmt: skip
    items = [
        {"last-modified": stamp, "name": n, "type": "text.gif", "size": size} for n, size in sorted(names)
    ]
    return {"directory": {"item": items, "name": folder, "parent-dir": f"/Archives/edgar/data/{co.cik}/"}}


def write_instances(co: Company, filings: list[Filing]) -> None:
    rng = rng_for(f"sec:instances:{co.ticker}")
    for f in filings:
        if f.filed < INSTANCES_SINCE or f.form not in ("10-K", "10-K/A", "10-Q", "20-F"):
            continue
        folder = f"sec/Archives/edgar/data/{co.cik}/{f.accn.replace('-', '')}"
        name, body = instance_name(co, f), instance_xml(co, f)
        write(f"{folder}/{name}", body)
        write(f"{folder}/index.json", dump_json(filing_index(co, f, (name, len(body.encode())), rng)))


# filings.recent holds SEC's newest ~1,000 filings; Amazon's Form 4s fill it within a few years, so its
# older filings are on a page that filings.files names. The sample keeps that shape (with its own cut).
RECENT_FROM = {"AMZN": "2022-01-01"}


def split_submissions(subs: dict, page_name: str, recent_from: str) -> dict:
    """Move the filings filed before ``recent_from`` to an older page, as SEC's submissions do."""
    recent = subs["filings"]["recent"]
    old = [i for i, filed in enumerate(recent["filingDate"]) if filed < recent_from]
    new = [i for i, filed in enumerate(recent["filingDate"]) if filed >= recent_from]
    page = {k: [v[i] for i in old] for k, v in recent.items()}
    write(f"sec/submissions/{page_name}", dump_json(page))
    subs["filings"]["recent"] = {k: [v[i] for i in new] for k, v in recent.items()}
    subs["filings"]["files"] = [
        {"name": page_name, "filingCount": len(old), "filingFrom": min(page["filingDate"]),
         "filingTo": max(page["filingDate"])}
    ]  # fmt: skip
    return subs


def write_sec() -> None:
    accns = Accessions()
    for co in COMPANIES:
        filings = make_filings(make_book(co), accns)
        cik10 = f"CIK{co.cik:010d}"
        write(f"sec/companyfacts/{cik10}.json", dump_json(companyfacts(co, filings)))
        subs = submissions(co, filings, rng_for(f"sec:submissions:{co.ticker}"), accns)
        if co.ticker in RECENT_FROM:
            subs = split_submissions(subs, f"{cik10}-submissions-001.json", RECENT_FROM[co.ticker])
        write(f"sec/submissions/{cik10}.json", dump_json(subs))
        if co.ticker in EXTENSIONS:
            write_instances(co, filings)
    write("sec/company_tickers.json", dump_json(company_tickers()))


# SEC's ticker -> CIK file (www.sec.gov/files/company_tickers.json) cut down to the sample's listings.
# These rows are public facts, copied as SEC's May 2024 file writes them (row order, titles, integer
# CIKs); GOOG shares GOOGL's CIK (two share classes, one filer) and SPY is a fund, as in SEC's file.
SAMPLE_TICKERS = [
    (789019, "MSFT", "MICROSOFT CORP"),
    (1652044, "GOOGL", "Alphabet Inc."),
    (1018724, "AMZN", "AMAZON COM INC"),
    (884394, "SPY", "SPDR S&P 500 ETF TRUST"),
    (1577552, "BABA", "Alibaba Group Holding Ltd"),
    (1329099, "BIDU", "Baidu, Inc."),
    (1652044, "GOOG", "Alphabet Inc."),
]


def company_tickers() -> dict:
    """``{"0": {"cik_str", "ticker", "title"}, ...}`` as SEC serves it (compact, rows keyed by position)."""
    return {
        str(i): {"cik_str": cik, "ticker": t, "title": title}
        for i, (cik, t, title) in enumerate(SAMPLE_TICKERS)
    }
