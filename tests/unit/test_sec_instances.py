"""XBRL instance documents (EDGAR archive): which filings, which file, and the non-dimensional facts.

The real Amazon FY2022 10-K instance is read from ../shared/realdata (never copied into the repo);
the other documents are small, written here in XBRL's own format, every expected value by hand.
"""

from __future__ import annotations

import re
from datetime import date

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ingestion.config import BUNDLED_SAMPLE_DIR, REPO_ROOT
from ingestion.errors import BadSourceFile
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources import sec, sec_instances
from ingestion.universe import Listing

REALDATA = REPO_ROOT.parent / "shared" / "realdata"
AMZN_2022 = REALDATA / "xbrl" / "amzn-20221231_htm.xml"
AMZN = "0001018724"
AMZN_2022_ACCN = "0001018724-23-000004"  # per ../shared/realdata/README.md
MN = 1_000_000


def entry(key: str) -> LandedFile:
    return LandedFile(
        source="sec", key=key, url="sample://test", status=200,
        fetched_at="2024-01-02T03:04:05.000000+00:00", sha256="0" * 64, bytes=0, path=f"sec/{key}.xml",
    )  # fmt: skip


def parse(body: bytes, accn: str = "0001018724-24-000001", cik: str = AMZN) -> pa.Table:
    return sec.parse(entry(f"instance/CIK{cik}/{accn}"), body)["sec_instance_facts"]


def rows_of(table: pa.Table, concept: str) -> list[dict]:
    return sorted(
        table.filter(pc.equal(table["concept"], concept)).to_pylist(),
        key=lambda r: (r["period_end"], r["value"]),
    )


# -- the real Amazon FY2022 10-K instance ------------------------------------------------------


@pytest.fixture(scope="module")
def amzn_2022() -> tuple[bytes, pa.Table]:
    if not AMZN_2022.is_file():
        pytest.skip(f"../shared/realdata absent: {AMZN_2022} is Amazon's real FY2022 10-K XBRL instance")
    body = AMZN_2022.read_bytes()
    return body, parse(body, AMZN_2022_ACCN)


def test_real_amazon_technology_and_content_per_year(amzn_2022):
    _, table = amzn_2022
    got = [
        (r["taxonomy"], r["period_start"], r["period_end"], r["value"], r["unit"], r["accession_number"])
        for r in rows_of(table, "TechnologyAndContentExpense")
    ]
    # Amazon's FY2022 10-K income statement: 42,740 / 56,052 / 73,213 USD mn (README of ../shared/realdata)
    assert got == [
        ("amzn", date(2020, 1, 1), date(2020, 12, 31), 42_740 * MN, "USD", AMZN_2022_ACCN),
        ("amzn", date(2021, 1, 1), date(2021, 12, 31), 56_052 * MN, "USD", AMZN_2022_ACCN),
        ("amzn", date(2022, 1, 1), date(2022, 12, 31), 73_213 * MN, "USD", AMZN_2022_ACCN),
    ]
    assert set(table["document_type"].to_pylist()) == {"10-K"}
    assert set(table["fiscal_year"].to_pylist()) == {2022}
    assert table.schema == arrow_schema("sec_instance_facts")


def test_real_amazon_no_dimensional_fact_is_kept(amzn_2022):
    body, table = amzn_2022
    # Found here without the parser: each context's id and whether it has a segment or scenario.
    text = body.decode("utf-8")
    blocks = re.findall(r'<context id="([^"]+)">(.*?)</context>', text, re.DOTALL)
    dimensional = {cid for cid, inner in blocks if "<segment>" in inner or "<scenario>" in inner}
    assert len(blocks) > len(dimensional) > 100  # the file has plenty of both
    kept = set(table["context_id"].to_pylist())
    assert kept and not kept & dimensional
    facts_in_dimensional = sum(text.count(f'contextRef="{cid}"') for cid in dimensional)
    assert facts_in_dimensional > 0  # so skipping them is something the parser had to do
    # The cover count (dei, shares, an instant after the year end) is a plain non-dimensional fact.
    [cover] = rows_of(table, "EntityCommonStockSharesOutstanding")
    assert (cover["period_start"], cover["period_end"], cover["value"], cover["unit"]) == (
        None, date(2023, 1, 25), 10_247_259_757, "shares",
    )  # fmt: skip
    # One value per concept, period and unit: Revenues of 2022 once, the EPS unit spelled as SEC does.
    net_sales_2022 = [r for r in rows_of(table, "RevenueFromContractWithCustomerExcludingAssessedTax")
                      if r["period_start"] == date(2022, 1, 1) and r["period_end"] == date(2022, 12, 31)]  # fmt: skip
    assert len(net_sales_2022) == 1
    assert "USD/shares" in set(table["unit"].to_pylist())


