"""The SEC parsers on small documents in SEC's exact formats, every expected value counted by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest

from ingestion.errors import BadSourceFile
from ingestion.landing import LandedFile, LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources import sec
from ingestion.universe import Listing

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sec"
MSFT = "0000789019"
FACTS_BODY = (FIXTURES / "companyfacts" / f"CIK{MSFT}.json").read_bytes()
SUBMISSIONS_BODY = (FIXTURES / "submissions" / f"CIK{MSFT}.json").read_bytes()


def entry(key: str) -> LandedFile:
    return LandedFile(
        source="sec",
        key=key,
        url="sample://test",
        status=200,
        fetched_at="2024-01-02T03:04:05.000000+00:00",
        sha256="0" * 64,
        bytes=0,
        path=f"sec/00/{key.replace('/', '_')}.json",
    )


def facts(body: bytes = FACTS_BODY, cik: str = MSFT):
    return sec.parse(entry(f"companyfacts/CIK{cik}"), body)["sec_companyfacts"]


def edited(change) -> bytes:
    doc = orjson.loads(FACTS_BODY)
    change(doc)
    return orjson.dumps(doc)


# -- companyfacts ----------------------------------------------------------------------


def test_companyfacts_one_row_per_fact_counted_by_hand():
    table = facts()
    assert table.schema == arrow_schema("sec_companyfacts")
    # dei: 2 shares-outstanding + 1 public float; us-gaap: 3 revenues + 2 assets + 2 EPS
    assert table.num_rows == 2 + 1 + 3 + 2 + 2
    rows = table.to_pylist()
    per_concept = {}
    for row in rows:
        per_concept[(row["taxonomy"], row["concept"], row["unit"])] = (
            per_concept.get((row["taxonomy"], row["concept"], row["unit"]), 0) + 1
        )
    assert per_concept == {
        ("dei", "EntityCommonStockSharesOutstanding", "shares"): 2,
        ("dei", "EntityPublicFloat", "USD"): 1,
        ("us-gaap", "Revenues", "USD"): 3,
        ("us-gaap", "Assets", "USD"): 2,
        ("us-gaap", "EarningsPerShareDiluted", "USD/shares"): 2,
    }
    assert {row["cik"] for row in rows} == {MSFT}
    assert {row["entity_name"] for row in rows} == {"MICROSOFT CORPORATION"}


def test_companyfacts_values_of_one_fact():
    rows = facts().to_pylist()
    fy2023 = [r for r in rows if r["concept"] == "Revenues" and r["period_end"] == date(2023, 6, 30)]
    assert fy2023 == [
        {
            "cik": MSFT,
            "entity_name": "MICROSOFT CORPORATION",
            "taxonomy": "us-gaap",
            "concept": "Revenues",
            "unit": "USD",
            "period_start": date(2022, 7, 1),
            "period_end": date(2023, 6, 30),
            "value": 211915000000.0,
            "accession_number": "0000950170-23-035122",
            "fiscal_year": 2023,
            "fiscal_period": "FY",
            "form": "10-K",
            "filed_date": date(2023, 7, 27),
            "frame": "CY2022",
        }
    ]
    eps = sorted(r["value"] for r in rows if r["concept"] == "EarningsPerShareDiluted")
    assert eps == [2.99, 9.68]


def test_instants_have_no_period_start():
    rows = facts().to_pylist()
    instants = [r for r in rows if r["period_start"] is None]
    # shares outstanding (2), public float (1) and assets (2) are instants; revenues and EPS are not
    assert sorted(r["concept"] for r in instants) == sorted(
        ["EntityCommonStockSharesOutstanding"] * 2 + ["EntityPublicFloat"] + ["Assets"] * 2
    )
    assert all(
        r["period_start"] is not None for r in rows if r["concept"] in ("Revenues", "EarningsPerShareDiluted")
    )


def test_frame_is_optional():
    rows = facts().to_pylist()
    no_frame = [r for r in rows if r["frame"] is None]
    assert [(r["concept"], r["period_end"]) for r in no_frame] == [
        ("EntityCommonStockSharesOutstanding", date(2023, 10, 19))
    ]


def test_wrong_cik_is_rejected_naming_both():
    with pytest.raises(BadSourceFile) as err:
        facts(cik="0001652044")
    assert "CIK 0000789019" in err.value.reason
    assert "companyfacts/CIK0001652044" in err.value.reason


def test_truncated_json_is_rejected():
    with pytest.raises(BadSourceFile) as err:
        facts(FACTS_BODY[: len(FACTS_BODY) // 2])
    assert err.value.reason.startswith("not JSON")
    assert "truncated" in err.value.reason


def test_html_page_is_rejected():
    page = (
        b"<!DOCTYPE html>\n<html><head><title>SEC.gov | Request Rate Threshold Exceeded</title></head></html>"
    )
    with pytest.raises(BadSourceFile) as err:
        facts(page)
    assert err.value.reason.startswith("not JSON: an HTML/XML page")
    assert "Request Rate Threshold Exceeded" in err.value.reason


def test_empty_body_is_rejected():
    for body in (b"", b"  \n"):
        with pytest.raises(BadSourceFile, match="not JSON: empty body"):
            facts(body)


def test_submissions_document_under_a_companyfacts_key_is_rejected():
    with pytest.raises(BadSourceFile, match="no 'entityName' at the top level"):
        facts(SUBMISSIONS_BODY)


def test_fact_without_accession_number_is_rejected_naming_it():
    body = edited(lambda d: d["facts"]["us-gaap"]["Revenues"]["units"]["USD"][1].pop("accn"))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason == "facts/us-gaap/Revenues/units/USD[1] has no 'accn'"


def test_boolean_value_is_rejected():
    # Arrow alone would read true as 1.0: a silent wrong number.
    body = edited(lambda d: d["facts"]["us-gaap"]["Assets"]["units"]["USD"][0].update(val=True))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason == "facts/us-gaap/Assets/units/USD[0]: val True is not a number"


def test_textual_value_is_rejected():
    body = edited(lambda d: d["facts"]["us-gaap"]["Assets"]["units"]["USD"][1].update(val="445785000000"))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason == "facts/us-gaap/Assets/units/USD[1]: val '445785000000' is not a number"


def test_integer_beyond_float_precision_is_kept_as_nearest_float():
    big = 2**60 + 1  # not exactly representable as float64
    body = edited(lambda d: d["facts"]["us-gaap"]["Assets"]["units"]["USD"][1].update(val=big))
    rows = facts(body).to_pylist()
    assert [r["value"] for r in rows if r["concept"] == "Assets"] == [411976000000.0, float(big)]


def test_impossible_date_is_rejected_naming_the_fact():
    body = edited(lambda d: d["facts"]["us-gaap"]["Revenues"]["units"]["USD"][2].update(end="2023-09-31"))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert (
        err.value.reason == "facts/us-gaap/Revenues/units/USD[2]: end '2023-09-31' is not a date YYYY-MM-DD"
    )


def test_fact_that_is_not_an_object_is_rejected():
    body = edited(lambda d: d["facts"]["us-gaap"]["Assets"]["units"]["USD"].append([1, 2]))
    with pytest.raises(BadSourceFile, match=r"facts/us-gaap/Assets/units/USD\[2\] is not a fact"):
        facts(body)


def test_company_without_facts_gives_no_rows():
    body = edited(lambda d: d.update(facts={}))
    table = facts(body)
    assert table.num_rows == 0
    assert table.schema == arrow_schema("sec_companyfacts")


def test_null_fiscal_year_and_period_and_unknown_keys_are_kept_as_null():
    # SEC writes "fy": null, "fp": null on some older facts, and may add keys: neither is an error.
    def change(d):
        d["facts"]["us-gaap"]["Assets"]["units"]["USD"][0].update(fy=None, fp=None, segment={"x": 1})

    rows = facts(edited(change)).to_pylist()
    assets = [(r["value"], r["fiscal_year"], r["fiscal_period"]) for r in rows if r["concept"] == "Assets"]
    # the second Assets fact is untouched: MSFT's Q1 of fiscal 2024 (quarter ending 2023-09-30)
    assert assets == [(411976000000.0, None, None), (445785000000.0, 2024, "Q1")]


def test_null_accession_number_is_rejected_like_a_missing_one():
    body = edited(lambda d: d["facts"]["us-gaap"]["Revenues"]["units"]["USD"][0].update(accn=None))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason == "facts/us-gaap/Revenues/units/USD[0] has no 'accn'"


def test_textual_fiscal_year_is_rejected_naming_the_fact():
    body = edited(lambda d: d["facts"]["us-gaap"]["Revenues"]["units"]["USD"][0].update(fy="2023"))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason.startswith("facts/us-gaap/Revenues/units/USD[0]: fy '2023' is refused")


def test_value_beyond_float64_is_rejected():
    body = edited(lambda d: d["facts"]["us-gaap"]["Assets"]["units"]["USD"][0].update(val=0))
    body = body.replace(b'"val":0,', b'"val":1' + b"0" * 400 + b",", 1)
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason.startswith("facts/us-gaap/Assets/units/USD[0]: val 1000")
    assert err.value.reason.endswith("is beyond the range of a float64")


def test_concept_without_units_is_rejected_naming_it():
    body = edited(lambda d: d["facts"]["us-gaap"]["Revenues"].pop("units"))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason == "facts/us-gaap/Revenues has no 'units'"


def test_unit_that_is_not_a_list_of_facts_is_rejected_naming_it():
    body = edited(lambda d: d["facts"]["us-gaap"]["Assets"]["units"].update(USD={"val": 1}))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason.startswith("facts/us-gaap/Assets/units/USD: expected `array`")


def test_taxonomy_that_is_not_an_object_is_rejected_naming_it():
    body = edited(lambda d: d["facts"].update(dei=[]))
    with pytest.raises(BadSourceFile) as err:
        facts(body)
    assert err.value.reason.startswith("facts/dei: expected `object`")


def test_many_facts_keep_their_concept_and_order_across_batches():
    # Facts are turned into Arrow a few thousand at a time: a document longer than one batch,
    # with one unit list longer than a batch on its own, must come out whole and in order.
    template = {"end": "2023-06-30", "accn": "0000950170-23-035122", "form": "10-K", "filed": "2023-07-27"}
    sizes = {"First": 5, "Long": sec._BATCH_FACTS + 7, "Last": sec._BATCH_FACTS - 3}

    def change(d):
        d["facts"] = {
            "us-gaap": {
                name: {"units": {"USD": [dict(template, val=i) for i in range(size)]}}
                for name, size in sizes.items()
            }
        }

    table = facts(edited(change))
    assert table.num_rows == 5 + (sec._BATCH_FACTS + 7) + (sec._BATCH_FACTS - 3)
    concepts = table.column("concept").to_pylist()
    values = table.column("value").to_pylist()
    expected_concepts = [name for name, size in sizes.items() for _ in range(size)]
    expected_values = [float(i) for size in sizes.values() for i in range(size)]
    assert concepts == expected_concepts
    assert values == expected_values
    assert set(table.column("unit").to_pylist()) == {"USD"}
    assert set(table.column("taxonomy").to_pylist()) == {"us-gaap"}


# -- submissions -----------------------------------------------------------------------


def submissions(body: bytes = SUBMISSIONS_BODY, cik: str = MSFT):
    return sec.parse(entry(f"submissions/CIK{cik}"), body)["sec_filings"]


def test_submissions_one_row_per_recent_filing():
    table = submissions()
    assert table.schema == arrow_schema("sec_filings")
    rows = table.to_pylist()
    assert [r["form"] for r in rows] == ["10-Q", "8-K", "10-K", "4"]
    assert rows[2] == {
        "cik": MSFT,
        "entity_name": "MICROSOFT CORP",
        "accession_number": "0000950170-23-035122",
        "form": "10-K",
        "filing_date": date(2023, 7, 27),
        "report_date": date(2023, 6, 30),
        "acceptance_datetime": "2023-07-27T16:12:41.000Z",
        "primary_document": "msft-20230630.htm",
        "is_xbrl": True,
    }
    # A Form 4 has no report date ("" in SEC's file) and no XBRL.
    assert rows[3]["report_date"] is None
    assert rows[3]["is_xbrl"] is False


def test_submissions_with_arrays_of_different_length_are_rejected():
    doc = orjson.loads(SUBMISSIONS_BODY)
    doc["filings"]["recent"]["form"].pop()
    with pytest.raises(BadSourceFile, match="differ in length"):
        submissions(orjson.dumps(doc))


def test_submissions_wrong_cik_is_rejected():
    with pytest.raises(
        BadSourceFile, match="CIK 0000789019 but was landed under key submissions/CIK0001018724"
    ):
        submissions(cik="0001018724")


# -- keys ------------------------------------------------------------------------------


def listing(ticker: str, cik: str | None, filer: str | None) -> Listing:
    return Listing(
        ticker, ticker, "company", "US", "US", cik, "NASDAQ", "USD", "USD", 12, f"{ticker}.US", filer
    )


def test_landing_keys_for_one_company(tmp_path):
    assert sec.landing_keys_for(listing("MSFT", MSFT, "sec"), LandingZone(tmp_path)) == [
        f"companyfacts/CIK{MSFT}",
        f"submissions/CIK{MSFT}",
    ]
    with pytest.raises(ValueError, match="no CIK"):
        sec.landing_keys_for(listing("0700.HK", None, "hkex"))


def test_only_sec_filers_are_fetched():
    chosen = sec.sec_listings(
        [listing("MSFT", MSFT, "sec"), listing("0700.HK", None, "hkex"), listing("SPY", None, None)]
    )
    assert [item.ticker for item in chosen] == ["MSFT"]


def test_unknown_landing_key_is_rejected():
    with pytest.raises(BadSourceFile, match="is not companyfacts/CIK"):
        sec.parse(entry("companyfacts/MSFT"), FACTS_BODY)