# -- a small instance with dimensional contexts -------------------------------------------------

INSTANCE = b"""<?xml version="1.0" encoding="utf-8"?>
<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:amzn="http://www.amazon.com/20231231"
  xmlns:us-gaap="http://fasb.org/us-gaap/2023" xmlns:dei="http://xbrl.sec.gov/dei/2023"
  xmlns:xbrldi="http://xbrl.org/2006/xbrldi" xmlns:srt="http://fasb.org/srt/2023"
  xmlns:iso4217="http://www.xbrl.org/2003/iso4217" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <dei:DocumentType contextRef="FY">10-K</dei:DocumentType>
  <dei:DocumentFiscalYearFocus contextRef="FY">2023</dei:DocumentFiscalYearFocus>
  <dei:DocumentFiscalPeriodFocus contextRef="FY">FY</dei:DocumentFiscalPeriodFocus>
  <amzn:TechnologyAndContentExpense contextRef="FY" unitRef="usd" decimals="-6">85622000000</amzn:TechnologyAndContentExpense>
  <amzn:TechnologyAndContentExpense contextRef="FY_AWS" unitRef="usd" decimals="-6">30000000000</amzn:TechnologyAndContentExpense>
  <amzn:TechnologyAndContentExpense contextRef="FY_NA" unitRef="usd" decimals="-6">55622000000</amzn:TechnologyAndContentExpense>
  <amzn:TechnologyAndContentExpense contextRef="FY_prev" unitRef="usd" decimals="-6">84000000000</amzn:TechnologyAndContentExpense>
  <amzn:TechnologyAndContentExpense contextRef="FY_copy" unitRef="usd" decimals="-6">85622000000</amzn:TechnologyAndContentExpense>
  <us-gaap:NetIncomeLoss contextRef="FY" unitRef="usd" decimals="-6" xsi:nil="true"/>
  <us-gaap:EarningsPerShareBasic contextRef="FY" unitRef="eps" decimals="2">2.95</us-gaap:EarningsPerShareBasic>
  <dei:EntityCommonStockSharesOutstanding contextRef="cover" unitRef="shares" decimals="INF">10330000000</dei:EntityCommonStockSharesOutstanding>
  <xbrli:context id="FY"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001018724</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:startDate>2023-01-01</xbrli:startDate><xbrli:endDate>2023-12-31</xbrli:endDate></xbrli:period></xbrli:context>
  <xbrli:context id="FY_copy"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001018724</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:startDate>2023-01-01</xbrli:startDate><xbrli:endDate>2023-12-31</xbrli:endDate></xbrli:period></xbrli:context>
  <xbrli:context id="FY_AWS"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001018724</xbrli:identifier>
    <xbrli:segment><xbrldi:explicitMember dimension="us-gaap:StatementBusinessSegmentsAxis">amzn:AmazonWebServicesSegmentMember</xbrldi:explicitMember></xbrli:segment></xbrli:entity>
    <xbrli:period><xbrli:startDate>2023-01-01</xbrli:startDate><xbrli:endDate>2023-12-31</xbrli:endDate></xbrli:period></xbrli:context>
  <xbrli:context id="FY_NA"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001018724</xbrli:identifier>
    <xbrli:segment><xbrldi:typedMember dimension="amzn:RegionAxis"><amzn:Region>NA</amzn:Region></xbrldi:typedMember></xbrli:segment></xbrli:entity>
    <xbrli:period><xbrli:startDate>2023-01-01</xbrli:startDate><xbrli:endDate>2023-12-31</xbrli:endDate></xbrli:period></xbrli:context>
  <xbrli:context id="FY_prev"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001018724</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:startDate>2023-01-01</xbrli:startDate><xbrli:endDate>2023-12-31</xbrli:endDate></xbrli:period>
    <xbrli:scenario><xbrldi:explicitMember dimension="srt:RestatementAxis">srt:ScenarioPreviouslyReportedMember</xbrldi:explicitMember></xbrli:scenario></xbrli:context>
  <xbrli:context id="cover"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001018724</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:instant>2024-01-19T00:00:00</xbrli:instant></xbrli:period></xbrli:context>
  <xbrli:unit id="usd"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>
  <xbrli:unit id="shares"><xbrli:measure>xbrli:shares</xbrli:measure></xbrli:unit>
  <xbrli:unit id="eps"><xbrli:divide><xbrli:unitNumerator><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unitNumerator>
    <xbrli:unitDenominator><xbrli:measure>xbrli:shares</xbrli:measure></xbrli:unitDenominator></xbrli:divide></xbrli:unit>
</xbrli:xbrl>
"""


def test_dimensional_and_scenario_facts_are_skipped_and_repeats_kept_once():
    table = parse(INSTANCE)
    # 85,622 once: the segment parts (30,000 + 55,622), the "previously reported" 84,000 and the
    # repeat in a second plain context with the same period are not rows; contexts defined after
    # the facts that use them are resolved.
    assert [
        (r["taxonomy"], r["value"], r["context_id"]) for r in rows_of(table, "TechnologyAndContentExpense")
    ] == [("amzn", 85_622 * MN, "FY")]
    assert [(r["unit"], r["value"]) for r in rows_of(table, "EarningsPerShareBasic")] == [
        ("USD/shares", 2.95)
    ]
    assert rows_of(table, "NetIncomeLoss") == []  # nil: no value reported
    [cover] = rows_of(table, "EntityCommonStockSharesOutstanding")
    assert (cover["taxonomy"], cover["period_end"], cover["unit"], cover["decimals"]) == (
        "dei", date(2024, 1, 19), "shares", "INF",
    )  # fmt: skip
    assert table.num_rows == 3
    assert set(table["document_type"].to_pylist()) == {"10-K"}
    assert set(table["fiscal_period"].to_pylist()) == {"FY"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.replace(b"85622000000</amzn", b"85,622</amzn"), r"value '85,622' is not a number"),
        (
            lambda b: b.replace(
                b'contextRef="FY" unitRef="usd" decimals="-6">856',
                b'contextRef="FY9" unitRef="usd" decimals="-6">856',
            ),
            r"refers to context 'FY9', which is not defined",
        ),  # fmt: skip
        (
            lambda b: b.replace(
                b"0001018724</xbrli:identifier></xbrli:entity>\n    <xbrli:period><xbrli:instant>",
                b"0000789019</xbrli:identifier></xbrli:entity>\n    <xbrli:period><xbrli:instant>",
            ),
            r"context cover is about CIK 0000789019 .* refusing",
        ),  # fmt: skip
        (lambda b: b[:-40], r"not XML .*line \d+, column \d+"),
        (lambda b: b"", r"not XML: empty body"),
        (
            lambda b: b"<html><body>Request rate threshold exceeded</body></html>",
            r"not an XBRL instance.*html",
        ),
        (
            lambda b: b.replace(b"<xbrli:instant>2024-01-19T00:00:00", b"<xbrli:instant>2024-13-19"),
            r"'2024-13-19' is not a date",
        ),
    ],
)
def test_bad_instances_are_refused_naming_the_problem(change, message):
    with pytest.raises(BadSourceFile, match=message):
        parse(change(INSTANCE))


# -- which filings, which file -------------------------------------------------------------


def submissions_table(rows: list[tuple[str, str, str, bool]]) -> pa.Table:
    body = orjson.dumps({
        "cik": "1018724", "name": "AMAZON COM INC",
        "filings": {"recent": {
            "accessionNumber": [r[0] for r in rows], "form": [r[1] for r in rows],
            "filingDate": [r[2] for r in rows], "reportDate": ["" for _ in rows],
            "acceptanceDateTime": ["" for _ in rows], "primaryDocument": ["x.htm" for _ in rows],
            "isXBRL": [int(r[3]) for r in rows],
        }},
    })  # fmt: skip
    return sec.parse_submissions(body, "submissions.json", AMZN)


def test_filings_with_instances_are_the_annual_and_quarterly_reports_since_2019():
    table = submissions_table([
        ("0001018724-23-000004", "10-K", "2023-02-03", True),
        ("0001018724-22-000010", "10-Q", "2022-10-28", True),
        ("0001018724-23-000100", "4", "2023-02-10", True),  # an insider form: no instance wanted
        ("0001018724-22-000020", "8-K", "2022-10-27", True),
        ("0001018724-18-000005", "10-K", "2018-02-02", True),  # before 2019
        ("0001018724-19-000030", "10-K/A", "2019-04-01", True),
        ("0001018724-19-000031", "10-Q", "2019-04-26", False),  # no XBRL
    ])  # fmt: skip
    assert [(f.accession, f.form, f.filed) for f in sec_instances.filings_with_instances(table)] == [
        ("0001018724-19-000030", "10-K/A", date(2019, 4, 1)),
        ("0001018724-22-000010", "10-Q", date(2022, 10, 28)),
        ("0001018724-23-000004", "10-K", date(2023, 2, 3)),
    ]
    filing = sec_instances.filings_with_instances(table)[-1]
    assert filing.folder == "Archives/edgar/data/1018724/000101872423000004"
    assert filing.instance_key == "instance/CIK0001018724/0001018724-23-000004"


def index(*names: str) -> bytes:
    items = [
        {"last-modified": "2023-02-02 18:09:54", "name": n, "type": "text.gif", "size": ""} for n in names
    ]
    return orjson.dumps(
        {"directory": {"item": items, "name": "/Archives/edgar/data/1018724/000101872423000004"}}
    )


LINKBASES = ("amzn-20221231.htm", "amzn-20221231.xsd", "amzn-20221231_cal.xml", "amzn-20221231_def.xml",
             "amzn-20221231_lab.xml", "amzn-20221231_pre.xml", "FilingSummary.xml", "R1.htm")  # fmt: skip


def test_instance_name_prefers_the_inline_extract_then_the_plain_instance():
    assert (
        sec_instances.instance_name(index(*LINKBASES, "amzn-20221231_htm.xml"), "i.json")
        == "amzn-20221231_htm.xml"
    )
    assert (
        sec_instances.instance_name(index(*LINKBASES, "amzn-20181231.xml"), "i.json") == "amzn-20181231.xml"
    )
    with pytest.raises(BadSourceFile, match="no XBRL instance .* among 8 files"):
        sec_instances.instance_name(index(*LINKBASES), "i.json")
    with pytest.raises(BadSourceFile, match="more than one XBRL instance"):
        sec_instances.instance_name(index("a-20221231_htm.xml", "b-20221231_htm.xml"), "i.json")
    with pytest.raises(BadSourceFile, match="expected directory.item"):
        sec_instances.instance_name(b'{"directory": {}}', "i.json")
    # a landed index is parsed (and so checked) but writes no raw rows
    assert sec.parse(entry(f"filing-index/CIK{AMZN}/{AMZN_2022_ACCN}"), index("amzn-20221231_htm.xml")) == {}


def test_extension_concepts_come_from_the_concept_map(tmp_path):
    assert sec_instances.extension_concepts() == {
        "AMZN": {"amzn:TechnologyAndContentExpense", "amzn:TechnologyAndInfrastructureExpense"}
    }
    seed = tmp_path / "concept_map.csv"
    seed.write_text("metric,taxonomy,concept,ticker,is_extension\nrd_expense,amzn,X,,true\n")
    with pytest.raises(
        ValueError, match=r"concept_map.csv, line 2: an extension concept must name its company"
    ):
        sec_instances.extension_concepts(seed)


def test_landing_keys_of_a_company_include_its_instances(tmp_path):
    zone = LandingZone(tmp_path / "landing")
    for key in (f"instance/CIK{AMZN}/{AMZN_2022_ACCN}", f"filing-index/CIK{AMZN}/{AMZN_2022_ACCN}",
                "instance/CIK0000789019/0000789019-23-000001"):  # fmt: skip
        zone.land("sec", key, key.encode(), url="sample://x", suffix=".xml")
    amzn = Listing(
        "AMZN", "Amazon", "company", "US", "US", AMZN, "NASDAQ", "USD", "USD", 12, "AMZN.US", "sec"
    )
    assert sec.landing_keys_for(amzn, zone) == [
        f"companyfacts/CIK{AMZN}",
        f"submissions/CIK{AMZN}",
        f"filing-index/CIK{AMZN}/{AMZN_2022_ACCN}",
        f"instance/CIK{AMZN}/{AMZN_2022_ACCN}",
    ]


def test_bundled_sample_keeps_amazons_extension_lines_only_in_instances():
    """The sample tells the truth: companyfacts has no amzn: concept; each instance has its parts."""
    facts = orjson.loads((BUNDLED_SAMPLE_DIR / "sec" / "companyfacts" / f"CIK{AMZN}.json").read_bytes())
    assert "amzn" not in facts["facts"]
    assert not any("Technology" in c for concepts in facts["facts"].values() for c in concepts)
    folders = sorted((BUNDLED_SAMPLE_DIR / "sec" / "Archives" / "edgar" / "data" / "1018724").iterdir())
    assert len(folders) >= 27  # every 10-K/10-Q filed 2019-01-01..2025-12-31: 7 years x 4
    checked = 0
    for folder in folders:
        body = (folder / "index.json").read_bytes()
        name = sec_instances.instance_name(body, str(folder))
        xml = (folder / name).read_bytes()
        table = parse(xml, f"{folder.name[:10]}-{folder.name[10:12]}-{folder.name[12:]}")
        ext = table.filter(pc.equal(table["taxonomy"], "amzn"))
        assert ext.num_rows >= 2, folder
        assert xml.count(b"<amzn:Technology") > ext.num_rows  # the segment parts are in the file, not in raw
        for row in ext.to_pylist():  # the non-dimensional total equals its segment parts' sum in the file
            period = f"D{row['period_start']:%Y%m%d}-{row['period_end']:%Y%m%d}_seg"
            pattern = rf'<amzn:{row["concept"]} contextRef="c\d+_{period}" decimals="-6" unitRef="usd">(\d+)<'
            parts = [int(v) for v in re.findall(pattern, xml.decode())]
            assert len(parts) == 3 and sum(parts) == row["value"], (folder, row)
            checked += 1
    assert checked >= 2 * len(folders)
